"""How values are written and read across the syntaxes: decimals without exponent, ISO and UN/CEFACT dates.

Every reader parses numbers and dates through these functions, so that each syntax accepts and refuses the same
values. A refusal is a ValueError whose message says what is wrong with the value; the reader adds the business
term and where the value was found.
"""

from __future__ import annotations

import re
from datetime import date
from decimal import Decimal

from .limits import MAX_FRACTION_DIGITS, MAX_INTEGER_DIGITS

# xsd:decimal, and the EDIFACT numeric data element: optional sign, digits, optional fraction. No exponent, no
# NaN or Infinity. ASCII digits only (str.isdigit() also accepts other scripts' digits).
DECIMAL = re.compile(r"([+-]?)([0-9]*)(?:[.]([0-9]*))?")
# Longest text read as a number: the digit limits plus leading zeros within reason.
MAX_DECIMAL_TEXT = 64
# xsd:date: YYYY-MM-DD with an optional time zone (Z or +hh:mm / -hh:mm).
ISO_DATE = re.compile(r"([0-9]{4})-([0-9]{2})-([0-9]{2})(Z|[+-](?:(?:0[0-9]|1[0-3]):[0-5][0-9]|14:00))?")
# A decimal within the digit limits, as one expression (leading zeros before and trailing zeros after the mark do
# not count); parse_decimal falls back to the step-by-step checks only to say what is wrong.
WITHIN_LIMITS = re.compile(
    rf"[+-]?(?=\.?[0-9])0*[0-9]{{0,{MAX_INTEGER_DIGITS}}}(?:\.[0-9]{{0,{MAX_FRACTION_DIGITS}}}0*)?"
)
LIMIT = " (the limit for amounts, quantities, prices and percentages)"


def text(value: object) -> str:
    """XML text of a model value: Decimal as written (never 1E+2), date as YYYY-MM-DD."""
    if isinstance(value, Decimal):
        return format(value, "f")
    if isinstance(value, date):
        return value.isoformat()
    return str(value)


def ccyymmdd(value: date) -> str:
    """UN/CEFACT date format 102, used by CII and EDIFACT (always 8 digits: strftime drops a year's leading zeros)."""
    return f"{value.year:04d}{value.month:02d}{value.day:02d}"


def parse_decimal(raw: str, decimal_mark: str = ".") -> Decimal:
    """A finite decimal of at most MAX_INTEGER_DIGITS integer and MAX_FRACTION_DIGITS fraction digits.

    Refuses exponents, NaN and Infinity: `3E1000000000` would cost gigabytes when written out without exponent,
    and NaN compares unequal to itself in every total. Raises ValueError naming the problem.
    """
    if len(raw) <= MAX_DECIMAL_TEXT and WITHIN_LIMITS.fullmatch(raw):  # the common case: one match, no slicing
        return Decimal(raw)
    if len(raw) > MAX_DECIMAL_TEXT:
        raise ValueError(f"too long a number: more than {MAX_DECIMAL_TEXT} characters")
    candidate = raw.replace(decimal_mark, ".") if decimal_mark != "." else raw
    match = DECIMAL.fullmatch(candidate)
    if match is None or not (match.group(2) or match.group(3)):
        raise ValueError("not a number (digits with an optional sign and decimal mark; no exponent, NaN or Infinity)")
    # Leading zeros before and trailing zeros after the mark add no magnitude or precision (real invoices write
    # 10.000000000000000000); MAX_DECIMAL_TEXT bounds how many of them there can be.
    integer, fraction = match.group(2).lstrip("0"), (match.group(3) or "").rstrip("0")
    if len(integer) > MAX_INTEGER_DIGITS:
        raise ValueError(f"too large: more than {MAX_INTEGER_DIGITS} digits before the decimal mark{LIMIT}")
    if len(fraction) > MAX_FRACTION_DIGITS:
        raise ValueError(f"too precise: more than {MAX_FRACTION_DIGITS} digits after the decimal mark{LIMIT}")
    return Decimal(candidate)


def parse_iso_date(raw: str) -> tuple[date, str | None]:
    """An xsd:date: the date and the time zone it was written with (None without one).

    EN 16931 dates carry no time zone, but xsd:date allows one, so schema-valid UBL can hold `2015-04-01Z`:
    the date is read as written and the caller warns that the zone was dropped. Raises ValueError.
    """
    match = ISO_DATE.fullmatch(raw)
    if match is None:
        raise ValueError("not a date (YYYY-MM-DD)")
    year, month, day = (int(group) for group in match.groups()[:3])
    try:
        return date(year, month, day), match.group(4)
    except ValueError as exc:  # 2015-02-30, year 0
        raise ValueError(f"not a date ({exc})") from None


def parse_coded_date(raw: str, code: str) -> date:
    """A date in a UN/EDIFACT 2379 format code: 102 (CCYYMMDD), 203 (CCYYMMDDHHMM), 610 (CCYYMM, its first
    day), 616 (CCYYWW, the Monday of that ISO week). Raises ValueError for anything else."""
    if not (raw.isascii() and raw.isdigit()):  # isdigit() alone also takes other scripts' digits
        raise ValueError("not digits only")
    if code == "102" and len(raw) == 8:
        return date(int(raw[:4]), int(raw[4:6]), int(raw[6:]))
    if code == "203" and len(raw) == 12:
        if int(raw[8:10]) > 23 or int(raw[10:]) > 59:  # the model keeps only the date, but the time must be one
            raise ValueError(f"{raw[8:]} is not a time (HHMM)")
        return date(int(raw[:4]), int(raw[4:6]), int(raw[6:8]))
    if code == "610" and len(raw) == 6:
        return date(int(raw[:4]), int(raw[4:]), 1)
    if code == "616" and len(raw) == 6:
        try:
            return date.fromisocalendar(int(raw[:4]), int(raw[4:]), 1)
        except ValueError:
            raise ValueError(f"week {raw[4:]} does not exist in {raw[:4]}") from None
    if code in {"102", "203", "610", "616"}:
        raise ValueError(f"format {code} is {_FORMAT_LENGTHS[code]}")
    raise ValueError(f"date format {code} is not supported (102, 203, 610 and 616 are)")


_FORMAT_LENGTHS = {"102": "CCYYMMDD", "203": "CCYYMMDDHHMM", "610": "CCYYMM", "616": "CCYYWW"}


# xsd:boolean's lexical space, after whitespace collapse: exactly these four (the schema type is case-sensitive).
BOOLEANS = {"true": True, "1": True, "false": False, "0": False}


def parse_boolean(raw: str) -> bool:
    """An xsd:boolean (`true`, `false`, `1`, `0`), as UBL and CII indicators are typed. Raises ValueError."""
    value = BOOLEANS.get(raw.strip())
    if value is None:
        raise ValueError("not a boolean (true, false, 1 or 0)")
    return value
