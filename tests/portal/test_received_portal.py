"""The received side in the portal: opening reads, approve and dispute buttons whose answers the sender reads on its
timeline, business-state filters, the due-date column, search across number, partner and amount, the CSV export
(bounded, safe for spreadsheets) and the zip of selected documents (bounded); a held duplicate and its confirmation.
Every page is scoped to the signed-in organisation. And the timeline names the time of the next delivery attempt.

The pipeline runs inline (the embedded default).
"""

from __future__ import annotations

import csv
import io
import zipfile
from datetime import date, datetime, timedelta

import pytest
from django.test import Client
from django.utils import timezone

from pagero.documents import pipeline
from pagero.documents import public as documents
from pagero.documents.models import Document, DocumentEvent
from pagero.kernel.vocabulary import EventKind
from pagero.partners import public as partners
from pagero.portal import timeline
from pagero.portal.templatetags.portal_format import clock, day
from tests.exchange import conftest as exchange
from tests.exchange.factory import document

# The exchange tests' fixtures: the pipeline inline, and an HTTP receiver for webhooks.
eager, receiver = exchange.eager, exchange.receiver

pytestmark = [pytest.mark.django_db(transaction=True), pytest.mark.usefixtures("eager")]


def member(org_name: str, slug: str, username: str, identifiers=()) -> tuple[int, Client]:
    org = partners.ensure_organisation(org_name, slug)
    for scheme, value in identifiers:
        partners.add_identifier(org.id, scheme, value, verified=True)
    partners.ensure_member(org.id, username, "pw-portal-test-1", email=f"{username}@{slug}.example")
    client = Client()
    assert client.login(username=username, password="pw-portal-test-1")
    return org.id, client


@pytest.fixture
def acme():
    return member("Acme Supplies AB", "acme", "alice", [("0007", "5567321707")])


@pytest.fixture
def nordic():
    org_id, client = member("Nordic Retail AS", "nordic", "bob", [("0192", "987654325")])
    partners.set_receive_preferences(org_id, format="cii", channel="inbox")
    return org_id, client


@pytest.fixture
def outsider():
    return member("Outsider GmbH", "outsider", "eve", [("9930", "DE123456789")])


def send(acme, number: str) -> Document:
    _, client = acme
    upload = io.BytesIO(document("ubl", number=number))
    upload.name = "invoice.xml"
    body = client.post("/send/submit", {"file": upload}).json()
    assert body["ok"], body
    return Document.objects.get(pk=body["id"])


def test_opening_reads_and_the_sender_sees_it(acme, nordic):
    doc = send(acme, "P-READ-1")
    _, bob = nordic
    page = bob.get(f"/documents/{doc.id}/")
    assert page.status_code == 200 and 'id="answer"' in page.content.decode()
    doc.refresh_from_db()
    assert doc.recipient_state == "read"
    sender_page = acme[1].get(f"/documents/{doc.id}/").content.decode()
    assert "Read by Nordic Retail AS" in sender_page
    assert 'id="answer"' not in sender_page  # the sender has no answer buttons


def test_dispute_from_the_portal_is_on_the_senders_timeline_escaped(acme, nordic):
    doc = send(acme, "P-DISP-1")
    _, bob = nordic
    response = bob.post(f"/documents/{doc.id}/answer/dispute", {"reason": "wrong quantity <b>3</b>"})
    assert response.status_code == 302
    page = acme[1].get(f"/documents/{doc.id}/").content.decode()
    assert "Nordic Retail AS disputed this invoice: wrong quantity &lt;b&gt;3&lt;/b&gt;" in page
    assert "<b>3</b>" not in page
    bob.post(f"/documents/{doc.id}/answer/approve", {})
    page = acme[1].get(f"/documents/{doc.id}/").content.decode()
    assert "Nordic Retail AS approved this invoice" in page


def test_a_bad_reason_is_refused_with_the_problem_named(acme, nordic):
    doc = send(acme, "P-DISP-2")
    _, bob = nordic
    response = bob.post(f"/documents/{doc.id}/answer/dispute", {"reason": "line one\r\nline two"}, follow=True)
    assert "control character (U+000D)" in response.content.decode()
    doc.refresh_from_db()
    assert doc.recipient_state == "read"  # opened, not disputed


def test_answers_are_the_recipients_alone(acme, nordic, outsider):
    doc = send(acme, "P-ISO-1")
    for who in (acme, outsider):
        for action in ("approve", "dispute", "read"):
            assert who[1].post(f"/documents/{doc.id}/answer/{action}", {"reason": "x"}).status_code == 404
    assert outsider[1].get(f"/documents/{doc.id}/").status_code == 404
    assert outsider[1].post(f"/documents/{doc.id}/confirm-resend").status_code == 404
    doc.refresh_from_db()
    assert doc.recipient_state == "new"


def test_received_list_filters_on_business_state_and_shows_due_dates(acme, nordic):
    first, second = send(acme, "P-LIST-1"), send(acme, "P-LIST-2")
    org_id, bob = nordic
    documents.dispute(second.id, org_id, "wrong price")
    page = bob.get("/received/?state=disputed").content.decode()
    assert "P-LIST-2" in page and "P-LIST-1" not in page
    page = bob.get("/received/?state=new").content.decode()
    assert "P-LIST-1" in page and "P-LIST-2" not in page
    first.refresh_from_db()
    assert first.due_date == date(2026, 12, 2)  # BT-9 of the invoice, set at validation
    assert day(first.due_date) in page


def test_search_finds_number_partner_and_amount(acme, nordic):
    doc = send(acme, "P-SRCH-1")
    org_id, _ = nordic
    for text in ("SRCH", "acme supplies", str(doc.payable_amount.normalize()), "250,00"):
        found = documents.document_page(org_id, "received", documents.DocumentFilters(search=text)).items
        assert [s.id for s in found] == [str(doc.id)], text
    # The partner is the other side: Nordic's own name finds nothing in what it received, Acme finds it as sent.
    assert documents.document_page(org_id, "received", documents.DocumentFilters(search="nordic")).total == 0
    assert documents.document_page(acme[0], "sent", documents.DocumentFilters(search="nordic")).total == 1
    assert documents.document_page(org_id, "received", documents.DocumentFilters(search="nothing like it")).total == 0
    assert documents.document_page(org_id, "received", documents.DocumentFilters(search="251")).total == 0


def test_csv_export_is_the_filtered_list_with_formula_cells_neutralised(acme, nordic):
    plain = send(acme, "P-CSV-1")
    formula = send(acme, "=HYPERLINK(1)")
    org_id, bob = nordic
    documents.dispute(plain.id, org_id, "@SUM(A1) is wrong")
    response = bob.get("/received/export.csv?q=P-CSV")
    assert response.status_code == 200 and response["Content-Type"].startswith("text/csv")
    rows = list(csv.DictReader(io.StringIO(response.content.decode("utf-8-sig"))))
    assert [r["number"] for r in rows] == ["P-CSV-1"]
    assert rows[0]["state"] == "disputed" and rows[0]["state_reason"] == "'@SUM(A1) is wrong"
    assert rows[0]["partner"] == "Acme Supplies AB" and rows[0]["due_date"] == "2026-12-02"
    everything = list(csv.DictReader(io.StringIO(bob.get("/received/export.csv").content.decode("utf-8-sig"))))
    assert {r["number"] for r in everything} == {"P-CSV-1", "'=HYPERLINK(1)"}
    assert formula.number == "=HYPERLINK(1)"


def test_bulk_download_zips_the_selected_documents_as_received(acme, nordic, outsider):
    first, second = send(acme, "P-ZIP-1"), send(acme, "P-ZIP-2")
    response = nordic[1].post("/received/download", {"ids": [str(first.id), str(second.id)]})
    assert response.status_code == 200 and response["Content-Type"] == "application/zip"
    archive = zipfile.ZipFile(io.BytesIO(response.content))
    assert sorted(archive.namelist()) == ["P-ZIP-1.xml", "P-ZIP-2.xml"]
    assert b"CrossIndustryInvoice" in archive.read("P-ZIP-1.xml")  # Nordic receives CII
    # Another tenant's ids are refused, not skipped.
    refused = outsider[1].post("/received/download", {"ids": [str(first.id)]}, follow=True)
    assert "do not exist or are not yours" in refused.content.decode()


def test_held_duplicate_page_and_confirmation(acme, nordic):
    first = send(acme, "P-DUP-1")
    held = send(acme, "P-DUP-1")
    assert held.duplicate_state == "suspected"
    page = acme[1].get(f"/documents/{held.id}/").content.decode()
    assert 'id="confirm-resend"' in page and "Held: possibly a duplicate of P-DUP-1" in page
    assert "held: possible duplicate" in acme[1].get("/sent/?state=held").content.decode()
    response = acme[1].post(f"/documents/{held.id}/confirm-resend", follow=True)
    assert "Confirmed as a deliberate resend" in response.content.decode()
    held.refresh_from_db()
    assert held.status == "delivered"
    received = nordic[1].get(f"/documents/{first.id}/").content.decode()
    assert 'data-flag="repeated"' in received and f"/documents/{held.id}/" in received


def test_delivery_failure_records_and_shows_the_next_attempt(acme, nordic, receiver, monkeypatch):
    hook = receiver([500, 500, 500, 500])
    partners.set_receive_preferences(nordic[0], channel="webhook", webhook_url=hook.url, webhook_secret="k")
    doc = send(acme, "P-NEXT-1")
    assert doc.status == "delivery_failed"
    monkeypatch.setattr(pipeline, "enqueue", lambda step, document_id: None)
    pipeline.redeliver(doc.id, "operator")  # converted again, its delivery not queued: run it by hand below
    before = timezone.now()
    with pytest.raises(pipeline.RetryDelivery):
        pipeline.deliver_noting_next_attempt(doc.id, attempt=1, final=False, retry_in_seconds=300)
    event = DocumentEvent.objects.filter(document=doc, kind=EventKind.DELIVERY_ATTEMPT_FAILED).latest("id")
    due = datetime.fromisoformat(event.detail["next_attempt_at"])
    assert before + timedelta(seconds=299) <= due <= timezone.now() + timedelta(seconds=301)
    entry = timeline.describe(event.kind, event.detail, event.at, "sent", "Nordic Retail AS")
    assert entry.title == f"Delivery failed, next try at {clock(due)}"
    assert f"next try at {clock(due)}" in acme[1].get(f"/documents/{doc.id}/").content.decode()


def test_the_received_side_in_swedish(acme, nordic):
    doc = send(acme, "P-SV-1")
    org_id, bob = nordic
    page = bob.get(f"/documents/{doc.id}/", HTTP_ACCEPT_LANGUAGE="sv").content.decode()
    assert "Ditt svar" in page and "Godkänn" in page and "Skäl till bestridandet" in page
    documents.dispute(doc.id, org_id, "fel antal")
    sender = acme[1].get(f"/documents/{doc.id}/", HTTP_ACCEPT_LANGUAGE="sv").content.decode()
    assert "Nordic Retail AS bestred denna faktura: fel antal" in sender and "Läst av Nordic Retail AS" in sender
    listing = bob.get("/received/?state=disputed", HTTP_ACCEPT_LANGUAGE="sv").content.decode()
    assert "Förfaller" in listing and "bestriden" in listing and "Exportera listan (CSV)" in listing
