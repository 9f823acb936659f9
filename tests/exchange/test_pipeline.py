"""End to end through the real pipeline: API -> RabbitMQ -> Celery worker -> webhook / inbox / SMTP."""

from __future__ import annotations

import hashlib
import hmac
from urllib.parse import urlsplit

import pytest

from pagero.documents import pipeline
from pagero.documents.models import Document
from pagero.formats import conversion
from pagero.partners import public as partners

from .conftest import timeline, wait_for
from .factory import document

pytestmark = [pytest.mark.services, pytest.mark.django_db(transaction=True)]
HAPPY_PATH = ["received", "validated", "routed", "converted", "delivered"]


def submit(org, data: bytes, **kwargs) -> str:
    response = org.post(data, **kwargs)
    assert response.status_code == 202, response.content
    return response.json()["id"]


def test_ubl_in_cii_out_by_signed_webhook(celery_worker, acme, nordic, receiver):
    hook = receiver()
    partners.set_receive_preferences(
        nordic.id, format="cii", channel="webhook", webhook_url=hook.url, webhook_secret="s3cret"
    )
    document_id = submit(acme, document("ubl", number="INV-WH-1"))
    done = wait_for(document_id)
    assert done.status == "delivered", done.status_reason
    assert timeline(done) == HAPPY_PATH
    assert len(hook.requests) == 1
    request = hook.requests[0]
    body = request["body"]
    expected = "sha256=" + hmac.new(b"s3cret", body, hashlib.sha256).hexdigest()
    assert request["headers"]["X-Signature"] == expected
    assert request["headers"]["X-Document-Id"] == document_id
    assert request["headers"]["X-Event"] == "document.delivered"
    report = conversion.validate_document(body)
    assert report.syntax == "cii" and report.valid, [f.message for f in report.fatal]
    assert conversion.parse_document(body).invoice.number == "INV-WH-1"
    # Both sides follow the same timeline.
    for org, direction in ((acme, "sent"), (nordic, "received")):
        detail = org.get(f"/api/v1/documents/{document_id}").json()
        assert detail["direction"] == direction and detail["status"] == "delivered"
        assert [e["kind"] for e in detail["timeline"]] == HAPPY_PATH
        assert detail["validation_report"]["valid"] is True


def test_inbox_fetch_and_acknowledge(celery_worker, acme, nordic):
    partners.set_receive_preferences(nordic.id, format="edifact", channel="inbox")
    document_id = submit(acme, document("cii", number="INV-IN-1"))
    assert wait_for(document_id).status == "delivered"
    inbox = nordic.get("/api/v1/inbox").json()
    assert [item["id"] for item in inbox["results"]] == [document_id]
    url = urlsplit(inbox["results"][0]["content_url"])
    assert url.query == "format=edifact"
    content = nordic.client.get(f"{url.path}?{url.query}")
    assert content.status_code == 200 and content["Content-Type"] == "application/edifact"
    assert conversion.parse_document(content.content).invoice.number == "INV-IN-1"
    ack = nordic.client.post(f"/api/v1/inbox/{document_id}/ack")
    assert ack.status_code == 200 and ack.json()["status"] == "acknowledged"
    assert nordic.get("/api/v1/inbox").json()["count"] == 0
    assert timeline(Document.objects.get(pk=document_id))[-1] == "acknowledged"
    assert nordic.client.post(f"/api/v1/inbox/{document_id}/ack").status_code == 200  # idempotent


def test_email_with_document_and_pdf(celery_worker, acme, nordic, smtp_server):
    partners.set_receive_preferences(nordic.id, format="ubl", channel="email", email="ap@nordic.example")
    before = len(smtp_server.messages)
    document_id = submit(acme, document("cii", number="INV-EM-1"))
    assert wait_for(document_id).status == "delivered"
    recipients, message = smtp_server.messages[before]
    assert recipients == ["ap@nordic.example"]
    assert "INV-EM-1" in message["Subject"]
    attachments = {part.get_filename(): part for part in message.iter_attachments()}
    assert set(attachments) == {"INV-EM-1.xml", "INV-EM-1.pdf"}
    ubl = attachments["INV-EM-1.xml"].get_content()
    ubl = ubl if isinstance(ubl, bytes) else ubl.encode()
    assert conversion.validate_document(ubl).syntax == "ubl"
    assert attachments["INV-EM-1.pdf"].get_content().startswith(b"%PDF")


def test_webhook_503_twice_then_200_delivers_once(celery_worker, acme, nordic, receiver):
    hook = receiver(statuses=[503, 503, 200])
    partners.set_receive_preferences(
        nordic.id, format="ubl", channel="webhook", webhook_url=hook.url, webhook_secret="k"
    )
    document_id = submit(acme, document("ubl", number="INV-RT-1"))
    done = wait_for(document_id)
    assert done.status == "delivered"
    assert len(hook.requests) == 3
    assert [r["headers"]["X-Delivery-Attempt"] for r in hook.requests] == ["1", "2", "3"]
    kinds = timeline(done)
    assert kinds.count("delivery_attempt_failed") == 2 and kinds.count("delivered") == 1
    delivered = done.events.get(kind="delivered")
    assert delivered.detail["attempt"] == 3


def test_webhook_4xx_is_final(celery_worker, acme, nordic, receiver):
    hook = receiver(statuses=[410])
    partners.set_receive_preferences(
        nordic.id, format="ubl", channel="webhook", webhook_url=hook.url, webhook_secret="k"
    )
    done = wait_for(submit(acme, document("ubl", number="INV-410")))
    assert done.status == "delivery_failed" and done.status_reason == f"webhook {hook.url}: HTTP 410 Gone"
    assert len(hook.requests) == 1 and "delivery_attempt_failed" not in timeline(done)


def test_receiver_down_beyond_the_retry_budget_then_redelivered(celery_worker, acme, nordic, receiver):
    import socket

    with socket.socket() as sock:  # a port nobody listens on
        sock.bind(("127.0.0.1", 0))
        dead = f"http://127.0.0.1:{sock.getsockname()[1]}/hook"
    partners.set_receive_preferences(nordic.id, format="cii", channel="webhook", webhook_url=dead, webhook_secret="k")
    document_id = submit(acme, document("ubl", number="INV-DOWN"))
    failed = wait_for(document_id)
    assert failed.status == "delivery_failed"
    # The connection was refused by the closed port (not the URL refused as internal: that is a different text).
    assert failed.status_reason.startswith(f"webhook {dead}: ConnectionRefusedError"), failed.status_reason
    assert timeline(failed).count("delivery_attempt_failed") == 3  # 4 attempts in all
    assert failed.events.get(kind="delivery_failed").detail["attempt"] == 4
    hook = receiver()
    partners.set_receive_preferences(nordic.id, webhook_url=hook.url)
    pipeline.redeliver(document_id, actor="operator")
    done = wait_for(document_id, statuses={"delivered"})
    assert len(hook.requests) == 1
    assert timeline(done)[-2:] == ["redelivery_requested", "delivered"]


def test_worker_killed_mid_delivery_still_completes(celery_worker, acme, nordic, receiver):
    import time

    hook = receiver(delay=4.0)  # the first delivery hangs long enough to kill the worker under it
    partners.set_receive_preferences(
        nordic.id, format="ubl", channel="webhook", webhook_url=hook.url, webhook_secret="k"
    )
    document_id = submit(acme, document("cii", number="INV-KILL"))
    deadline = time.monotonic() + 60
    while not hook.requests and time.monotonic() < deadline:
        time.sleep(0.05)
    assert hook.requests, "the delivery never started"
    celery_worker.kill()
    hook.delay = 0.0
    assert Document.objects.get(pk=document_id).status == "converted"
    celery_worker.start()  # acks_late: RabbitMQ hands the unacknowledged delivery to the new worker
    done = wait_for(document_id)
    assert done.status == "delivered"
    assert timeline(done).count("delivered") == 1
    assert len(hook.requests) >= 2  # at-least-once: the receiver dedupes on X-Document-Id


def test_unknown_recipient_is_undeliverable_with_reason(celery_worker, acme):
    done = wait_for(
        submit(acme, document("ubl", number="INV-NOBODY", buyer_endpoint=("0088", "0000000000000"), buyer_vat=None))
    )
    assert done.status == "undeliverable"
    assert "no organisation receives on endpoint id 0088:0000000000000" in done.status_reason


def test_invalid_invoice_is_rejected_with_its_report(celery_worker, acme, nordic):
    data = document("ubl", number="INV-BAD").replace(
        b'<cbc:PayableAmount currencyID="EUR">250.00', b'<cbc:PayableAmount currencyID="EUR">999.00'
    )
    assert b"999.00" in data
    done = wait_for(submit(acme, data))
    assert done.status == "rejected" and "BR-CO-16" in done.status_reason
    detail = acme.get(f"/api/v1/documents/{done.id}").json()
    assert detail["validation_report"]["valid"] is False
    assert any(f["rule_id"] == "BR-CO-16" and f["term"] == "BT-115" for f in detail["validation_report"]["findings"])
    assert acme.get(f"/api/v1/documents/{done.id}/content", format="original").content == data


def test_sweeper_restarts_a_document_whose_message_was_lost(celery_worker, acme, nordic):
    from datetime import timedelta

    from django.utils import timezone

    from pagero.documents.public import payload_store

    data = document("ubl", number="INV-LOST")
    lost = Document.objects.create(
        sender_id=acme.id,
        sha256=hashlib.sha256(data).hexdigest(),
        size=len(data),
        document_type="invoice",
        original_syntax="ubl",
    )
    payload_store().put(str(lost.id), "original", data)
    Document.objects.filter(pk=lost.pk).update(updated_at=timezone.now() - timedelta(hours=1))
    from pagero.documents.tasks import sweep_stuck

    assert sweep_stuck.delay().get(timeout=30) >= 1
    done = wait_for(lost.id)
    assert done.status == "delivered"
    assert timeline(done)[0] == "requeued"
