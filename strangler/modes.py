"""Changing a context's routing mode: audited, and gated by the shadow evidence before real traffic moves."""

from __future__ import annotations

from dataclasses import dataclass

from django.conf import settings
from django.db import transaction

from shadow import public as shadow

from .models import ContextRoute, ContextRouteChange
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


def status() -> list[RouteStatus]:
    rows = {r.context: r for r in ContextRoute.objects.all()}
    return [
        RouteStatus(
            c, rows[c].mode if c in rows else "local", rows[c].canary_percent if c in rows else 0, shadow.gate(c)
        )
        for c in CONTEXTS
    ]


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
