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
from .orders import ORDER_SYNTAXES, Order, OrderConversion, OrderDetected, ParsedOrder, diff_orders
from .orders import api as orders_api
from .orders.respond import LineAnswer, ResponseRefused, compose_response
from .validation.report import Finding, ValidationReport

__all__ = [
    "CHECKS",
    "ORDER_SYNTAXES",
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
    "LineAnswer",
    "NotLossless",
    "Order",
    "OrderConversion",
    "OrderDetected",
    "ParsedDocument",
    "ParsedOrder",
    "ResponseRefused",
    "ValidationReport",
    "compose_response",
    "convert",
    "convert_order",
    "detect",
    "detect_order",
    "diff_models",
    "diff_orders",
    "parse",
    "parse_order",
    "render_pdf",
    "validate",
    "validate_order",
    "write",
    "write_order",
]


def _limit() -> int:
    limit: int = settings.MAX_DOCUMENT_BYTES
    return limit


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


# -- orders and order responses (UBL 2.1 / Peppol BIS Ordering 3, Order-X, EDIFACT ORDERS/ORDRSP D96A) --------------
def detect_order(data: bytes) -> OrderDetected:
    return orders_api.detect_order_document(data, _limit())


def parse_order(data: bytes) -> ParsedOrder:
    return orders_api.parse_order(data, _limit())


def write_order(order: Order, syntax: str) -> tuple[bytes, list[ConversionWarning]]:
    return orders_api.write_order(order, syntax)


def convert_order(data: bytes, target: str, check: str = "rules") -> OrderConversion:
    """Convert an order or order response to `target` (ubl, orderx, edifact) and check the output ("rules": schema
    and the rules it declares; "schema"; "none"). Output that fails is never returned: InvalidOutput says why."""
    return orders_api.convert_order(data, target, check, _limit())


def validate_order(data: bytes, business_rules: bool = True) -> ValidationReport:
    return orders_api.validate_order(data, _limit(), business_rules)


def render_pdf(invoice: Invoice, syntax: str | None = None) -> bytes:
    """The invoice as a PDF for people (render/pdf.py). reportlab is imported on first use: most processes (API
    workers, context services) never render one."""
    from .render.pdf import render_pdf as render

    return render(invoice, syntax=syntax)
