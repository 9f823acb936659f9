"""Gunicorn settings of the web process (`gunicorn pagero.wsgi -c python:pagero.web_server`).

Each gunicorn worker is its own process with its own counters, and a scrape of /metrics reaches one worker at random:
without a shared store a series would jump between workers' values, or vanish from a scrape by a worker that has not
served that route yet. prometheus_client's multiprocess mode keeps every worker's values in files under
PROMETHEUS_MULTIPROC_DIR and /metrics sums them (pagero/metrics.py).
"""

from __future__ import annotations

import os
import tempfile
from pathlib import Path
from typing import Any

# Before any worker imports prometheus_client: it picks its value store from this variable when first imported.
if not os.environ.get("PROMETHEUS_MULTIPROC_DIR"):
    os.environ["PROMETHEUS_MULTIPROC_DIR"] = tempfile.mkdtemp(prefix="pagero-metrics-")


def on_starting(server: Any) -> None:
    """Values left by an earlier server in the same directory would be counted again: start from none."""
    directory = Path(os.environ["PROMETHEUS_MULTIPROC_DIR"])
    directory.mkdir(parents=True, exist_ok=True)
    for stale in directory.glob("*.db"):
        stale.unlink()


def child_exit(server: Any, worker: Any) -> None:
    """A worker that exits keeps its counted requests; only its live gauges go (prometheus_client's rule)."""
    from prometheus_client import multiprocess

    multiprocess.mark_process_dead(worker.pid)
