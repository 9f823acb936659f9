"""ZUGFeRD 1.0 (`rsm:CrossIndustryDocument`, urn:ferd:CrossIndustryDocument:invoice:1p0; BASIC, COMFORT,
EXTENDED) read into the EN 16931 model.

ZUGFeRD 1.0 is the CII of UN/CEFACT D13B with the FeRD's own root: the same business content under other element
names (ram:ApplicableSupplyChainTradeAgreement for ram:ApplicableHeaderTradeAgreement, ram:ApplicablePercent for
ram:RateApplicablePercent, ...). The document is rewritten element by element into its CII D16B counterpart and read
by the CII reader, so that every term is read as for CII and every element without a counterpart is reported with
its path (the reader reports what it does not place). What ZUGFeRD 1.0 has and EN 16931 does not (text-only lines,
logistics service charges as their own group, dates as plain text) is mapped where EN 16931 has a place for it and
otherwise reported.
"""

from __future__ import annotations

import copy
import re

from lxml import etree

from ..errors import ConversionWarning
from ..model import Invoice
from .names import RAM, RSM, UDT
from .reader import read_cii

FERD_NS = "urn:ferd:CrossIndustryDocument:invoice:1p0"
FERD_RAM = "urn:un:unece:uncefact:data:standard:ReusableAggregateBusinessInformationEntity:12"
FERD_UDT = "urn:un:unece:uncefact:data:standard:UnqualifiedDataType:15"
QDT = "urn:un:unece:uncefact:data:standard:QualifiedDataType:100"
NAMESPACES = {FERD_NS: RSM, FERD_RAM: RAM, FERD_UDT: UDT}
NS = {"rsm": FERD_NS, "ram": FERD_RAM, "udt": FERD_UDT}
# Element names of ZUGFeRD 1.0 and their CII D16B counterparts (the same business term).
RENAMED = {
    "SpecifiedExchangedDocumentContext": "ExchangedDocumentContext",
    "HeaderExchangedDocument": "ExchangedDocument",
    "SpecifiedSupplyChainTradeTransaction": "SupplyChainTradeTransaction",
    "ApplicableSupplyChainTradeAgreement": "ApplicableHeaderTradeAgreement",
    "ApplicableSupplyChainTradeDelivery": "ApplicableHeaderTradeDelivery",
    "ApplicableSupplyChainTradeSettlement": "ApplicableHeaderTradeSettlement",
    "SpecifiedSupplyChainTradeAgreement": "SpecifiedLineTradeAgreement",
    "SpecifiedSupplyChainTradeDelivery": "SpecifiedLineTradeDelivery",
    "SpecifiedSupplyChainTradeSettlement": "SpecifiedLineTradeSettlement",
    "ApplicablePercent": "RateApplicablePercent",
}
TEXT_DATE = re.compile(r"^(\d{4})-(\d{2})-(\d{2})(?:T[0-9:.]+)?(?:Z|[+-]\d{2}:?\d{2})?$")


def is_zugferd1(root: etree._Element) -> bool:
    qname = etree.QName(root)
    return qname.namespace == FERD_NS and qname.localname == "CrossIndustryDocument"


def read_zugferd1(root: etree._Element) -> tuple[Invoice, list[ConversionWarning]]:
    """The invoice of a ZUGFeRD 1.0 document, with a warning for each element EN 16931 has no place for."""
    notes: list[ConversionWarning] = []
    invoice, warnings = read_cii(as_d16b(root, notes))
    prefixed = [type(w)(path=w.path, message=f"ZUGFeRD 1.0: {w.message}", term=w.term) for w in warnings]
    _basic_gaps(invoice, notes)
    return invoice, notes + prefixed


def _basic_gaps(invoice: Invoice, notes: list[ConversionWarning]) -> None:
    """ZUGFeRD 1.0 BASIC has no line ID (BT-126) and no amount due (BT-115), which EN 16931 requires: the line ID
    is the line's position, the amount due BT-112 - BT-113 + BT-114 (BR-CO-16), each reported."""
    for index, line in enumerate(invoice.lines, start=1):
        if line.id is None:
            line.id = str(index)
            notes.append(
                ConversionWarning(
                    path=f"IncludedSupplyChainTradeLineItem[{index}]",
                    message=f"ZUGFeRD 1.0: the line has no line ID; it is identified by its position ({index})",
                    term="BT-126",
                )
            )
    totals = invoice.totals
    if totals.payable is None and totals.tax_inclusive is not None:
        totals.payable = totals.tax_inclusive - (totals.prepaid or 0) + (totals.rounding or 0)
        notes.append(
            ConversionWarning(
                path="SpecifiedTradeSettlementMonetarySummation",
                message="ZUGFeRD 1.0: the document states no amount due; it is the grand total less the prepaid "
                f"amount plus the rounding amount ({totals.payable})",
                term="BT-115",
            )
        )


def as_d16b(root: etree._Element, notes: list[ConversionWarning]) -> etree._Element:
    """The document rewritten as CII D16B (a copy; the source tree is left as it is)."""
    tree = copy.deepcopy(root)
    for element in list(tree.iter()):
        if not isinstance(element.tag, str):
            continue
        qname = etree.QName(element)
        namespace = NAMESPACES.get(qname.namespace or "", qname.namespace)
        local = RENAMED.get(qname.localname, qname.localname)
        if qname.localname == "CrossIndustryDocument":
            local = "CrossIndustryInvoice"
        element.tag = f"{{{namespace}}}{local}" if namespace else local
    etree.cleanup_namespaces(tree, top_nsmap={"rsm": RSM, "ram": RAM, "udt": UDT, "qdt": QDT})
    _line_summations(tree)
    _text_only_lines(tree, notes)
    _logistics_charges(tree)
    _referenced_dates(tree, notes)
    return tree


def _ram(name: str) -> str:
    return f"{{{RAM}}}{name}"


def _line_summations(tree: etree._Element) -> None:
    """The monetary summations are named for the header and the line in D16B, and a referenced document's number
    is its IssuerAssignedID."""
    for name, summation_name in (
        ("SpecifiedLineTradeSettlement", "SpecifiedTradeSettlementLineMonetarySummation"),
        ("ApplicableHeaderTradeSettlement", "SpecifiedTradeSettlementHeaderMonetarySummation"),
    ):
        for settlement in tree.iter(_ram(name)):
            for summation in settlement.findall(_ram("SpecifiedTradeSettlementMonetarySummation")):
                summation.tag = _ram(summation_name)
    for element in tree.iter():
        if isinstance(element.tag, str) and element.tag.endswith("ReferencedDocument"):
            for number in element.findall(_ram("ID")):
                number.tag = _ram("IssuerAssignedID")


def _text_only_lines(tree: etree._Element, notes: list[ConversionWarning]) -> None:
    """ZUGFeRD 1.0 allows a line that is only a text (no line ID, no product); EN 16931 has no such line. Its text
    becomes an invoice note (BG-1), reported."""
    document = tree.find(f"{{{RSM}}}ExchangedDocument")
    for index, line in enumerate(tree.iter(_ram("IncludedSupplyChainTradeLineItem")), start=1):
        if line.find(f"{_ram('AssociatedDocumentLineDocument')}/{_ram('LineID')}") is not None:
            continue
        if line.find(_ram("SpecifiedTradeProduct")) is not None:
            continue
        texts = [c.text.strip() for c in line.iter(_ram("Content")) if c.text and c.text.strip()]
        parent = line.getparent()
        assert parent is not None
        parent.remove(line)
        if texts and document is not None:
            note = etree.SubElement(document, _ram("IncludedNote"))
            etree.SubElement(note, _ram("Content")).text = "\n".join(texts)
        notes.append(
            ConversionWarning(
                path=f"IncludedSupplyChainTradeLineItem[{index}]",
                message="ZUGFeRD 1.0: a text-only line (no line ID, no product) is not an EN 16931 line; "
                + ("its text is kept as an invoice note" if texts else "it is empty and is left out"),
                term="BG-25",
            )
        )


def _logistics_charges(tree: etree._Element) -> None:
    """SpecifiedLogisticsServiceCharge (shipping costs) is a document level charge (BG-21) in EN 16931."""
    for charge in list(tree.iter(_ram("SpecifiedLogisticsServiceCharge"))):
        parent = charge.getparent()
        assert parent is not None
        replacement = etree.Element(_ram("SpecifiedTradeAllowanceCharge"))
        indicator = etree.SubElement(replacement, _ram("ChargeIndicator"))
        etree.SubElement(indicator, f"{{{UDT}}}Indicator").text = "true"
        amount = charge.find(_ram("AppliedAmount"))
        if amount is not None:
            actual = etree.SubElement(replacement, _ram("ActualAmount"))
            for name, value in amount.attrib.items():
                actual.set(name, value)
            actual.text = amount.text
        description = charge.find(_ram("Description"))
        if description is not None:
            etree.SubElement(replacement, _ram("Reason")).text = description.text
        tax = charge.find(_ram("AppliedTradeTax"))
        if tax is not None:
            tax.tag = _ram("CategoryTradeTax")
            replacement.append(tax)
        parent.replace(charge, replacement)


def _referenced_dates(tree: etree._Element, notes: list[ConversionWarning]) -> None:
    """Referenced documents date themselves as plain text (ram:IssueDateTime 2013-03-01T00:00:00) in ZUGFeRD 1.0,
    with a coded date (ram:FormattedIssueDateTime, format 102) in D16B: only the preceding invoice's date is an
    EN 16931 term (BT-26); the others are reported."""
    for date in list(tree.iter(_ram("IssueDateTime"))):
        parent = date.getparent()
        if parent is None or etree.QName(parent).localname == "ExchangedDocument":
            continue
        if date.find(f"{{{UDT}}}DateTimeString") is not None:
            continue  # already a coded date
        text = (date.text or "").strip()
        match = TEXT_DATE.match(text)
        if etree.QName(parent).localname == "InvoiceReferencedDocument" and match:
            formatted = etree.Element(_ram("FormattedIssueDateTime"))
            etree.SubElement(formatted, f"{{{QDT}}}DateTimeString", format="102").text = "".join(match.groups())
            parent.replace(date, formatted)
            continue
        parent.remove(date)
        notes.append(
            ConversionWarning(
                path=f"{etree.QName(parent).localname}/IssueDateTime",
                message=f"ZUGFeRD 1.0: the date {text!r} of a referenced document has no EN 16931 term and is lost",
            )
        )
