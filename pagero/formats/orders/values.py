"""Values of the order syntaxes that the shared parser (../values.py) does not read: times of day."""

from __future__ import annotations

import re
from datetime import time

# xsd:time: hh:mm:ss with optional fraction and time zone (the zone and fraction are dropped: Peppol ordering times
# are local times of the issuer).
ISO_TIME = re.compile(
    r"([01][0-9]|2[0-3]):([0-5][0-9]):([0-5][0-9])(?:\.[0-9]{1,9})?(Z|[+-](?:0[0-9]|1[0-4]):[0-5][0-9])?"
)


def parse_time(raw: str) -> time:
    """An xsd:time as a time of day (seconds kept, fraction and zone dropped). Raises ValueError."""
    match = ISO_TIME.fullmatch(raw.strip())
    if match is None:
        raise ValueError("not a time (hh:mm:ss)")
    return time(int(match.group(1)), int(match.group(2)), int(match.group(3)))


def edifact_time(raw: str, fmt: str) -> time | None:
    """The time of day of a DTM in format 203 (CCYYMMDDHHMM) or 204 (CCYYMMDDHHMMSS); None for other formats."""
    if fmt == "203" and len(raw) == 12 and raw.isascii() and raw.isdigit():
        return _time(raw[8:10], raw[10:12], "00")
    if fmt == "204" and len(raw) == 14 and raw.isascii() and raw.isdigit():
        return _time(raw[8:10], raw[10:12], raw[12:14])
    return None


def _time(hours: str, minutes: str, seconds: str) -> time:
    try:
        return time(int(hours), int(minutes), int(seconds))
    except ValueError:
        raise ValueError(f"{hours}{minutes}{seconds} is not a time of day") from None
