"""Values of the model as the rendering shows them: bounded, escaped for reportlab, numbers with thousands
separators, amounts with their currency, rates with `%`, codes by their names."""

from __future__ import annotations

from decimal import Decimal
from xml.sax.saxutils import escape

from ..codes import shown
from ..limits import MAX_FRACTION_DIGITS, MAX_INTEGER_DIGITS
from ..model import Identifier

# A rendering shows at most this many characters of one value: a longer one (a party name of 17,000
# characters is valid EN 16931) cannot be laid out in a table cell. The e-invoice keeps the whole value.
MAX_VALUE_CHARS = 300


def text(value: object, limit: int = MAX_VALUE_CHARS) -> str:
    """The value as text, cut to `limit` characters (an ellipsis marks the cut)."""
    shown_text = "" if value is None else str(value)
    return shown_text if len(shown_text) <= limit else shown_text[: limit - 1] + "\u2026"


def markup(value: object, limit: int = MAX_VALUE_CHARS) -> str:
    """A value of the invoice as Paragraph text: escaped, so that it is shown, never read as reportlab markup.

    Paragraph understands tags (<img src>, <a href>, <font>, ...): an unescaped value could embed a file
    from the server's disk, add links, or break the rendering.
    """
    return escape(text(value, limit))


def number(value: Decimal | None, min_decimals: int = 0) -> str:
    """1234.5 -> "1,234.5": thousands separators, every decimal the value has (none hidden by rounding), at least
    `min_decimals` of them."""
    if value is None:
        return ""
    if not value.is_finite() or value.adjusted() >= MAX_INTEGER_DIGITS:
        # The readers refuse these (limits.py); a model built otherwise is shown as written, bounded, not expanded
        # into thousands of digits.
        return text(value, 40)
    exponent = value.normalize().as_tuple().exponent
    decimals = max(min_decimals, -exponent if isinstance(exponent, int) and exponent < 0 else 0)
    return f"{value:,.{min(decimals, MAX_FRACTION_DIGITS)}f}"


def amount(value: Decimal | None, currency: str | None = None) -> str:
    """An amount with two decimals (more when it has them), thousands separators and its currency."""
    if value is None:
        return ""
    shown_amount = number(value, 2)
    return f"{shown_amount} {text(currency, 3)}" if currency else shown_amount


def rate(value: Decimal | None) -> str:
    """A VAT rate as a percentage: 25.00 -> "25%", 12.5 -> "12.5%"; empty when the category has none."""
    return "" if value is None else f"{number(value)}%"


def quantity(value: Decimal | None, unit_code: str | None) -> str:
    """2 and C62 -> "2 unit": the unit by its name (UN/ECE Rec 20/21) where we know it."""
    unit = shown(unit_code, "unit") if unit_code else ""
    return f"{number(value)} {unit}".strip()


def identifier(value: Identifier | str | None) -> str:
    """An identifier with its scheme as Peppol writes them ("0192:987654325"), or the bare value."""
    if value is None:
        return ""
    if isinstance(value, Identifier):
        return f"{value.scheme}:{value.value}" if value.scheme else value.value
    return value
