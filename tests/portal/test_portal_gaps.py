"""The dashboard's counts and the portal's submit: what a member sees and what the pipeline is asked to do next."""

from __future__ import annotations

from datetime import timedelta

import pytest
from django.core.files.uploadedfile import SimpleUploadedFile
from django.test import Client
from django.utils import timezone

from pagero.documents import pipeline
from pagero.documents.models import Document
from pagero.partners import public as partners
from tests.exchange.factory import document

pytestmark = pytest.mark.django_db


@pytest.fixture
def queued(monkeypatch) -> list[tuple[str, str]]:
    """The steps the pipeline was asked to run, instead of running them."""
    steps: list[tuple[str, str]] = []
    monkeypatch.setattr(pipeline, "enqueue", lambda step, document_id: steps.append((step, str(document_id))))
    return steps


def member(org_name: str, slug: str, username: str) -> tuple[int, Client]:
    org = partners.ensure_organisation(org_name, slug)
    partners.ensure_member(org.id, username, "pw-portal-test-1", email=f"{username}@{slug}.example")
    client = Client()
    assert client.login(username=username, password="pw-portal-test-1")
    return org.id, client


def stored(sender: int, recipient: int | None, status: str, age: timedelta = timedelta(hours=1)) -> Document:
    made = Document.objects.create(
        sender_id=sender, recipient_id=recipient, sha256="0" * 64, size=1, document_type="invoice", status=status
    )
    Document.objects.filter(pk=made.pk).update(created_at=timezone.now() - age)
    return made


def test_the_dashboard_counts_sent_and_received_documents_of_the_last_30_days(queued):
    acme, client = member("Acme Supplies AB", "acme", "alice")
    nordic = partners.ensure_organisation("Nordic Buyer AS", "nordic").id
    other = partners.ensure_organisation("Outsider GmbH", "outsider").id
    for status in ("delivered", "delivered", "rejected"):
        stored(acme, nordic, status)
    stored(acme, None, "undeliverable")
    stored(nordic, acme, "delivered")
    stored(acme, nordic, "delivered", age=timedelta(days=31))  # older than the window
    stored(nordic, other, "delivered")  # neither sent nor received by Acme

    response = client.get("/")
    assert response.status_code == 200
    assert response.context["totals"] == {"sent": 4, "received": 1}
    chart = response.context["chart"]
    assert {status: count for status, count, _width in chart["sent"]} == {
        "delivered": 2,
        "rejected": 1,
        "undeliverable": 1,
    }
    assert [(status, count) for status, count, _width in chart["received"]] == [("delivered", 1)]
    # bar widths are relative to the largest count of either direction
    assert {status: width for status, _count, width in chart["sent"]}["delivered"] == 100
    assert chart["received"][0][2] == 50
    page = response.content.decode()
    assert '<span class="count">4</span>' in page and '<span class="count">1</span>' in page


def test_the_dashboard_of_a_new_organisation_shows_zero_and_no_bars(queued):
    _, client = member("Acme Supplies AB", "acme", "alice")
    response = client.get("/")
    assert response.context["totals"] == {"sent": 0, "received": 0}
    assert response.context["chart"] == {"sent": [], "received": []}
    assert "No documents yet." in response.content.decode()


def test_a_portal_submit_keeps_the_document_and_queues_its_validation(queued):
    acme, client = member("Acme Supplies AB", "acme", "alice")
    answer = client.post("/send/submit", {"file": SimpleUploadedFile("inv.xml", document("ubl", number="UP-9"))})
    submitted = answer.json()
    assert answer.status_code == 200 and submitted["ok"] is True and submitted["status"] == "received"
    assert queued == [("validate", submitted["id"])]
    kept = Document.objects.get(pk=submitted["id"])
    assert (kept.sender_id, kept.document_type, kept.original_syntax) == (acme, "invoice", "ubl")


def test_a_portal_submit_that_cannot_be_read_is_rejected_and_queues_nothing(queued):
    _, client = member("Acme Supplies AB", "acme", "alice")
    answer = client.post("/send/submit", {"file": SimpleUploadedFile("x.xml", b"<not-an-invoice/>")}).json()
    assert queued == []
    assert answer["ok"] is True and answer["status"] == "rejected" and answer["reason"]
