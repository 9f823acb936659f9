"""ZUGFeRD 1.0 (CrossIndustryDocument) read into the EN 16931 model: every term with a CII D16B counterpart is read
as for CII, and whatever EN 16931 has no place for is reported with its path."""

from __future__ import annotations

import re
from decimal import Decimal

import pytest

from pagero.formats import conversion, hybrid
from pagero.formats.cii import zugferd1
from pagero.formats.errors import FormatError, InvalidOutput
from pagero.formats.xml import parse_xml

from .corpus import CORPUS, needs_corpus

HEAD = (
    '<rsm:CrossIndustryDocument xmlns:rsm="urn:ferd:CrossIndustryDocument:invoice:1p0" '
    'xmlns:ram="urn:un:unece:uncefact:data:standard:ReusableAggregateBusinessInformationEntity:12" '
    'xmlns:udt="urn:un:unece:uncefact:data:standard:UnqualifiedDataType:15">'
)
BASIC = (
    HEAD
    + """
<rsm:SpecifiedExchangedDocumentContext><ram:GuidelineSpecifiedDocumentContextParameter>
  <ram:ID>urn:ferd:CrossIndustryDocument:invoice:1p0:basic</ram:ID></ram:GuidelineSpecifiedDocumentContextParameter>
</rsm:SpecifiedExchangedDocumentContext>
<rsm:HeaderExchangedDocument><ram:ID>471102</ram:ID><ram:Name>RECHNUNG</ram:Name><ram:TypeCode>380</ram:TypeCode>
  <ram:IssueDateTime><udt:DateTimeString format="102">20130605</udt:DateTimeString></ram:IssueDateTime>
</rsm:HeaderExchangedDocument>
<rsm:SpecifiedSupplyChainTradeTransaction>
  <ram:ApplicableSupplyChainTradeAgreement>
    <ram:SellerTradeParty><ram:Name>Lieferant GmbH</ram:Name>
      <ram:PostalTradeAddress><ram:CountryID>DE</ram:CountryID></ram:PostalTradeAddress>
      <ram:SpecifiedTaxRegistration><ram:ID schemeID="VA">DE123456789</ram:ID></ram:SpecifiedTaxRegistration>
    </ram:SellerTradeParty>
    <ram:BuyerTradeParty><ram:Name>Kunden AG</ram:Name>
      <ram:PostalTradeAddress><ram:CountryID>DE</ram:CountryID></ram:PostalTradeAddress></ram:BuyerTradeParty>
    <ram:BuyerOrderReferencedDocument><ram:IssueDateTime>2013-03-01T00:00:00</ram:IssueDateTime>
      <ram:ID>2013-471331</ram:ID></ram:BuyerOrderReferencedDocument>
  </ram:ApplicableSupplyChainTradeAgreement>
  <ram:ApplicableSupplyChainTradeSettlement>
    <ram:InvoiceCurrencyCode>EUR</ram:InvoiceCurrencyCode>
    <ram:ApplicableTradeTax><ram:CalculatedAmount currencyID="EUR">19.00</ram:CalculatedAmount>
      <ram:TypeCode>VAT</ram:TypeCode><ram:BasisAmount currencyID="EUR">100.00</ram:BasisAmount>
      <ram:CategoryCode>S</ram:CategoryCode><ram:ApplicablePercent>19.00</ram:ApplicablePercent></ram:ApplicableTradeTax>
    <ram:SpecifiedLogisticsServiceCharge><ram:Description>Versandkosten</ram:Description>
      <ram:AppliedAmount currencyID="EUR">10.00</ram:AppliedAmount>
      <ram:AppliedTradeTax><ram:TypeCode>VAT</ram:TypeCode><ram:CategoryCode>S</ram:CategoryCode>
        <ram:ApplicablePercent>19.00</ram:ApplicablePercent></ram:AppliedTradeTax></ram:SpecifiedLogisticsServiceCharge>
    <ram:SpecifiedTradeSettlementMonetarySummation>
      <ram:LineTotalAmount currencyID="EUR">90.00</ram:LineTotalAmount>
      <ram:ChargeTotalAmount currencyID="EUR">10.00</ram:ChargeTotalAmount>
      <ram:AllowanceTotalAmount currencyID="EUR">0.00</ram:AllowanceTotalAmount>
      <ram:TaxBasisTotalAmount currencyID="EUR">100.00</ram:TaxBasisTotalAmount>
      <ram:TaxTotalAmount currencyID="EUR">19.00</ram:TaxTotalAmount>
      <ram:GrandTotalAmount currencyID="EUR">119.00</ram:GrandTotalAmount>
    </ram:SpecifiedTradeSettlementMonetarySummation>
  </ram:ApplicableSupplyChainTradeSettlement>
  <ram:IncludedSupplyChainTradeLineItem>
    <ram:AssociatedDocumentLineDocument><ram:IncludedNote><ram:Content>Lieferung 2013-51112:</ram:Content>
    </ram:IncludedNote></ram:AssociatedDocumentLineDocument>
    <ram:SpecifiedSupplyChainTradeSettlement/>
  </ram:IncludedSupplyChainTradeLineItem>
  <ram:IncludedSupplyChainTradeLineItem>
    <ram:SpecifiedSupplyChainTradeAgreement><ram:NetPriceProductTradePrice>
      <ram:ChargeAmount currencyID="EUR">9.00</ram:ChargeAmount></ram:NetPriceProductTradePrice>
    </ram:SpecifiedSupplyChainTradeAgreement>
    <ram:SpecifiedSupplyChainTradeDelivery><ram:BilledQuantity unitCode="C62">10</ram:BilledQuantity>
    </ram:SpecifiedSupplyChainTradeDelivery>
    <ram:SpecifiedSupplyChainTradeSettlement>
      <ram:ApplicableTradeTax><ram:TypeCode>VAT</ram:TypeCode><ram:CategoryCode>S</ram:CategoryCode>
        <ram:ApplicablePercent>19.00</ram:ApplicablePercent></ram:ApplicableTradeTax>
      <ram:SpecifiedTradeSettlementMonetarySummation><ram:LineTotalAmount currencyID="EUR">90.00</ram:LineTotalAmount>
      </ram:SpecifiedTradeSettlementMonetarySummation>
    </ram:SpecifiedSupplyChainTradeSettlement>
    <ram:SpecifiedTradeProduct><ram:Name>Trennblätter A4</ram:Name></ram:SpecifiedTradeProduct>
  </ram:IncludedSupplyChainTradeLineItem>
</rsm:SpecifiedSupplyChainTradeTransaction>
</rsm:CrossIndustryDocument>"""
)


def test_basic_document_is_read_term_by_term_and_what_has_no_place_is_reported():
    root = parse_xml(BASIC.encode())
    assert zugferd1.is_zugferd1(root)
    invoice, warnings = zugferd1.read_zugferd1(root)
    assert (invoice.number, invoice.type_code, invoice.currency) == ("471102", "380", "EUR")
    assert invoice.process.specification_id == "urn:ferd:CrossIndustryDocument:invoice:1p0:basic"
    assert invoice.seller.vat_id == "DE123456789"
    assert invoice.purchase_order_reference == "2013-471331"
    [line] = invoice.lines
    assert (line.id, line.quantity, line.net_amount, line.item.name) == (
        "1",
        Decimal("10"),
        Decimal("90.00"),
        "Trennblätter A4",
    )
    assert (line.vat.category, line.vat.rate) == ("S", Decimal("19.00"))
    [charge] = invoice.charges
    assert (charge.amount, charge.reason, charge.vat_category) == (Decimal("10.00"), "Versandkosten", "S")
    assert invoice.vat_breakdown[0].rate == Decimal("19.00")
    assert invoice.totals.payable == Decimal("119.00")
    assert [n.text for n in invoice.notes] == ["Lieferung 2013-51112:"]
    by_term = {w.term: w.message for w in warnings if w.term}
    assert "text-only line" in by_term["BG-25"]
    assert "position (1)" in by_term["BT-126"]
    assert "no amount due" in by_term["BT-115"]
    paths = [w.path for w in warnings]
    assert "/rsm:CrossIndustryInvoice/rsm:ExchangedDocument/ram:Name" in paths  # ZUGFeRD's document name
    assert "BuyerOrderReferencedDocument/IssueDateTime" in paths
    assert all("ZUGFeRD 1.0" in w.message for w in warnings)


def test_the_source_tree_is_left_as_it_is():
    root = parse_xml(BASIC.encode())
    before = root.getroottree().getroot().tag
    zugferd1.read_zugferd1(root)
    assert root.tag == before and zugferd1.is_zugferd1(root)


ZUGFERD1_PDFS = (
    sorted(str(p.relative_to(CORPUS)) for p in (CORPUS / "zugferd-corpus/ZUGFeRDv1/correct").rglob("*.pdf"))
    if CORPUS
    else []
)


@needs_corpus
@pytest.mark.parametrize("path", ZUGFERD1_PDFS)
def test_every_zugferd1_sample_reads_or_is_refused_term_by_term(path):
    data = (CORPUS / path).read_bytes()
    root = parse_xml(hybrid.extract_invoice_xml(data, 20_000_000).data)
    if not zugferd1.is_zugferd1(root):
        # Mustang's 2014 samples embed a pre-release CBFBUY invoice, not ZUGFeRD 1.0.
        assert root.tag == "{urn:un:unece:uncefact:data:standard:CBFBUY:5}Invoice"
        return
    try:
        invoice, warnings = zugferd1.read_zugferd1(root)
    except FormatError as exc:  # a value the source gets wrong (e.g. month 91): named with its term
        assert exc.term and re.match(r"BT-\d+", exc.term), exc.message
        return
    assert invoice.number and invoice.lines
    assert all(w.path for w in warnings)
    output, _ = conversion.write_document(invoice, "ubl")
    try:
        conversion.check_output(output, "ubl", business_rules=True)
    except InvalidOutput as exc:  # ZUGFeRD 1.0 predates EN 16931: what the output lacks is named rule by rule
        assert exc.findings and all(f.rule_id for f in exc.findings)


# ZUGFeRD 1.0 COMFORT and EXTENDED samples whose content makes a valid EN 16931 invoice.
CONVERTIBLE = [
    "zugferd-corpus/ZUGFeRDv1/correct/4s4u/additional-data-sample-1.pdf",
    "zugferd-corpus/ZUGFeRDv1/correct/Intarsys/ZUGFeRD_1p0_COMFORT_Einfach.pdf",
    "zugferd-corpus/ZUGFeRDv1/correct/Intarsys/ZUGFeRD_1p0_COMFORT_Rabatte.pdf",
    "zugferd-corpus/ZUGFeRDv1/correct/Intarsys/ZUGFeRD_1p0_COMFORT_SEPA_Prenotification.pdf",
    "zugferd-corpus/ZUGFeRDv1/correct/Intarsys/ZUGFeRD_1p0_EXTENDED_Warenrechnung.pdf",
    "zugferd-corpus/ZUGFeRDv1/correct/Mustangproject/MustangGnuaccountingBeispielRE-20151008_504new.pdf",
    "zugferd-corpus/ZUGFeRDv1/correct/Mustangproject/MustangGnuaccountingBeispielRE-20170509_505.pdf",
]


@needs_corpus
@pytest.mark.parametrize("path", CONVERTIBLE)
def test_zugferd1_comfort_and_extended_samples_convert_to_valid_ubl(path):
    data = (CORPUS / path).read_bytes()
    invoice, _ = zugferd1.read_zugferd1(parse_xml(hybrid.extract_invoice_xml(data, 20_000_000).data))
    output, _ = conversion.write_document(invoice, "ubl")
    assert conversion.check_output(output, "ubl", business_rules=True).fatal == []
