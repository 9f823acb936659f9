"""Orders on the shared corpus: every Peppol BIS Ordering 3 order and order response example converts UBL -> EDIFACT
D96A -> UBL and UBL -> Order-X -> UBL keeping every term the middle syntax carries, and the outputs pass their schema
and rules; the EDIFACT ORDERS samples detect with their directory and read."""

from __future__ import annotations

from dataclasses import replace
from pathlib import Path

import pytest

from pagero.formats.errors import InvalidOutput
from pagero.formats.orders import convert_order, detect_order, diff_orders, parse_order, validate_order, write_order
from pagero.formats.orders.model import ORDER, Order

from .corpus import CORPUS, needs_corpus

pytestmark = [needs_corpus]

ORDERING = CORPUS / "peppol-bis-ordering-3" / "rules" / "examples" if CORPUS else Path("missing")
T01_T76 = ("urn:fdc:peppol.eu:poacc:trns:order:3", "urn:fdc:peppol.eu:poacc:trns:order_response:3")


def peppol_examples(customizations: tuple[str, ...] | None = None) -> list[Path]:
    """The Order and OrderResponse examples (those of the given customizations); the examples folder also holds
    catalogues, despatch advices and others."""
    found = []
    for path in sorted(ORDERING.rglob("*.xml")) if ORDERING.is_dir() else []:
        detected = detect_order(path.read_bytes())
        if detected is not None and (customizations is None or detected.customization in customizations):
            found.append(path)
    return found


# T01 and T76, checked by their rules through every syntax; ALL adds the order agreement (T110) and the advanced
# order response (T116), whose models must survive the round trips too (EDIFACT does not carry the customization,
# so through EDIFACT they come back as T76 responses).
EXAMPLES = peppol_examples(T01_T76)
IDS = [str(p.relative_to(ORDERING)) for p in EXAMPLES]
ALL = peppol_examples()
ALL_IDS = [str(p.relative_to(ORDERING)) for p in ALL]

# What each syntax does not carry, by model path: EDIFACT has no place for the Peppol specification and process
# identifiers (the UBL writer restores the Peppol defaults); Order-X declares its own guideline and has no prepaid,
# rounding or payable amount and no tax breakdown in the COMFORT header.
NOT_CARRIED = {
    "edifact": {"customization_id", "profile_id"},
    "orderx": {"customization_id", "totals.prepaid", "totals.rounding", "totals.payable", "totals.tax_subtotals"},
}


def normalised(order: Order) -> Order:
    """An order without type code is an order of type 220 (the default BGM and Order-X TypeCode write)."""
    if order.document_type == ORDER and order.type_code is None:
        return replace(order, type_code="220")
    return order


def differences(a: Order, b: Order, syntax: str) -> list[tuple[str, str, object, object]]:
    kept = []
    for path, term, x, y in diff_orders(normalised(a), normalised(b)):
        if path in NOT_CARRIED[syntax]:
            continue
        kept.append((path, term, x, y))
    return kept


def test_the_corpus_has_peppol_orders_and_responses() -> None:
    kinds = {detect_order(p.read_bytes()).document_type for p in EXAMPLES}  # type: ignore[union-attr]
    assert kinds == {"order", "order_response"} and len(EXAMPLES) >= 8 and len(ALL) > len(EXAMPLES)


@pytest.mark.parametrize("path", ALL, ids=ALL_IDS)
def test_ubl_edifact_ubl_keeps_every_term_edifact_carries(path: Path) -> None:
    source = parse_order(path.read_bytes()).order
    edifact, _ = write_order(source, "edifact")
    middle = parse_order(edifact)
    assert middle.detected.syntax == "edifact" and middle.detected.version == "D:96A"
    assert differences(source, middle.order, "edifact") == []
    ubl, _ = write_order(middle.order, "ubl")
    assert differences(source, parse_order(ubl).order, "edifact") == []


@pytest.mark.parametrize("path", ALL, ids=ALL_IDS)
def test_ubl_orderx_ubl_keeps_every_term_orderx_carries(path: Path) -> None:
    source = parse_order(path.read_bytes()).order
    orderx, warnings = write_order(source, "orderx")
    middle = parse_order(orderx)
    assert middle.detected.syntax == "orderx"
    assert differences(source, middle.order, "orderx") == []
    ubl, _ = write_order(middle.order, "ubl")
    assert differences(source, parse_order(ubl).order, "orderx") == []
    lost = {w.term for w in warnings}
    assert lost <= {
        "cbc:PrepaidAmount",
        "cbc:PayableRoundingAmount",
        "cbc:PayableAmount",
        "cac:Price/cbc:PriceAmount",
        "cbc:Quantity",
        "cbc:LineExtensionAmount",
        "cbc:TaxExclusiveAmount",
        "cbc:DocumentCurrencyCode",
        "cac:Country/cbc:IdentificationCode",
        "cac:Party/cac:PostalAddress",
        "cac:TaxTotal/cac:TaxSubtotal",
    }


@pytest.mark.parametrize("path", EXAMPLES, ids=IDS)
@pytest.mark.parametrize("target", ["ubl", "edifact"])
def test_outputs_pass_schema_and_peppol_rules(path: Path, target: str) -> None:
    data = path.read_bytes()
    assert validate_order(data).valid
    result = convert_order(data, target)
    assert result.report is not None and result.report.valid
    expected = "Peppol BIS Order T01" if b"trns:order:3" in data else "Peppol BIS Order Response T76"
    assert expected in result.report.rule_sets


@pytest.mark.parametrize("path", EXAMPLES, ids=IDS)
def test_orderx_output_is_valid_or_refused_naming_what_order_x_requires(path: Path) -> None:
    data = path.read_bytes()
    _, warnings = write_order(parse_order(data).order, "orderx")
    required = [w for w in warnings if "Order-X requires it" in w.message]
    if required:
        with pytest.raises(InvalidOutput):
            convert_order(data, "orderx")
        return
    result = convert_order(data, "orderx")
    assert result.report is not None and result.report.valid and "Order-X COMFORT" in result.report.rule_sets


@pytest.mark.parametrize("name", ["order-x-basic.xml", "order-x-comfort.xml"])
def test_order_x_samples_detect_validate_and_read(name: str) -> None:
    data = (CORPUS / "factur-x" / "tests" / "fixtures" / "xml" / name).read_bytes()  # type: ignore[operator]
    parsed = parse_order(data)
    assert parsed.detected.syntax == "orderx" and parsed.detected.document_type == "order"
    assert parsed.order.id == "PO123456789" and len(parsed.order.lines) == 3
    assert parsed.order.seller.name == "SELLER_NAME" and parsed.order.currency == "EUR"
    assert validate_order(data).valid


EDIFACT_SAMPLES = {
    "pydifact-edifact-samples/tests/data/order.edi": ("D:96A", "801715918011", 2),
    "staedi-edifact-samples/src/test/resources/EDIFACT/orders-with-group.edi": ("D:96B", "C1441747", 1),
    "pydifact-edifact-samples/tests/data/wikipedia_de.edi": ("D:96A", "B10001", None),
}


@pytest.mark.parametrize("relative", sorted(EDIFACT_SAMPLES))
def test_edifact_orders_samples_detect_with_directory_and_read(relative: str) -> None:
    directory, number, lines = EDIFACT_SAMPLES[relative]
    data = (CORPUS / relative).read_bytes()  # type: ignore[operator]
    detected = detect_order(data)
    assert detected is not None and detected.syntax == "edifact" and detected.document_type == "order"
    assert detected.version == directory
    parsed = parse_order(data)
    assert parsed.order.id == number
    if lines is not None:
        assert len(parsed.order.lines) == lines
    if directory != "D:96A":
        assert any("read with the D96A binding" in w.message for w in parsed.warnings)
    # what the model does not hold is named, segment by segment
    assert all(w.path.startswith("segment") or w.path == "interchange" for w in parsed.warnings)


def test_the_full_peppol_order_example_becomes_valid_order_x_and_back() -> None:
    data = (ORDERING / "Order_Example.xml").read_bytes()
    result = convert_order(data, "orderx")
    assert result.report is not None and result.report.valid and "Order-X COMFORT" in result.report.rule_sets
    back = convert_order(result.data, "ubl")
    assert back.report is not None and back.report.valid and "Peppol BIS Order T01" in back.report.rule_sets
    source = parse_order(data).order
    assert len(source.allowance_charges) == 2 and source.allowance_charges[0].charge
    assert differences(source, parse_order(back.data).order, "orderx") == []


@pytest.mark.parametrize(
    ("name", "rule_set"),
    [
        ("OrderAgreement_Example.xml", "Peppol BIS Order Agreement T110"),
        (
            "Advanced Ordering scenarios/advanced_ordering_sc1/OrderResponse_sc1.xml",
            "Peppol BIS Order Response Advanced T116",
        ),
    ],
)
def test_order_agreement_and_advanced_response_are_checked_by_their_own_rules(name: str, rule_set: str) -> None:
    data = (ORDERING / name).read_bytes()
    report = validate_order(data)
    assert report.valid and rule_set in report.rule_sets
    converted = convert_order(data, "ubl")
    assert converted.report is not None and converted.report.valid and rule_set in converted.report.rule_sets
