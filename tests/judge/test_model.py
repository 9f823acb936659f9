"""The judge itself: each normalisation does what its binding reason says, and a lost or changed term always shows."""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass

import pytest
from lxml import etree

from tests.formats.corpus import CORPUS, needs_corpus

from .model import (
    NUMERIC_TERMS,
    SemanticModel,
    canonical_decimal,
    compare,
    semantic_model,
    unexplained,
)

pytestmark = needs_corpus

NS = {
    "cac": "urn:oasis:names:specification:ubl:schema:xsd:CommonAggregateComponents-2",
    "cbc": "urn:oasis:names:specification:ubl:schema:xsd:CommonBasicComponents-2",
    "rsm": "urn:un:unece:uncefact:data:standard:CrossIndustryInvoice:100",
    "ram": "urn:un:unece:uncefact:data:standard:ReusableAggregateBusinessInformationEntity:100",
}
UBL_1 = "cen-en16931/ubl/examples/ubl-tc434-example1.xml"
UBL_5 = "cen-en16931/ubl/examples/ubl-tc434-example5.xml"
CII_5 = "cen-en16931/cii/examples/CII_example5.xml"
HEADER_AGREEMENT = "rsm:SupplyChainTradeTransaction/ram:ApplicableHeaderTradeAgreement"
HEADER_SETTLEMENT = "rsm:SupplyChainTradeTransaction/ram:ApplicableHeaderTradeSettlement"


def edited(path: str, change: Callable[[etree._Element], None] | None = None) -> bytes:
    root = etree.fromstring((CORPUS / path).read_bytes())
    if change is not None:
        change(root)
    return etree.tostring(root)


def leaves(model: SemanticModel) -> dict[str, list[str]]:
    found: dict[str, list[str]] = {}
    for path, value in model.terms():
        found.setdefault(path, []).append(value)
    return found


def element(tag: str, text: str) -> etree._Element:
    prefix, name = tag.split(":")
    node = etree.Element(f"{{{NS[prefix]}}}{name}")
    node.text = text
    return node


# -- comparing --------------------------------------------------------------------------------------------------
@pytest.mark.parametrize("path", [UBL_1, CII_5])
def test_a_document_has_no_difference_with_itself(path):
    assert compare(semantic_model(edited(path)), semantic_model(edited(path))) == []


def test_a_lost_term_is_named_with_its_line():
    def drop_line_2_price(root):
        price = root.findall("cac:InvoiceLine", NS)[1].find("cac:Price/cbc:PriceAmount", NS)
        price.getparent().remove(price)

    differences = compare(semantic_model(edited(UBL_1)), semantic_model(edited(UBL_1, drop_line_2_price)))
    assert [str(d) for d in differences] == ["BG-25[2]/BG-29/BT-146: source '9.85' -> output (absent)"]
    assert differences[0].term == "BT-146" and differences[0].groups == ["BG-25", "BG-29"]


def test_a_changed_value_shows_both_values():
    def change_buyer_name(root):
        root.find("cac:AccountingCustomerParty/cac:Party/cac:PartyLegalEntity/cbc:RegistrationName", NS).text = "X"

    differences = compare(semantic_model(edited(UBL_1)), semantic_model(edited(UBL_1, change_buyer_name)))
    assert [str(d) for d in differences] == ["BG-7/BT-44: source 'ODIN 59' -> output 'X'"]


def test_a_lost_line_does_not_shift_the_lines_after_it():
    def drop_line_1(root):
        root.remove(root.find("cac:InvoiceLine", NS))

    differences = compare(semantic_model(edited(UBL_1)), semantic_model(edited(UBL_1, drop_line_1)))
    assert differences and {d.path.split("/")[0] for d in differences} == {"BG-25[1]"}
    assert all(not d.extra for d in differences)


def test_a_duplicated_value_counts():
    """The models are multisets: one more occurrence of a value is a difference."""

    def repeat_the_note(root):
        note = root.find("cbc:Note", NS)
        note.addnext(element("cbc:Note", note.text))

    differences = compare(semantic_model(edited(UBL_1)), semantic_model(edited(UBL_1, repeat_the_note)))
    assert [d.path for d in differences] == ["BG-1[2]/BT-22"]


# -- warnings -----------------------------------------------------------------------------------------------------
@dataclass
class Warning:
    path: str
    term: str | None = None


def test_only_a_warning_naming_the_term_its_group_or_its_element_explains_a_difference():
    def drop_line_2_price(root):
        price = root.findall("cac:InvoiceLine", NS)[1].find("cac:Price/cbc:PriceAmount", NS)
        price.getparent().remove(price)

    source, output = semantic_model(edited(UBL_1)), semantic_model(edited(UBL_1, drop_line_2_price))
    differences = compare(source, output)
    line_2 = "/Invoice/cac:InvoiceLine[2]"
    assert unexplained(differences, [Warning(line_2, "BT-146")], source, output) == []
    assert unexplained(differences, [Warning("x", "BG-29")], source, output) == []
    assert unexplained(differences, [Warning(f"{line_2}/cac:Price/cbc:PriceAmount")], source, output) == []
    assert unexplained(differences, [Warning(line_2)], source, output) == []
    assert unexplained(differences, [Warning("/Invoice/cac:InvoiceLine[3]", "BT-145")], source, output) == differences
    assert unexplained(differences, [Warning("/Invoice")], source, output) == differences, "the root names nothing"


# -- the normalisations -------------------------------------------------------------------------------------------
@pytest.mark.parametrize(
    ("text", "canonical"),
    [("100.", "100"), ("100.00", "100"), ("+1.50", "1.5"), ("-0.000", "0"), (".5", "0.5"), ("1E3", "1E3"), ("", "")],
)
def test_decimal_lexical_forms(text, canonical):
    assert canonical_decimal(text) == canonical


def test_numeric_terms_are_read_from_the_stylesheets():
    assert {"BT-92", "BT-106", "BT-115", "BT-129", "BT-146", "BT-149", "BT-152"} <= NUMERIC_TERMS
    assert not {"BT-1", "BT-29", "BT-126", "BT-46"} & NUMERIC_TERMS


def test_charge_indicator_digits_read_as_booleans():
    def digits(root):
        for indicator in root.iter(f"{{{NS['cbc']}}}ChargeIndicator"):
            indicator.text = {"true": "1", "false": "0"}[indicator.text]

    original = semantic_model(edited(UBL_5))
    assert any("/BG-27" in path for path, _ in original.terms()), "the example has line allowances"
    assert compare(original, semantic_model(edited(UBL_5, digits))) == []


def test_ubl_note_prefix_is_the_subject_code():
    model = leaves(
        semantic_model(edited("xrechnung-testsuite/src/test/business-cases/standard/01.01a-INVOICE_ubl.xml"))
    )
    codes = [value for path, values in model.items() if path.endswith("/BT-21") for value in values]
    notes = [value for path, values in model.items() if path.endswith("/BT-22") for value in values]
    assert codes and all(len(code) == 3 for code in codes)
    assert not any(note.startswith("#") for note in notes)


def test_cii_tax_registration_markers_are_no_scheme_but_real_schemes_stay():
    model = leaves(semantic_model(edited(CII_5)))
    assert model["BG-4/BT-31"] == ["NL16356706"] and "BG-4/BT-31@scheme_identifier" not in model
    assert model["BG-4/BT-32"] == ["NL16356706"] and "BG-4/BT-32@scheme_identifier" not in model
    assert "BG-7/BT-48@scheme_identifier" not in model
    assert model["BG-13/BT-71@scheme_identifier"] == ["0088"]


def test_order_reference_placeholder_is_no_purchase_order():
    def placeholder(root):
        root.find("cac:OrderReference/cbc:ID", NS).text = "NA"

    assert leaves(semantic_model(edited(UBL_5)))["BT-13"] == ["PO4711"]
    model = leaves(semantic_model(edited(UBL_5, placeholder)))
    assert "BT-13" not in model and model["BT-14"] == ["123"]


def test_invoiced_object_reference_is_no_supporting_document():
    def typed_object(root):
        reference = root.find("cac:AdditionalDocumentReference", NS)
        reference.find("cbc:ID", NS).addnext(element("cbc:DocumentTypeCode", "130"))

    def supporting(model):
        return [v for path, values in leaves(model).items() if path.endswith("/BT-122") for v in values]

    assert "OBJ999" in supporting(semantic_model(edited(UBL_5)))
    typed = semantic_model(edited(UBL_5, typed_object))
    assert leaves(typed)["BT-18"] == ["OBJ999"] and "OBJ999" not in supporting(typed)


def test_cii_tax_point_date_code_reads_as_untdid_2005():
    def due_date_code(root):
        tax = root.find(f"{HEADER_SETTLEMENT}/ram:ApplicableTradeTax", NS)
        tax.find("ram:CategoryCode", NS).addnext(element("ram:DueDateTypeCode", "29"))

    assert leaves(semantic_model(edited(CII_5, due_date_code)))["BT-8"] == ["35"]


def test_tax_currency_equal_to_invoice_currency_is_dropped_in_ubl_only():
    def ubl_tax_currency(root):
        root.find("cbc:DocumentCurrencyCode", NS).addnext(element("cbc:TaxCurrencyCode", "EUR"))

    def cii_tax_currency(root):
        root.find(f"{HEADER_SETTLEMENT}/ram:TaxCurrencyCode", NS).text = "DKK"

    assert "BT-6" not in leaves(semantic_model(edited(UBL_1, ubl_tax_currency)))
    assert leaves(semantic_model(edited(CII_5, cii_tax_currency)))["BT-6"] == ["DKK"]


def test_empty_elements_are_no_terms():
    def empty_buyer_reference(root):
        root.find("cbc:DocumentCurrencyCode", NS).addnext(element("cbc:BuyerReference", "  "))

    assert compare(semantic_model(edited(UBL_1)), semantic_model(edited(UBL_1, empty_buyer_reference))) == []


def test_cii_invoiced_object_scheme_is_read_from_the_reference_type_code():
    def typed_object(root):
        for reference in root.findall(f"{HEADER_AGREEMENT}/ram:AdditionalReferencedDocument", NS):
            if reference.findtext("ram:IssuerAssignedID", namespaces=NS) == "OBJ999":
                reference.append(element("ram:TypeCode", "130"))
                reference.append(element("ram:ReferenceTypeCode", "AAB"))

    model = leaves(semantic_model(edited(CII_5, typed_object)))
    assert model["BT-18"] == ["OBJ999"] and model["BT-18@scheme_identifier"] == ["AAB"]


def test_vendored_stylesheets_are_the_corpus_copy_unmodified():
    """kosit/README.md says the stylesheets are upstream's, unmodified: hold it to that."""
    from .model import KOSIT

    upstream = CORPUS / "kosit-xrechnung-visualization"
    for name in ("ubl-invoice-xr.xsl", "ubl-creditnote-xr.xsl", "cii-xr.xsl", "common-xr.xsl", "functions.xsl"):
        assert (KOSIT / name).read_bytes() == (upstream / "src" / "xsl" / name).read_bytes(), name
    assert (KOSIT / "LICENSE").read_bytes() == (upstream / "LICENSE").read_bytes()
