"""Prometheus metrics: request counts and latencies, exposed at /metrics.

Under gunicorn the values of all its workers are summed (pagero/web_server.py sets PROMETHEUS_MULTIPROC_DIR).
"""

from __future__ import annotations

import hmac
import os
import time
from collections.abc import Callable

from django.conf import settings
from django.http import HttpRequest, HttpResponse, JsonResponse
from prometheus_client import CONTENT_TYPE_LATEST, REGISTRY, CollectorRegistry, Counter, Histogram, generate_latest
from prometheus_client.multiprocess import MultiProcessCollector

REQUESTS = Counter("pagero_http_requests_total", "HTTP requests handled", ["method", "route", "status"])
LATENCY = Histogram("pagero_http_request_duration_seconds", "HTTP request duration", ["method", "route"])


class RequestMetricsMiddleware:
    """Counts every request by its URL route (not the raw path, to keep label cardinality bounded)."""

    def __init__(self, get_response: Callable[[HttpRequest], HttpResponse]) -> None:
        self.get_response = get_response

    def __call__(self, request: HttpRequest) -> HttpResponse:
        started = time.perf_counter()
        response = self.get_response(request)
        match = getattr(request, "resolver_match", None)
        route = match.route if match is not None and match.route else "unmatched"
        LATENCY.labels(request.method, route).observe(time.perf_counter() - started)
        REQUESTS.labels(request.method, route, str(response.status_code)).inc()
        return response


def metrics_view(request: HttpRequest) -> HttpResponse:
    """The metrics; with METRICS_TOKEN set, only for `Authorization: Bearer <METRICS_TOKEN>` (401 otherwise)."""
    token = settings.METRICS_TOKEN
    if token:
        scheme, _, given = request.headers.get("Authorization", "").partition(" ")
        if scheme.lower() != "bearer" or not hmac.compare_digest(given.strip().encode(), token.encode()):
            response = JsonResponse(
                {"error": "not_authenticated", "message": "send Authorization: Bearer <METRICS_TOKEN>"}, status=401
            )
            response["WWW-Authenticate"] = 'Bearer realm="metrics"'
            return response
    return HttpResponse(generate_latest(_registry()), content_type=CONTENT_TYPE_LATEST)


def _registry() -> CollectorRegistry:
    """This process's metrics, or every worker's summed when they share a multiprocess directory."""
    if not os.environ.get("PROMETHEUS_MULTIPROC_DIR"):
        return REGISTRY
    registry = CollectorRegistry()
    MultiProcessCollector(registry)
    return registry
