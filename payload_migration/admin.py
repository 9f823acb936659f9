"""Operator console: the payload migration phase with its gate, advance/rollback, and the audit trail."""

from __future__ import annotations

from django.contrib import admin, messages
from django.http import HttpRequest, HttpResponse, HttpResponseRedirect
from django.template.response import TemplateResponse
from django.urls import path, reverse

from pagero.console import AuditTrailAdmin, ControlPageAdmin

from .models import (
    PayloadMigrationState,
    PhaseChange,
    RepairEntry,
    VerificationRun,
)
from .payloads import controller


@admin.register(PayloadMigrationState)
class PayloadMigrationAdmin(ControlPageAdmin):
    """The changelist is replaced by a control page: status, the gate's verdict and two buttons."""

    def get_urls(self):
        return [
            path(
                "",
                self.admin_site.admin_view(self.control_view),
                name="migration_payloadmigrationstate_changelist",
            ),
            path(
                "change/",
                self.admin_site.admin_view(self.change_phase),
                name="migration_payload_change_phase",
            ),
        ]

    def control_view(self, request: HttpRequest) -> HttpResponse:
        context = {
            **self.admin_site.each_context(request),
            "title": "Payload migration (PostgreSQL → Cassandra)",
            "status": controller.status(),
            "opts": self.model._meta,
            "can_change": request.user.has_perm("migration.change_payloadmigrationstate"),
        }
        return TemplateResponse(request, "admin/migration/payload_migration.html", context)

    def change_phase(self, request: HttpRequest) -> HttpResponse:
        target = reverse("admin:migration_payloadmigrationstate_changelist")
        if request.method != "POST" or not request.user.has_perm("migration.change_payloadmigrationstate"):
            messages.error(request, "Changing the phase needs the change permission and a POST.")
            return HttpResponseRedirect(target)
        action = request.POST.get("action")
        reason = request.POST.get("reason", "").strip()
        actor = f"admin:{request.user.get_username()}"
        try:
            if action == "advance":
                phase = controller.advance(actor, reason)
            elif action == "rollback":
                phase = controller.rollback(actor, reason)
            else:
                messages.error(request, f"Unknown action {action!r}.")
                return HttpResponseRedirect(target)
        except controller.TransitionRefused as exc:
            messages.error(request, f"Refused: {'; '.join(exc.reasons)}")
        else:
            messages.success(request, f"Phase is now {phase}.")
        return HttpResponseRedirect(target)


@admin.register(PhaseChange)
class PhaseChangeAdmin(AuditTrailAdmin):
    list_display = ["at", "action", "from_phase", "to_phase", "actor", "reason"]
    readonly_fields = list_display


@admin.register(RepairEntry)
class RepairEntryAdmin(admin.ModelAdmin):
    list_display = [
        "document_id",
        "kind",
        "target",
        "operation",
        "deferred",
        "attempts",
        "next_attempt_at",
        "done_at",
    ]
    list_filter = ["target", "deferred", ("done_at", admin.EmptyFieldListFilter)]
    search_fields = ["document_id"]


@admin.register(VerificationRun)
class VerificationRunAdmin(admin.ModelAdmin):
    list_display = [
        "started_at",
        "phase",
        "checked",
        "missing_in_cassandra",
        "missing_in_database",
        "mismatched",
        "corrupt",
        "repaired",
        "finished_at",
    ]
