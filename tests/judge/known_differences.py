"""Differences the judge finds today and why: each (document, direction, BT) is listed once.

`KNOWN_DEFECTS` are the converter's: it changes or drops a term without a warning. They are being fixed; when one
is, the judge no longer finds the difference and fails until the entry is removed, so this list only shrinks.
`UPSTREAM_DISAGREEMENTS` are the corpus's: the source states one term twice with different values, or the paired
upstream documents disagree. They stay as long as the corpus does, and are checked the same way.

Directions: `ubl->cii`, `cii->ubl`, `ubl->edifact->ubl`, `cii->edifact->cii` (the source against its conversion) and
`edifact->cii` (the CII conversion of a CEN EDIFACT example against the CEN CII example of the same invoice).
A document named `path#variant` is the corpus document changed by the variant of that name in
`test_independent_judge.py`: a form the public corpus lacks, to exercise a defect found by review.
"""

from __future__ import annotations

from dataclasses import dataclass

DIRECTIONS = ("ubl->cii", "cii->ubl", "ubl->edifact->ubl", "cii->edifact->cii", "edifact->cii")


@dataclass(frozen=True)
class Known:
    term: str
    direction: str
    documents: tuple[str, ...]
    reason: str


CEN = "cen-en16931/cii/examples/"
CEN_UBL = "cen-en16931/ubl/examples/"
CEN_EDIFACT = "cen-en16931/edifact/examples/"
FACTUR_X = "factur-x/tests/fixtures/xml/"
XML_RECHNUNG = "zugferd-corpus/XML-Rechnung/"
MUSTANG = "zugferd-corpus/ZUGFeRDv2/correct/Mustangproject/"

KNOWN_DEFECTS: tuple[Known, ...] = ()

UPSTREAM_DISAGREEMENTS: tuple[Known, ...] = (
    # CEN's EDIFACT examples against their CII counterparts (tests/formats/corpus.py, EDIFACT_UPSTREAM_DIFFERENCES).
    Known(
        "BT-84",
        "edifact->cii",
        (f"{CEN_EDIFACT}EDIFACT_EXAMPLE5.TXT",),
        "CII states a credit transfer to DK1212341234123412, EDIFACT a direct debit from it (as the UBL example).",
    ),
    Known("BT-91", "edifact->cii", (f"{CEN_EDIFACT}EDIFACT_EXAMPLE5.TXT",), "The same account, as BT-84."),
    Known(
        "BT-135",
        "edifact->cii",
        (f"{CEN_EDIFACT}EDIFACT_EXAMPLE5.TXT", f"{CEN_EDIFACT}EDIFACT_EXAMPLE9.TXT"),
        "The line periods end on different dates in the two upstream files (2013-03-10 / 2013-04-10, "
        "2016-04-01 / 2016-06-30).",
    ),
    Known(
        "BT-149",
        "edifact->cii",
        (f"{CEN_EDIFACT}EDIFACT_EXAMPLE5.TXT", f"{CEN_EDIFACT}EDIFACT_EXAMPLE9.TXT"),
        "Example 5: CII's gross base quantity 1.1 (KoSIT reports it) against EDIFACT's 1; example 9: CII states 49 "
        "for a 49/month price over 3 months (line total 147), EDIFACT 1.",
    ),
    Known(
        "BT-157",
        "edifact->cii",
        (f"{CEN_EDIFACT}EDIFACT_EXAMPLE5.TXT",),
        "CII gives the item's standard identifier scheme 0088 (GLN), EDIFACT's LIN says GTIN (SRV, 0160).",
    ),
    Known(
        "BT-158",
        "edifact->cii",
        (f"{CEN_EDIFACT}EDIFACT_EXAMPLE5.TXT",),
        "EDIFACT classifies the item (PIA+1), CII does not.",
    ),
    Known(
        "BT-17",
        "edifact->cii",
        (f"{CEN_EDIFACT}EDIFACT_EXAMPLE5.TXT",),
        "EDIFACT types Lot567 as the tender reference; CII gives it no type code, so it is no BT-17 there.",
    ),
    Known(
        "BT-18",
        "edifact->cii",
        (f"{CEN_EDIFACT}EDIFACT_EXAMPLE5.TXT",),
        "EDIFACT types OBJ999 as the invoiced object; CII gives it no type code, so it is no BT-18 there.",
    ),
    Known(
        "BT-31",
        "edifact->cii",
        (f"{CEN_EDIFACT}EDIFACT_EXAMPLE6.TXT",),
        "CII states the seller VAT identifier DK123456789MVA, EDIFACT 123456789MVA.",
    ),
)

ALL: tuple[Known, ...] = KNOWN_DEFECTS + UPSTREAM_DISAGREEMENTS


def known_terms(document: str, direction: str) -> set[str]:
    return {k.term for k in ALL if k.direction == direction and document in k.documents}
