"""Changing a context's routing mode: audited, gated by the shadow evidence before real traffic moves, and warned
when no extracted instance is there to take the traffic."""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import datetime

from django.conf import settings
from django.db import transaction

from shadow import public as shadow

from . import discovery
from .breaker import CircuitBreaker
from .models import BreakerState, ContextRoute, ContextRouteChange
from .registry import CONTEXTS

MODES = ("local", "shadow", "canary", "remote")


class ModeRefused(Exception):
    def __init__(self, reasons: list[str]) -> None:
        super().__init__("; ".join(reasons))
        self.reasons = reasons


@dataclass(frozen=True)
class RouteStatus:
    context: str
    mode: str
    canary_percent: int
    gate: shadow.GateVerdict
    instances: list[discovery.Instance] = field(default_factory=list)  # live, newest first
    breaker: str = "closed"
    last_local_reason: str = ""  # why calls meant for the remote were last answered locally
    last_local_at: datetime | None = None

    @property
    def warnings(self) -> list[str]:
        return [] if self.mode == "local" else unreachable(self.context, self.mode, bool(self.instances))


def status() -> list[RouteStatus]:
    rows = {r.context: r for r in ContextRoute.objects.all()}
    breakers = {b.context: b for b in BreakerState.objects.all()}
    live = discovery.live_instances()
    statuses = []
    for c in CONTEXTS:
        note = breakers.get(c)
        statuses.append(
            RouteStatus(
                c,
                rows[c].mode if c in rows else "local",
                rows[c].canary_percent if c in rows else 0,
                shadow.gate(c),
                [i for i in live if i.context == c],
                CircuitBreaker(c).state if note else "closed",
                note.last_local_reason if note else "",
                note.last_local_at if note else None,
            )
        )
    return statuses


def unreachable(context: str, mode: str, live: bool) -> list[str]:
    """Why the extracted service would not take this mode's traffic, in words for the operator."""
    if not settings.CELERY_BROKER_URL:
        return [
            f"no message broker is configured (the embedded default): no extracted {context} service can be reached, "
            f"so {mode} calls are answered locally"
            + (
                "; shadow traffic needs the real services (CELERY_BROKER_URL and `serve_context "
                f"{context}`): here the candidate would run inside every submission and only record errors"
                if mode == "shadow"
                else ""
            )
        ]
    if not live:
        where = "the shadow comparisons record candidate errors" if mode == "shadow" else "calls are answered locally"
        return [
            f"no live {context} instance: none has announced itself within {discovery.ttl_seconds():g}s; "
            f"start `serve_context {context}` (until then {where})"
        ]
    return []


def switch_warnings(context: str, mode: str) -> list[str]:
    """What an operator switching the context to `mode` should know before traffic moves (empty for local)."""
    if context not in CONTEXTS or mode in ("local", ""):
        return []
    return unreachable(context, mode, bool(discovery.live_instances(context)))


def needs_gate(mode: str, percent: int) -> bool:
    return mode == "remote" or (mode == "canary" and percent > settings.CANARY_GATE_PERCENT)


def set_mode(
    context: str, mode: str, *, percent: int = 0, actor: str, reason: str = "", override: bool = False
) -> ContextRoute:
    """Refused for remote (or canary above CANARY_GATE_PERCENT) unless the gate is open or overridden
    with a reason. Going back to local is always allowed: that is the instant rollback."""
    if context not in CONTEXTS:
        raise ModeRefused([f"unknown context {context!r}; known: {', '.join(CONTEXTS)}"])
    if mode not in MODES:
        raise ModeRefused([f"unknown mode {mode!r}; use one of {', '.join(MODES)}"])
    if mode == "canary" and not 0 < percent <= 100:
        raise ModeRefused(["canary needs a percentage between 1 and 100"])
    overridden = False
    if needs_gate(mode, percent):
        verdict = shadow.gate(context)
        if not verdict.allowed:
            if not override:
                raise ModeRefused(verdict.reasons)
            if not reason.strip():
                raise ModeRefused(["overriding the gate needs a reason"])
            overridden = True
    with transaction.atomic():
        route, _ = ContextRoute.objects.select_for_update().get_or_create(context=context)
        ContextRouteChange.objects.create(
            context=context,
            from_mode=route.mode,
            to_mode=mode,
            canary_percent=percent if mode == "canary" else 0,
            actor=actor,
            reason=reason,
            gate_overridden=overridden,
        )
        route.mode, route.canary_percent = mode, percent if mode == "canary" else 0
        route.save()
        if mode == "shadow" and context == "formats":
            shadow.ensure_experiment(
                "formats.convert",
                context="formats",
                control="formats.convert.local",
                candidate="formats.convert.remote",
            )
    return route
