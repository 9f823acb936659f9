"""Routing mode per extractable context, and its audit trail."""

from __future__ import annotations

from django.db import models


class ContextRoute(models.Model):
    """Where a bounded context's calls go: local, shadow, canary (a share of tenants) or remote."""

    MODES = [("local", "local"), ("shadow", "shadow"), ("canary", "canary"), ("remote", "remote")]

    context = models.CharField(max_length=50, unique=True)
    mode = models.CharField(max_length=10, choices=MODES, default="local")
    canary_percent = models.PositiveSmallIntegerField(default=0)
    updated_at = models.DateTimeField(auto_now=True)

    class Meta:
        # The table was created when routes lived in the payload migration app; kept to need no data move.
        db_table = "migration_contextroute"

    def __str__(self) -> str:
        return f"{self.context}: {self.mode}" + (f" {self.canary_percent}%" if self.mode == "canary" else "")


class ContextRouteChange(models.Model):
    """Audit trail of routing mode changes (who, when, why, and whether the gate was overridden)."""

    context = models.CharField(max_length=50)
    from_mode = models.CharField(max_length=10)
    to_mode = models.CharField(max_length=10)
    canary_percent = models.PositiveSmallIntegerField(default=0)
    actor = models.CharField(max_length=150)
    reason = models.TextField(blank=True)
    gate_overridden = models.BooleanField(default=False)
    at = models.DateTimeField(auto_now_add=True)

    class Meta:
        db_table = "migration_contextroutechange"
        ordering = ["-at", "-id"]

    def __str__(self) -> str:
        return f"{self.at:%Y-%m-%d %H:%M} {self.context} {self.from_mode} -> {self.to_mode} by {self.actor}"
