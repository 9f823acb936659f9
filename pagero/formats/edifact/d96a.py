"""UN/EDIFACT INVOIC before D14B: D96A as the EANCOM-style retail message (read and written), and D93A, D97A, D97B
and D01B (read), which differ from it only in code lists and segment details.

These directories predate the CEN binding of EN 16931 (D14B, reader.py/writer.py): the segments are the same
(BGM, DTM, RFF, NAD, CUX, LIN, IMD, QTY, MOA, PRI, TAX, ALC, UNS), some qualifiers and segment names differ.
Reading builds on the D14B reader and adds what the retail message uses: the supplier as NAD+SU, the invoicee
(IV) or bill-to party (BT) as the buyer when there is no NAD+BY, payment terms in PAT (PYT in D14B), the document
date in DTM+3 beside DTM+137, the line amount as MOA+66 (goods item total) beside MOA+203, PRI+INV (invoice price)
as the net price, the message totals MOA+77/86 (invoice amount), MOA+125 outside a TAX group (taxable amount),
MOA+124/176 (tax total), MOA+39/128 (total amount). Writing D96A writes the D14B binding's segments with the D96A
names and codes (docs/formats.md lists them) in a syntax version 3 interchange (UNOC): syntax 3 has no package
objects, so attached documents (BT-125) cannot travel and are reported.
"""

from __future__ import annotations

from dataclasses import dataclass

from ..errors import ConversionWarning, UnsupportedFormat
from ..model import Invoice
from ..values import ccyymmdd
from .reader import _EdifactReader
from .syntax import UNA_LENGTH, Segment, serialise, tokenize
from .writer import _EdifactWriter

# The directories read here, by UNH S009 version:release. D14B is the CEN binding (reader.py).
LEGACY_DIRECTORIES = frozenset({("D", "93A"), ("D", "96A"), ("D", "97A"), ("D", "97B"), ("D", "01B")})
WRITTEN_DIRECTORY = ("D", "96A")
EANCOM_ASSOCIATION = "EAN008"  # UNH S009 association assigned code of the EANCOM 1997 INVOIC


def directory_name(version: str | None, release: str | None) -> str:
    return f"{version}{release}" if version == "D" else f"{version}:{release}"


@dataclass(frozen=True)
class LegacyRead:
    invoice: Invoice
    warnings: list[ConversionWarning]
    directory: str  # D96A, D93A, ... as named in every report


def unwrap(data: bytes) -> bytes:
    """An interchange wrapped at a fixed width (line breaks inside segments, as some mailbox systems write them)
    without its line breaks; any other is returned as it is."""
    head = data.lstrip(b"\xef\xbb\xbf \t\r\n")
    terminator = head[8:9] if head.startswith(b"UNA") and len(head) >= UNA_LENGTH else b"'"
    if terminator in b"\r\n":
        return data
    lines = data.replace(b"\r\n", b"\n").replace(b"\r", b"\n").rstrip(b"\n").split(b"\n")
    # Wrapped: most lines end inside a segment. Where most end with a segment terminator, a line break elsewhere
    # (in free text) is content and is kept.
    inside = sum(1 for line in lines[:-1] if not line.rstrip(b" ").endswith(terminator))
    if len(lines) < 3 or inside * 2 <= len(lines) - 1:
        return data
    return b"".join(lines)


def read_legacy_invoic(data: bytes) -> LegacyRead:
    """An INVOIC of a directory before D14B, read into the model; the directory is named in every warning."""
    segments = tokenize(unwrap(data))
    header = next((s for s in segments if s.tag == "UNH"), None)
    if header is None or header.get(2, 0) != "INVOIC":
        raise UnsupportedFormat("the EDIFACT interchange holds no INVOIC message")
    version, release = header.get(2, 1), header.get(2, 2)
    if (version, release) not in LEGACY_DIRECTORIES:
        raise UnsupportedFormat(
            f"EDIFACT INVOIC {directory_name(version, release)} is not read: INVOIC D93A, D96A, D97A, D97B, D01B "
            "and D14B are"
        )
    directory = directory_name(version, release)
    reader = _LegacyReader(directory)
    for segment in segments:
        reader.feed(segment)
    invoice, warnings = reader.finish()
    named = [type(w)(path=w.path, message=f"INVOIC {directory}: {w.message}", term=w.term) for w in warnings]
    return LegacyRead(invoice, named, directory)


class _LegacyReader(_EdifactReader):
    """The D14B reader with the qualifiers and segments of the retail message of the older directories."""

    PARTY_ALIASES = {"SU": "SE"}
    BUYER_ALTERNATIVES = ("IV", "BT")

    def __init__(self, directory: str) -> None:
        super().__init__()
        self.directory = directory
        self.message_tax_total = False

    def seg_UNH(self, s: Segment) -> None:
        return  # the directory is checked before reading and named in every warning

    def seg_NAD(self, s: Segment) -> None:
        qualifier = s.get(1, 0)
        alias = self.PARTY_ALIASES.get(qualifier or "")
        if alias is None and qualifier in self.BUYER_ALTERNATIVES and self.inv.buyer.name is None:
            alias = "BY"  # the invoicee / bill-to party is the buyer when the message names no NAD+BY
        if alias is not None:
            s = Segment(s.tag, [[alias], *s.elements[1:]], s.position)
        if s.get(4, 0) is None and s.get(3, 0) is not None:
            # Name and address as free text (C058) and no structured name (C080): its first line is the name.
            elements = [list(e) for e in s.elements]
            elements[3] = [elements[2][0]]
            s = Segment(s.tag, elements, s.position)
        super().seg_NAD(s)

    def seg_PAT(self, s: Segment) -> None:
        self.seg_PYT(s)

    def seg_DTM(self, s: Segment) -> None:
        if s.get(1, 0) == "3" and self.section == "header" and self.inv.issue_date is None:
            s = Segment(s.tag, [["137", *s.elements[0][1:]], *s.elements[1:]], s.position)
        if s.get(1, 2) == "102" and len(s.get(1, 1) or "") == 12:
            # CCYYMMDDHHMM written with format 102 (CCYYMMDD), as older senders do: the date is its first 8 digits.
            self.warn(s, f"INVOIC {self.directory}: a 12-digit date in format 102 is read as its first 8 digits")
            s = Segment(s.tag, [[s.elements[0][0], (s.get(1, 1) or "")[:8], "102"], *s.elements[1:]], s.position)
        super().seg_DTM(s)

    def seg_PRI(self, s: Segment) -> None:
        if s.get(1, 0) == "INV":
            s = Segment(s.tag, [["AAA", *s.elements[0][1:]], *s.elements[1:]], s.position)
        super().seg_PRI(s)

    def seg_MOA(self, s: Segment) -> None:
        qualifier = s.get(1, 0)
        if self.section == "line" and self.line is not None and qualifier == "66" and self.line.net_amount is None:
            s = Segment(s.tag, [["203", *s.elements[0][1:]], *s.elements[1:]], s.position)
        super().seg_MOA(s)

    def summary_amount(self, s: Segment, qualifier: str | None) -> None:
        totals = self.inv.totals
        if self.breakdown is None:
            # Message totals (SG48/SG50 in the retail message) before any TAX group.
            if qualifier == "125":
                totals.tax_exclusive = self.decimal(s, 1, 1, "BT-109")
                return
            if qualifier in {"124", "176"}:
                totals.vat_total = self.decimal(s, 1, 1, "BT-110")
                return
            if qualifier in {"77", "86", "39", "128"} and totals.tax_inclusive is None:
                totals.tax_inclusive = self.decimal(s, 1, 1, "BT-112")
                return
            if qualifier == "165":
                totals.rounding = self.decimal(s, 1, 1, "BT-114")
                return
        super().summary_amount(s, qualifier)


# -- writing D96A -------------------------------------------------------------------------------------------------
# Summary amounts the D14B binding codes with qualifiers of later directories, and their D96A codes.
SUMMARY_CODES = {"389": "125", "388": "77", "366": "165"}
# What the D14B binding writes that D96A's retail message holds under another name.
SEGMENT_NAMES = {"PYT": "PAT"}
PARTY_CODES = {"SE": "SU"}
# Terms the D96A message written here cannot carry (the round-trip test lists the same ones).
NOT_IN_D96A = {
    "BT-125": "attached documents travel as package objects (UNO/UNP), which syntax version 3 does not have",
}


def write_d96a(invoice: Invoice) -> tuple[bytes, list[ConversionWarning]]:
    """The invoice as an INVOIC D96A interchange (syntax version 3, UNOC; EANCOM association EAN008)."""
    import uuid
    from datetime import UTC, datetime

    writer = _EdifactWriter(invoice)
    body = [_to_d96a(tag, list(elements)) for tag, elements in writer.message()]
    warnings = list(writer.warnings)
    for index, document in enumerate(invoice.supporting_documents):
        if document.attachment is not None:
            warnings.append(
                ConversionWarning(
                    path=f"supporting_documents[{index}].attachment",
                    message=f"{document.attachment.filename} is not carried: {NOT_IN_D96A['BT-125']}",
                    term="BT-125",
                )
            )
    reference = uuid.uuid4().hex[:14].upper()
    sender = invoice.seller.electronic_address.value if invoice.seller.electronic_address else "NA"
    recipient = invoice.buyer.electronic_address.value if invoice.buyer.electronic_address else "NA"
    now = datetime.now(UTC)
    version, release = WRITTEN_DIRECTORY
    body_text = serialise(body).decode("utf-8")
    try:
        body_text.encode("iso-8859-1")
        syntax, date_written = ["UNOC", "3"], ccyymmdd(now)[2:]  # syntax 3: YYMMDD
    except UnicodeEncodeError:
        # Text beyond Latin-1 (UNOC): the interchange is written in UTF-8 (UNOW), which needs syntax version 4.
        syntax, date_written = ["UNOW", "4"], ccyymmdd(now)
    segments: list[tuple[str, list[object]]] = [
        ("UNB", [syntax, [sender], [recipient], [date_written, now.strftime("%H%M")], reference]),
        ("UNH", [reference, ["INVOIC", version, release, "UN", EANCOM_ASSOCIATION]]),
        *body,
        ("UNT", [str(len(body) + 2), reference]),
        ("UNZ", ["1", reference]),
    ]
    data = serialise(segments)
    return (data if syntax[0] == "UNOW" else data.decode("utf-8").encode("iso-8859-1")), warnings


def _to_d96a(tag: str, elements: list[object]) -> tuple[str, list[object]]:
    if tag == "MOA" and elements and isinstance(elements[0], list) and elements[0]:
        code = SUMMARY_CODES.get(str(elements[0][0]))
        if code is not None:
            elements = [[code, *elements[0][1:]], *elements[1:]]
    if tag == "EFI" and elements and isinstance(elements[0], list):
        # The file name (1508) names a package object, which syntax 3 does not have: the description stays.
        elements = [[None, *elements[0][1:]], *elements[1:]]
    if tag == "NAD" and elements and elements[0] in PARTY_CODES:
        elements = [PARTY_CODES[str(elements[0])], *elements[1:]]
    return SEGMENT_NAMES.get(tag, tag), elements
