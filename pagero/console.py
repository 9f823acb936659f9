"""Shared shapes of the operator console's pages (Django admin): its brand, readable moments and durations."""

from __future__ import annotations

from datetime import datetime, timedelta

from django.contrib import admin
from django.http import HttpRequest
from django.utils import timezone
from django.utils.dateformat import format as date_format

BRAND = "E-document exchange"
SITE_HEADER = f"{BRAND} · operator console"
SITE_TITLE = f"{BRAND} console"
INDEX_TITLE = "Operations"


def brand(site: admin.AdminSite) -> None:
    """The console's titles: the product's name in the header and every page's <title>, not "Django administration"."""
    site.site_header = SITE_HEADER
    site.site_title = SITE_TITLE
    site.index_title = INDEX_TITLE


def moment(value: datetime | None) -> str:
    """A moment as operators read it, in the console's time zone with its name: "29 Nov 2026, 14:05:09 UTC"."""
    if value is None:
        return "—"
    local = timezone.localtime(value) if timezone.is_aware(value) else value
    return f"{date_format(local, 'j M Y, H:i:s')} {local.tzname() or ''}".strip()


def duration(value: timedelta | float | None) -> str:
    """A length of time in its two largest units: "45 s", "12 min 5 s", "3 h 20 min", "2 d 4 h"."""
    if value is None:
        return "—"
    seconds = int(value.total_seconds() if isinstance(value, timedelta) else value)
    seconds = max(seconds, 0)
    units = [("d", 86400), ("h", 3600), ("min", 60), ("s", 1)]
    parts: list[str] = []
    for name, size in units:
        if seconds >= size or (name == "s" and not parts):
            amount, seconds = divmod(seconds, size)
            parts.append(f"{amount} {name}")
        elif parts:
            parts.append(f"0 {name}")
        if len(parts) == 2:
            break
    return " ".join(part for part in parts if not part.startswith("0 ") or part == parts[0])


class ControlPageAdmin(admin.ModelAdmin):
    """A model whose changelist is a control page: rows change only through its actions."""

    def has_add_permission(self, request: HttpRequest) -> bool:
        return False

    def has_delete_permission(self, request: HttpRequest, obj=None) -> bool:
        return False


class AuditTrailAdmin(admin.ModelAdmin):
    """An append-only audit trail: rows are written by the controllers, never added or edited here."""

    def has_add_permission(self, request: HttpRequest) -> bool:
        return False

    def has_change_permission(self, request: HttpRequest, obj=None) -> bool:
        return False
