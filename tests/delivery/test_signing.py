"""The webhook signature and the outcome of a webhook POST, against a real HTTP receiver on loopback.

The loopback receiver is reachable because the test settings allow http and 127.0.0.1 (tests/conftest.py).
"""

from __future__ import annotations

import hashlib
import hmac
import re
import socket

import pytest

from pagero.delivery import public as delivery
from pagero.delivery.webhook import WebhookResult, post
from tests.exchange.conftest import Receiver

BODY = b"<Invoice>\xc3\xa5</Invoice>"


@pytest.fixture(scope="module")
def server():
    # One receiver for the module: stopping one waits for its poll interval (half a second).
    receiver = Receiver()
    yield receiver
    receiver.stop()


@pytest.fixture
def hook(server):
    def start(statuses: list[int] | None = None, delay: float = 0.0) -> Receiver:
        server.statuses, server.requests, server.delay = list(statuses or []), [], delay
        return server

    return start


def test_the_signature_is_the_hex_hmac_sha256_of_the_body():
    expected = "sha256=" + hmac.new(b"s3cret", BODY, hashlib.sha256).hexdigest()
    assert delivery.signature("s3cret", BODY) == expected
    # RFC 4231 test case 2: a published vector, independent of the code above.
    assert (
        delivery.signature("Jefe", b"what do ya want for nothing?")
        == "sha256=5bdcc146bf60754e6a042426089575c75a003f089d2739839dec58b964ec3843"
    )


def test_the_signature_depends_on_secret_and_body():
    assert delivery.signature("a", BODY) != delivery.signature("b", BODY)
    assert delivery.signature("a", BODY) != delivery.signature("a", BODY + b" ")


def test_a_post_carries_the_body_the_signature_and_our_headers(hook):
    receiver = hook()
    result = post(receiver.url, "s3cret", BODY, {"X-Event": "document.delivered"}, timeout=5)
    assert result == WebhookResult(True, False, 200, "HTTP 200 OK")
    (request,) = receiver.requests
    assert request["body"] == BODY
    headers = request["headers"]
    assert headers["X-Signature"] == delivery.signature("s3cret", BODY)
    assert headers["X-Event"] == "document.delivered"
    assert headers["User-Agent"] == "e-document-network/1.0"
    assert headers["Content-Length"] == str(len(BODY))
    port = receiver.server.server_address[1]
    assert headers["Host"] == f"127.0.0.1:{port}"


@pytest.mark.parametrize(
    ("status", "ok", "retryable", "detail"),
    [
        (200, True, False, "HTTP 200 OK"),
        (202, True, False, "HTTP 202 Accepted"),
        (204, True, False, "HTTP 204 No Content"),
        (299, True, False, "HTTP 299"),
        (300, False, False, "HTTP 300 Multiple Choices: redirects are not followed"),
        (301, False, False, "HTTP 301 Moved Permanently: redirects are not followed"),
        (302, False, False, "HTTP 302 Found: redirects are not followed"),
        (399, False, False, "HTTP 399: redirects are not followed"),
        (400, False, False, "HTTP 400 Bad Request"),
        (401, False, False, "HTTP 401 Unauthorized"),
        (404, False, False, "HTTP 404 Not Found"),
        (407, False, False, "HTTP 407 Proxy Authentication Required"),
        (408, False, True, "HTTP 408 Request Timeout"),
        (409, False, False, "HTTP 409 Conflict"),
        (428, False, False, "HTTP 428 Precondition Required"),
        (429, False, True, "HTTP 429 Too Many Requests"),
        (430, False, False, "HTTP 430"),
        (499, False, False, "HTTP 499"),
        (500, False, True, "HTTP 500 Internal Server Error"),
        (503, False, True, "HTTP 503 Service Unavailable"),
        (599, False, True, "HTTP 599"),
    ],
)
def test_the_status_decides_delivered_retry_or_final(hook, status, ok, retryable, detail):
    receiver = hook([status])
    assert post(receiver.url, "k", BODY, {}, timeout=5) == WebhookResult(ok, retryable, status, detail)


def test_an_unusable_url_is_final_and_says_why(hook, webhooks_strict):
    result = post("https://127.0.0.1/hook", "k", BODY, {}, timeout=5)
    assert (result.ok, result.retryable, result.status) == (False, False, None)
    assert result.detail.startswith("unusable webhook URL: the webhook host '127.0.0.1' is not a public address")


def test_a_host_that_does_not_resolve_is_retried(monkeypatch):
    def getaddrinfo(*args, **kwargs):
        raise socket.gaierror(socket.EAI_NONAME, "Name or service not known")

    monkeypatch.setattr(socket, "getaddrinfo", getaddrinfo)
    result = post("https://hooks.partner.example/hook", "k", BODY, {}, timeout=5)
    assert result == WebhookResult(False, True, None, "the webhook host does not resolve (gaierror)")


def test_a_refused_connection_is_retried():
    # A port that was just free: nothing listens on it.
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        port = probe.getsockname()[1]
    result = post(f"http://127.0.0.1:{port}/hook", "k", BODY, {}, timeout=5)
    assert (result.ok, result.retryable, result.status) == (False, True, None)
    assert result.detail.startswith("ConnectionRefusedError: ")


def test_a_request_http_client_will_not_write_is_final(hook):
    receiver = hook()
    # http.client refuses a header value with a line break (ValueError): the headers have to change.
    result = post(receiver.url, "k", BODY, {"X-Event": "a\r\nb"}, timeout=5)
    assert (result.ok, result.retryable, result.status) == (False, False, None)
    assert result.detail.startswith("unusable webhook URL: ")
    assert receiver.requests == []


def test_a_receiver_slower_than_the_timeout_is_retried(hook):
    receiver = hook(delay=1.0)
    result = post(receiver.url, "k", BODY, {}, timeout=0.2)
    assert result == WebhookResult(False, True, None, "TimeoutError: timed out")


def test_a_tls_failure_is_retried_and_reported_by_its_reason(hook):
    # https to a plain-http receiver: the handshake fails. The detail is OpenSSL's reason code, not its long text.
    receiver = hook()
    result = post(receiver.url.replace("http://", "https://"), "k", BODY, {}, timeout=5)
    assert (result.ok, result.retryable, result.status) == (False, True, None)
    assert re.fullmatch(r"SSLError: [A-Z_]+", result.detail), result.detail


def test_a_tls_receiver_that_never_answers_is_retried_after_the_timeout():
    # The connection is accepted (listen backlog) but the TLS handshake never gets an answer.
    with socket.socket() as silent:
        silent.bind(("127.0.0.1", 0))
        silent.listen(1)
        port = silent.getsockname()[1]
        result = post(f"https://127.0.0.1:{port}/hook", "k", BODY, {}, timeout=0.3)
    assert (result.ok, result.retryable, result.status) == (False, True, None)
    assert result.detail.startswith("TimeoutError: "), result.detail
