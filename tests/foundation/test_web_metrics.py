"""/metrics under gunicorn as the image serves it (`-c python:pagero.web_server`, three workers): every scrape,
whichever worker answers it, reports the requests of all the workers. Per-process counters made a series jump between
the workers' values or vanish from a scrape by a worker that had not served that route yet."""

from __future__ import annotations

import os
import re
import socket
import sys
import time
import urllib.request
from concurrent.futures import ThreadPoolExecutor
from pathlib import Path

import pytest

from tests.processes import free_port, serving

ROOT = Path(__file__).resolve().parents[2]
pytestmark = pytest.mark.slow  # a gunicorn server with three workers
REQUESTS = 60
WORKERS = 3
HEALTHZ = re.compile(rb'^pagero_http_requests_total\{method="GET",route="healthz",status="200"\} ([0-9.e+]+)$', re.M)


@pytest.fixture
def gunicorn_server(tmp_path):
    metrics_dir = tmp_path / "metrics"
    env = {
        "PATH": os.environ["PATH"],
        "HOME": str(tmp_path),
        "PAGERO_VAR_DIR": str(tmp_path),
        "DATABASE_URL": f"sqlite:///{tmp_path / 'db.sqlite3'}",
        "PROMETHEUS_MULTIPROC_DIR": str(metrics_dir),
        "LOG_LEVEL": "WARNING",
    }
    metrics_dir.mkdir()
    (metrics_dir / "counter_1.db").write_bytes(b"left by an earlier server")
    port = free_port()
    served_as_the_image_does = ["pagero.wsgi", "-c", "python:pagero.web_server", "--workers", str(WORKERS)]
    argv = [sys.executable, "-m", "gunicorn", *served_as_the_image_does, "--bind", f"127.0.0.1:{port}"]
    base = f"http://127.0.0.1:{port}"
    with serving(argv, env, ROOT, tmp_path / "server.log", f"{base}/metrics"):
        yield base, port, metrics_dir


def get(url: str) -> bytes:
    with urllib.request.urlopen(url, timeout=30) as response:
        return response.read()


def healthz_on_every_worker(port: int) -> None:
    """One request on each worker: a sync worker that has accepted a connection reads its request until it is whole,
    so each half-sent request holds one worker and the next connection is accepted by another (the kernel hands
    sequential connections to the same worker otherwise)."""
    held = []
    for _ in range(WORKERS):
        connection = socket.create_connection(("127.0.0.1", port), timeout=30)
        connection.sendall(b"GET /healthz HTTP/1.1\r\n")
        held.append(connection)
        time.sleep(0.3)
    for connection in held:
        connection.sendall(b"Host: 127.0.0.1\r\nConnection: close\r\n\r\n")
        with connection, connection.makefile("rb") as answer:
            assert answer.readline().split()[1] == b"200"
            answer.read()


def test_every_scrape_sums_the_requests_of_all_workers(gunicorn_server):
    base, port, metrics_dir = gunicorn_server
    healthz_on_every_worker(port)
    with ThreadPoolExecutor(max_workers=12) as pool:
        list(pool.map(lambda _: get(f"{base}/healthz"), range(REQUESTS - WORKERS)))
    serving = {path.stem.rsplit("_", 1)[1] for path in metrics_dir.glob("*.db")}
    assert len(serving) == WORKERS, f"requests served by {serving}, not by each of the {WORKERS} workers"
    assert "1" not in serving, "the stale file of an earlier server was kept"

    with ThreadPoolExecutor(max_workers=6) as pool:
        scrapes = list(pool.map(lambda _: get(f"{base}/metrics"), range(12)))
    counted = [HEALTHZ.findall(scrape) for scrape in scrapes]
    assert all(found == [found[0]] and float(found[0]) == REQUESTS for found in counted if found), counted
    assert all(counted), f"a scrape without the healthz series: {counted}"
