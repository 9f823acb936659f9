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


class BreakerState(models.Model):
    """A context's circuit breaker, shared by every worker process: failures in the current window, open until when,
    and the one trial call of the half-open state. Changed only by single atomic UPDATEs (breaker.py)."""

    context = models.CharField(max_length=50, unique=True)
    failures = models.PositiveIntegerField(default=0)
    # Seconds on the breaker's clock (wall-clock time by default, so that processes on several hosts agree).
    window_started = models.FloatField(null=True)
    open_until = models.FloatField(null=True)
    trial_until = models.FloatField(null=True)  # a worker holds the half-open trial call until then
    # Why calls were last answered locally although the route said remote (no live instance, breaker open, ...).
    last_local_reason = models.CharField(max_length=300, blank=True)
    last_local_at = models.DateTimeField(null=True)

    def __str__(self) -> str:
        return f"{self.context}: {self.failures} failures" + (" (open)" if self.open_until is not None else "")


class ContextInstance(models.Model):
    """A running `serve_context` process, as its heartbeat announces it; live while seen within
    CONTEXT_INSTANCE_TTL_SECONDS."""

    instance_id = models.CharField(max_length=32, unique=True)
    context = models.CharField(max_length=50, db_index=True)
    version = models.CharField(max_length=100)
    host = models.CharField(max_length=255)
    pid = models.PositiveIntegerField()
    started_at = models.DateTimeField()
    last_seen = models.DateTimeField(db_index=True)

    class Meta:
        # The rows describe running processes, not data: a reset of the data (`flush`, as between transactional
        # tests) must not hide running services until their next heartbeat. Django leaves unmanaged models out of a
        # flush; the table itself is created by migration 0002.
        managed = False
        db_table = "strangler_contextinstance"
        ordering = ["context", "-last_seen"]

    def __str__(self) -> str:
        return f"{self.context} {self.version} on {self.host} pid {self.pid}"
