"""Fixtures of the exchange tests: two organisations, an HTTP receiver, and waiting for the pipeline."""

from __future__ import annotations

import time
from dataclasses import dataclass, field
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer

import pytest
from django.test import Client

from pagero.celery import app
from pagero.documents import pipeline
from pagero.documents.models import Document
from pagero.partners import public as partners
from tests.processes import close, serve_in_thread

TERMINAL = {"delivered", "acknowledged", "rejected", "undeliverable", "failed", "delivery_failed"}


@dataclass
class Org:
    id: int
    name: str
    token: str
    client: Client = field(repr=False)

    def post(self, data: bytes, key: str | None = None, content_type: str = "application/xml"):
        headers = {"HTTP_IDEMPOTENCY_KEY": key} if key else {}
        return self.client.post("/api/v1/documents", data=data, content_type=content_type, **headers)

    def get(self, path: str, **params):
        return self.client.get(path, params)


def make_org(name: str, slug: str, identifiers: list[tuple[str, str]], scope: str = "write") -> Org:
    """An organisation with verified identifiers (they route) and an API token."""
    org = partners.ensure_organisation(name, slug)
    for scheme, value in identifiers:
        partners.add_identifier(org.id, scheme, value, verified=True)
    token = partners.issue_api_token(org.id, "tests", scope=scope).plain
    return Org(org.id, name, token, Client(HTTP_AUTHORIZATION=f"Bearer {token}"))


@pytest.fixture
def acme(db) -> Org:
    return make_org("Acme Supplies AB", "acme", [("0007", "5567321707")])


@pytest.fixture
def nordic(db) -> Org:
    return make_org("Nordic Retail AS", "nordic", [("0192", "987654325"), ("9908", "NO987654325MVA")])


@pytest.fixture
def outsider(db) -> Org:
    return make_org("Outsider GmbH", "outsider", [("9930", "DE123456789")])


class Receiver:
    """A real HTTP server on loopback: answers with scripted status codes and records every request."""

    def __init__(self, statuses: list[int] | None = None, delay: float = 0.0) -> None:
        self.statuses = list(statuses or [])
        self.delay = delay
        self.requests: list[dict] = []
        receiver = self

        class Handler(BaseHTTPRequestHandler):
            def do_POST(self):
                body = self.rfile.read(int(self.headers.get("Content-Length", "0")))
                receiver.requests.append({"headers": dict(self.headers), "body": body})
                if receiver.delay:
                    time.sleep(receiver.delay)
                code = receiver.statuses.pop(0) if receiver.statuses else 200
                self.send_response(code)
                self.send_header("Content-Length", "0")
                self.end_headers()

            def log_message(self, *args):
                pass

        self.server = ThreadingHTTPServer(("127.0.0.1", 0), Handler)
        self.url = f"http://127.0.0.1:{self.server.server_address[1]}/hook"
        serve_in_thread(self.server)

    def stop(self) -> None:
        close(self.server)


@pytest.fixture
def receiver():
    servers: list[Receiver] = []

    def start(statuses: list[int] | None = None, delay: float = 0.0) -> Receiver:
        servers.append(Receiver(statuses, delay))
        return servers[-1]

    yield start
    for server in servers:
        server.stop()


def wait_for(document_id, statuses=TERMINAL, timeout: float = 60.0) -> Document:
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        document = Document.objects.get(pk=document_id)
        if document.status in statuses:
            return document
        time.sleep(0.1)
    document = Document.objects.get(pk=document_id)
    kinds = list(document.events.values_list("kind", flat=True))
    raise AssertionError(f"document still {document.status} after {timeout}s; timeline {kinds}")


def timeline(document: Document) -> list[str]:
    return list(document.events.values_list("kind", flat=True))


@pytest.fixture
def eager(settings):
    """Tasks run inline, as on the embedded default: each submission carries its document to where it ends."""
    saved = app.conf.task_always_eager, app.conf.task_eager_propagates
    app.conf.task_always_eager, app.conf.task_eager_propagates = True, True
    settings.PIPELINE_STEP_MAX_ATTEMPTS = 3
    settings.DELIVERY_MAX_ATTEMPTS = 3
    yield
    app.conf.task_always_eager, app.conf.task_eager_propagates = saved


@pytest.fixture
def published(monkeypatch):
    """The next steps the pipeline queues, in order, instead of running them."""
    sent: list[tuple[str, str]] = []
    monkeypatch.setattr(pipeline, "enqueue", lambda step, document_id: sent.append((step, str(document_id))))
    return sent
