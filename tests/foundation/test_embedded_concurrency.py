"""The embedded default (SQLite, eager Celery) holds concurrent use: the real product as a subprocess (gunicorn, two
processes with threads, as the Dockerfile serves it), 20 parallel submissions through the API, every one accepted and
every document carried to a terminal status. Eager mode runs the whole pipeline inside each request, so the requests'
transactions really compete for SQLite's single write lock."""

from __future__ import annotations

import http.cookiejar
import json
import os
import re
import subprocess
import sys
import time
import urllib.error
import urllib.parse
import urllib.request
import uuid
from concurrent.futures import ThreadPoolExecutor
from pathlib import Path

import pytest

from tests.exchange.factory import document
from tests.processes import free_port, serving

ROOT = Path(__file__).resolve().parents[2]
pytestmark = pytest.mark.slow  # gunicorn and two manage.py processes per test
TERMINAL = {"delivered", "acknowledged", "rejected", "undeliverable", "failed", "delivery_failed"}
PARALLEL = 20
DROPPED_FILES = 6


def request(method: str, url: str, token: str, body: bytes | None = None, timeout: float = 120) -> tuple[int, dict]:
    headers = {"Authorization": f"Bearer {token}"}
    if body is not None:
        headers["Content-Type"] = "application/xml"
    req = urllib.request.Request(url, data=body, method=method, headers=headers)
    try:
        with urllib.request.urlopen(req, timeout=timeout) as response:
            return response.status, json.loads(response.read() or b"{}")
    except urllib.error.HTTPError as exc:
        raw = exc.read()
        try:
            return exc.code, json.loads(raw)
        except ValueError:
            return exc.code, {"body": raw[:500].decode(errors="replace")}


@pytest.fixture
def embedded_server(tmp_path):
    """gunicorn on the embedded default, with a fresh SQLite file and the demo data."""
    env = {
        "PATH": os.environ["PATH"],
        "HOME": str(tmp_path),
        "PAGERO_VAR_DIR": str(tmp_path),
        "DATABASE_URL": f"sqlite:///{tmp_path / 'db.sqlite3'}",
        "PYTHONUNBUFFERED": "1",
        "LOG_LEVEL": "WARNING",
    }
    manage = [sys.executable, str(ROOT / "manage.py")]
    subprocess.run([*manage, "migrate", "-v0"], env=env, check=True, cwd=ROOT, timeout=180)
    seeded = subprocess.run([*manage, "seed_demo"], env=env, check=True, cwd=ROOT, capture_output=True, timeout=60)
    tokens = {o["slug"]: o["api_tokens"][0]["token"] for o in json.loads(seeded.stdout)["organisations"]}
    port = free_port()
    log_path = tmp_path / "server.log"
    base = f"http://127.0.0.1:{port}"
    gunicorn = [sys.executable, "-m", "gunicorn", "pagero.wsgi", "--bind", f"127.0.0.1:{port}", "--timeout", "120"]
    with serving([*gunicorn, "--workers", "2", "--threads", "10"], env, ROOT, log_path, f"{base}/healthz"):
        yield base, tokens, log_path


def test_parallel_submissions_all_accepted_and_carried_through(embedded_server):
    base, tokens, log_path = embedded_server
    bodies = [document("ubl", number=f"INV-PAR-{n}") for n in range(PARALLEL)]

    def submit(body: bytes) -> tuple[int, dict]:
        return request("POST", f"{base}/api/v1/documents", tokens["acme"], body)

    with ThreadPoolExecutor(max_workers=PARALLEL) as pool:
        answers = list(pool.map(submit, bodies))
    refused = [(status, body) for status, body in answers if status != 202]
    assert not refused, (
        f"{len(refused)} of {PARALLEL} refused: {refused[:3]}; server log: {log_path.read_text()[-3000:]}"
    )

    statuses: dict[str, str] = {}
    reasons: dict[str, str] = {}
    deadline = time.monotonic() + 60
    for _, body in answers:
        while True:
            status, detail = request("GET", f"{base}/api/v1/documents/{body['id']}", tokens["acme"])
            assert status == 200, detail
            if detail["status"] in TERMINAL or time.monotonic() > deadline:
                statuses[body["id"]] = detail["status"]
                reasons[body["id"]] = detail.get("status_reason", "")
                break
            time.sleep(0.2)
    not_delivered = {i: (s, reasons[i]) for i, s in statuses.items() if s != "delivered"}
    assert set(statuses.values()) == {"delivered"}, not_delivered
    # The recipient sees every one of them in its inbox.
    status, inbox = request("GET", f"{base}/api/v1/inbox", tokens["nordic"])
    assert status == 200 and inbox["count"] == PARALLEL
    assert "database is locked" not in log_path.read_text()


def multipart(name: str, filename: str, data: bytes) -> tuple[bytes, str]:
    boundary = uuid.uuid4().hex
    body = (
        (
            f'--{boundary}\r\nContent-Disposition: form-data; name="{name}"; filename="{filename}"\r\n'
            "Content-Type: application/xml\r\n\r\n"
        ).encode()
        + data
        + f"\r\n--{boundary}--\r\n".encode()
    )
    return body, f"multipart/form-data; boundary={boundary}"


def test_a_six_file_drop_on_the_send_page_all_succeed(embedded_server):
    base, tokens, _ = embedded_server
    jar = http.cookiejar.CookieJar()
    browser = urllib.request.build_opener(urllib.request.HTTPCookieProcessor(jar))
    login_page = browser.open(f"{base}/login/", timeout=30).read().decode()
    csrf = re.search(r'name="csrfmiddlewaretoken" value="([^"]+)"', login_page).group(1)
    form = urllib.parse.urlencode(
        {"username": "alice", "password": "acme-demo-2026", "csrfmiddlewaretoken": csrf}
    ).encode()
    login = browser.open(urllib.request.Request(f"{base}/login/", data=form, headers={"Referer": f"{base}/login/"}))
    assert login.geturl().rstrip("/") == base, "the demo user could not log in"
    token = next(cookie.value for cookie in jar if cookie.name == "csrftoken")

    def drop(n: int) -> tuple[int, dict]:
        body, content_type = multipart("file", f"invoice-{n}.xml", document("ubl", number=f"INV-DROP-{n}"))
        request = urllib.request.Request(
            f"{base}/send/submit",
            data=body,
            method="POST",
            headers={"Content-Type": content_type, "X-CSRFToken": token, "Referer": f"{base}/send/"},
        )
        try:
            with browser.open(request, timeout=120) as response:
                return response.status, json.loads(response.read())
        except urllib.error.HTTPError as exc:
            return exc.code, {"body": exc.read()[:500].decode(errors="replace")}

    with ThreadPoolExecutor(max_workers=DROPPED_FILES) as pool:
        answers = list(pool.map(drop, range(DROPPED_FILES)))
    assert all(status == 200 and body["ok"] for status, body in answers), answers
    for _, body in answers:
        status, detail = request("GET", f"{base}/api/v1/documents/{body['id']}", tokens["acme"])
        assert status == 200 and detail["status"] == "delivered", detail
