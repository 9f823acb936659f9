"""The UBL and CII bindings where the two syntaxes hold a term differently: what is kept, what is derived, what is
reported, and what is refused (only what must be). Each test reads or writes a small document in one syntax and
checks the model or the other syntax's output, with the warning that names the term."""

from __future__ import annotations

from decimal import Decimal

import pytest
from lxml import etree

from pagero.formats import conversion, errors
from pagero.formats.cii.names import NS as CII_NS
from pagero.formats.model import Invoice, Line, Price
from pagero.formats.ubl.names import NS as UBL_NS
from pagero.formats.values import parse_boolean
from tests.formats.corpus import CORPUS, needs_corpus

UBL = (
    '<Invoice xmlns="urn:oasis:names:specification:ubl:schema:xsd:Invoice-2" '
    'xmlns:cbc="urn:oasis:names:specification:ubl:schema:xsd:CommonBasicComponents-2" '
    'xmlns:cac="urn:oasis:names:specification:ubl:schema:xsd:CommonAggregateComponents-2">'
    "{head}<cbc:ID>1</cbc:ID><cbc:DocumentCurrencyCode>EUR</cbc:DocumentCurrencyCode>{body}"
    "<cac:InvoiceLine><cbc:ID>1</cbc:ID>"
    '<cbc:InvoicedQuantity unitCode="C62">2</cbc:InvoicedQuantity>'
    '<cbc:LineExtensionAmount currencyID="EUR">18</cbc:LineExtensionAmount>{line}'
    "<cac:Item><cbc:Name>Nails</cbc:Name></cac:Item>"
    '<cac:Price><cbc:PriceAmount currencyID="EUR">9</cbc:PriceAmount>{price}</cac:Price>'
    "</cac:InvoiceLine></Invoice>"
)
CII = (
    '<rsm:CrossIndustryInvoice xmlns:rsm="urn:un:unece:uncefact:data:standard:CrossIndustryInvoice:100" '
    'xmlns:ram="urn:un:unece:uncefact:data:standard:ReusableAggregateBusinessInformationEntity:100" '
    'xmlns:udt="urn:un:unece:uncefact:data:standard:UnqualifiedDataType:100">'
    "<rsm:ExchangedDocument><ram:ID>1</ram:ID><ram:TypeCode>380</ram:TypeCode></rsm:ExchangedDocument>"
    "<rsm:SupplyChainTradeTransaction>"
    "<ram:IncludedSupplyChainTradeLineItem>"
    "<ram:AssociatedDocumentLineDocument><ram:LineID>1</ram:LineID></ram:AssociatedDocumentLineDocument>"
    "<ram:SpecifiedTradeProduct><ram:Name>Nails</ram:Name></ram:SpecifiedTradeProduct>"
    "<ram:SpecifiedLineTradeAgreement>{prices}</ram:SpecifiedLineTradeAgreement>"
    '<ram:SpecifiedLineTradeDelivery><ram:BilledQuantity unitCode="C62">2</ram:BilledQuantity>'
    "</ram:SpecifiedLineTradeDelivery>"
    "<ram:SpecifiedLineTradeSettlement>{line_settlement}"
    "<ram:SpecifiedTradeSettlementLineMonetarySummation><ram:LineTotalAmount>18</ram:LineTotalAmount>"
    "</ram:SpecifiedTradeSettlementLineMonetarySummation>{line_references}"
    "</ram:SpecifiedLineTradeSettlement>"
    "</ram:IncludedSupplyChainTradeLineItem>"
    "<ram:ApplicableHeaderTradeAgreement>{agreement}</ram:ApplicableHeaderTradeAgreement>"
    "<ram:ApplicableHeaderTradeSettlement><ram:InvoiceCurrencyCode>EUR</ram:InvoiceCurrencyCode>{settlement}"
    "</ram:ApplicableHeaderTradeSettlement>"
    "</rsm:SupplyChainTradeTransaction></rsm:CrossIndustryInvoice>"
)
NET_PRICE = "<ram:NetPriceProductTradePrice><ram:ChargeAmount>9</ram:ChargeAmount></ram:NetPriceProductTradePrice>"


def ubl(head: str = "", body: str = "", line: str = "", price: str = "") -> bytes:
    return UBL.format(head=head, body=body, line=line, price=price).encode()


def cii(
    prices: str = NET_PRICE, agreement: str = "", settlement: str = "", line_settlement: str = "", line_references=""
) -> bytes:
    return CII.format(
        prices=prices,
        agreement=agreement,
        settlement=settlement,
        line_settlement=line_settlement,
        line_references=line_references,
    ).encode()


def price_discount(amount: str | None, base: str | None = None, indicator: str = "false") -> str:
    parts = f"<cbc:ChargeIndicator>{indicator}</cbc:ChargeIndicator>"
    if amount is not None:
        parts += f'<cbc:Amount currencyID="EUR">{amount}</cbc:Amount>'
    if base is not None:
        parts += f'<cbc:BaseAmount currencyID="EUR">{base}</cbc:BaseAmount>'
    return f"<cac:AllowanceCharge>{parts}</cac:AllowanceCharge>"


def gross_price(amount: str, discount: str | None = None, base: str | None = None, indicator="false") -> str:
    inner = f"<ram:ChargeAmount>{amount}</ram:ChargeAmount>"
    if base is not None:
        inner += f'<ram:BasisQuantity unitCode="C62">{base}</ram:BasisQuantity>'
    if discount is not None:
        inner += (
            "<ram:AppliedTradeAllowanceCharge>"
            f"<ram:ChargeIndicator><udt:Indicator>{indicator}</udt:Indicator></ram:ChargeIndicator>"
            f"<ram:ActualAmount>{discount}</ram:ActualAmount></ram:AppliedTradeAllowanceCharge>"
        )
    return f"<ram:GrossPriceProductTradePrice>{inner}</ram:GrossPriceProductTradePrice>"


def read(data: bytes) -> conversion.ParsedDocument:
    return conversion.parse_document(data)


def convert(data: bytes, target: str) -> tuple[etree._Element, list[errors.ConversionWarning]]:
    """Read and write without the output check: these documents hold only what each test is about."""
    parsed = read(data)
    output, warnings = conversion.write_document(parsed.invoice, target)
    return etree.fromstring(output), parsed.warnings + warnings


def terms(warnings: list[errors.ConversionWarning]) -> list[str | None]:
    return [w.term for w in warnings]


def cii_line(root: etree._Element, path: str) -> list[str]:
    base = "rsm:SupplyChainTradeTransaction/ram:IncludedSupplyChainTradeLineItem/ram:SpecifiedLineTradeAgreement/"
    return [e.text for e in root.findall(base + path, CII_NS)]


def ubl_price(root: etree._Element, path: str) -> list[str]:
    return [e.text for e in root.findall("cac:InvoiceLine/cac:Price/" + path, UBL_NS)]


# -- 1. BT-147 without BT-148, UBL -> CII ----------------------------------------------------------------------------
def test_a_ubl_price_discount_without_gross_price_reaches_cii_inside_a_derived_gross_price():
    root, warnings = convert(ubl(price=price_discount("1")), "cii")
    gross = "ram:GrossPriceProductTradePrice/"
    assert cii_line(root, gross + "ram:ChargeAmount") == ["10"]  # BT-148 = BT-146 + BT-147
    assert cii_line(root, gross + "ram:AppliedTradeAllowanceCharge/ram:ActualAmount") == ["1"]
    assert cii_line(root, "ram:NetPriceProductTradePrice/ram:ChargeAmount") == ["9"]
    derived = [w for w in warnings if w.term == "BT-148"]
    assert len(derived) == 1 and "10" in derived[0].message and "did not state" in derived[0].message


def test_a_price_discount_without_any_price_to_derive_a_gross_one_from_is_reported_lost():
    invoice = Invoice(currency="EUR", lines=[Line(id="1", price=Price(discount=Decimal("1")))])
    output, warnings = conversion.write_document(invoice, "cii")
    assert b"GrossPriceProductTradePrice" not in output
    assert [w.term for w in warnings] == ["BT-147"] and "lost" in warnings[0].message


def test_a_stated_gross_price_is_written_as_stated_and_not_reported():
    root, warnings = convert(ubl(price=price_discount("1", base="12")), "cii")
    assert cii_line(root, "ram:GrossPriceProductTradePrice/ram:ChargeAmount") == ["12"]
    assert "BT-148" not in terms(warnings)


# -- 2. BT-147 = 0 and BT-147 absent ---------------------------------------------------------------------------------
def test_an_explicit_zero_ubl_price_discount_is_a_zero_discount_and_reaches_cii():
    parsed = read(ubl(price=price_discount("0", base="9")))
    assert parsed.invoice.lines[0].price.discount == Decimal("0")
    root, _ = convert(ubl(price=price_discount("0", base="9")), "cii")
    assert cii_line(root, "ram:GrossPriceProductTradePrice/ram:AppliedTradeAllowanceCharge/ram:ActualAmount") == ["0"]


def test_an_explicit_zero_cii_price_discount_is_a_zero_discount():
    parsed = read(cii(prices=gross_price("9", discount="0") + NET_PRICE))
    price = parsed.invoice.lines[0].price
    assert price.discount == Decimal("0") and price.gross_price == Decimal("9")
    assert parsed.warnings == []


def test_a_cii_gross_price_without_discount_becomes_ubl_discount_zero_with_a_bt147_warning():
    root, warnings = convert(cii(prices=gross_price("9") + NET_PRICE), "ubl")
    assert ubl_price(root, "cac:AllowanceCharge/cbc:Amount") == ["0"]
    assert ubl_price(root, "cac:AllowanceCharge/cbc:BaseAmount") == ["9"]
    assert terms(warnings) == ["BT-147"]
    assert "discount 0" in warnings[0].message


def test_a_cii_gross_price_with_a_zero_discount_is_written_to_ubl_without_a_warning():
    root, warnings = convert(cii(prices=gross_price("9", discount="0") + NET_PRICE), "ubl")
    assert ubl_price(root, "cac:AllowanceCharge/cbc:Amount") == ["0"]
    assert warnings == []


# -- 3. BT-6 = BT-5 --------------------------------------------------------------------------------------------------
TAX_TOTAL = '<cac:TaxTotal><cbc:TaxAmount currencyID="EUR">{}</cbc:TaxAmount></cac:TaxTotal>'
SUBTOTAL = (
    '<cac:TaxTotal><cbc:TaxAmount currencyID="EUR">4.5</cbc:TaxAmount><cac:TaxSubtotal>'
    '<cbc:TaxableAmount currencyID="EUR">18</cbc:TaxableAmount><cbc:TaxAmount currencyID="EUR">4.5</cbc:TaxAmount>'
    "<cac:TaxCategory><cbc:ID>S</cbc:ID><cbc:Percent>25</cbc:Percent></cac:TaxCategory>"
    "</cac:TaxSubtotal></cac:TaxTotal>"
)


def tax_currency_ubl(currency: str, second_total: str | None = None) -> bytes:
    data = ubl(body=SUBTOTAL + (TAX_TOTAL.format(second_total) if second_total else ""))
    return data.replace(
        b"</cbc:DocumentCurrencyCode>",
        f"</cbc:DocumentCurrencyCode><cbc:TaxCurrencyCode>{currency}</cbc:TaxCurrencyCode>".encode(),
    )


def cii_settlement(root: etree._Element, path: str) -> list[etree._Element]:
    return root.findall("rsm:SupplyChainTradeTransaction/ram:ApplicableHeaderTradeSettlement/" + path, CII_NS)


def test_a_tax_currency_equal_to_the_invoice_currency_is_left_out_of_cii_with_a_note():
    root, warnings = convert(tax_currency_ubl("EUR"), "cii")
    assert cii_settlement(root, "ram:TaxCurrencyCode") == []
    assert [e.text for e in cii_settlement(root, "ram:InvoiceCurrencyCode")] == ["EUR"]
    totals = cii_settlement(root, "ram:SpecifiedTradeSettlementHeaderMonetarySummation/ram:TaxTotalAmount")
    assert [(e.text, e.get("currencyID")) for e in totals] == [("4.5", "EUR")]
    assert terms(warnings) == ["BT-6/BT-111"]
    assert isinstance(warnings[0], errors.ConversionNote)  # nothing a recipient could read is lost


def test_a_second_vat_total_that_differs_in_the_same_currency_is_a_lossy_warning():
    root, warnings = convert(tax_currency_ubl("EUR", second_total="5"), "cii")
    totals = cii_settlement(root, "ram:SpecifiedTradeSettlementHeaderMonetarySummation/ram:TaxTotalAmount")
    assert [e.text for e in totals] == ["4.5"]
    lossy = [w for w in warnings if not isinstance(w, errors.ConversionNote)]
    assert terms(lossy) == ["BT-111"] and "5" in lossy[0].message


def test_a_second_vat_total_equal_to_the_first_in_the_same_currency_is_only_noted():
    _, warnings = convert(tax_currency_ubl("EUR", second_total="4.5"), "cii")
    assert all(isinstance(w, errors.ConversionNote) for w in warnings) and terms(warnings) == ["BT-6/BT-111"]


def test_a_separate_tax_currency_is_kept_with_its_vat_total():
    root, warnings = convert(tax_currency_ubl("SEK", second_total="50"), "cii")
    assert [e.text for e in cii_settlement(root, "ram:TaxCurrencyCode")] == ["SEK"]
    totals = cii_settlement(root, "ram:SpecifiedTradeSettlementHeaderMonetarySummation/ram:TaxTotalAmount")
    assert [(e.text, e.get("currencyID")) for e in totals] == [("4.5", "EUR"), ("50", "SEK")]
    assert warnings == []


@needs_corpus
def test_the_cii_output_of_a_ubl_invoice_stating_its_currency_twice_passes_the_cii_rules():
    source = etree.fromstring((CORPUS / "cen-en16931/ubl/examples/ubl-tc434-example1.xml").read_bytes())
    currency = source.find("cbc:DocumentCurrencyCode", UBL_NS)
    tax = etree.Element(f"{{{UBL_NS['cbc']}}}TaxCurrencyCode")
    tax.text = currency.text
    currency.addnext(tax)
    converted = conversion.convert_document(etree.tostring(source), "cii")  # raises InvalidOutput on BR-53
    assert converted.lossless and b"TaxCurrencyCode" not in converted.data


# -- 4. xsd:boolean indicators ---------------------------------------------------------------------------------------
@pytest.mark.parametrize(("raw", "value"), [("true", True), ("1", True), ("false", False), ("0", False), (" 1 ", True)])
def test_parse_boolean_takes_the_xsd_boolean_lexical_space(raw, value):
    assert parse_boolean(raw) is value


@pytest.mark.parametrize("raw", ["yes", "TRUE", "True", "2", "", "-1"])
def test_parse_boolean_refuses_anything_else(raw):
    with pytest.raises(ValueError, match="not a boolean"):
        parse_boolean(raw)


def ubl_charge(indicator: str) -> str:
    return (
        f"<cac:AllowanceCharge><cbc:ChargeIndicator>{indicator}</cbc:ChargeIndicator>"
        '<cbc:Amount currencyID="EUR">5</cbc:Amount></cac:AllowanceCharge>'
    )


def cii_charge(indicator: str) -> str:
    return (
        "<ram:SpecifiedTradeAllowanceCharge>"
        f"<ram:ChargeIndicator><udt:Indicator>{indicator}</udt:Indicator></ram:ChargeIndicator>"
        "<ram:ActualAmount>5</ram:ActualAmount></ram:SpecifiedTradeAllowanceCharge>"
    )


@pytest.mark.parametrize(("indicator", "is_charge"), [("1", True), ("0", False), ("true", True), ("false", False)])
def test_ubl_charge_indicators_are_xsd_booleans_on_document_line_and_price(indicator, is_charge):
    parsed = read(ubl(body=ubl_charge(indicator), line=ubl_charge(indicator), price=price_discount("1", "10", "0")))
    invoice = parsed.invoice
    assert (len(invoice.charges), len(invoice.allowances)) == ((1, 0) if is_charge else (0, 1))
    line = invoice.lines[0]
    assert (len(line.charges), len(line.allowances)) == ((1, 0) if is_charge else (0, 1))
    assert line.price.discount == Decimal("1")


@pytest.mark.parametrize(("indicator", "is_charge"), [("1", True), ("0", False), ("true", True), ("false", False)])
def test_cii_charge_indicators_are_xsd_booleans_on_document_line_and_price(indicator, is_charge):
    data = cii(
        prices=gross_price("10", discount="1", indicator="0") + NET_PRICE,
        settlement=cii_charge(indicator),
        line_settlement=cii_charge(indicator),
    )
    invoice = read(data).invoice
    assert (len(invoice.charges), len(invoice.allowances)) == ((1, 0) if is_charge else (0, 1))
    line = invoice.lines[0]
    assert (len(line.charges), len(line.allowances)) == ((1, 0) if is_charge else (0, 1))
    assert line.price.discount == Decimal("1")


@pytest.mark.parametrize(
    ("data", "term"),
    [
        (ubl(body=ubl_charge("yes")), "BG-20/BG-21"),
        (ubl(line=ubl_charge("yes")), "BG-27/BG-28"),
        (ubl(price=price_discount("1", "10", "yes")), "BT-147"),
        (cii(settlement=cii_charge("yes")), "BG-20/BG-21"),
        (cii(line_settlement=cii_charge("yes")), "BG-27/BG-28"),
        (cii(prices=gross_price("10", discount="1", indicator="yes") + NET_PRICE), "BT-147"),
    ],
)
def test_an_indicator_that_is_no_boolean_is_refused_naming_term_value_and_path(data, term):
    with pytest.raises(errors.InvalidValue) as caught:
        read(data)
    assert caught.value.term == term
    assert "not a boolean" in caught.value.message and "'yes'" in caught.value.message
    assert caught.value.path.endswith(("ChargeIndicator", "udt:Indicator"))


def test_a_missing_charge_indicator_is_refused():
    with pytest.raises(errors.InvalidValue, match="ChargeIndicator is missing"):
        read(ubl(body='<cac:AllowanceCharge><cbc:Amount currencyID="EUR">5</cbc:Amount></cac:AllowanceCharge>'))


def test_a_charge_on_the_price_is_not_read_as_a_discount_and_is_reported():
    parsed = read(ubl(price=price_discount("1", "8", "true")))
    assert parsed.invoice.lines[0].price.discount is None
    assert parsed.invoice.lines[0].price.gross_price == Decimal("8")
    reported = [w.path for w in parsed.warnings]
    assert any(p.endswith("cac:Price/cac:AllowanceCharge/cbc:Amount") for p in reported)


# -- 5. BT-149 on both CII prices -------------------------------------------------------------------------------------
def net_price(base: str | None) -> str:
    quantity = f'<ram:BasisQuantity unitCode="C62">{base}</ram:BasisQuantity>' if base else ""
    return (
        f"<ram:NetPriceProductTradePrice><ram:ChargeAmount>9</ram:ChargeAmount>{quantity}"
        "</ram:NetPriceProductTradePrice>"
    )


def test_differing_gross_and_net_base_quantities_keep_the_net_one_and_warn_on_the_gross_path():
    parsed = read(cii(prices=gross_price("10", base="1.1") + net_price("1")))
    assert parsed.invoice.lines[0].price.base_quantity == Decimal("1")
    [warning] = [w for w in parsed.warnings if w.term == "BT-149"]
    assert warning.path.endswith("ram:GrossPriceProductTradePrice/ram:BasisQuantity")
    assert "1.1 C62" in warning.message and "net price's is kept" in warning.message


@pytest.mark.parametrize(("gross", "net", "kept"), [("1", "1.0", "1.0"), ("5", None, "5"), (None, "3", "3")])
def test_one_or_equal_base_quantities_are_read_without_a_warning(gross, net, kept):
    parsed = read(cii(prices=gross_price("10", base=gross) + net_price(net)))
    assert parsed.invoice.lines[0].price.base_quantity == Decimal(kept)
    assert parsed.warnings == []


def reference_document(reference: str) -> str:
    return (
        f"<ram:AdditionalReferencedDocument><ram:IssuerAssignedID>{reference}</ram:IssuerAssignedID>"
        "</ram:AdditionalReferencedDocument>"
    )


# -- 6. references without a type code --------------------------------------------------------------------------------
def test_an_untyped_cii_header_reference_is_a_supporting_document_with_a_bg24_warning():
    reference = reference_document("Lot567")
    parsed = read(cii(agreement=reference))
    assert [d.reference for d in parsed.invoice.supporting_documents] == ["Lot567"]
    [warning] = parsed.warnings
    assert warning.term == "BG-24" and "without a type code" in warning.message
    assert warning.path.endswith("ram:ApplicableHeaderTradeAgreement/ram:AdditionalReferencedDocument")


def test_a_typed_cii_supporting_document_is_read_without_a_warning():
    reference = (
        "<ram:AdditionalReferencedDocument><ram:IssuerAssignedID>D1</ram:IssuerAssignedID>"
        "<ram:TypeCode>916</ram:TypeCode></ram:AdditionalReferencedDocument>"
    )
    parsed = read(cii(agreement=reference))
    assert [d.reference for d in parsed.invoice.supporting_documents] == ["D1"] and parsed.warnings == []


def test_an_untyped_cii_line_reference_is_the_line_object_with_a_bt128_warning():
    reference = reference_document("OBJ1")
    parsed = read(cii(line_references=reference))
    assert parsed.invoice.lines[0].object_id.value == "OBJ1"
    assert terms(parsed.warnings) == ["BT-128"]
    assert parsed.warnings[0].path.endswith("ram:SpecifiedLineTradeSettlement/ram:AdditionalReferencedDocument")


def test_an_untyped_ubl_line_reference_is_the_line_object_with_a_bt128_warning():
    parsed = read(ubl(line="<cac:DocumentReference><cbc:ID>OBJ1</cbc:ID></cac:DocumentReference>"))
    assert parsed.invoice.lines[0].object_id.value == "OBJ1"
    assert terms(parsed.warnings) == ["BT-128"]
    assert parsed.warnings[0].path.endswith("cac:InvoiceLine/cac:DocumentReference")


def test_a_ubl_line_reference_typed_130_is_read_without_a_warning():
    line = (
        "<cac:DocumentReference><cbc:ID>OBJ1</cbc:ID><cbc:DocumentTypeCode>130</cbc:DocumentTypeCode>"
        "</cac:DocumentReference>"
    )
    parsed = read(ubl(line=line))
    assert parsed.invoice.lines[0].object_id.value == "OBJ1" and parsed.warnings == []


# -- 7. notes, and second values --------------------------------------------------------------------------------------
def card_account(network: str) -> str:
    return (
        "<cac:PaymentMeans><cbc:PaymentMeansCode>48</cbc:PaymentMeansCode><cac:CardAccount>"
        f"<cbc:PrimaryAccountNumberID>1234</cbc:PrimaryAccountNumberID><cbc:NetworkID>{network}</cbc:NetworkID>"
        "</cac:CardAccount></cac:PaymentMeans>"
    )


def test_a_card_network_is_a_note_not_a_lossy_warning_nor_a_refusal():
    root, warnings = convert(ubl(body=card_account("VISA")), "cii")
    card = cii_settlement(root, "ram:SpecifiedTradeSettlementPaymentMeans/ram:ApplicableTradeSettlementFinancialCard")
    assert [c.findtext("ram:ID", namespaces=CII_NS) for c in card] == ["1234"]
    [note] = warnings
    assert isinstance(note, errors.ConversionNote) and note.term is None
    assert note.path.endswith("cac:CardAccount/cbc:NetworkID") and "VISA" in note.message


def test_a_conversion_whose_only_report_is_the_card_network_is_lossless():
    converted = conversion.convert_document(ubl(body=card_account("VISA")), "cii", check="none")
    assert converted.warnings and converted.lossless


def test_the_card_network_placeholder_na_is_not_reported():
    assert read(ubl(body=card_account("NA"))).warnings == []


def party(inner: str) -> str:
    seller = "<ram:SellerTradeParty><ram:Name>S</ram:Name></ram:SellerTradeParty>"
    return f"{seller}<ram:BuyerTradeParty>{inner}</ram:BuyerTradeParty>"


def second_values(warnings: list[errors.ConversionWarning], term: str) -> list[errors.ConversionWarning]:
    return [w for w in warnings if w.message.startswith(f"second value for {term}")]


def test_a_department_beside_a_contact_name_is_a_second_value_for_bt41():
    contact = (
        "<ram:Name>B</ram:Name><ram:DefinedTradeContact><ram:PersonName>Ann</ram:PersonName>"
        "<ram:DepartmentName>Sales</ram:DepartmentName></ram:DefinedTradeContact>"
    )
    parsed = read(cii(agreement=party(contact)))
    assert parsed.invoice.buyer.contact.name == "Ann"
    [warning] = parsed.warnings
    assert second_values([warning], "BT-41") and warning.term == "BT-41" and "Sales" in warning.message
    assert warning.path.endswith("ram:DefinedTradeContact/ram:DepartmentName")
    assert "not held by the EN 16931 model" not in str(warning)


def test_a_department_alone_is_the_contact_name():
    contact = (
        "<ram:Name>B</ram:Name>"
        "<ram:DefinedTradeContact><ram:DepartmentName>Sales</ram:DepartmentName></ram:DefinedTradeContact>"
    )
    parsed = read(cii(agreement=party(contact)))
    assert parsed.invoice.buyer.contact.name == "Sales" and parsed.warnings == []


def test_a_proprietary_id_beside_an_iban_is_a_second_value_for_bt84():
    means = (
        "<ram:SpecifiedTradeSettlementPaymentMeans><ram:TypeCode>58</ram:TypeCode>"
        "<ram:PayeePartyCreditorFinancialAccount><ram:IBANID>DE02120300000000202051</ram:IBANID>"
        "<ram:ProprietaryID>202051</ram:ProprietaryID></ram:PayeePartyCreditorFinancialAccount>"
        "</ram:SpecifiedTradeSettlementPaymentMeans>"
    )
    parsed = read(cii(settlement=means))
    assert parsed.invoice.payment.credit_transfers[0].account_id == "DE02120300000000202051"
    [warning] = parsed.warnings
    assert second_values([warning], "BT-84") and warning.path.endswith("ram:ProprietaryID")


def test_a_global_id_beside_an_id_of_the_buyer_is_a_second_value_for_bt46():
    ids = '<ram:ID>B-1</ram:ID><ram:GlobalID schemeID="0088">4000001000005</ram:GlobalID><ram:Name>B</ram:Name>'
    parsed = read(cii(agreement=party(ids)))
    assert parsed.invoice.buyer.identifier.value == "B-1"
    [warning] = parsed.warnings
    assert second_values([warning], "BT-46") and warning.path.endswith("ram:BuyerTradeParty/ram:GlobalID")


def ubl_party(role: str, inner: str) -> str:
    return f"<cac:{role}><cac:Party>{inner}</cac:Party></cac:{role}>"


def tax_scheme(company: str, scheme: str) -> str:
    return (
        f"<cac:PartyTaxScheme><cbc:CompanyID>{company}</cbc:CompanyID>"
        f"<cac:TaxScheme><cbc:ID>{scheme}</cbc:ID></cac:TaxScheme></cac:PartyTaxScheme>"
    )


def test_a_second_ubl_vat_identifier_is_a_second_value_and_the_first_is_kept():
    parsed = read(ubl(body=ubl_party("AccountingSupplierParty", tax_scheme("SE1", "VAT") + tax_scheme("SE2", "VAT"))))
    assert parsed.invoice.seller.vat_id == "SE1"
    [warning] = parsed.warnings
    assert second_values([warning], "BT-31") and "'SE2'" in warning.message
    assert warning.path.endswith("cac:PartyTaxScheme[2]/cbc:CompanyID")


def test_a_ubl_buyer_tax_registration_other_than_vat_is_reported_not_held():
    parsed = read(ubl(body=ubl_party("AccountingCustomerParty", tax_scheme("NO1", "VAT") + tax_scheme("T1", "TAX"))))
    assert parsed.invoice.buyer.vat_id == "NO1"
    assert [w.path.endswith("cac:PartyTaxScheme[2]/cbc:CompanyID") for w in parsed.warnings] == [True]


def test_second_ubl_buyer_and_payee_identifiers_are_second_values_and_the_first_is_kept():
    ids = "".join(f"<cac:PartyIdentification><cbc:ID>{v}</cbc:ID></cac:PartyIdentification>" for v in "AB")
    payee = f"<cac:PayeeParty>{ids}<cac:PartyName><cbc:Name>P</cbc:Name></cac:PartyName></cac:PayeeParty>"
    parsed = read(ubl(body=ubl_party("AccountingCustomerParty", ids) + payee))
    assert parsed.invoice.buyer.identifier.value == "A" and parsed.invoice.payee.identifier.value == "A"
    assert [w.term for w in parsed.warnings] == ["BT-46", "BT-60"]
    assert all("second value" in w.message and "'B'" in w.message for w in parsed.warnings)


def test_a_second_cii_payment_means_code_is_a_second_value_for_bt81():
    means = "".join(
        f"<ram:SpecifiedTradeSettlementPaymentMeans><ram:TypeCode>{code}</ram:TypeCode>"
        "</ram:SpecifiedTradeSettlementPaymentMeans>"
        for code in ("58", "30")
    )
    parsed = read(cii(settlement=means))
    assert parsed.invoice.payment.means_code == "58"
    assert second_values(parsed.warnings, "BT-81") and terms(parsed.warnings) == ["BT-81"]


# -- 8. UBL version (read by format detection, pagero/formats/detect.py, before any reader or rule) ---------------
def test_ubl_2_0_is_refused_naming_it_before_anything_in_it_is_read():
    with pytest.raises(errors.UnsupportedFormat) as caught:
        read(ubl(head="<cbc:UBLVersionID>2.0</cbc:UBLVersionID>", body=ubl_charge("nonsense")))
    # Refused for its version, not for the indicator the UBL reader would refuse.
    assert "UBL 2.0 (e.g. OIOUBL)" in caught.value.message and "is not supported" in caught.value.message


@pytest.mark.parametrize("head", ["<cbc:UBLVersionID>2.1</cbc:UBLVersionID>", ""])
def test_ubl_2_1_and_an_absent_version_are_read(head):
    assert read(ubl(head=head)).invoice.number == "1"
