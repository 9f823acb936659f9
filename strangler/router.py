"""Route a context's calls by its mode: local, shadow, canary (sticky per tenant) or remote.

A remote call that fails or times out falls back to the local implementation at once, and a circuit
breaker per context stops trying the remote for a while after repeated failures.
"""

from __future__ import annotations

import hashlib
import logging
import time
from dataclasses import dataclass

from django.conf import settings
from prometheus_client import Counter

from .breaker import CircuitBreaker
from .models import ContextRoute
from .registry import METHODS, context_of
from .rpc import CLIENT, RemoteTimeout, RemoteUnavailable

log = logging.getLogger(__name__)
CALLS = Counter("pagero_context_calls_total", "Context calls by route taken", ["method", "route"])
BREAKERS: dict[str, CircuitBreaker] = {}


@dataclass(frozen=True)
class Routed:
    result: object
    route: str  # local | remote | local-fallback | local-circuit-open


def breaker(context: str) -> CircuitBreaker:
    if context not in BREAKERS:
        BREAKERS[context] = CircuitBreaker(settings.CONTEXT_BREAKER_THRESHOLD, settings.CONTEXT_BREAKER_RESET_SECONDS)
    return BREAKERS[context]


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
        result = METHODS[method].local(*args)
    else:
        try:
            result = call_remote(method, *args)
            breaker(context).success()
            route = "remote"
        except (RemoteTimeout, RemoteUnavailable) as exc:
            breaker(context).failure()
            log.warning("remote %s failed (%s): answered locally", method, exc)
            route = "local-fallback"
            result = METHODS[method].local(*args)
    CALLS.labels(method, route).inc()
    return Routed(result, route)


def timed_call(method: str, *args, tenant_id: int | None = None) -> tuple[Routed, float]:
    started = time.perf_counter()
    routed = call(method, *args, tenant_id=tenant_id)
    return routed, (time.perf_counter() - started) * 1000
