"""Route a context's calls by its mode: local, shadow, canary (sticky per tenant) or remote.

A remote call that fails or times out falls back to the local implementation at once, and a circuit
breaker per context, shared by all workers (breaker.py), stops trying the remote for a while after repeated
failures. A context without a live instance (discovery.py) is answered locally without trying. Why a call meant for
the remote was answered locally is recorded with the breaker's state (at most every NOTE_EVERY seconds per process)
for the console.
"""

from __future__ import annotations

import hashlib
import logging
import time
from dataclasses import dataclass

from django.conf import settings
from django.utils import timezone
from prometheus_client import Counter

from .breaker import CircuitBreaker
from .models import BreakerState, ContextRoute
from .registry import METHODS, context_of
from .rpc import CLIENT, NoLiveInstance, RemoteTimeout, RemoteUnavailable

log = logging.getLogger(__name__)
CALLS = Counter("pagero_context_calls_total", "Context calls by route taken", ["method", "route"])
BREAKERS: dict[str, CircuitBreaker] = {}


@dataclass(frozen=True)
class Routed:
    result: object
    route: str  # local | remote | local-fallback | local-circuit-open | local-no-instance


def breaker(context: str) -> CircuitBreaker:
    """This process's handle on the context's shared breaker."""
    if context not in BREAKERS:
        BREAKERS[context] = CircuitBreaker(
            context,
            settings.CONTEXT_BREAKER_THRESHOLD,
            settings.CONTEXT_BREAKER_RESET_SECONDS,
            window=float(getattr(settings, "CONTEXT_BREAKER_WINDOW_SECONDS", 60.0)),
            trial_lease=2 * settings.CONTEXT_CALL_TIMEOUT_SECONDS,
            cache_seconds=float(getattr(settings, "CONTEXT_BREAKER_CACHE_SECONDS", 1.0)),
        )
    return BREAKERS[context]


NOTE_EVERY = 5.0
_noted: dict[tuple[str, str], float] = {}


def note_local(context: str, route: str, reason: str) -> None:
    """Record why a call meant for the remote was answered locally; bounded to one write per NOTE_EVERY seconds
    per context and route in each process, so a dead service does not add a write to every call."""
    now = time.monotonic()
    if now - _noted.get((context, route), -NOTE_EVERY) < NOTE_EVERY:
        return
    _noted[(context, route)] = now
    try:
        BreakerState.objects.get_or_create(context=context)
        BreakerState.objects.filter(context=context).update(
            last_local_reason=reason[:300], last_local_at=timezone.now()
        )
    except Exception:  # the note is for operators; the customer's call is answered regardless
        log.exception("could not record why %s was answered locally", context)


def route_of(context: str) -> tuple[str, int]:
    row = ContextRoute.objects.filter(context=context).values_list("mode", "canary_percent").first()
    return row if row else ("local", 0)


def in_canary(context: str, tenant_id: int | None, percent: int) -> bool:
    """A stable hash of (context, tenant): the same tenant always lands on the same side."""
    if tenant_id is None:
        return False
    bucket = int(hashlib.sha256(f"{context}:{tenant_id}".encode()).hexdigest()[:8], 16) % 100
    return bucket < percent


def call_remote(method: str, *args, timeout: float | None = None):
    spec = METHODS[method]
    reply = CLIENT.call(
        context_of(method), method, spec.encode_request(*args), timeout or settings.CONTEXT_CALL_TIMEOUT_SECONDS
    )
    return spec.decode_reply(reply, *args)


def call(method: str, *args, tenant_id: int | None = None) -> Routed:
    context = context_of(method)
    mode, percent = route_of(context)
    use_remote = mode == "remote" or (mode == "canary" and in_canary(context, tenant_id, percent))
    if not use_remote:
        route = "local"
        result = METHODS[method].local(*args)
    elif not breaker(context).allow():
        route = "local-circuit-open"
        note_local(context, route, "circuit open after repeated failures of the remote service")
        result = METHODS[method].local(*args)
    else:
        try:
            result = call_remote(method, *args)
            breaker(context).success()
            route = "remote"
        except NoLiveInstance as exc:
            # Known without trying, so not the service's failure: the breaker is not charged.
            route = "local-no-instance"
            note_local(context, route, str(exc))
            result = METHODS[method].local(*args)
        except (RemoteTimeout, RemoteUnavailable) as exc:
            breaker(context).failure()
            log.warning("remote %s failed (%s): answered locally", method, exc)
            route = "local-fallback"
            note_local(context, route, f"remote call failed: {exc}")
            result = METHODS[method].local(*args)
    CALLS.labels(method, route).inc()
    return Routed(result, route)


def timed_call(method: str, *args, tenant_id: int | None = None) -> tuple[Routed, float]:
    started = time.perf_counter()
    routed = call(method, *args, tenant_id=tenant_id)
    return routed, (time.perf_counter() - started) * 1000
