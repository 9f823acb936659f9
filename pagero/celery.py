"""The Celery application shared by the web process and the workers."""

from __future__ import annotations

import os
import sys

from celery import Celery

os.environ.setdefault("DJANGO_SETTINGS_MODULE", "pagero.settings")

app = Celery("pagero")
app.config_from_object("django.conf:settings", namespace="CELERY")
app.autodiscover_tasks()


@app.task(name="pagero.ping")
def ping(payload: str) -> dict[str, object]:
    """Echo task used by readiness checks and tests to prove a worker consumed from the broker."""
    import socket

    return {"echo": payload, "worker_pid": os.getpid(), "hostname": socket.gethostname()}


def worker_command(queues: str, concurrency: int, name: str | None = None, log_level: str = "warning") -> list[str]:
    """argv of a Celery worker for this project; the tests and the benchmarks start theirs with it.

    Gossip, mingle and heartbeat are off: these workers never need to know about each other.
    """
    argv = [sys.executable, "-m", "celery", "-A", "pagero", "worker", "-Q", queues, "-c", str(concurrency)]
    if name:
        argv += ["-n", name]
    return [*argv, "-l", log_level, "--without-gossip", "--without-mingle", "--without-heartbeat"]
