"""The operator console's document actions."""

from __future__ import annotations

import pytest

from pagero.documents import pipeline
from pagero.documents.models import Document

from .factory import document

pytestmark = pytest.mark.django_db


@pytest.fixture(autouse=True)
def no_publishing(monkeypatch):
    monkeypatch.setattr(pipeline, "enqueue", lambda step, document_id: None)


def test_reprocess_and_redeliver_actions_add_events(admin_client, acme):
    rejected = Document.objects.get(pk=acme.post(document("ubl", number="ADM-1")).json()["id"])
    Document.objects.filter(pk=rejected.pk).update(status="rejected")
    failed = Document.objects.get(pk=acme.post(document("ubl", number="ADM-2")).json()["id"])
    Document.objects.filter(pk=failed.pk).update(status="delivery_failed")
    url = "/admin/documents/document/"
    admin_client.post(url, {"action": "reprocess", "_selected_action": [str(rejected.pk)]}, follow=True)
    admin_client.post(url, {"action": "redeliver", "_selected_action": [str(failed.pk)]}, follow=True)
    rejected.refresh_from_db()
    failed.refresh_from_db()
    assert rejected.status == "received" and rejected.events.last().kind == "reprocessing_requested"
    assert rejected.events.last().detail["actor"] == "admin:admin"
    assert failed.status == "converted" and failed.events.last().kind == "redelivery_requested"


def test_illegal_operation_is_refused_with_a_message(admin_client, acme):
    received = Document.objects.get(pk=acme.post(document("ubl", number="ADM-3")).json()["id"])
    response = admin_client.post(
        "/admin/documents/document/", {"action": "redeliver", "_selected_action": [str(received.pk)]}, follow=True
    )
    assert b"cannot become converted" in response.content
    received.refresh_from_db()
    assert received.status == "received"


def test_export_csv_and_timeline_page(admin_client, acme):
    doc = Document.objects.get(pk=acme.post(document("ubl", number="ADM-4")).json()["id"])
    export = admin_client.post(
        "/admin/documents/document/", {"action": "export_csv", "_selected_action": [str(doc.pk)]}
    )
    assert export["Content-Type"] == "text/csv" and str(doc.pk) in export.content.decode()
    page = admin_client.get(f"/admin/documents/document/{doc.pk}/change/")
    assert page.status_code == 200 and b"received" in page.content


def test_console_needs_staff(client):
    assert client.get("/admin/documents/document/").status_code == 302


def test_stuck_documents_can_be_reprocessed_and_redelivered_from_the_console(admin_client, acme):
    received = Document.objects.get(pk=acme.post(document("ubl", number="ADM-5")).json()["id"])
    converted = Document.objects.get(pk=acme.post(document("ubl", number="ADM-6")).json()["id"])
    Document.objects.filter(pk=converted.pk).update(status="converted")
    url = "/admin/documents/document/"
    first = admin_client.post(url, {"action": "reprocess", "_selected_action": [str(received.pk)]}, follow=True)
    second = admin_client.post(url, {"action": "redeliver", "_selected_action": [str(converted.pk)]}, follow=True)
    assert [str(m) for m in first.context["messages"]] == ["re-processing: 1 document(s)"]
    assert [str(m) for m in second.context["messages"]] == ["re-delivery: 1 document(s)"]
    received.refresh_from_db()
    converted.refresh_from_db()
    assert received.status == "received" and received.events.last().kind == "reprocessing_requested"
    assert converted.status == "converted" and converted.events.last().kind == "redelivery_requested"
