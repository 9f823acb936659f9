"""Qualifiers of the EN 16931 EDIFACT (INVOIC D14B) binding shared by the reader and the writer."""

SERVICE_SEGMENTS = frozenset({"UNA", "UNB", "UNG", "UNE", "UNT", "UNZ"})
# BT-8 is written as a date-less DTM whose qualifier is the code itself (exclusive with DTM+131, BR-CO-03).
TAX_POINT_CODES = frozenset({"3", "35", "432"})
# A note needs an FTX text subject qualifier; CEN's examples write a note without subject code (BT-21) as GEN.
FTX_NOTE_WITHOUT_SUBJECT = "GEN"
# FTX+DOC carries "P1" in C107 in every CEN example and no business process: BT-24 and BT-23 go in C108.
DOC_PROFILE_CODE = "P1"
# Item standard identifier (BT-157): LIN carries UNTDID 7143 item type codes, EN 16931 ISO 6523 ICD codes.
ITEM_SCHEME_FROM_EDIFACT = {"SRV": "0160"}
ITEM_SCHEME_TO_EDIFACT = {v: k for k, v in ITEM_SCHEME_FROM_EDIFACT.items()}
# FTX qualifiers that carry a business term other than a note. A note (BG-1) whose subject code is one of
# them is written with text function code 1 (FTX element 2) so that it reads back as a note.
RESERVED_FTX = frozenset({"AAB", "REG", "AAT", "AGM", "DOC", "ACB", "ACF"})
NOTE_FUNCTION = "1"
# COM in the supporting document group (SG26) with this channel qualifier holds BT-124, the external location.
EXTERNAL_LOCATION_CHANNEL = "AO"
