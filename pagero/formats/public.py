"""The formats context's port: the only module other contexts import.

Detect a document's format, read it into the EN 16931 model, write the model in another syntax,
validate against the schemas and the official business rules. Errors are FormatError subclasses
with a stable `code` and a message that names the problem (and the BT and path when known).
"""

from __future__ import annotations

from django.conf import settings

from . import conversion
from .conversion import CHECKS, SYNTAXES, Conversion, ParsedDocument
from .detect import Detected
from .errors import (
    ConversionNote,
    ConversionWarning,
    DocumentTooComplex,
    DocumentTooLarge,
    EmptyDocument,
    FormatError,
    InvalidOutput,
    NotLossless,
)
from .model import Invoice, diff_models
from .validation.report import Finding, ValidationReport

__all__ = [
    "CHECKS",
    "SYNTAXES",
    "Conversion",
    "ConversionNote",
    "ConversionWarning",
    "Detected",
    "DocumentTooComplex",
    "DocumentTooLarge",
    "EmptyDocument",
    "Finding",
    "FormatError",
    "InvalidOutput",
    "Invoice",
    "NotLossless",
    "ParsedDocument",
    "ValidationReport",
    "convert",
    "detect",
    "diff_models",
    "parse",
    "validate",
    "write",
]


def _limit() -> int:
    return settings.MAX_DOCUMENT_BYTES


def detect(data: bytes) -> Detected:
    return conversion.detect_document(data, _limit())


def parse(data: bytes) -> ParsedDocument:
    return conversion.parse_document(data, _limit())


def write(invoice: Invoice, syntax: str) -> tuple[bytes, list[ConversionWarning]]:
    return conversion.write_document(invoice, syntax)


def convert(data: bytes, target: str, check: str = "rules", lenient: bool = False) -> Conversion:
    """Convert and check the output before returning it: `check` is "rules" (schema, EN 16931 and the CIUS the
    output declares), "schema" (for callers that run the rules themselves) or "none". Output that fails is never
    returned: InvalidOutput carries the findings. `lenient`: national CIUS rules are reported, not failed on."""
    return conversion.convert_document(data, target, _limit(), check, lenient)


def validate(data: bytes, business_rules: bool = True) -> ValidationReport:
    return conversion.validate_document(data, _limit(), business_rules)
