"""Operator console: the payload migration phase with its gate, advance/rollback, and the audit trail."""

from __future__ import annotations

from django.contrib import admin, messages
from django.http import HttpRequest, HttpResponse, HttpResponseRedirect
from django.template.response import TemplateResponse
from django.urls import path, reverse

from .models import (
    ContextRoute,
    ContextRouteChange,
    PayloadMigrationState,
    PhaseChange,
    RepairEntry,
    VerificationRun,
)
from .payloads import controller


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


@admin.register(ContextRoute)
class ContextRouteAdmin(ControlPageAdmin):
    """Routing mode per context, the cutover gate's verdict beside each control, and the switch."""

    def get_urls(self):
        return [
            path("", self.admin_site.admin_view(self.control_view), name="migration_contextroute_changelist"),
            path("set/", self.admin_site.admin_view(self.set_mode), name="migration_contextroute_set"),
        ]

    def control_view(self, request: HttpRequest) -> HttpResponse:
        from .contexts import public as contexts

        context = {
            **self.admin_site.each_context(request),
            "title": "Context routing (strangler fig)",
            "routes": contexts.status(),
            "modes": contexts.MODES,
            "opts": self.model._meta,
            "changes": ContextRouteChange.objects.all()[:20],
        }
        return TemplateResponse(request, "admin/migration/context_routes.html", context)

    def set_mode(self, request: HttpRequest) -> HttpResponse:
        from .contexts import public as contexts

        target = reverse("admin:migration_contextroute_changelist")
        if request.method != "POST" or not request.user.has_perm("migration.change_contextroute"):
            messages.error(request, "Changing a route needs the change permission and a POST.")
            return HttpResponseRedirect(target)
        post = request.POST
        try:
            route = contexts.set_mode(
                post.get("context", ""),
                post.get("mode", ""),
                percent=int(post.get("percent") or 0),
                actor=f"admin:{request.user.get_username()}",
                reason=post.get("reason", ""),
                override=post.get("override") == "on",
            )
        except contexts.ModeRefused as exc:
            messages.error(request, f"Refused: {'; '.join(exc.reasons)}")
        else:
            messages.success(request, f"{route}")
        return HttpResponseRedirect(target)


@admin.register(ContextRouteChange)
class ContextRouteChangeAdmin(AuditTrailAdmin):
    list_display = ["at", "context", "from_mode", "to_mode", "canary_percent", "actor", "gate_overridden", "reason"]
    readonly_fields = list_display
