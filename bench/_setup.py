"""Shared set-up for benchmarks: Django on the real services, with a database and keyspace of their own."""

from __future__ import annotations

import os
import socket
import statistics
import sys
from pathlib import Path
from urllib.parse import urlsplit, urlunsplit

ROOT = Path(__file__).resolve().parent.parent
BENCH_NAME = "pagero_bench"


def setup_django(name: str = BENCH_NAME, fresh: bool = False) -> None:
    """Point DATABASE_URL and CASSANDRA_KEYSPACE at copies of their own (`name`), create them, migrate.

    `fresh` drops the database first, so that a run starts from nothing left by an earlier one.
    """
    sys.path.insert(0, str(ROOT))
    url = os.environ.get("DATABASE_URL", "postgres://postgres@127.0.0.1:5432/pagero")
    os.environ.setdefault("CELERY_BROKER_URL", "amqp://guest:guest@127.0.0.1:5672//")
    os.environ.setdefault("CASSANDRA_HOSTS", "127.0.0.1")
    os.environ["CASSANDRA_KEYSPACE"] = name
    parts = urlsplit(url)
    if parts.scheme.startswith("postgres"):
        import psycopg2

        admin = psycopg2.connect(urlunsplit(parts._replace(path="/postgres")))
        admin.autocommit = True
        with admin.cursor() as cursor:
            if fresh:
                cursor.execute(f"DROP DATABASE IF EXISTS {name} WITH (FORCE)")
            cursor.execute("SELECT 1 FROM pg_database WHERE datname = %s", (name,))
            if cursor.fetchone() is None:
                cursor.execute(f"CREATE DATABASE {name}")
        admin.close()
        os.environ["DATABASE_URL"] = urlunsplit(parts._replace(path="/" + name))
    os.environ.setdefault("DJANGO_SETTINGS_MODULE", "pagero.settings")
    import django

    django.setup()
    from django.core.management import call_command

    call_command("migrate", verbosity=0)


def free_port() -> int:
    """A TCP port nobody listens on at the moment, on loopback."""
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        return probe.getsockname()[1]


def percentile(values: list[float], pct: float) -> float:
    ordered = sorted(values)
    if not ordered:
        return float("nan")
    k = (len(ordered) - 1) * pct / 100
    lo, hi = int(k), min(int(k) + 1, len(ordered) - 1)
    return ordered[lo] + (ordered[hi] - ordered[lo]) * (k - lo)


def summary_ms(samples: list[float]) -> str:
    ms = [s * 1000 for s in samples]
    return (
        f"p50 {percentile(ms, 50):.2f} ms  p99 {percentile(ms, 99):.2f} ms  "
        f"mean {statistics.fmean(ms):.2f} ms  n={len(ms)}"
    )
