"""Service discovery: each `serve_context` process announces itself with a heartbeat row (`ContextInstance`); an
instance is live while seen within CONTEXT_INSTANCE_TTL_SECONDS. The RPC client asks here before sending, so a
context without a live instance is answered locally at once instead of after the call timeout.

Bounds: a heartbeat every CONTEXT_HEARTBEAT_SECONDS (5 s); live within CONTEXT_INSTANCE_TTL_SECONDS (15 s: three
beats may be missed); the client's answer to "is anyone serving?" is cached per process for
CONTEXT_DISCOVERY_CACHE_SECONDS (2 s). So a new instance is used within 2 s of starting; one that exits cleanly
withdraws its row and is avoided within 2 s; one that dies is avoided within 17 s (meanwhile its calls fail over to
the other instances sharing the queue, or time out and count against the circuit breaker).
"""

from __future__ import annotations

import logging
import os
import socket
import subprocess
import threading
import time
import uuid
from dataclasses import dataclass
from datetime import datetime, timedelta

from django.conf import settings
from django.db import close_old_connections, connection
from django.utils import timezone

from .models import ContextInstance

log = logging.getLogger(__name__)


def heartbeat_seconds() -> float:
    return float(getattr(settings, "CONTEXT_HEARTBEAT_SECONDS", 5.0))


def ttl_seconds() -> float:
    return float(getattr(settings, "CONTEXT_INSTANCE_TTL_SECONDS", 15.0))


def cache_seconds() -> float:
    return float(getattr(settings, "CONTEXT_DISCOVERY_CACHE_SECONDS", 2.0))


@dataclass(frozen=True)
class Instance:
    instance_id: str
    context: str
    version: str
    host: str
    pid: int
    started_at: datetime
    last_seen: datetime


def running_version() -> str:
    """What the instance runs: PAGERO_VERSION when the build sets it, else the checkout's commit, else "unknown"."""
    if os.environ.get("PAGERO_VERSION"):
        return os.environ["PAGERO_VERSION"][:100]
    try:
        done = subprocess.run(
            ["git", "rev-parse", "--short=12", "HEAD"],
            cwd=settings.BASE_DIR,
            capture_output=True,
            text=True,
            timeout=2,
            check=False,
        )
    except (OSError, subprocess.SubprocessError):
        return "unknown"
    return done.stdout.strip() if done.returncode == 0 and done.stdout.strip() else "unknown"


def live_instances(context: str | None = None) -> list[Instance]:
    """The instances seen within the bound, per context and newest first."""
    rows = ContextInstance.objects.filter(last_seen__gte=timezone.now() - timedelta(seconds=ttl_seconds()))
    if context is not None:
        rows = rows.filter(context=context)
    return [
        Instance(r.instance_id, r.context, r.version, r.host, r.pid, r.started_at, r.last_seen)
        for r in rows.order_by("context", "-last_seen")
    ]


_live_cache: dict[str, tuple[float, bool]] = {}


def is_live(context: str) -> bool:
    """Does any instance serve the context? Cached per process for CONTEXT_DISCOVERY_CACHE_SECONDS."""
    now = time.monotonic()
    cached = _live_cache.get(context)
    if cached is not None and now - cached[0] < cache_seconds():
        return cached[1]
    cutoff = timezone.now() - timedelta(seconds=ttl_seconds())
    live = ContextInstance.objects.filter(context=context, last_seen__gte=cutoff).exists()
    _live_cache[context] = (now, live)
    return live


def forget_cache() -> None:
    _live_cache.clear()


def forget_stale(older_than: timedelta = timedelta(days=1)) -> int:
    """Delete rows of instances that died without withdrawing (kept a day, for the console's 'last seen')."""
    deleted, _ = ContextInstance.objects.filter(last_seen__lt=timezone.now() - older_than).delete()
    return deleted


class Heartbeat:
    """Announces one serving process: `start()` writes its row and beats in a thread; `stop()` withdraws the row."""

    def __init__(self, context: str, version: str | None = None) -> None:
        self.context = context
        self.instance_id = uuid.uuid4().hex
        self.version = version or running_version()
        self.started_at = timezone.now()
        self._stop = threading.Event()
        self._thread: threading.Thread | None = None

    def beat(self) -> None:
        # An upsert: after a data reset, or a row removed by `forget_stale`, the instance announces itself again.
        ContextInstance.objects.update_or_create(
            instance_id=self.instance_id,
            defaults={
                "context": self.context,
                "version": self.version,
                "host": socket.gethostname()[:255],
                "pid": os.getpid(),
                "started_at": self.started_at,
                "last_seen": timezone.now(),
            },
        )

    def start(self) -> None:
        """The first beat is written before this returns: a process that says it serves is already visible."""
        forget_stale()  # keeps the table to the instances of the last day, however often processes restart
        self.beat()
        self._thread = threading.Thread(target=self._run, name=f"heartbeat-{self.context}", daemon=True)
        self._thread.start()

    def _run(self) -> None:
        while not self._stop.wait(heartbeat_seconds()):
            try:
                close_old_connections()
                self.beat()
            except Exception:  # a database hiccup: the next beat tries again; the TTL tolerates missed beats
                log.exception("heartbeat of %s %s failed", self.context, self.instance_id)
        connection.close()  # this thread's own connection

    def stop(self) -> None:
        self._stop.set()
        if self._thread is not None:
            self._thread.join(timeout=heartbeat_seconds() + 5)
        ContextInstance.objects.filter(instance_id=self.instance_id).delete()
