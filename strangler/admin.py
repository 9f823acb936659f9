"""Operator console: routing mode per context, the cutover gate's verdict beside each control, the live instances
of each extracted context, and the switch."""

from __future__ import annotations

from django.contrib import admin, messages
from django.http import HttpRequest, HttpResponse, HttpResponseRedirect
from django.template.response import TemplateResponse
from django.urls import path, reverse

from pagero.console import AuditTrailAdmin, ControlPageAdmin

from . import public as strangler
from .models import ContextRoute, ContextRouteChange


@admin.register(ContextRoute)
class ContextRouteAdmin(ControlPageAdmin):
    """Routing mode per context, the cutover gate's verdict beside each control, and the switch."""

    def get_urls(self):
        return [
            path("", self.admin_site.admin_view(self.control_view), name="strangler_contextroute_changelist"),
            path("set/", self.admin_site.admin_view(self.set_mode), name="strangler_contextroute_set"),
        ]

    def control_view(self, request: HttpRequest) -> HttpResponse:
        context = {
            **self.admin_site.each_context(request),
            "title": "Context routing (strangler fig)",
            "routes": strangler.status(),
            "modes": strangler.MODES,
            "opts": self.model._meta,
            "changes": ContextRouteChange.objects.all()[:20],
        }
        return TemplateResponse(request, "admin/strangler/context_routes.html", context)

    def set_mode(self, request: HttpRequest) -> HttpResponse:
        target = reverse("admin:strangler_contextroute_changelist")
        if request.method != "POST" or not request.user.has_perm("strangler.change_contextroute"):
            messages.error(request, "Changing a route needs the change permission and a POST.")
            return HttpResponseRedirect(target)
        post = request.POST
        try:
            route = strangler.set_mode(
                post.get("context", ""),
                post.get("mode", ""),
                percent=int(post.get("percent") or 0),
                actor=f"admin:{request.user.get_username()}",
                reason=post.get("reason", ""),
                override=post.get("override") == "on",
            )
        except strangler.ModeRefused as exc:
            messages.error(request, f"Refused: {'; '.join(exc.reasons)}")
        else:
            messages.success(request, f"{route}")
            for warning in strangler.switch_warnings(route.context, route.mode):
                messages.warning(request, f"Warning: {warning}")
        return HttpResponseRedirect(target)


@admin.register(ContextRouteChange)
class ContextRouteChangeAdmin(AuditTrailAdmin):
    list_display = ["at", "context", "from_mode", "to_mode", "canary_percent", "actor", "gate_overridden", "reason"]
    readonly_fields = list_display
