"""Dates, amounts, rates and code names in the active language's format (django.utils.formats), times with their
time zone."""

from __future__ import annotations

from datetime import date, datetime
from decimal import Decimal, InvalidOperation

from django import template
from django.utils import formats, timezone
from django.utils.translation import gettext as _

from pagero.portal import codes, labels

register = template.Library()


def _decimal(value: object) -> Decimal | None:
    if value is None or value == "":
        return None
    try:
        return Decimal(str(value))
    except InvalidOperation:
        return None


@register.filter
def when(value: datetime | None) -> str:
    """A moment, e.g. "Nov. 29, 2026, 2:05 p.m. UTC" (en) or "29 november 2026 14:05 UTC" (sv)."""
    if not isinstance(value, datetime):
        return ""
    local = timezone.localtime(value) if timezone.is_aware(value) else value
    return f"{formats.date_format(local, 'DATETIME_FORMAT')} {local.tzname() or ''}".strip()


@register.filter
def clock(value: datetime | None) -> str:
    """The time of day of a moment with its time zone, e.g. "14:05 UTC"."""
    if not isinstance(value, datetime):
        return ""
    local = timezone.localtime(value) if timezone.is_aware(value) else value
    return f"{formats.time_format(local, 'TIME_FORMAT')} {local.tzname() or ''}".strip()


@register.filter
def day(value: date | str | None) -> str:
    """A calendar date in the language's format."""
    if isinstance(value, str):
        try:
            value = date.fromisoformat(value)
        except ValueError:
            return str(value)
    if not isinstance(value, date):
        return ""
    return formats.date_format(value, "DATE_FORMAT")


@register.filter
def amount(value: object) -> str:
    """An amount with grouping and at least two decimals: 2,337.50 (en), 2 337,50 (sv); more decimals are kept."""
    number = _decimal(value)
    if number is None:
        return ""
    exponent = number.normalize().as_tuple().exponent
    places = max(2, -exponent if isinstance(exponent, int) else 2)
    return formats.number_format(number, decimal_pos=places, use_l10n=True, force_grouping=True)


@register.filter
def rate(value: object) -> str:
    """A percentage, e.g. 25 % or 12,5 %."""
    number = _decimal(value)
    if number is None:
        return ""
    exponent = number.normalize().as_tuple().exponent
    places = -exponent if isinstance(exponent, int) and exponent < 0 else 0
    # Languages differ on the space before the sign (25% in English, 25 % in Swedish): the catalogue says.
    return _("%(rate)s%%") % {"rate": formats.number_format(number, decimal_pos=places, use_l10n=True)}


@register.filter
def quantity(value: object) -> str:
    number = _decimal(value)
    if number is None:
        return ""
    exponent = number.normalize().as_tuple().exponent
    places = -exponent if isinstance(exponent, int) and exponent < 0 else 0
    return formats.number_format(number, decimal_pos=places, use_l10n=True, force_grouping=True)


@register.filter
def code_name(value: object, code_list: str) -> str:
    """The name of a unit, payment means or VAT category code."""
    return codes.name_of(value, code_list)


@register.filter
def status_label(value: str) -> str:
    return labels.status_label(value)


@register.filter
def type_label(value: str) -> str:
    return labels.type_label(value)


@register.filter
def format_label(value: str) -> str:
    return labels.format_label(value or "")


@register.filter
def visible_reason(summary) -> str:
    """The status reason of a document summary as its viewer may read it."""
    from pagero.portal.timeline import visible_reason as reason

    return reason(summary.status, summary.status_reason, summary.direction)
