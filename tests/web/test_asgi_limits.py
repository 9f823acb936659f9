"""The ASGI entry point bounds request bodies before Django spools them."""

from __future__ import annotations

import asyncio
import json

import pytest

from pagero.asgi import application

LIMIT = 1000


@pytest.fixture(autouse=True)
def small_limit(settings):
    settings.MAX_DOCUMENT_BYTES = LIMIT


def run(path: str, headers: list[tuple[bytes, bytes]], chunks: list[bytes], method: str = "POST", endless=True):
    """Drive the ASGI application with the given body chunks; return (sent messages, chunks it read).

    `endless`: every chunk says more is coming (a client that does not stop sending).
    """
    scope = {
        "type": "http",
        "asgi": {"version": "3.0"},
        "http_version": "1.1",
        "method": method,
        "scheme": "http",
        "path": path,
        "raw_path": path.encode(),
        "query_string": b"",
        "root_path": "",
        "headers": [(b"host", b"127.0.0.1"), *headers],
        "client": ("127.0.0.1", 50000),
        "server": ("127.0.0.1", 8000),
    }
    pending = list(chunks)
    read: list[bytes] = []
    sent: list[dict] = []

    async def receive() -> dict:
        if not pending:
            await asyncio.sleep(3600)  # the client sends nothing more
        chunk = pending.pop(0)
        read.append(chunk)
        return {"type": "http.request", "body": chunk, "more_body": endless or bool(pending)}

    async def send(message: dict) -> None:
        sent.append(message)

    asyncio.run(asyncio.wait_for(application(scope, receive, send), timeout=30))
    return sent, read


def answer(sent: list[dict]) -> tuple[int, dict]:
    start = next(m for m in sent if m["type"] == "http.response.start")
    body = b"".join(m.get("body", b"") for m in sent if m["type"] == "http.response.body")
    return start["status"], json.loads(body)


def test_a_declared_length_over_the_limit_is_refused_before_any_body_is_read():
    sent, read = run(
        "/api/v1/documents", [(b"content-type", b"application/xml"), (b"content-length", b"400000000")], [b"x"]
    )
    status, body = answer(sent)
    assert status == 413 and body["error"] == "document_too_large" and body["limit"] == LIMIT
    assert read == []


def test_an_undeclared_body_is_cut_off_at_the_limit():
    chunks = [b"<" * 600] * 50  # 30 kB coming without a Content-Length
    sent, read = run("/api/v1/documents", [(b"content-type", b"application/xml")], chunks)
    status, body = answer(sent)
    assert status == 413 and "at least" in body["message"]
    assert len(read) == 2  # stopped at the first chunk past the limit
    assert [m["type"] for m in sent].count("http.response.start") == 1  # Django answered nothing more


def test_portal_paths_get_the_portal_shape():
    sent, _ = run(
        "/send/submit", [(b"content-type", b"multipart/form-data; boundary=x"), (b"content-length", b"99999999")], []
    )
    status, body = answer(sent)
    assert status == 413 and body["ok"] is False and f"the limit is {LIMIT} bytes" in body["error"]


def test_ordinary_requests_pass_through():
    sent, _ = run("/healthz", [], [b""], method="GET", endless=False)
    start = next(m for m in sent if m["type"] == "http.response.start")
    assert start["status"] == 200
