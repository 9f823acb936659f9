"""Liveness (/healthz) and readiness (/readyz) probes.

Readiness checks each dependency the deployment is configured to use: the database always, the
broker when Celery is not eager, Cassandra when CASSANDRA_HOSTS is set. A failing dependency
turns the answer into 503 with a JSON body that names it.
"""

from __future__ import annotations

import time
from collections.abc import Callable

from django.conf import settings
from django.db import connection
from django.http import HttpRequest, JsonResponse

from . import cassandra_session

CHECK_TIMEOUT_SECONDS = 3.0


def check_database() -> str:
    with connection.cursor() as cursor:
        cursor.execute("SELECT 1")
        cursor.fetchone()
    return connection.vendor


def check_broker() -> str:
    from kombu import Connection

    with Connection(settings.CELERY_BROKER_URL, connect_timeout=CHECK_TIMEOUT_SECONDS) as conn:
        conn.ensure_connection(max_retries=1, timeout=CHECK_TIMEOUT_SECONDS)
        return f"{conn.transport_cls}://{conn.hostname}:{conn.port}"


def check_cassandra() -> str:
    session = cassandra_session.get_session(connect_timeout=CHECK_TIMEOUT_SECONDS)
    row = session.execute("SELECT release_version FROM system.local", timeout=CHECK_TIMEOUT_SECONDS).one()
    return f"cassandra {row.release_version}"


def configured_checks() -> dict[str, Callable[[], str]]:
    checks: dict[str, Callable[[], str]] = {"database": check_database}
    if not settings.CELERY_TASK_ALWAYS_EAGER:
        checks["broker"] = check_broker
    if cassandra_session.is_configured():
        checks["cassandra"] = check_cassandra
    return checks


def healthz(request: HttpRequest) -> JsonResponse:
    return JsonResponse({"status": "ok"})


def readyz(request: HttpRequest) -> JsonResponse:
    results: dict[str, dict[str, object]] = {}
    failing: list[str] = []
    for name, check in configured_checks().items():
        started = time.perf_counter()
        try:
            detail = check()
            results[name] = {"ok": True, "detail": detail}
        except Exception as exc:  # any failure of a dependency is reported, never raised
            failing.append(name)
            results[name] = {"ok": False, "error": f"{type(exc).__name__}: {exc}"[:500]}
        results[name]["ms"] = round((time.perf_counter() - started) * 1000, 1)
    if failing:
        return JsonResponse({"status": "unavailable", "failing": failing, "checks": results}, status=503)
    return JsonResponse({"status": "ready", "checks": results})
