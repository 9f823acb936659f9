"""The Celery application shared by the web process and the workers."""

from __future__ import annotations

import os
import sys

from celery import Celery
from celery.signals import task_postrun, task_prerun

os.environ.setdefault("DJANGO_SETTINGS_MODULE", "pagero.settings")

app = Celery("pagero")
app.config_from_object("django.conf:settings", namespace="CELERY")
app.autodiscover_tasks()


@task_prerun.connect
@task_postrun.connect
def close_old_database_connections(task=None, **_: object) -> None:
    """What Django does around each web request: drop a connection that is broken or older than CONN_MAX_AGE.

    Celery reuses connections only because CELERY_DB_REUSE_MAX is set (see settings); this keeps them sound. An
    eager task runs inside its caller, whose transaction may be open: its connection is the caller's to manage."""
    if task is None or getattr(task.request, "is_eager", False):
        return
    from django.db import close_old_connections

    close_old_connections()


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
