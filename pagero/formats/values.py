"""How values are written and read across the syntaxes: decimals without exponent, UN/CEFACT date codes."""

from __future__ import annotations

from datetime import date, datetime
from decimal import Decimal


def text(value: object) -> str:
    """XML text of a model value: Decimal as written (never 1E+2), date as YYYY-MM-DD."""
    if isinstance(value, Decimal):
        return format(value, "f")
    if isinstance(value, date):
        return value.isoformat()
    return str(value)


def ccyymmdd(value: date) -> str:
    """UN/CEFACT date format 102, used by CII and EDIFACT."""
    return value.strftime("%Y%m%d")


def parse_coded_date(raw: str, code: str) -> date:
    """A date in a UN/EDIFACT 2379 format code: 102 (CCYYMMDD), 203 (CCYYMMDDHHMM), 610 (CCYYMM, its first
    day), 616 (CCYYWW, its Monday). Raises ValueError for anything else."""
    if code == "102" and len(raw) == 8 and raw.isdigit():
        return date(int(raw[:4]), int(raw[4:6]), int(raw[6:]))
    if code == "203":
        return datetime.strptime(raw, "%Y%m%d%H%M").date()
    if code == "610":
        return datetime.strptime(raw, "%Y%m").date()
    if code == "616":
        return datetime.strptime(raw + "1", "%Y%W%w").date()
    raise ValueError(f"unsupported date format {code}")
