"""Shared shapes of the operator console's pages (Django admin)."""

from __future__ import annotations

from django.contrib import admin
from django.http import HttpRequest


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
