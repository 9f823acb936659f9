"""Request bodies are refused by their Content-Length before anything reads them, and never read past it.

Through the test client (the WSGI handler with a counting input stream) and against a real HTTP server
(pytest-django's live_server) with raw sockets, where a client can lie about the length or send chunks.
"""

from __future__ import annotations

import io
import json
import socket

import pytest
from django.core.files.uploadedfile import SimpleUploadedFile
from django.test import Client

from pagero.documents import pipeline
from pagero.documents.api import RawBodyParser
from pagero.documents.models import Document
from pagero.partners import public as partners
from tests.exchange.factory import document

LIMIT = 1000


@pytest.fixture(autouse=True)
def small_limit(settings):
    settings.MAX_DOCUMENT_BYTES = LIMIT


@pytest.fixture(autouse=True)
def no_publishing(monkeypatch):
    monkeypatch.setattr(pipeline, "enqueue", lambda step, document_id: None)


class CountingStream(io.RawIOBase):
    """An endless request body that counts what the server reads of it."""

    def __init__(self, byte: bytes = b"<") -> None:
        self.byte = byte
        self.read_bytes = 0

    def readable(self) -> bool:
        return True

    def read(self, size: int = -1) -> bytes:
        size = 65536 if size is None or size < 0 else size
        self.read_bytes += size
        return self.byte * size

    def readline(self, size: int = -1) -> bytes:
        return self.read(size)


def token_for(slug: str) -> str:
    org = partners.ensure_organisation(f"{slug.title()} Ltd", slug)
    return partners.issue_api_token(org.id, "tests", scope="write").plain


def api_client(slug: str = "acme") -> Client:
    return Client(HTTP_AUTHORIZATION=f"Bearer {token_for(slug)}")


def assert_too_large(response) -> dict:
    assert response.status_code == 413, response.content
    assert response["Content-Type"].startswith("application/json")
    body = response.json()
    assert body["error"] == "document_too_large" and body["limit"] == LIMIT
    assert f"the limit is {LIMIT} bytes" in body["message"] and "MAX_DOCUMENT_BYTES" in body["message"]
    return body


# -- test client -------------------------------------------------------------------------------
@pytest.mark.django_db
def test_a_huge_content_length_is_refused_before_the_body_is_read():
    stream = CountingStream()
    response = api_client().generic(
        "POST",
        "/api/v1/documents",
        content_type="application/xml",
        CONTENT_LENGTH=str(400 * 1024 * 1024),
        **{"wsgi.input": stream},
    )
    body = assert_too_large(response)
    assert str(400 * 1024 * 1024) in body["message"]
    assert stream.read_bytes == 0
    assert Document.objects.count() == 0


@pytest.mark.django_db
def test_a_content_length_smaller_than_the_body_bounds_the_read():
    stream = CountingStream()
    response = api_client().generic(
        "POST", "/api/v1/documents", content_type="application/xml", CONTENT_LENGTH="600", **{"wsgi.input": stream}
    )
    # 600 bytes of "<" were read and judged (not XML), the endless rest was never read.
    assert response.status_code == 422 and response.json()["error"] == "malformed_xml"
    assert stream.read_bytes <= 600 + LIMIT
    assert Document.objects.get().size == 600


@pytest.mark.django_db
def test_a_raw_body_one_byte_over_the_limit_is_413_and_nothing_is_kept():
    assert_too_large(api_client().post("/api/v1/documents", data=b"<" * (LIMIT + 1), content_type="application/xml"))
    assert Document.objects.count() == 0


@pytest.mark.django_db
def test_a_multipart_upload_over_the_limit_is_413():
    upload = SimpleUploadedFile("big.xml", b"<x>" + b"a" * LIMIT + b"</x>", content_type="application/xml")
    assert_too_large(api_client().post("/api/v1/documents", {"file": upload}))
    assert Document.objects.count() == 0


@pytest.mark.django_db
def test_a_multipart_body_far_over_the_limit_is_refused_by_its_length():
    stream = CountingStream()
    response = api_client().generic(
        "POST",
        "/api/v1/documents",
        content_type="multipart/form-data; boundary=xyz",
        CONTENT_LENGTH=str(10 * 1024 * 1024),
        **{"wsgi.input": stream},
    )
    assert_too_large(response)
    assert stream.read_bytes == 0


def test_the_raw_body_parser_reads_at_most_one_byte_over_the_limit():
    """When the length is unknown (ASGI, no Content-Length), the read itself stops at limit + 1."""
    stream = CountingStream()
    with pytest.raises(Exception) as refused:
        RawBodyParser().parse(stream)
    assert getattr(refused.value, "status_code", None) == 413
    assert stream.read_bytes == LIMIT + 1


@pytest.mark.django_db
def test_portal_uploads_are_refused_by_length_before_csrf_reads_the_form(django_user_model):
    org = partners.ensure_organisation("Acme Supplies AB", "acme")
    partners.ensure_member(org.id, "uploader", "pw-upload-test-1", email="u@acme.example")
    client = Client()
    assert client.login(username="uploader", password="pw-upload-test-1")
    stream = CountingStream()
    for path in ("/send/check", "/send/submit"):
        response = client.generic(
            "POST",
            path,
            content_type="multipart/form-data; boundary=xyz",
            CONTENT_LENGTH=str(50 * 1024 * 1024),
            **{"wsgi.input": stream},
        )
        assert response.status_code == 413
        body = response.json()
        assert body["ok"] is False and f"the limit is {LIMIT} bytes" in body["error"]
    assert stream.read_bytes == 0
    big = SimpleUploadedFile("big.xml", b"<x>" + b"a" * LIMIT + b"</x>")
    response = client.post("/send/submit", {"file": big})
    assert response.status_code == 413 and f"the limit is {LIMIT} bytes" in response.json()["error"]
    assert Document.objects.count() == 0


# -- a real server -------------------------------------------------------------------------------
def raw_request(live_server, head: str, body: bytes = b"", read_timeout: float = 10.0) -> tuple[int, dict, bytes]:
    """Send raw bytes to the live server; return (status, headers, body) of its answer."""
    host, port = live_server.thread.host, live_server.thread.port
    with socket.create_connection((host, port), timeout=read_timeout) as conn:
        conn.sendall(head.replace("\n", "\r\n").encode() + b"\r\n" + body)
        received = b""
        try:
            while True:
                chunk = conn.recv(65536)
                if not chunk:
                    break
                received += chunk
                if b"\r\n\r\n" in received:
                    head_part, _, rest = received.partition(b"\r\n\r\n")
                    length = [
                        int(line.split(b":", 1)[1])
                        for line in head_part.split(b"\r\n")
                        if line.lower().startswith(b"content-length:")
                    ]
                    if length and len(rest) >= length[0]:
                        break
        except (ConnectionResetError, BrokenPipeError):
            pass
    head_part, _, rest = received.partition(b"\r\n\r\n")
    lines = head_part.decode("latin-1").split("\r\n")
    status = int(lines[0].split()[1])
    headers = {k.strip().lower(): v.strip() for k, v in (line.split(":", 1) for line in lines[1:] if ":" in line)}
    if "content-length" in headers:  # the server may answer the unread rest as a next (bad) request
        rest = rest[: int(headers["content-length"])]
    return status, headers, rest


@pytest.mark.django_db(transaction=True)
def test_live_server_refuses_a_huge_declared_body_without_waiting_for_it(live_server):
    token = token_for("acme")
    status, _, body = raw_request(
        live_server,
        "POST /api/v1/documents HTTP/1.1\nHost: 127.0.0.1\n"
        f"Authorization: Bearer {token}\nContent-Type: application/xml\nContent-Length: {400 * 1024 * 1024}\n",
    )
    assert status == 413
    assert json.loads(body)["error"] == "document_too_large"
    assert Document.objects.count() == 0


@pytest.mark.django_db(transaction=True)
def test_live_server_reads_no_more_than_the_declared_length(live_server, settings):
    settings.MAX_DOCUMENT_BYTES = 100_000
    token = token_for("acme")
    data = document("ubl", number="LIVE-1")
    trailing = b"X" * (2 * 1024 * 1024)  # sent after the declared body: never part of the document
    status, _, body = raw_request(
        live_server,
        "POST /api/v1/documents HTTP/1.1\nHost: 127.0.0.1\nConnection: close\n"
        f"Authorization: Bearer {token}\nContent-Type: application/xml\nContent-Length: {len(data)}\n",
        data + trailing,
    )
    assert status == 202, body
    kept = Document.objects.get(pk=json.loads(body)["id"])
    assert kept.size == len(data)


@pytest.mark.django_db(transaction=True)
def test_live_server_refuses_a_chunked_body_with_411(live_server):
    token = token_for("acme")
    status, _, body = raw_request(
        live_server,
        "POST /api/v1/documents HTTP/1.1\nHost: 127.0.0.1\n"
        f"Authorization: Bearer {token}\nContent-Type: application/xml\nTransfer-Encoding: chunked\n",
        b"5\r\n<x/>\n\r\n0\r\n\r\n",
    )
    assert status == 411
    assert json.loads(body)["error"] == "length_required"
    assert Document.objects.count() == 0
