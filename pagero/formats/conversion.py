"""Read any supported syntax into the model, write the model in any syntax, validate (no Django here)."""

from __future__ import annotations

import functools
import logging
import re
from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import dataclass, field

from lxml import etree

from .cii.d22b import d22b_xsd_findings, is_d22b
from .cii.d22b_writer import write_cii_d22b
from .cii.reader import read_cii
from .cii.writer import write_cii
from .cii.zugferd1 import is_zugferd1, read_zugferd1
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
from .hybrid import HYBRID_SYNTAX, attach_pdf
from .model import Invoice
from .schema_files import ZUGFERD1_XSD, xsd_findings
from .ubl.reader import read_ubl
from .ubl.writer import write_ubl
from .validation import rules, xsd
from .validation.report import ValidationReport
from .xml import DEFAULT_MAX_BYTES

# Targets: the three syntaxes, EDIFACT INVOIC D96A (the retail message), Factur-X (a PDF/A-3 with the CII XML) and
# CII D22B ("cii" is D16B; D22B only for recipients that ask for it).
CII_D22B = "cii-d22b"
SYNTAXES = ("ubl", "cii", "edifact", "edifact-d96a", "facturx", CII_D22B)
# How a conversion's output is checked before it is returned: schema and every rule set the output declares
# ("rules"), the schema alone ("schema": callers that run the rules themselves), or not at all ("none").
CHECKS = ("rules", "schema", "none")
# Factur-X / ZUGFeRD 2 profiles below EN 16931 by design (no lines, or no VAT breakdown): their content cannot make
# an EN 16931 invoice in another syntax, so they are refused before conversion, naming the profile.
BELOW_EN16931_PROFILES = {
    "urn:factur-x.eu:1p0:minimum": "Factur-X MINIMUM",
    "urn:factur-x.eu:1p0:basicwl": "Factur-X BASIC WL",
    "urn:zugferd.de:2p0:minimum": "ZUGFeRD 2.0 MINIMUM",
    "urn:zugferd.de:2p0:basicwl": "ZUGFeRD 2.0 BASIC WL",
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
    if detected.syntax in {"ubl", "cii", "zugferd1", "facturx"}:
        assert root is not None  # detect() returns the parsed tree of every XML document (a PDF's embedded one)
        if detected.syntax == "ubl":
            return read_ubl(root)
        return read_zugferd1(root) if is_zugferd1(root) else read_cii(root)
    if detected.syntax != "edifact":  # INVOIC D96A, D93A, ... (the retail message)
        from .edifact.d96a import read_legacy_invoic

        legacy = read_legacy_invoic(data)
        return legacy.invoice, legacy.warnings
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
    if syntax == CII_D22B:
        return write_cii_d22b(invoice)
    if syntax == "edifact":
        from .edifact.writer import write_edifact

        return write_edifact(invoice)
    if syntax == "edifact-d96a":
        from .edifact.d96a import write_d96a

        return write_d96a(invoice)
    if syntax == "facturx":
        from .facturx import write_facturx
        from .render.pdf import render_pdf

        # PDF/A: the visible part in embedded fonts.
        return write_facturx(invoice, functools.partial(render_pdf, syntax="facturx"))
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
    invoice = parsed.invoice
    if parsed.detected.syntax == HYBRID_SYNTAX:
        # The PDF is the invoice as the seller issued it: it travels with the conversion (BG-24).
        invoice = attach_pdf(invoice, data, parsed.detected.version)
    with refusing_unforeseen(f"converted to {target}"):
        output, write_warnings = write_document(invoice, target)
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
        if target == HYBRID_SYNTAX:
            from .facturx import check_facturx

            # Our Factur-X: the XML against its profile's XSD and Schematron, the XMP, and the EN 16931 rules.
            report = check_facturx(output, DEFAULT_MAX_BYTES, business_rules)
        else:
            # D22B output is held to the D22B schema even where nothing in it needs D22B (D16B would accept it too).
            report = _validate(output, business_rules, d22b=target == CII_D22B)
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


def _validate(data: bytes, business_rules: bool, d22b: bool = False) -> ValidationReport:
    detected, root = detect(data)
    if detected.document_type in ORDER_DOCUMENT_TYPES or detected.syntax == "orderx":
        from .orders.api import validate_order  # orders build on this module

        return validate_order(data, len(data), business_rules)
    syntax = detected.syntax
    legacy = syntax.startswith("edifact-")
    # INVOIC directories that are read but not written are reported as EDIFACT, their directory named in a note.
    shown = "edifact" if legacy and syntax not in SYNTAXES else syntax
    report = ValidationReport(shown, detected.document_type, detected.customization)
    source: bytes | None = data
    if legacy:
        report.notes.append(f"EDIFACT INVOIC {(detected.version or '').replace(':', '')}: read as the retail message")
    if syntax == HYBRID_SYNTAX:
        # A hybrid PDF is validated as its embedded invoice XML (the Factur-X profile checks apply to our output).
        assert root is not None  # detect() returns the embedded XML's tree
        syntax, source = ("zugferd1" if is_zugferd1(root) else "cii"), None
        report.notes.append(
            f"hybrid PDF ({detected.version or 'no known profile'}): its embedded invoice XML is validated"
        )
    if syntax == "edifact" or legacy or syntax == "zugferd1":
        if syntax == "zugferd1":
            assert root is not None
            report.rule_sets.append("xsd")
            report.add(xsd_findings(root, ZUGFERD1_XSD, "xsd (ZUGFeRD 1.0)"))
        # Raw EDIFACT has no schema here, ZUGFeRD 1.0 has no business rules of its own: the document is read into
        # the model (which checks its structure and values) and the EN 16931 rules run on its CII rendering.
        invoice, _ = read_model(
            Detected(syntax, detected.document_type) if syntax == "zugferd1" else detected, root, data
        )
        rendering, _ = write_cii(invoice)
        root, source = etree.fromstring(rendering), rendering
        label = "ZUGFeRD 1.0" if syntax == "zugferd1" else "EDIFACT"
        report.notes.append(f"{label}: business rules were applied to the document's CII rendering")
        sets, notes = rules.rule_sets_for("cii", detected.document_type, invoice.process.specification_id)
    else:
        assert root is not None  # detect() returns the parsed tree of every XML document
        report.rule_sets.append("xsd")
        if syntax == "cii" and (d22b or is_d22b(root)):
            report.add(d22b_xsd_findings(root))
            report.notes.append("CII D22B: validated against the D22B schema (Factur-X EXTENDED 1.09.2)")
        else:
            report.add(xsd.validate_xsd(root, syntax, detected.document_type))
        sets, notes = rules.rule_sets_for(syntax, detected.document_type, detected.customization)
    report.notes.extend(notes)
    if business_rules and sets:
        node = rules.RUNNER.parse(root, source)  # Saxon reads the document's own bytes, not a re-serialisation
        for rule_set in sets:
            report.rule_sets.append(rule_set.name)
            report.add(rules.RUNNER.run(rule_set, node))
    return report
