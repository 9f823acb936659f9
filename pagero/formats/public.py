"""The formats context's port: the only module other contexts import.

Detect a document's format, read it into the EN 16931 model, write the model in another syntax,
validate against the schemas and the official business rules. Errors are FormatError subclasses
with a stable `code` and a message that names the problem (and the BT and path when known).
"""

from __future__ import annotations

from django.conf import settings

from . import conversion
from .conversion import SYNTAXES, Conversion, ParsedDocument
from .detect import Detected
from .errors import ConversionWarning, DocumentTooComplex, DocumentTooLarge, EmptyDocument, FormatError, NotLossless
from .model import Invoice, diff_models
from .validation.report import Finding, ValidationReport

__all__ = [
    "SYNTAXES",
    "Conversion",
    "ConversionWarning",
    "Detected",
    "DocumentTooComplex",
    "DocumentTooLarge",
    "EmptyDocument",
    "Finding",
    "FormatError",
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


def convert(data: bytes, target: str) -> Conversion:
    return conversion.convert_document(data, target, _limit())


def validate(data: bytes, business_rules: bool = True) -> ValidationReport:
    return conversion.validate_document(data, _limit(), business_rules)
