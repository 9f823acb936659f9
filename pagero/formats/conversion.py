"""Read any supported syntax into the model, write the model in any syntax, validate (no Django here)."""

from __future__ import annotations

import logging
from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import dataclass, field

from lxml import etree

from .cii.reader import read_cii
from .cii.writer import write_cii
from .detect import Detected, detect
from .errors import ConversionWarning, DocumentTooLarge, FormatError, UnreadableDocument, UnsupportedFormat
from .model import Invoice
from .ubl.reader import read_ubl
from .ubl.writer import write_ubl
from .validation import rules, xsd
from .validation.report import ValidationReport
from .xml import DEFAULT_MAX_BYTES

SYNTAXES = ("ubl", "cii", "edifact")
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

    @property
    def lossless(self) -> bool:
        return not self.warnings


def check_size(data: bytes, max_bytes: int) -> None:
    if len(data) > max_bytes:
        raise DocumentTooLarge(f"the document is {len(data)} bytes; the limit is {max_bytes} bytes")


def read_model(detected: Detected, root: etree._Element | None, data: bytes) -> tuple[Invoice, list]:
    if detected.document_type == "order":
        raise UnsupportedFormat("orders are accepted and passed on as received; they cannot be converted yet")
    if detected.syntax == "ubl":
        return read_ubl(root)
    if detected.syntax == "cii":
        return read_cii(root)
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


def convert_document(data: bytes, target: str, max_bytes: int = DEFAULT_MAX_BYTES) -> Conversion:
    if target not in SYNTAXES:
        raise UnsupportedFormat(f"unknown target syntax {target!r}; use one of {', '.join(SYNTAXES)}")
    parsed = parse_document(data, max_bytes)
    with refusing_unforeseen(f"converted to {target}"):
        output, write_warnings = write_document(parsed.invoice, target)
    return Conversion(parsed.detected, target, output, parsed.warnings + write_warnings)


def validate_document(data: bytes, max_bytes: int = DEFAULT_MAX_BYTES, business_rules: bool = True) -> ValidationReport:
    check_size(data, max_bytes)
    with refusing_unforeseen("validated"):
        return _validate(data, business_rules)


def _validate(data: bytes, business_rules: bool) -> ValidationReport:
    detected, root = detect(data)
    report = ValidationReport(detected.syntax, detected.document_type, detected.customization)
    if detected.syntax == "edifact":
        # Raw EDIFACT has no schema here: it is read into the model (which checks its structure and
        # values) and the EN 16931 rules run on its CII rendering.
        invoice, _ = read_model(detected, None, data)
        rendering, _ = write_cii(invoice)
        detected_rendering = Detected("cii", detected.document_type, invoice.process.specification_id)
        root = etree.fromstring(rendering)
        report.notes.append("EDIFACT: business rules were applied to the document's CII rendering")
        sets, notes = rules.rule_sets_for("cii", detected.document_type, detected_rendering.customization)
    else:
        report.rule_sets.append("xsd")
        report.add(xsd.validate_xsd(root, detected.syntax, detected.document_type))
        sets, notes = rules.rule_sets_for(detected.syntax, detected.document_type, detected.customization)
    report.notes.extend(notes)
    if business_rules and sets:
        node = rules.RUNNER.parse(root)
        for rule_set in sets:
            report.rule_sets.append(rule_set.name)
            report.add(rules.RUNNER.run(rule_set, node))
    return report
