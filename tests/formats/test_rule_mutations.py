"""Valid corpus invoices broken in known ways: each break is flagged by the rule that names it.

Every case starts from an invoice the validator accepts (checked here, so a case cannot pass because the original
was already invalid), changes one thing, and expects the rule id written for that change among the fatal findings.
"""

from __future__ import annotations

from collections.abc import Callable
from copy import deepcopy
from dataclasses import dataclass

import pytest
from lxml import etree

from pagero.formats.conversion import validate_document
from pagero.formats.validation import dates

from .corpus import CORPUS, needs_corpus

pytestmark = needs_corpus

XR = "xrechnung-testsuite/src/test/business-cases/standard/"
UBL = XR + "01.01a-INVOICE_ubl.xml"
CII = XR + "01.01a-INVOICE_uncefact.xml"
CEN_CII = "cen-en16931/cii/examples/CII_example1.xml"
NS = {
    "cbc": "urn:oasis:names:specification:ubl:schema:xsd:CommonBasicComponents-2",
    "cac": "urn:oasis:names:specification:ubl:schema:xsd:CommonAggregateComponents-2",
    "rsm": "urn:un:unece:uncefact:data:standard:CrossIndustryInvoice:100",
    "ram": "urn:un:unece:uncefact:data:standard:ReusableAggregateBusinessInformationEntity:100",
    "udt": "urn:un:unece:uncefact:data:standard:UnqualifiedDataType:100",
}


def one(root: etree._Element, path: str) -> etree._Element:
    found = root.xpath(path, namespaces=NS)
    assert found, f"{path} is not in the original"
    return found[0]


def remove(path: str) -> Callable[[etree._Element], None]:
    def change(root: etree._Element) -> None:
        element = one(root, path)
        element.getparent().remove(element)

    return change


def set_text(path: str, value: str) -> Callable[[etree._Element], None]:
    def change(root: etree._Element) -> None:
        one(root, path).text = value

    return change


def duplicate(path: str) -> Callable[[etree._Element], None]:
    def change(root: etree._Element) -> None:
        element = one(root, path)
        element.addnext(deepcopy(element))

    return change


@dataclass(frozen=True)
class Mutation:
    name: str
    source: str
    change: Callable[[etree._Element], None]
    rule_id: str


MUTATIONS = [
    Mutation("UBL invoice number removed", UBL, remove("/*/cbc:ID"), "BR-02"),
    Mutation("CII invoice number removed", CII, remove("/rsm:*/rsm:ExchangedDocument/ram:ID"), "BR-02"),
    Mutation(
        "UBL total with VAT not total without VAT + VAT",
        UBL,
        set_text("/*/cac:LegalMonetaryTotal/cbc:TaxInclusiveAmount", "999.99"),
        "BR-CO-15",
    ),
    Mutation(
        "UBL amount due not total with VAT - paid",
        UBL,
        set_text("/*/cac:LegalMonetaryTotal/cbc:PayableAmount", "1.00"),
        "BR-CO-16",
    ),
    Mutation(
        "CII amount due not total with VAT - paid",
        CII,
        set_text("//ram:SpecifiedTradeSettlementHeaderMonetarySummation/ram:DuePayableAmount", "1.00"),
        "BR-CO-16",
    ),
    Mutation(
        "CII grand total not total without VAT + VAT",
        CII,
        set_text("//ram:SpecifiedTradeSettlementHeaderMonetarySummation/ram:GrandTotalAmount", "999.99"),
        "BR-CO-15",
    ),
    Mutation(
        "UBL line VAT category code not in UNCL5305",
        UBL,
        set_text("/*/cac:InvoiceLine/cac:Item/cac:ClassifiedTaxCategory/cbc:ID", "XX"),
        "BR-CL-18",
    ),
    Mutation(
        "CII VAT category code not in UNCL5305",
        CII,
        set_text("//ram:ApplicableHeaderTradeSettlement/ram:ApplicableTradeTax/ram:CategoryCode", "XX"),
        "BR-CL-18",
    ),
    Mutation("UBL issue date 2023-02-29", UBL, set_text("/*/cbc:IssueDate", "2023-02-29"), dates.RULE_ID),
    Mutation(
        "CII issue date 20240230",
        CII,
        set_text("/rsm:*/rsm:ExchangedDocument/ram:IssueDateTime/udt:DateTimeString", "20240230"),
        dates.RULE_ID,
    ),
    Mutation(
        "CII payment terms given twice (XRechnung: one BT-9/BT-20 only)",
        CII,
        duplicate("//ram:ApplicableHeaderTradeSettlement/ram:SpecifiedTradePaymentTerms"),
        "CII-SR-452",
    ),
    Mutation(
        "XRechnung payment instructions missing",
        UBL,
        remove("/*/cac:PaymentMeans"),
        "BR-DE-1",
    ),
]


def original(path: str) -> etree._Element:
    root = etree.fromstring((CORPUS / path).read_bytes())
    report = validate_document(etree.tostring(root))
    assert report.valid, [f"{f.rule_id}: {f.message}" for f in report.fatal]
    return root


@pytest.mark.parametrize("mutation", MUTATIONS, ids=lambda m: m.name)
def test_a_known_break_is_flagged_by_its_rule(mutation: Mutation) -> None:
    root = original(mutation.source)
    mutation.change(root)
    report = validate_document(etree.tostring(root, xml_declaration=True, encoding="UTF-8"))
    assert mutation.rule_id in {f.rule_id for f in report.fatal}, [(f.rule_id, f.severity) for f in report.findings]
    assert not report.valid
    if report.scenario is not None:
        assert report.recommendation == "reject"


def test_impossible_date_names_the_bt_and_the_path() -> None:
    root = original(CII)
    set_text("/rsm:*/rsm:ExchangedDocument/ram:IssueDateTime/udt:DateTimeString", "20250431")(root)
    report = validate_document(etree.tostring(root))
    [finding] = [f for f in report.fatal if f.rule_id == dates.RULE_ID]
    assert finding.term == "BT-2" and "BT-2" in finding.message and "20250431" in finding.message
    assert finding.location and root.xpath(finding.location, namespaces=NS)[0].text == "20250431"
    assert finding.rule_set == "Pagero"


def test_a_leap_day_is_a_date() -> None:
    root = original(CII)
    set_text("/rsm:*/rsm:ExchangedDocument/ram:IssueDateTime/udt:DateTimeString", "20240229")(root)
    report = validate_document(etree.tostring(root))
    assert dates.RULE_ID not in {f.rule_id for f in report.findings}


def test_payment_terms_twice_is_only_a_warning_outside_xrechnung() -> None:
    """CII-SR-452 is a CEN warning; the XRechnung scenarios raise it to an error (see the CII case above)."""
    root = original(CEN_CII)
    duplicate("//ram:ApplicableHeaderTradeSettlement/ram:SpecifiedTradePaymentTerms")(root)
    report = validate_document(etree.tostring(root))
    assert {f.severity for f in report.findings if f.rule_id == "CII-SR-452"} == {"warning"}


def test_many_impossible_dates_are_counted_quickly() -> None:
    """A hostile document with 50,000 impossible dates side by side: all counted, only the first ones with a path
    (a path per finding would take a pass over the siblings each: quadratic in them)."""
    root = original(UBL)
    anchor = one(root, "/*/cbc:IssueDate")
    parent = anchor.getparent()
    for _ in range(50_000):
        extra = etree.SubElement(parent, f"{{{NS['cbc']}}}TaxPointDate")
        extra.text = "2023-02-30"
    found = list(dates.check_dates(root, "ubl"))
    assert len(found) == 50_000 and all(f.rule_id == dates.RULE_ID for f in found)
    assert found[0].location and found[-1].location is None
