"""Webhook targets: refused when saved and again at every delivery; the connection goes to the vetted address.

Real HTTP(S) servers on loopback stand in for receivers; `dns` maps host names to addresses the way a DNS
server would (including one whose answer changes), everything else resolves as usual.
"""

from __future__ import annotations

import re
import socket
import ssl
import subprocess
import threading
import time
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer

import pytest
from django.test import Client

from pagero.delivery import public as delivery
from pagero.documents import pipeline
from pagero.documents.models import Document
from pagero.partners import public as partners
from pagero.partners.models import Organisation
from tests.exchange.conftest import Receiver
from tests.exchange.factory import document
from tests.processes import close, free_port, serve_in_thread

pytestmark = pytest.mark.django_db

INTERNAL_URLS = [
    "https://127.0.0.1/hook",
    "https://127.0.0.1:8443/hook",
    "https://[::1]/hook",
    "https://0.0.0.0/hook",
    "https://2130706433/hook",
    "https://0x7f.1/hook",
    "https://0177.0.0.1/hook",
    "https://169.254.169.254/latest/meta-data/",
    "https://metadata.google.internal/computeMetadata/v1/",
    "https://[::ffff:127.0.0.1]/hook",
    "https://[::ffff:7f00:1]/hook",
    "https://[64:ff9b::a9fe:a9fe]/hook",
    "https://[2002:7f00:1::]/hook",
    "https://[fe80::1]/hook",
    "https://[::]/hook",
    "https://10.0.0.5/hook",
    "https://172.16.3.4/hook",
    "https://192.168.1.1/hook",
    "https://100.64.0.1/hook",
    "https://224.0.0.1/hook",
    "https://240.0.0.1/hook",
    "https://255.255.255.255/hook",
    "https://localhost/hook",
    "https://printer.local/hook",
    "https://intranet/hook",
]
MALFORMED_URLS = [
    ("http://hooks.partner.example/hook", "must use https"),
    ("https://hooks.partner.example/hook\r\nX-Injected: 1", "control characters"),
    ("https://hooks.partner.example/h\nook", "control characters"),
    ("https://user:secret@hooks.partner.example/hook", "must not contain credentials"),
    ("https://hooks.partner.example:0/hook", "invalid port"),
    ("https://hooks.partner.example:99999/hook", "invalid port"),
    ("https://hooks.partner.example/" + "a" * 600, "longer than 500"),
    ("https://hööks.example/hook", "ASCII"),
    ("https://hooks.partner.example/rückmeldung", "ASCII"),
    ("gopher://hooks.partner.example/", "must be an http(s) URL with a host"),
]


@pytest.fixture(autouse=True)
def no_publishing(monkeypatch):
    monkeypatch.setattr(pipeline, "enqueue", lambda step, document_id: None)


@pytest.fixture
def dns(monkeypatch):
    """Host names answered with the given answers (one per look-up, the last one repeating; an answer may list
    several addresses, comma-separated); other names resolve as usual. `dns.lookups` counts look-ups per name."""
    real = socket.getaddrinfo
    answers: dict[str, list[str]] = {}
    lookups: dict[str, int] = {}

    def getaddrinfo(host, port, *args, **kwargs):
        name = host.decode() if isinstance(host, bytes) else host
        if name not in answers:
            return real(host, port, *args, **kwargs)
        lookups[name] = lookups.get(name, 0) + 1
        queue = answers[name]
        answer = queue.pop(0) if len(queue) > 1 else queue[0]
        return [
            (socket.AF_INET6 if ":" in address else socket.AF_INET, socket.SOCK_STREAM, 6, "", (address, port))
            for address in answer.split(",")
        ]

    monkeypatch.setattr(socket, "getaddrinfo", getaddrinfo)

    class Dns:
        def __init__(self):
            self.answers, self.lookups = answers, lookups

        def __setitem__(self, name: str, addresses: list[str]) -> None:
            answers[name] = list(addresses)

    return Dns()


@pytest.fixture
def hook():
    started: list[Receiver] = []

    def start(statuses: list[int] | None = None) -> Receiver:
        started.append(Receiver(statuses))
        return started[-1]

    yield start
    for server in started:
        server.stop()


def deliver(url: str, secret: str = "k") -> delivery.DeliveryOutcome:
    parcel = delivery.Parcel("doc-1", "INV-1", "Acme Supplies AB", "ubl", b"<Invoice/>")
    return delivery.deliver("webhook", parcel, webhook_url=url, webhook_secret=secret)


# -- when the URL is saved ---------------------------------------------------------------------------------------


@pytest.mark.parametrize("url", INTERNAL_URLS)
def test_internal_targets_are_refused_when_saved(nordic, webhooks_strict, url):
    with pytest.raises(ValueError, match=r"not a public address|internal name|not a host name") as exc:
        partners.set_receive_preferences(nordic.id, channel="webhook", webhook_url=url, webhook_secret="k")
    assert isinstance(exc.value, delivery.WebhookUrlRefused)
    profile = partners.receive_profile(nordic.id)
    assert (profile.channel, profile.webhook_url) == ("inbox", "")


@pytest.mark.parametrize(("url", "message"), MALFORMED_URLS)
def test_malformed_urls_are_refused_with_the_reason(nordic, webhooks_strict, url, message):
    with pytest.raises(ValueError, match=re.escape(message)):
        partners.set_receive_preferences(nordic.id, channel="webhook", webhook_url=url, webhook_secret="k")
    assert partners.receive_profile(nordic.id).webhook_url == ""


def test_a_name_resolving_inside_the_network_is_refused_when_saved(nordic, webhooks_strict, dns):
    dns["hooks.partner.example"] = ["10.20.30.40"]
    with pytest.raises(ValueError, match=r"'hooks\.partner\.example' is not a public address"):
        partners.set_receive_preferences(
            nordic.id, channel="webhook", webhook_url="https://hooks.partner.example/hook", webhook_secret="k"
        )
    dns["mixed.partner.example"] = ["93.184.215.14,127.0.0.1"]  # one internal address among several is enough
    with pytest.raises(ValueError, match=r"'mixed\.partner\.example' is not a public address"):
        partners.set_receive_preferences(
            nordic.id, channel="webhook", webhook_url="https://mixed.partner.example/hook", webhook_secret="k"
        )
    dns["public.partner.example"] = ["93.184.215.14,2606:2800:21f:cb07:6820:80da:af6b:8b2c"]
    partners.set_receive_preferences(
        nordic.id, channel="webhook", webhook_url="https://public.partner.example/hook", webhook_secret="k"
    )
    assert partners.receive_profile(nordic.id).webhook_url == "https://public.partner.example/hook"


def test_the_portal_settings_refuse_an_internal_url(nordic, webhooks_strict):
    partners.ensure_member(nordic.id, "bob", "pw-hooks-test-1", email="bob@nordic.example")
    client = Client()
    assert client.login(username="bob", password="pw-hooks-test-1")
    client.post("/settings/rotate-secret")
    page = client.post(
        "/settings/receive",
        {"format": "cii", "channel": "webhook", "webhook_url": "https://169.254.169.254/latest/meta-data/"},
        follow=True,
    )
    assert page.status_code == 200 and b"is not a public address" in page.content
    assert partners.receive_profile(nordic.id).webhook_url == ""


def test_the_allow_list_admits_loopback_receivers(nordic, hook, settings):
    settings.WEBHOOK_ALLOWED_HOSTS = ["127.0.0.0/8", "::1"]
    receiver = hook()
    partners.set_receive_preferences(nordic.id, channel="webhook", webhook_url=receiver.url, webhook_secret="k")
    assert deliver(receiver.url).delivered
    assert len(receiver.requests) == 1


# -- at delivery -------------------------------------------------------------------------------------------------


def test_a_url_stored_before_the_rules_is_refused_at_delivery(acme, nordic, hook, settings):
    receiver = hook()
    partners.set_receive_preferences(
        nordic.id, format="ubl", channel="webhook", webhook_url=receiver.url, webhook_secret="k"
    )
    settings.WEBHOOK_ALLOWED_HOSTS = []  # the receiver is on loopback: a production server refuses it
    document_id = pipeline.submit(acme.id, document("ubl", number="SSRF-1")).document.id
    for step in (pipeline.validate_step, pipeline.route_step, pipeline.convert_step, pipeline.deliver_step):
        step(document_id)
    done = Document.objects.get(pk=document_id)
    assert done.status == "delivery_failed"
    assert "unusable webhook URL" in done.status_reason and "not a public address" in done.status_reason
    assert receiver.requests == []  # nothing left our side
    outcome = delivery.send_test_event(receiver.url, "k")
    assert not outcome.delivered and "not a public address" in outcome.detail
    assert receiver.requests == []


@pytest.mark.parametrize("url", ["http://169.254.169.254/latest/meta-data/", "http://[::ffff:127.0.0.1]:9/x"])
def test_internal_urls_written_to_the_database_fail_finally(nordic, url, settings):
    settings.WEBHOOK_ALLOWED_HOSTS = []
    Organisation.objects.filter(pk=nordic.id).update(receive_channel="webhook", webhook_url=url, webhook_secret="k")
    outcome = deliver(partners.receive_profile(nordic.id).webhook_url)
    assert (outcome.delivered, outcome.retryable) == (False, False)
    assert "not a public address" in outcome.detail


def test_a_name_mapped_through_the_allow_list_is_refused_once_it_is_off(nordic, hook, dns, settings):
    receiver = hook()
    port = receiver.server.server_address[1]
    dns["hooks.partner.example"] = ["127.0.0.1"]
    url = f"http://hooks.partner.example:{port}/hook"
    partners.set_receive_preferences(nordic.id, channel="webhook", webhook_url=url, webhook_secret="k")
    assert deliver(url).delivered
    assert receiver.requests[0]["headers"]["Host"] == f"hooks.partner.example:{port}"
    settings.WEBHOOK_ALLOWED_HOSTS = []
    outcome = deliver(url)
    assert (outcome.delivered, outcome.retryable) == (False, False) and "not a public address" in outcome.detail
    assert len(receiver.requests) == 1


def test_a_dns_answer_changed_after_saving_is_refused_at_delivery(nordic, hook, dns, settings):
    settings.WEBHOOK_ALLOWED_HOSTS = []
    dns["rebind.partner.example"] = ["93.184.215.14", "127.0.0.1"]  # public when saved, loopback afterwards
    url = "http://rebind.partner.example/hook"
    partners.set_receive_preferences(nordic.id, channel="webhook", webhook_url=url, webhook_secret="k")
    outcome = deliver(url)
    assert (outcome.delivered, outcome.retryable) == (False, False) and "not a public address" in outcome.detail


def test_the_connection_goes_to_the_address_that_was_checked(nordic, hook, dns):
    """Resolved once, connected to that address: a second answer (here an internal address nothing listens on)
    is never used, so a DNS answer changing between the check and the connection cannot redirect the request."""
    receiver = hook()
    port = receiver.server.server_address[1]
    dns["once.partner.example"] = ["127.0.0.1", "10.255.255.1"]
    url = f"http://once.partner.example:{port}/hook?tenant=7"
    outcome = deliver(url)
    assert outcome.delivered, outcome.detail
    assert dns.lookups["once.partner.example"] == 1
    request = receiver.requests[0]
    assert request["headers"]["Host"] == f"once.partner.example:{port}"
    assert request["headers"]["X-Signature"] == delivery.signature("k", request["body"])


class Redirecting(BaseHTTPRequestHandler):
    target = ""
    hits = 0

    def do_POST(self):
        type(self).hits += 1
        self.rfile.read(int(self.headers.get("Content-Length", "0")))
        self.send_response(307)
        self.send_header("Location", self.target)
        self.send_header("Content-Length", "0")
        self.end_headers()

    def log_message(self, *args):
        pass


def test_redirects_are_not_followed(nordic, hook):
    elsewhere = hook()
    Redirecting.target, Redirecting.hits = elsewhere.url, 0
    server = ThreadingHTTPServer(("127.0.0.1", 0), Redirecting)
    serve_in_thread(server)
    try:
        outcome = deliver(f"http://127.0.0.1:{server.server_address[1]}/hook")
    finally:
        close(server)
    assert (outcome.delivered, outcome.retryable) == (False, False)
    assert "HTTP 307 Temporary Redirect: redirects are not followed" in outcome.detail
    assert Redirecting.hits == 1 and elsewhere.requests == []


# -- "send test event" -------------------------------------------------------------------------------------------


@pytest.fixture
def silent_port():
    """A port that accepts connections and never answers (as a firewall that drops packets looks, once the
    connect timeout is what ends it)."""
    server = socket.socket()
    server.bind(("127.0.0.1", 0))
    server.listen(16)
    yield server.getsockname()[1]
    server.close()


@pytest.fixture
def chatty_port():
    """A port with something that is not HTTP behind it."""
    server = socket.socket()
    server.bind(("127.0.0.1", 0))
    server.listen(16)

    def serve():
        while True:
            try:
                conn, _ = server.accept()
            except OSError:
                return
            conn.sendall(b"SSH-2.0-OpenSSH_9.2\r\n")
            conn.close()

    threading.Thread(target=serve, daemon=True).start()
    yield server.getsockname()[1]
    server.close()


class ClockOfTheTestEvent:
    """The delivery module's clock: its own time passes as the real one, and each wait it asks for is recorded and
    added to its time instead of slept."""

    def __init__(self) -> None:
        self.waited = 0.0
        self.waits: list[float] = []

    def monotonic(self) -> float:
        return time.monotonic() + self.waited

    def sleep(self, seconds: float) -> None:
        self.waits.append(seconds)
        self.waited += seconds


def test_test_event_does_not_tell_closed_filtered_or_other_services_apart(
    settings, monkeypatch, silent_port, chatty_port
):
    # Every failure is answered only once the full timeout has passed: a short one keeps the real waits short.
    settings.WEBHOOK_TIMEOUT_SECONDS = 0.25
    clock = ClockOfTheTestEvent()
    monkeypatch.setattr(delivery, "time", clock)  # the clock of send_test_event
    urls = [
        f"http://127.0.0.1:{free_port()}/hook",
        f"http://127.0.0.1:{silent_port}/hook",
        f"http://127.0.0.1:{chatty_port}/hook",
        "http://does-not-exist.invalid/hook",
    ]
    answers = set()
    for url in urls:
        started = clock.monotonic()
        outcome = delivery.send_test_event(url, "k")
        assert not outcome.delivered
        # A refused port is answered as late as a silent one: the event waits out the rest of the timeout.
        assert clock.monotonic() - started >= 0.25, (url, clock.waits)
        answers.add(outcome.detail)
    assert answers == {"could not connect to the webhook URL"}
    assert len(clock.waits) == len(urls) and clock.waits[0] > 0.2  # the refused port's answer came at once


def test_test_event_reports_the_http_status(hook):
    receiver = hook(statuses=[200, 404])
    assert delivery.send_test_event(receiver.url, "k").detail == "HTTP 200 OK"
    assert delivery.send_test_event(receiver.url, "k").detail == "HTTP 404 Not Found"
    assert [r["headers"]["X-Event"] for r in receiver.requests] == ["test", "test"]


# -- https: certificate and SNI checked against the name, connection to the vetted address -----------------------


@pytest.fixture
def https_receiver(tmp_path, monkeypatch):
    """An HTTPS server on loopback with a certificate for hooks.partner.example that the client trusts."""
    cert, key = tmp_path / "cert.pem", tmp_path / "key.pem"
    subprocess.run(
        ["openssl", "req", "-x509", "-newkey", "rsa:2048", "-nodes", "-days", "2", "-keyout", str(key),
         "-out", str(cert), "-subj", "/CN=hooks.partner.example",
         "-addext", "subjectAltName=DNS:hooks.partner.example"],
        check=True,
        capture_output=True,
    )  # fmt: skip
    monkeypatch.setenv("SSL_CERT_FILE", str(cert))  # what ssl.create_default_context() trusts
    context = ssl.SSLContext(ssl.PROTOCOL_TLS_SERVER)
    context.load_cert_chain(cert, key)
    seen: dict[str, list] = {"sni": [], "hosts": []}

    def remember_sni(sock, server_name, ctx):
        seen["sni"].append(server_name)

    context.sni_callback = remember_sni

    class Handler(BaseHTTPRequestHandler):
        def do_POST(self):
            self.rfile.read(int(self.headers.get("Content-Length", "0")))
            seen["hosts"].append(self.headers["Host"])
            self.send_response(204)
            self.end_headers()

        def log_message(self, *args):
            pass

    server = ThreadingHTTPServer(("127.0.0.1", 0), Handler)
    server.socket = context.wrap_socket(server.socket, server_side=True)
    serve_in_thread(server)
    yield server.server_address[1], seen
    close(server)


def test_https_checks_the_certificate_against_the_host_name(https_receiver, dns, settings):
    port, seen = https_receiver
    settings.WEBHOOK_ALLOW_HTTP = False
    dns["hooks.partner.example"] = ["127.0.0.1"]
    dns["other.partner.example"] = ["127.0.0.1"]
    outcome = deliver(f"https://hooks.partner.example:{port}/hook")
    assert outcome.delivered, outcome.detail
    assert seen["sni"] == ["hooks.partner.example"] and seen["hosts"] == [f"hooks.partner.example:{port}"]
    wrong = deliver(f"https://other.partner.example:{port}/hook")  # same address, a name the certificate lacks
    assert not wrong.delivered and "certificate" in wrong.detail.lower()
    assert seen["hosts"] == [f"hooks.partner.example:{port}"]
