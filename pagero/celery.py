"""The Celery application shared by the web process and the workers."""

from __future__ import annotations

import os

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
