"""Orders and order responses: one model (model.py), a reader and a writer per syntax (ubl.py, orderx.py,
edifact.py), detection (detect.py) and the facade (api.py). No Django here."""

from __future__ import annotations

from .api import (
    CHECKS,
    OrderConversion,
    ParsedOrder,
    convert_order,
    detect_order_document,
    parse_order,
    validate_order,
    write_order,
)
from .detect import ORDER_SYNTAXES, OrderDetected, detect_order
from .model import Order, diff_orders

__all__ = [
    "CHECKS",
    "ORDER_SYNTAXES",
    "Order",
    "OrderConversion",
    "OrderDetected",
    "ParsedOrder",
    "convert_order",
    "detect_order",
    "detect_order_document",
    "diff_orders",
    "parse_order",
    "validate_order",
    "write_order",
]
