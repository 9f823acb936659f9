"""Read any supported syntax into the model, write the model in any syntax, validate (no Django here)."""

from __future__ import annotations

import logging
import re
from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import dataclass, field

from lxml import etree

from .cii.reader import read_cii
from .cii.writer import write_cii
from .detect import Detected, detect
from .errors import (
    ConversionNote,
    ConversionWarning,
    DocumentTooLarge,
    FormatError,
    InvalidOutput,
    UnreadableDocument,
    UnsupportedFormat,
)
from .model import Invoice
from .ubl.reader import read_ubl
from .ubl.writer import write_ubl
from .validation import rules, xsd
from .validation.report import ValidationReport
from .xml import DEFAULT_MAX_BYTES

SYNTAXES = ("ubl", "cii", "edifact")
# How a conversion's output is checked before it is returned: schema and every rule set the output declares
# ("rules"), the schema alone ("schema": callers that run the rules themselves), or not at all ("none").
CHECKS = ("rules", "schema", "none")
# Factur-X / ZUGFeRD 2 profiles below EN 16931 by design (no lines, or no VAT breakdown): their content cannot make
# an EN 16931 invoice in another syntax, so they are refused before conversion, naming the profile.
BELOW_EN16931_PROFILES = {
    "urn:factur-x.eu:1p0:minimum": "Factur-X MINIMUM",
    "urn:factur-x.eu:1p0:basicwl": "Factur-X BASIC WL",
}
# National rules of a CIUS, which `lenient` reports without failing: Peppol country rules (XX-R-nnn), the Peppol
# national identifier checks PEPPOL-COMMON-R041..R057, and XRechnung's BR-DE-nn.
NATIONAL_RULE = re.compile(r"^(?:[A-Z]{2}-R-\d{3}|PEPPOL-COMMON-R0(?:4[1-9]|5[0-7])|BR-DE-?\d+[a-z]?)$")
log = logging.getLogger(__name__)

# What reader, writer or validation code raises when input breaks an assumption no check covers. Every known case
# is refused where it happens, with its own message; this turns any other into a FormatError (a clear refusal,
# never a traceback to the caller) and logs it with its traceback so that it gets its own check.
UNFORESEEN = (ValueError, ArithmeticError, LookupError, TypeError, AttributeError, RecursionError, etree.LxmlError)


@contextmanager
def refusing_unforeseen(step: str) -> Iterator[None]:
    try:
        yield
    except FormatError:
        raise
    except UNFORESEEN as exc:
        log.error("formats: %s failed on an unforeseen input", step, exc_info=True)
        detail = f"{type(exc).__name__}: {exc}"[:300]
        raise UnreadableDocument(f"the document could not be {step} ({detail})") from exc


@dataclass
class ParsedDocument:
    detected: Detected
    invoice: Invoice
    warnings: list[ConversionWarning] = field(default_factory=list)


@dataclass
class Conversion:
    source: Detected
    target: str
    data: bytes
    warnings: list[ConversionWarning]
    # The check the output passed before it was returned (None when the caller asked for none).
    report: ValidationReport | None = None

    @property
    def lossless(self) -> bool:
        """Nothing a recipient could read was lost (notes name what no syntax holds: they do not count)."""
        return not any(not isinstance(w, ConversionNote) for w in self.warnings)


def check_size(data: bytes, max_bytes: int) -> None:
    if len(data) > max_bytes:
        raise DocumentTooLarge(f"the document is {len(data)} bytes; the limit is {max_bytes} bytes")


# Orders and order responses have their own model and rules (orders/).
ORDER_DOCUMENT_TYPES = frozenset({"order", "order_response"})


def read_model(detected: Detected, root: etree._Element | None, data: bytes) -> tuple[Invoice, list[ConversionWarning]]:
    if detected.document_type in ORDER_DOCUMENT_TYPES or detected.syntax == "orderx":
        raise UnsupportedFormat(
            f"a {detected.label} is read into the order model, not the invoice model: use parse_order/convert_order"
        )
    if detected.syntax in {"ubl", "cii"}:
        assert root is not None  # detect() returns the parsed tree of every XML document
        return read_ubl(root) if detected.syntax == "ubl" else read_cii(root)
    from .edifact.reader import read_edifact

    return read_edifact(data)


def detect_document(data: bytes, max_bytes: int = DEFAULT_MAX_BYTES) -> Detected:
    check_size(data, max_bytes)
    with refusing_unforeseen("read"):
        detected, _ = detect(data)
    return detected


def parse_document(data: bytes, max_bytes: int = DEFAULT_MAX_BYTES) -> ParsedDocument:
    check_size(data, max_bytes)
    with refusing_unforeseen("read"):
        detected, root = detect(data)
        invoice, warnings = read_model(detected, root, data)
    return ParsedDocument(detected, invoice, warnings)


def write_document(invoice: Invoice, syntax: str) -> tuple[bytes, list[ConversionWarning]]:
    if syntax == "ubl":
        return write_ubl(invoice)
    if syntax == "cii":
        return write_cii(invoice)
    if syntax == "edifact":
        from .edifact.writer import write_edifact

        return write_edifact(invoice)
    raise UnsupportedFormat(f"unknown target syntax {syntax!r}; use one of {', '.join(SYNTAXES)}")


def convert_document(
    data: bytes, target: str, max_bytes: int = DEFAULT_MAX_BYTES, check: str = "rules", lenient: bool = False
) -> Conversion:
    """Convert, then check the output (`check`, see CHECKS) before returning it: output that fails is never
    returned (InvalidOutput carries its findings). `lenient`: national CIUS rules are reported, not failed on."""
    if target not in SYNTAXES:
        raise UnsupportedFormat(f"unknown target syntax {target!r}; use one of {', '.join(SYNTAXES)}")
    if check not in CHECKS:
        raise ValueError(f"check must be one of {', '.join(CHECKS)}, not {check!r}")
    parsed = parse_document(data, max_bytes)
    refuse_below_en16931(parsed.detected)
    with refusing_unforeseen(f"converted to {target}"):
        output, write_warnings = write_document(parsed.invoice, target)
    report = None if check == "none" else check_output(output, target, check == "rules", lenient)
    return Conversion(parsed.detected, target, output, parsed.warnings + write_warnings, report)


def refuse_below_en16931(detected: Detected) -> None:
    profile = BELOW_EN16931_PROFILES.get(detected.customization or "")
    if profile is not None:
        raise UnsupportedFormat(
            f"{profile} ({detected.customization}) is below EN 16931 by design and cannot be converted to an "
            "EN 16931 invoice: send the EN 16931 (COMFORT), EXTENDED or XRechnung profile"
        )


def is_national_rule(rule_id: str) -> bool:
    return NATIONAL_RULE.match(rule_id) is not None


def check_output(output: bytes, target: str, business_rules: bool, lenient: bool = False) -> ValidationReport:
    """The output against its schema and (business_rules) EN 16931 plus the CIUS it declares; raises InvalidOutput
    when it fails. The output is ours, so a failure here is a defect or a source the model could not carry whole."""
    with refusing_unforeseen(f"checked as {target}"):
        report = _validate(output, business_rules)
    failing = [f for f in report.fatal if not (lenient and is_national_rule(f.rule_id))]
    # Findings beyond the kept ones are only counted: they fail the check, whatever their rule.
    if failing or report.omitted_fatal:
        count = len(failing) + report.omitted_fatal
        first = "; ".join(f"{f.rule_id}" + (f" [{f.term}]" if f.term else "") + f" {f.message}" for f in failing[:3])
        raise InvalidOutput(
            f"the {target} output fails {count} check(s) and is not returned: {first}"[:1000], findings=failing
        )
    return report


def validate_document(data: bytes, max_bytes: int = DEFAULT_MAX_BYTES, business_rules: bool = True) -> ValidationReport:
    check_size(data, max_bytes)
    with refusing_unforeseen("validated"):
        return _validate(data, business_rules)


def _validate(data: bytes, business_rules: bool) -> ValidationReport:
    detected, root = detect(data)
    if detected.document_type in ORDER_DOCUMENT_TYPES or detected.syntax == "orderx":
        from .orders.api import validate_order  # orders build on this module

        return validate_order(data, len(data), business_rules)
    report = ValidationReport(detected.syntax, detected.document_type, detected.customization)
    if detected.syntax == "edifact":
        # Raw EDIFACT has no schema here: it is read into the model (which checks its structure and
        # values) and the EN 16931 rules run on its CII rendering.
        invoice, _ = read_model(detected, None, data)
        rendering, _ = write_cii(invoice)
        detected_rendering = Detected("cii", detected.document_type, invoice.process.specification_id)
        root, data = etree.fromstring(rendering), rendering
        report.notes.append("EDIFACT: business rules were applied to the document's CII rendering")
        sets, notes = rules.rule_sets_for("cii", detected.document_type, detected_rendering.customization)
    else:
        assert root is not None  # detect() returns the parsed tree of every XML document
        report.rule_sets.append("xsd")
        report.add(xsd.validate_xsd(root, detected.syntax, detected.document_type))
        sets, notes = rules.rule_sets_for(detected.syntax, detected.document_type, detected.customization)
    report.notes.extend(notes)
    if business_rules and sets:
        node = rules.RUNNER.parse(root, data)  # Saxon reads the document's own bytes, not a re-serialisation
        for rule_set in sets:
            report.rule_sets.append(rule_set.name)
            report.add(rules.RUNNER.run(rule_set, node))
    return report
