"""No accepted document is left stuck: failing steps, time limits, the sweeper, operations, amounts, PDF renditions."""

from __future__ import annotations

import dataclasses
import threading
from datetime import timedelta
from decimal import Decimal

import pytest
from celery.exceptions import SoftTimeLimitExceeded
from django.test import Client
from django.utils import timezone

from pagero.delivery import public as delivery
from pagero.documents import pipeline, queries
from pagero.documents.lifecycle import IllegalTransition
from pagero.documents.models import Document
from pagero.formats import conversion
from pagero.formats import public as formats
from pagero.kernel.vocabulary import ORIGINAL_PAYLOAD
from pagero.partners import public as partners
from pagero.routing import public as routing

from .conftest import timeline, wait_for
from .factory import document, invoice

HUGE = Decimal("123456789012345678.99")


def injected(*args, **kwargs):
    raise RuntimeError("injected fault")


def hostile_seller_name(name: str) -> bytes:
    """A valid UBL invoice whose seller name the PDF layout cannot take as it is."""
    model = invoice(number="INV-HOSTILE")
    model = dataclasses.replace(model, seller=dataclasses.replace(model.seller, name=name))
    data, warnings = conversion.write_document(model, "ubl")
    assert warnings == [] and conversion.validate_document(data).valid
    return data


def stuck(org_id: int, status: str, age: timedelta = timedelta(hours=1), **fields) -> Document:
    data = document("ubl", number=f"STUCK-{status}")
    submitted = Document.objects.create(
        sender_id=org_id,
        sha256="0" * 64,
        size=len(data),
        document_type="invoice",
        original_syntax="ubl",
        status=status,
        **fields,
    )
    pipeline.payload_store().put(str(submitted.id), ORIGINAL_PAYLOAD, data)
    Document.objects.filter(pk=submitted.pk).update(updated_at=timezone.now() - age)
    return Document.objects.get(pk=submitted.pk)


# -- a failing step, eager mode (the pipeline runs inside the request) -------------------------
@pytest.mark.django_db(transaction=True)
@pytest.mark.parametrize(
    ("target", "attribute", "channel", "status", "gerund", "failure"),
    [
        (formats, "validate", "inbox", "failed", "validating", "validation_failed"),
        (routing, "resolve_recipient", "inbox", "failed", "routing", "routing_failed"),
        (formats, "convert", "inbox", "failed", "converting", "conversion_failed"),
        (delivery, "render_pdf", "email", "failed", "converting", "conversion_failed"),
        (delivery, "deliver", "inbox", "delivery_failed", "delivering", "delivery_failed"),
    ],
)
def test_an_unexpected_error_in_a_step_is_retried_then_fails_with_the_reason(
    eager, monkeypatch, acme, nordic, target, attribute, channel, status, gerund, failure
):
    partners.set_receive_preferences(nordic.id, format="cii", channel=channel, email="ap@nordic.example")
    monkeypatch.setattr(target, attribute, injected)
    response = acme.post(document("ubl", number=f"INV-FAULT-{attribute}"))
    assert response.status_code == 202, response.content
    done = Document.objects.get(pk=response.json()["id"])
    assert done.status == status
    assert done.status_reason == f"internal error while {gerund}: RuntimeError: injected fault"
    kinds = timeline(done)
    assert kinds.count("step_retry_scheduled") == 2  # three attempts in all
    assert kinds[-1] == failure
    assert done.events.last().detail["reason"] == done.status_reason


@pytest.mark.django_db(transaction=True)
def test_a_transient_error_is_retried_and_the_document_delivered(eager, monkeypatch, acme, nordic):
    partners.set_receive_preferences(nordic.id, format="cii", channel="inbox")
    real, calls = formats.convert, []

    def flaky(data, target, **options):
        calls.append(target)
        if len(calls) == 1:
            raise ConnectionError("store briefly unreachable")
        return real(data, target, **options)

    monkeypatch.setattr(formats, "convert", flaky)
    response = acme.post(document("ubl", number="INV-FLAKY"))
    assert response.status_code == 202
    done = Document.objects.get(pk=response.json()["id"])
    assert done.status == "delivered"
    assert timeline(done) == ["received", "validated", "routed", "step_retry_scheduled", "converted", "delivered"]


@pytest.mark.django_db(transaction=True)
def test_a_soft_time_limit_fails_the_document_with_that_reason(eager, monkeypatch, acme, nordic, settings):
    partners.set_receive_preferences(nordic.id, format="cii", channel="inbox")

    def slow(*args, **kwargs):
        raise SoftTimeLimitExceeded()

    monkeypatch.setattr(formats, "convert", slow)
    response = acme.post(document("ubl", number="INV-SLOW"))
    assert response.status_code == 202
    done = Document.objects.get(pk=response.json()["id"])
    assert done.status == "failed"
    assert (
        done.status_reason == f"time limit of {settings.PIPELINE_SOFT_TIME_LIMIT_SECONDS:g} s exceeded while converting"
    )
    assert "step_retry_scheduled" not in timeline(done)  # a time limit is not retried


def test_pipeline_tasks_have_time_limits(settings):
    from pagero.documents import tasks

    for task in (tasks.validate_document, tasks.route_document, tasks.convert_document, tasks.deliver_document):
        assert task.soft_time_limit == settings.PIPELINE_SOFT_TIME_LIMIT_SECONDS == 120
        assert task.time_limit == settings.PIPELINE_HARD_TIME_LIMIT_SECONDS == 150


@pytest.mark.django_db(transaction=True)
def test_a_format_error_stays_a_verdict(eager, acme, nordic):
    response = acme.post(
        document("ubl", number="INV-BAD").replace(b'currencyID="EUR">250.00', b'currencyID="EUR">9.00')
    )
    assert response.status_code == 202
    done = Document.objects.get(pk=response.json()["id"])
    assert done.status == "rejected" and "step_retry_scheduled" not in timeline(done)


# -- a failing step, real worker ---------------------------------------------------------------
@pytest.mark.services
@pytest.mark.django_db(transaction=True)
def test_a_seller_name_longer_than_a_page_is_delivered_with_its_pdf(celery_worker, acme, nordic, smtp_server):
    """A party name longer than a page broke the PDF rendering of an e-mail delivery (reportlab LayoutError): the
    convert task raised and the document sat in `routed` with nothing scheduled. The rendering now shortens it."""
    partners.set_receive_preferences(nordic.id, format="ubl", channel="email", email="ap@nordic.example")
    response = acme.post(hostile_seller_name("Acme Supplies AB " * 1000))
    assert response.status_code == 202, response.content
    done = wait_for(response.json()["id"], timeout=120)
    assert done.status == "delivered", (done.status, done.status_reason)
    assert "step_retry_scheduled" not in timeline(done)
    mails = [m for rcpts, m in smtp_server.messages if m["Subject"].startswith("Invoice INV-HOSTILE from Acme")]
    assert len(mails) == 1
    assert any(part.get_content_type() == "application/pdf" for part in mails[0].iter_attachments())


# -- the sweeper -------------------------------------------------------------------------------
@pytest.mark.django_db
def test_the_sweeper_backs_off_then_fails_a_document_after_the_limit(acme, published, settings):
    settings.SWEEP_AFTER_SECONDS = 600
    settings.SWEEP_MAX_REQUEUES = 5
    lost = stuck(acme.id, "validated")
    waits = []
    for n in range(1, 6):
        assert pipeline.sweep() == 1
        lost.refresh_from_db()
        assert lost.sweep_count == n and published[-1] == ("route", str(lost.id))
        waits.append(round((lost.next_sweep_at - timezone.now()).total_seconds() / 600))
        assert pipeline.sweep() == 0  # not again before the backoff has passed
        Document.objects.filter(pk=lost.pk).update(next_sweep_at=timezone.now() - timedelta(seconds=1))
    assert waits == [1, 2, 4, 8, 16]
    assert pipeline.sweep() == 0
    lost.refresh_from_db()
    assert lost.status == "failed" and lost.status_reason == "stuck in validated after 5 re-queues"
    assert timeline(lost) == ["requeued"] * 5 + ["stuck"]
    assert len(published) == 5


@pytest.mark.django_db
def test_a_stuck_converted_document_ends_delivery_failed_and_can_be_redelivered(acme, published, settings):
    settings.SWEEP_MAX_REQUEUES = 0
    lost = stuck(acme.id, "converted")
    pipeline.sweep()
    lost.refresh_from_db()
    assert lost.status == "delivery_failed" and lost.status_reason == "stuck in converted after 0 re-queues"
    pipeline.redeliver(lost.id, actor="operator")
    assert published == [("deliver", str(lost.id))]


@pytest.mark.django_db
def test_a_poisonous_document_does_not_stop_the_sweep(acme, monkeypatch):
    poison, healthy = stuck(acme.id, "received"), stuck(acme.id, "routed", age=timedelta(minutes=30))
    sent = []

    def enqueue(step, document_id):
        if str(document_id) == str(poison.id):
            raise RuntimeError("cannot publish this one")
        sent.append((step, str(document_id)))

    monkeypatch.setattr(pipeline, "enqueue", enqueue)
    assert pipeline.sweep() == 1
    assert sent == [("convert", str(healthy.id))]
    poison.refresh_from_db()
    assert poison.sweep_count == 0 and timeline(poison) == []  # its re-queue was rolled back, tried next time


@pytest.mark.django_db
def test_moving_on_resets_the_sweep_count(acme, published):
    lost = stuck(acme.id, "received")
    pipeline.sweep()
    lost.refresh_from_db()
    assert lost.sweep_count == 1 and lost.next_sweep_at is not None
    pipeline.validate_step(lost.id)
    lost.refresh_from_db()
    assert lost.status == "validated" and lost.sweep_count == 0 and lost.next_sweep_at is None


@pytest.mark.django_db
def test_a_recent_document_is_not_swept(acme, published):
    stuck(acme.id, "received", age=timedelta(seconds=5))
    assert pipeline.sweep() == 0 and published == []


@pytest.mark.django_db(transaction=True)
def test_a_step_whose_next_message_cannot_be_published_is_swept_at_once(eager, monkeypatch, acme, nordic):
    """A broker that refuses the next step's message (it was down longer than the publish retries) leaves the
    committed step standing; the next sweep re-queues the document without waiting SWEEP_AFTER_SECONDS."""
    from pagero.documents import tasks

    def broker_down(*args, **kwargs):
        raise ConnectionRefusedError(111, "Connection refused")

    monkeypatch.setattr(tasks.route_document, "delay", broker_down)
    response = acme.post(document("ubl", number="INV-NO-BROKER"))
    assert response.status_code == 202
    waiting = Document.objects.get(pk=response.json()["id"])
    assert waiting.status == "validated" and waiting.sweep_count == 0 and waiting.next_sweep_at is not None
    monkeypatch.undo()
    assert pipeline.sweep() == 1  # although the document moved only a moment ago
    waiting.refresh_from_db()
    assert waiting.status == "delivered"
    assert timeline(waiting)[-4:] == ["requeued", "routed", "converted", "delivered"]


# -- operations ----------------------------------------------------------------------------------
@pytest.mark.django_db
@pytest.mark.parametrize("status", ["received", "validated", "routed", "converted", "failed", "delivery_failed"])
def test_reprocess_from_a_stuck_or_failed_status(acme, published, status):
    lost = stuck(acme.id, status)
    pipeline.reprocess(lost.id, actor="operator")
    lost.refresh_from_db()
    assert lost.status == "received" and timeline(lost) == ["reprocessing_requested"]
    assert published == [("validate", str(lost.id))]


@pytest.mark.django_db
def test_redeliver_a_stuck_converted_document(acme, published):
    lost = stuck(acme.id, "converted")
    pipeline.redeliver(lost.id, actor="operator")
    lost.refresh_from_db()
    assert lost.status == "converted" and timeline(lost) == ["redelivery_requested"]
    assert published == [("deliver", str(lost.id))]


@pytest.mark.django_db
@pytest.mark.parametrize("status", ["received", "validated", "routed", "rejected"])
def test_redeliver_needs_a_converted_document(acme, published, status):
    lost = stuck(acme.id, status)
    with pytest.raises(IllegalTransition, match=f"a {status} document cannot become converted"):
        pipeline.redeliver(lost.id, actor="operator")
    assert published == []


@pytest.mark.django_db
def test_reprocess_refuses_a_delivered_document(acme, published):
    with pytest.raises(IllegalTransition, match="a delivered document cannot become received"):
        pipeline.reprocess(stuck(acme.id, "delivered").id, actor="operator")


@pytest.mark.django_db
def test_a_document_type_the_network_does_not_route_is_undeliverable_with_the_reason(acme, published):
    advice = stuck(acme.id, "validated")
    Document.objects.filter(pk=advice.pk).update(document_type="despatch_advice")
    pipeline.route_step(advice.id)
    advice.refresh_from_db()
    assert advice.status == "undeliverable"
    assert advice.status_reason == "documents of type despatch_advice are not routed"


# -- amounts -------------------------------------------------------------------------------------
@pytest.mark.django_db
def test_amounts_beyond_10_to_the_15_are_stored_exactly_and_listed(acme, nordic, published):
    big = stuck(acme.id, "delivered", payable_amount=HUGE, currency="IDR", recipient_id=nordic.id)
    stuck(acme.id, "delivered", payable_amount=Decimal("99.50"), currency="EUR")
    big.refresh_from_db()
    assert big.payable_amount == HUGE
    assert Document.objects.filter(payable_amount=HUGE).count() == 1
    listed = acme.get("/api/v1/documents", direction="sent")
    assert listed.status_code == 200
    assert {item["payable_amount"] for item in listed.json()["results"]} == {"123456789012345678.99", "99.50"}
    page = queries.document_page(acme.id, "sent", queries.DocumentFilters(sort="-amount"))
    assert [s.payable_amount for s in page.items] == [HUGE, Decimal("99.5")]
    ascending = queries.document_page(acme.id, "sent", queries.DocumentFilters(sort="amount"))
    assert ascending.items[0].payable_amount == Decimal("99.5")
    assert nordic.get(f"/api/v1/documents/{big.id}").json()["payable_amount"] == "123456789012345678.99"
    # The portal's list pages, both sides.
    for org, path, username in ((acme, "/sent/", "amount-acme"), (nordic, "/received/", "amount-nordic")):
        partners.ensure_member(org.id, username, "pw-amount-test-1", email=f"{username}@example.com")
        browser = Client()
        assert browser.login(username=username, password="pw-amount-test-1")
        page = browser.get(path)
        # Every digit kept, grouped as the language writes amounts (English here).
        assert page.status_code == 200 and b"123,456,789,012,345,678.99" in page.content and b"IDR" in page.content


@pytest.mark.django_db
def test_an_amount_no_currency_needs_is_rejected_with_the_reason(acme, nordic, published, monkeypatch):
    real = formats.parse

    def parse(data):
        parsed = real(data)
        totals = dataclasses.replace(parsed.invoice.totals, payable=Decimal("1e30"))
        return dataclasses.replace(parsed, invoice=dataclasses.replace(parsed.invoice, totals=totals))

    monkeypatch.setattr(formats, "parse", parse)
    submitted = pipeline.submit(acme.id, document("ubl", number="INV-1E30")).document
    pipeline.validate_step(submitted.id)
    submitted.refresh_from_db()
    assert submitted.status == "rejected"
    assert submitted.status_reason == ("the payable amount 1E+30 has more than 24 digits before the decimal point")


# -- the PDF rendition -----------------------------------------------------------------------------
@pytest.mark.django_db
def test_the_pdf_is_rendered_once_then_reused(acme, nordic, published, monkeypatch):
    delivered = stuck(acme.id, "delivered", recipient_id=nordic.id, number="INV-PDF")
    rendered = []
    real = delivery.render_pdf
    monkeypatch.setattr(delivery, "render_pdf", lambda inv, **kw: rendered.append(inv.number) or real(inv, **kw))
    first = queries.document_content(nordic.id, delivered.id, "pdf")
    second = queries.document_content(acme.id, delivered.id, "pdf")
    assert first.data.startswith(b"%PDF") and second.data == first.data
    assert rendered == ["STUCK-delivered"]
    assert pipeline.payload_store().get(str(delivered.id), "rendition:pdf") == first.data


@pytest.mark.services
@pytest.mark.django_db(transaction=True)
def test_parallel_first_downloads_render_the_pdf_once(real_services, acme, nordic, monkeypatch):
    from django.db import connection

    delivered = stuck(acme.id, "delivered", recipient_id=nordic.id)
    rendered = []
    real = delivery.render_pdf

    def slow_render(inv, **kw):
        rendered.append(inv.number)
        threading.Event().wait(0.5)  # long enough for the other downloads to arrive meanwhile
        return real(inv, **kw)

    monkeypatch.setattr(delivery, "render_pdf", slow_render)
    results, errors = [], []

    def download():
        try:
            results.append(queries.document_content(nordic.id, delivered.id, "pdf").data)
        except Exception as exc:  # reported below
            errors.append(exc)
        finally:
            connection.close()

    threads = [threading.Thread(target=download) for _ in range(4)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join(timeout=60)
    assert errors == [] and len(results) == 4 and len(set(results)) == 1
    assert rendered == ["STUCK-delivered"]


@pytest.mark.services
@pytest.mark.django_db(transaction=True)
def test_sweeper_in_the_worker_fails_a_document_stuck_beyond_the_limit(celery_worker, acme):
    """The beat task itself, run by the real worker, on a document already re-queued the maximum number of times."""
    from django.conf import settings

    from pagero.documents.tasks import sweep_stuck

    lost = stuck(acme.id, "routed", sweep_count=settings.SWEEP_MAX_REQUEUES)
    sweep_stuck.delay().get(timeout=30)
    done = wait_for(lost.id)
    assert (
        done.status == "failed"
        and done.status_reason == f"stuck in routed after {settings.SWEEP_MAX_REQUEUES} re-queues"
    )
