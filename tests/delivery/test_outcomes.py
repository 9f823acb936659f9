"""What each answer of a recipient's endpoint means for a delivery: delivered, try again later, or final.

Webhook: 2xx delivered; 408, 429, 5xx, timeouts and connection errors retryable; every other 4xx final; 3xx final
and not followed. E-mail: the SMTP server's temporary refusals (4xx) and an unreachable server are retryable, its
permanent ones (5xx) final. Real servers on loopback answer (ThreadingHTTPServer, aiosmtpd); the receiver checks
the webhook signature itself.
"""

from __future__ import annotations

import hashlib
import hmac
import socket
from collections.abc import Iterator
from http import HTTPStatus
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer

import pytest

from pagero.delivery import public as delivery
from tests.conftest import SmtpSink
from tests.exchange.conftest import Receiver
from tests.processes import close, free_port, serve_in_thread

# Bytes a re-encoding or a pretty-printer would change: the signature must cover exactly these.
BODY = '<?xml version="1.0"?>\r\n<Invoice>  Fäktura Ø-7 \t</Invoice>\n\n'.encode()
SECRET = "whsec-3f9a"


def parcel(content: bytes = BODY, fmt: str = "ubl") -> delivery.Parcel:
    return delivery.Parcel("doc-42", "INV-42", "Acme Supplies AB", fmt, content, b"%PDF-1.4 rendering")


def to_webhook(url: str, secret: str = SECRET, attempt: int = 1) -> delivery.DeliveryOutcome:
    return delivery.deliver("webhook", parcel(), webhook_url=url, webhook_secret=secret, attempt=attempt)


def outcome_of(result: delivery.DeliveryOutcome) -> tuple[bool, bool]:
    return result.delivered, result.retryable


@pytest.fixture
def http_server() -> Iterator:
    """Start ThreadingHTTPServers on loopback with a given handler; all are stopped after the test."""
    servers: list[ThreadingHTTPServer] = []

    def start(handler: type[BaseHTTPRequestHandler]) -> str:
        server = ThreadingHTTPServer(("127.0.0.1", 0), handler)
        serve_in_thread(server)
        servers.append(server)
        return f"http://127.0.0.1:{server.server_address[1]}/hook"

    yield start
    for server in servers:
        close(server)


@pytest.fixture
def hook() -> Iterator:
    started: list[Receiver] = []

    def start(statuses: list[int] | None = None, delay: float = 0.0) -> Receiver:
        started.append(Receiver(statuses, delay))
        return started[-1]

    yield start
    for server in started:
        server.stop()


# -- webhook: HTTP answers -----------------------------------------------------------------------------------------
@pytest.mark.parametrize(("status", "text"), [(200, "OK"), (201, "Created"), (202, "Accepted"), (204, "No Content")])
def test_a_2xx_answer_is_delivered(hook, status, text):
    receiver = hook([status])
    result = to_webhook(receiver.url, attempt=3)
    assert outcome_of(result) == (True, False)
    assert result.detail == f"webhook {receiver.url}: HTTP {status} {text}"
    [request] = receiver.requests
    assert request["body"] == BODY
    headers = request["headers"]
    assert headers["Content-Type"] == "application/xml"
    assert (headers["X-Document-Id"], headers["X-Event"], headers["X-Delivery-Attempt"]) == (
        "doc-42",
        "document.delivered",
        "3",
    )


@pytest.mark.parametrize("status", [408, 429, 500, 502, 503, 504, 599])
def test_408_429_and_5xx_answers_are_retryable(hook, status):
    receiver = hook([status])
    result = to_webhook(receiver.url)
    assert outcome_of(result) == (False, True)
    assert result.detail.startswith(f"webhook {receiver.url}: HTTP {status}")
    assert len(receiver.requests) == 1


@pytest.mark.parametrize("status", [400, 401, 403, 404, 405, 409, 410, 413, 415, 422, 451])
def test_other_4xx_answers_are_final(hook, status):
    receiver = hook([status])
    result = to_webhook(receiver.url)
    assert outcome_of(result) == (False, False)
    assert result.detail.startswith(f"webhook {receiver.url}: HTTP {status} ")
    assert len(receiver.requests) == 1


@pytest.mark.parametrize("status", [301, 302, 303, 307, 308])
def test_a_3xx_answer_is_final_and_the_redirect_is_not_followed(hook, http_server, status):
    elsewhere = hook()
    hits: list[str] = []

    class Redirecting(BaseHTTPRequestHandler):
        def do_POST(self):
            hits.append(self.path)
            self.rfile.read(int(self.headers.get("Content-Length", "0")))
            self.send_response(status)
            self.send_header("Location", elsewhere.url)
            self.send_header("Content-Length", "0")
            self.end_headers()

        def log_message(self, *args):
            pass

    url = http_server(Redirecting)
    result = to_webhook(url)
    assert outcome_of(result) == (False, False)
    assert result.detail == f"webhook {url}: HTTP {status} {HTTPStatus(status).phrase}: redirects are not followed"
    assert hits == ["/hook"] and elsewhere.requests == []


# -- webhook: no answer --------------------------------------------------------------------------------------------
def test_a_receiver_slower_than_the_timeout_is_retryable(hook, settings):
    settings.WEBHOOK_TIMEOUT_SECONDS = 0.2
    receiver = hook([200], delay=3.0)  # would answer 200, too late
    result = to_webhook(receiver.url)
    # Given up at the timeout, not when the answer came: the 200 would have made it delivered.
    assert outcome_of(result) == (False, True)
    assert result.detail == f"webhook {receiver.url}: TimeoutError: timed out"
    assert len(receiver.requests) == 1


def test_a_receiver_that_never_answers_is_retryable_after_the_timeout(settings):
    settings.WEBHOOK_TIMEOUT_SECONDS = 0.2
    with socket.socket() as silent:  # accepts the connection (the kernel does), never reads or answers
        silent.bind(("127.0.0.1", 0))
        silent.listen(1)
        url = f"http://127.0.0.1:{silent.getsockname()[1]}/hook"
        result = to_webhook(url)
    assert outcome_of(result) == (False, True)
    assert result.detail == f"webhook {url}: TimeoutError: timed out"


def test_a_refused_connection_is_retryable():
    url = f"http://127.0.0.1:{free_port()}/hook"
    result = to_webhook(url)
    assert outcome_of(result) == (False, True)
    assert result.detail.startswith(f"webhook {url}: ConnectionRefusedError")


def test_a_connection_closed_without_an_answer_is_retryable(http_server):
    class Hanging(BaseHTTPRequestHandler):
        def do_POST(self):
            self.rfile.read(int(self.headers.get("Content-Length", "0")))
            self.close_connection = True  # and no status line at all

        def log_message(self, *args):
            pass

    url = http_server(Hanging)
    result = to_webhook(url)
    assert outcome_of(result) == (False, True)
    assert result.detail.startswith(f"webhook {url}: RemoteDisconnected")


def test_a_host_that_does_not_resolve_is_retryable():
    url = "http://hooks.does-not-exist.invalid/hook"
    result = to_webhook(url)
    assert outcome_of(result) == (False, True)
    assert result.detail.startswith(f"webhook {url}: the webhook host does not resolve")


# -- webhook: the signature, checked by the receiver -------------------------------------------------------------
@pytest.fixture
def verifying_receiver(http_server):
    """A receiver that accepts a request only when X-Signature is sha256=<hex HMAC-SHA256 of the body> under its
    secret (compared in constant time, as a receiver should), else answers 401."""
    seen: list[dict] = []

    class Verifying(BaseHTTPRequestHandler):
        def do_POST(self):
            body = self.rfile.read(int(self.headers["Content-Length"]))
            expected = "sha256=" + hmac.new(SECRET.encode(), body, hashlib.sha256).hexdigest()
            given = self.headers.get("X-Signature", "")
            verified = hmac.compare_digest(given, expected)
            seen.append({"body": body, "signature": given, "verified": verified})
            self.send_response(204 if verified else 401)
            self.send_header("Content-Length", "0")
            self.end_headers()

        def log_message(self, *args):
            pass

    return http_server(Verifying), seen


def test_the_receiver_verifies_the_signature_over_the_exact_body(verifying_receiver):
    url, seen = verifying_receiver
    result = to_webhook(url)
    assert outcome_of(result) == (True, False), result.detail
    [request] = seen
    assert request["verified"] and request["body"] == BODY
    assert request["signature"].startswith("sha256=") and len(request["signature"]) == len("sha256=") + 64
    assert request["signature"] == delivery.signature(SECRET, BODY)


def test_a_body_signed_with_another_secret_is_refused_by_the_receiver(verifying_receiver):
    url, seen = verifying_receiver
    result = to_webhook(url, secret="not-" + SECRET)
    assert outcome_of(result) == (False, False)
    assert result.detail == f"webhook {url}: HTTP 401 Unauthorized"
    assert [r["verified"] for r in seen] == [False]


# -- other channels ------------------------------------------------------------------------------------------------
def test_the_inbox_channel_is_delivered_without_sending_anything():
    result = delivery.deliver("inbox", parcel())
    assert outcome_of(result) == (True, False)
    assert result.detail == "available in the recipient's API inbox"


def test_an_unknown_channel_is_a_final_failure():
    result = delivery.deliver("fax", parcel(), webhook_url="https://hooks.example/h", email="ap@nordic.example")
    assert outcome_of(result) == (False, False)
    assert result.detail == "unknown channel 'fax'"


# -- e-mail: a real SMTP server that answers as scripted (tests/conftest.py SmtpSink) --------------------------------
@pytest.fixture
def smtp(settings) -> Iterator:
    servers: list[SmtpSink] = []

    def start(rcpt: str = "250 OK", data: str = "250 OK") -> SmtpSink:
        servers.append(SmtpSink(rcpt, data))
        use_smtp(settings, servers[-1].port)
        return servers[-1]

    yield start
    for server in servers:
        server.stop()


def use_smtp(settings, port: int) -> None:
    settings.EMAIL_BACKEND = "django.core.mail.backends.smtp.EmailBackend"
    settings.EMAIL_HOST, settings.EMAIL_PORT, settings.EMAIL_TIMEOUT = "127.0.0.1", port, 5


def to_email() -> delivery.DeliveryOutcome:
    return delivery.deliver("email", parcel(), email="ap@nordic.example")


def test_an_email_the_server_accepts_is_delivered(smtp):
    server = smtp()
    result = to_email()
    assert outcome_of(result) == (True, False)
    assert result.detail == "e-mailed to ap@nordic.example"
    [(recipients, message)] = server.messages
    assert recipients == ["ap@nordic.example"]
    assert message["Subject"] == "Invoice INV-42 from Acme Supplies AB"


@pytest.mark.parametrize(
    ("rcpt", "data", "error", "retryable"),
    [
        ("250 OK", "451 4.3.0 Mail server temporarily rejected message", "SMTPDataError", True),
        ("250 OK", "554 5.6.0 Message content rejected", "SMTPDataError", False),
        ("450 4.2.1 Mailbox busy, try again later", "250 OK", "SMTPRecipientsRefused", True),
        ("550 5.1.1 No such user here", "250 OK", "SMTPRecipientsRefused", False),
    ],
)
def test_an_smtp_refusal_is_retried_only_when_temporary(smtp, rcpt, data, error, retryable):
    """RFC 5321: 4yz replies are transient, 5yz permanent."""
    server = smtp(rcpt=rcpt, data=data)
    result = to_email()
    assert outcome_of(result) == (False, retryable)
    assert result.detail.startswith(f"e-mail to ap@nordic.example: {error}: ")
    code = (data if error == "SMTPDataError" else rcpt).split()[0]
    assert code in result.detail
    assert server.messages == []


def test_an_unreachable_smtp_server_is_retryable(settings):
    use_smtp(settings, free_port())
    result = to_email()
    assert outcome_of(result) == (False, True)
    assert result.detail.startswith("e-mail to ap@nordic.example: ConnectionRefusedError")
