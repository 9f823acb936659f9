"""The orders facade: detect, parse, write, convert and validate orders and order responses (no Django here).

Validation: the schema of the syntax (UBL 2.1 Order/OrderResponse, Order-X COMFORT), then the rules the document
declares: Peppol BIS Ordering 3 (T01 order, T76 order response, T110 order agreement, T116 order response advanced)
for UBL, the Order-X COMFORT Schematron for Order-X. EDIFACT has no schema here: it is read into the model (which
checks structure and values) and the rules run on its UBL rendering.
"""

from __future__ import annotations

from collections.abc import Callable, Iterator
from dataclasses import dataclass, field
from pathlib import Path

from lxml import etree

from ..conversion import check_size, refusing_unforeseen
from ..errors import ConversionWarning, EmptyDocument, InvalidOutput, UnsupportedFormat
from ..schema_files import SCHEMA_POOL
from ..validation import rules
from ..validation.report import Finding, ValidationReport, term_in
from ..xml import DEFAULT_MAX_BYTES, parse_xml
from .detect import ORDER_SYNTAXES, OrderDetected, detect_order
from .edifact import read_edifact_order, write_edifact_order
from .model import Order
from .orderx import read_orderx, write_orderx
from .ubl import read_ubl_order, write_ubl_order

CHECKS = ("rules", "schema", "none")
ARTEFACTS = Path(__file__).resolve().parent.parent / "artefacts"
SCHEMAS = {
    ("ubl", "order"): ARTEFACTS / "ubl-2.1" / "maindoc" / "UBL-Order-2.1.xsd",
    ("ubl", "order_response"): ARTEFACTS / "ubl-2.1" / "maindoc" / "UBL-OrderResponse-2.1.xsd",
    ("orderx", "order"): ARTEFACTS / "orderx" / "comfort" / "SCRDMCCBDACIOMessageStructure_100pD20B.xsd",
    ("orderx", "order_response"): ARTEFACTS / "orderx" / "comfort" / "SCRDMCCBDACIOMessageStructure_100pD20B.xsd",
}
PEPPOL_ORDERING = ARTEFACTS / "rules" / "peppol-ordering"
# Peppol ordering rule sets by the specification identifier (cbc:CustomizationID) they apply to.
PEPPOL_RULES = {
    "urn:fdc:peppol.eu:poacc:trns:order:3": rules.RuleSet(
        "Peppol BIS Order T01", PEPPOL_ORDERING / "PEPPOLBIS-T01.xslt"
    ),
    "urn:fdc:peppol.eu:poacc:trns:order_response:3": rules.RuleSet(
        "Peppol BIS Order Response T76", PEPPOL_ORDERING / "PEPPOLBIS-T76.xslt"
    ),
    "urn:fdc:peppol.eu:poacc:trns:order_agreement:3": rules.RuleSet(
        "Peppol BIS Order Agreement T110", PEPPOL_ORDERING / "PEPPOLBIS-T110.xslt"
    ),
    "urn:fdc:peppol.eu:poacc:trns:order_response_advanced:3": rules.RuleSet(
        "Peppol BIS Order Response Advanced T116", PEPPOL_ORDERING / "PEPPOLBIS-T116.xslt"
    ),
}
ORDERX_RULES = rules.RuleSet(
    "Order-X COMFORT", ARTEFACTS / "orderx" / "comfort" / "SCRDMCCBDACIOMessageStructure_100pD20B-compiled.xsl"
)

Writer = Callable[[Order], tuple[bytes, list[ConversionWarning]]]
WRITERS: dict[str, Writer] = {"ubl": write_ubl_order, "orderx": write_orderx, "edifact": write_edifact_order}


@dataclass
class ParsedOrder:
    detected: OrderDetected
    order: Order
    warnings: list[ConversionWarning] = field(default_factory=list)


@dataclass
class OrderConversion:
    source: OrderDetected
    target: str
    data: bytes
    warnings: list[ConversionWarning]
    report: ValidationReport | None = None  # the check the output passed (None when none was asked for)

    @property
    def lossless(self) -> bool:
        return not self.warnings


def _detect(data: bytes) -> tuple[OrderDetected, etree._Element | None]:
    head = data.lstrip(b"\xef\xbb\xbf \t\r\n")[:16]
    if not head:
        raise EmptyDocument("the document is empty")
    edifact = head.startswith((b"UNA", b"UNB"))
    if not edifact and not head.startswith(b"<") and not data.startswith((b"\xff\xfe", b"\xfe\xff")):
        raise UnsupportedFormat("unsupported format: the document is neither XML nor EDIFACT")
    root = None if edifact else parse_xml(data)
    detected = detect_order(data, root)
    if detected is None:
        raise UnsupportedFormat(
            "unsupported format: not an order (UBL 2.1 Order/OrderResponse, Order-X, EDIFACT ORDERS/ORDRSP)"
        )
    return detected, root


def detect_order_document(data: bytes, max_bytes: int = DEFAULT_MAX_BYTES) -> OrderDetected:
    check_size(data, max_bytes)
    with refusing_unforeseen("read"):
        return _detect(data)[0]


def _read(detected: OrderDetected, root: etree._Element | None, data: bytes) -> tuple[Order, list[ConversionWarning]]:
    if detected.syntax == "ubl" and root is not None:
        return read_ubl_order(root)
    if detected.syntax == "orderx" and root is not None:
        return read_orderx(root)
    return read_edifact_order(data)


def parse_order(data: bytes, max_bytes: int = DEFAULT_MAX_BYTES) -> ParsedOrder:
    check_size(data, max_bytes)
    with refusing_unforeseen("read"):
        detected, root = _detect(data)
        order, warnings = _read(detected, root, data)
    return ParsedOrder(detected, order, warnings)


def write_order(order: Order, syntax: str) -> tuple[bytes, list[ConversionWarning]]:
    writer = WRITERS.get(syntax)
    if writer is None:
        raise UnsupportedFormat(f"unknown target syntax {syntax!r} for orders; use one of {', '.join(ORDER_SYNTAXES)}")
    with refusing_unforeseen(f"written as {syntax}"):
        return writer(order)


def convert_order(
    data: bytes, target: str, check: str = "rules", max_bytes: int = DEFAULT_MAX_BYTES
) -> OrderConversion:
    """Convert, then check the output (schema, and with "rules" the rules it declares) before returning it: output
    that fails is never returned (InvalidOutput carries the findings)."""
    if target not in WRITERS:
        raise UnsupportedFormat(f"unknown target syntax {target!r} for orders; use one of {', '.join(ORDER_SYNTAXES)}")
    if check not in CHECKS:
        raise ValueError(f"check must be one of {', '.join(CHECKS)}, not {check!r}")
    parsed = parse_order(data, max_bytes)
    output, write_warnings = write_order(parsed.order, target)
    report = None
    if check != "none":
        with refusing_unforeseen(f"checked as {target}"):
            report = _validate(output, check == "rules")
        if not report.valid:
            fatal = report.fatal
            first = "; ".join(f"{f.rule_id} {f.message}" for f in fatal[:3])
            message = f"the {target} output fails {report.fatal_count} check(s) and is not returned: {first}"
            raise InvalidOutput(message[:1000], findings=fatal)
    return OrderConversion(parsed.detected, target, output, parsed.warnings + write_warnings, report)


def validate_order(data: bytes, max_bytes: int = DEFAULT_MAX_BYTES, business_rules: bool = True) -> ValidationReport:
    check_size(data, max_bytes)
    with refusing_unforeseen("validated"):
        return _validate(data, business_rules)


def _validate(data: bytes, business_rules: bool) -> ValidationReport:
    detected, root = _detect(data)
    report = ValidationReport(detected.syntax, detected.document_type, detected.customization)
    if detected.syntax == "edifact":
        order, _ = read_edifact_order(data)
        data, _ = write_ubl_order(order)
        root = parse_xml(data)
        detected = OrderDetected("ubl", order.document_type, order.customization_id or _customization(root))
        report.notes.append("EDIFACT: the Peppol ordering rules were applied to the document's UBL rendering")
    else:
        assert root is not None
        report.rule_sets.append("xsd")
        report.add(_schema_findings(root, detected))
    rule_sets: list[rules.RuleSet] = []
    if detected.syntax == "ubl":
        found = PEPPOL_RULES.get(detected.customization or "")
        if found is None:
            report.notes.append(f"no Peppol ordering rules for customization {detected.customization!r}")
        else:
            rule_sets.append(found)
    elif detected.syntax == "orderx":
        rule_sets.append(ORDERX_RULES)
    if business_rules and rule_sets:
        node = rules.RUNNER.parse(root, data)
        for rule_set in rule_sets:
            report.rule_sets.append(rule_set.name)
            report.add(rules.RUNNER.run(rule_set, node))
    return report


def _customization(root: etree._Element) -> str | None:
    from .names import UBL_NS

    element = root.find("cbc:CustomizationID", UBL_NS)
    return element.text if element is not None else None


def _schema_findings(root: etree._Element, detected: OrderDetected) -> Iterator[Finding]:
    errors = SCHEMA_POOL.errors(root, SCHEMAS[(detected.syntax, detected.document_type)])
    return (Finding("XSD", "fatal", e.message, e.path or f"line {e.line}", term_in(e.message), "xsd") for e in errors)
