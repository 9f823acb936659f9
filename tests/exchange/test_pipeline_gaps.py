"""Pipeline paths the happy-path tests do not reach: the Idempotency-Key race, verdicts that are not retried, the
"original" receive format, an unknown channel, the delivery retry budget and its backoff.

Service-free: SQLite and eager Celery (the embedded default), so they belong to the fast tier; under `make test` they
run against PostgreSQL too.
"""

from __future__ import annotations

import threading

import pytest
from celery.exceptions import Retry
from django.db import connection

from pagero.documents import pipeline, tasks
from pagero.documents.models import Document
from pagero.documents.public import PayloadNotFound
from pagero.formats import public as formats
from pagero.kernel.vocabulary import ORIGINAL_PAYLOAD, media_type, rendition_payload
from pagero.partners import public as partners
from pagero.partners.models import Organisation

from .conftest import timeline
from .factory import document


# -- receive: the Idempotency-Key race ---------------------------------------------------------------------------
@pytest.mark.django_db(transaction=True)
def test_two_concurrent_submissions_with_one_idempotency_key_make_one_document(acme, published):
    """Both requests look the key up before either has stored it, so both insert: the unique constraint lets one
    win and the other answers with the winner's document. The barrier holds each request right after its look-up;
    then one goes on and the other inserts once the first has committed (SQLite's in-memory test database cannot
    hold two writers waiting on each other; PostgreSQL would make the second insert wait for the first anyway)."""
    data = document("ubl", number="INV-RACE")
    looked_up = threading.Barrier(2, timeout=20)
    first_done = threading.Event()
    submissions: list[pipeline.Submission] = []
    errors: list[BaseException] = []

    def submit() -> None:
        waited = False

        def after_the_key_lookup(execute, sql, params, many, context):
            nonlocal waited
            result = execute(sql, params, many, context)
            if not waited and sql.lstrip().upper().startswith("SELECT") and "idempotency_key" in sql:
                waited = True
                if looked_up.wait() == 1 and not first_done.wait(timeout=20):
                    raise AssertionError("the other submission did not finish")
            return result

        try:
            with connection.execute_wrapper(after_the_key_lookup):
                submissions.append(pipeline.submit(acme.id, data, idempotency_key="race-1"))
        except BaseException as exc:  # reported below, with the thread's exception
            errors.append(exc)
        finally:
            first_done.set()
            connection.close()

    threads = [threading.Thread(target=submit) for _ in range(2)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join(timeout=60)
    assert errors == [] and len(submissions) == 2, errors
    assert sorted(s.created for s in submissions) == [False, True]
    assert submissions[0].document.id == submissions[1].document.id
    assert all(s.error is None for s in submissions)
    kept = Document.objects.get(sender_id=acme.id, idempotency_key="race-1")
    assert Document.objects.filter(sender_id=acme.id).count() == 1
    assert list(kept.events.values_list("kind", flat=True)) == ["received"]
    assert published == [("validate", str(kept.id))]  # one pipeline, started by the winner
    assert pipeline.payload_store().get(str(kept.id), ORIGINAL_PAYLOAD) == data


# -- verdicts: an ending with the reason, never retried ----------------------------------------------------------
def submitted(org, data: bytes) -> Document:
    response = org.post(data)
    assert response.status_code == 202, response.content
    return Document.objects.get(pk=response.json()["id"])


@pytest.mark.django_db(transaction=True)
def test_a_document_that_is_detected_but_cannot_be_read_is_rejected_with_the_format_error(eager, acme, nordic):
    data = document("ubl", number="INV-UNREADABLE").replace(
        b'<cbc:PayableAmount currencyID="EUR">250.00<', b'<cbc:PayableAmount currencyID="EUR">abc<'
    )
    assert b">abc<" in data
    done = submitted(acme, data)
    assert (done.document_type, done.original_syntax) == ("invoice", "ubl")  # detection read it
    assert done.status == "rejected"
    report = done.validation_report
    assert report["valid"] is False and report["error"] in {"rules_not_run", "invalid_value"}
    assert done.status_reason == report["message"] and "abc" in done.status_reason
    assert timeline(done) == ["received", "rejected"]  # a verdict: no retry, no internal error


@pytest.mark.django_db(transaction=True)
def test_an_order_to_a_supplier_not_on_the_network_is_undeliverable_naming_what_was_tried(eager, acme, nordic):
    done = submitted(nordic, ORDER)
    assert (done.document_type, done.original_syntax) == ("order", "ubl")
    assert done.validation_report["valid"] is True, done.validation_report
    assert done.status == "undeliverable"
    assert done.status_reason == "no organisation receives on endpoint id 0088:7300010000001"
    assert timeline(done) == ["received", "validated", "undeliverable"]
    assert done.recipient_id is None


@pytest.mark.django_db(transaction=True)
def test_a_conversion_error_fails_the_document_with_its_reason_and_is_not_retried(eager, monkeypatch, acme, nordic):
    partners.set_receive_preferences(nordic.id, format="ubl", channel="inbox")

    def cannot_convert(data, target, **options):
        raise formats.FormatError("BT-24 cannot be written in the target syntax", term="BT-24")

    monkeypatch.setattr(formats, "convert", cannot_convert)
    done = submitted(acme, document("cii", number="INV-NO-CONVERSION"))
    assert done.status == "failed"
    assert done.status_reason == "BT-24 cannot be written in the target syntax"
    assert timeline(done) == ["received", "validated", "routed", "conversion_failed"]
    with pytest.raises(PayloadNotFound):  # nothing to deliver was kept
        pipeline.payload_store().get(str(done.id), rendition_payload("ubl"))


# -- the "original" receive format -------------------------------------------------------------------------------
def as_sent_by_hand(syntax: str) -> bytes:
    """A valid document with what a converter would not keep: a comment, blank lines and odd indentation."""
    data = document(syntax, number=f"INV-ORIG-{syntax.upper()}")
    if syntax == "edifact":
        return data
    head, rest = data.split(b"?>", 1)
    return head + b"?>\n<!-- exported by ERP 7.2 -->\n\n" + rest.replace(b"><", b">\n   <", 3)


@pytest.mark.django_db(transaction=True)
@pytest.mark.parametrize("syntax", ["ubl", "cii", "edifact"])
def test_a_recipient_receiving_as_received_gets_the_original_bytes(eager, acme, nordic, receiver, syntax):
    hook = receiver()
    partners.set_receive_preferences(
        nordic.id, format="original", channel="webhook", webhook_url=hook.url, webhook_secret="k"
    )
    data = as_sent_by_hand(syntax)
    assert formats.validate(data).valid
    done = submitted(acme, data)
    assert done.status == "delivered", done.status_reason
    assert done.target_format == syntax
    assert [r["body"] for r in hook.requests] == [data]  # byte for byte, comment and blanks included
    assert hook.requests[0]["headers"]["Content-Type"] == media_type(syntax)
    converted = done.events.get(kind="converted").detail
    assert converted["format"] == syntax and converted["lossless"] is True
    content = nordic.get(f"/api/v1/documents/{done.id}/content", format=syntax)
    assert content.status_code == 200 and content.content == data


# -- delivery: channel, retry budget, backoff --------------------------------------------------------------------
@pytest.mark.django_db(transaction=True)
def test_an_unknown_channel_fails_delivery_at_once_with_the_reason(eager, acme, nordic):
    # Only a value written past set_receive_preferences (an old row, a manual fix) can name an unknown channel.
    Organisation.objects.filter(pk=nordic.id).update(receive_format="ubl", receive_channel="carrier-pigeon")
    done = submitted(acme, document("ubl", number="INV-PIGEON"))
    assert done.status == "delivery_failed"
    assert done.status_reason == "unknown channel 'carrier-pigeon'"
    assert timeline(done) == ["received", "validated", "routed", "converted", "delivery_failed"]


@pytest.mark.django_db(transaction=True)
def test_the_final_delivery_attempt_is_not_retried(eager, acme, nordic, receiver):
    hook = receiver(statuses=[503, 503, 503, 200])  # a fourth attempt would be delivered
    partners.set_receive_preferences(
        nordic.id, format="ubl", channel="webhook", webhook_url=hook.url, webhook_secret="k"
    )
    done = submitted(acme, document("ubl", number="INV-BUDGET"))
    assert done.status == "delivery_failed"
    assert done.status_reason == f"webhook {hook.url}: HTTP 503 Service Unavailable"
    assert [r["headers"]["X-Delivery-Attempt"] for r in hook.requests] == ["1", "2", "3"]
    assert timeline(done)[-3:] == ["delivery_attempt_failed", "delivery_attempt_failed", "delivery_failed"]
    assert done.events.get(kind="delivery_failed").detail["attempt"] == 3


@pytest.mark.django_db(transaction=True)
@pytest.mark.parametrize("status", [301, 400, 404, 410])
def test_a_final_answer_on_the_first_attempt_is_not_retried(eager, acme, nordic, receiver, status):
    hook = receiver(statuses=[status, 200])
    partners.set_receive_preferences(
        nordic.id, format="ubl", channel="webhook", webhook_url=hook.url, webhook_secret="k"
    )
    done = submitted(acme, document("ubl", number=f"INV-FINAL-{status}"))
    assert done.status == "delivery_failed" and f"HTTP {status} " in done.status_reason
    assert len(hook.requests) == 1 and "delivery_attempt_failed" not in timeline(done)


@pytest.mark.parametrize("base", [30.0, 0.3])
def test_the_backoff_doubles_from_the_base_within_a_quarter_of_jitter_and_is_capped(monkeypatch, base):
    for attempt in range(1, 9):
        nominal = base * 2 ** (attempt - 1)
        low, high = min(3600.0, nominal * 0.75), min(3600.0, nominal * 1.25)
        with monkeypatch.context() as edge:
            edge.setattr(tasks.random, "uniform", lambda a, b: a)
            assert tasks.jittered(base, attempt) == pytest.approx(low)
            edge.setattr(tasks.random, "uniform", lambda a, b: b)
            assert tasks.jittered(base, attempt) == pytest.approx(high)
        waits = [tasks.jittered(base, attempt) for _ in range(300)]
        assert all(low <= w <= high for w in waits), (attempt, min(waits), max(waits))
        if high < 3600.0:  # the jitter really spreads the retries (300 draws over half the nominal wait)
            assert max(waits) - min(waits) > 0.3 * nominal
    assert tasks.jittered(base, 40) == 3600.0  # capped at an hour, however many attempts


def test_the_delivery_backoff_uses_its_own_base(settings, monkeypatch):
    settings.DELIVERY_RETRY_BASE_SECONDS = 7.0
    monkeypatch.setattr(tasks.random, "uniform", lambda a, b: 1.0)
    assert [tasks.backoff_seconds(n) for n in (1, 2, 3, 4)] == [7.0, 14.0, 28.0, 56.0]


class Scheduled:
    """What a task would publish to the broker for its next attempt (captured instead of sent)."""

    def __init__(self, monkeypatch, task) -> None:
        self.options: list[dict] = []
        monkeypatch.setattr(task, "apply_async", lambda args=None, kwargs=None, **options: self.options.append(options))


def run_as_worker(task, document_id: str, attempt: int) -> float | None:
    """Run attempt `attempt` of a task as a worker runs a message (not eager): returns the countdown of the retry it
    scheduled, None when it scheduled none."""
    task.push_request(
        id=f"attempt-{attempt}", retries=attempt - 1, is_eager=False, called_directly=False, args=[document_id]
    )
    try:
        task.run(document_id)
    except Retry as retry:
        return retry.when
    finally:
        task.pop_request()
    return None


@pytest.mark.django_db
def test_each_delivery_retry_waits_the_backoff_of_its_attempt_and_the_last_schedules_none(
    acme, nordic, receiver, published, settings, monkeypatch
):
    settings.DELIVERY_MAX_ATTEMPTS = 4
    settings.DELIVERY_RETRY_BASE_SECONDS = 30.0
    monkeypatch.setattr(tasks.random, "uniform", lambda a, b: b)  # the top of the jitter: 1.25
    hook = receiver(statuses=[503] * 5)
    partners.set_receive_preferences(
        nordic.id, format="ubl", channel="webhook", webhook_url=hook.url, webhook_secret="k"
    )
    document_id = str(pipeline.submit(acme.id, document("ubl", number="INV-BACKOFF")).document.id)
    for step in (pipeline.validate_step, pipeline.route_step, pipeline.convert_step):
        step(document_id)
    scheduled = Scheduled(monkeypatch, tasks.deliver_document)
    countdowns = [run_as_worker(tasks.deliver_document, document_id, attempt) for attempt in (1, 2, 3, 4)]
    assert countdowns == [37.5, 75.0, 150.0, None]  # 30 * 2**(n-1) * 1.25; the fourth is the last
    assert [(o["countdown"], o["retries"]) for o in scheduled.options] == [(37.5, 1), (75.0, 2), (150.0, 3)]
    assert [r["headers"]["X-Delivery-Attempt"] for r in hook.requests] == ["1", "2", "3", "4"]
    done = Document.objects.get(pk=document_id)
    assert done.status == "delivery_failed" and done.events.get(kind="delivery_failed").detail["attempt"] == 4


@pytest.mark.django_db
def test_each_step_retry_waits_the_backoff_of_its_attempt_and_says_so(acme, published, settings, monkeypatch):
    settings.PIPELINE_STEP_MAX_ATTEMPTS = 3
    settings.PIPELINE_STEP_RETRY_BASE_SECONDS = 5.0
    monkeypatch.setattr(tasks.random, "uniform", lambda a, b: a)  # the bottom of the jitter: 0.75

    def unavailable(*args, **kwargs):
        raise ConnectionError("rules engine unavailable")

    monkeypatch.setattr(formats, "validate", unavailable)
    document_id = str(pipeline.submit(acme.id, document("ubl", number="INV-STEP-BACKOFF")).document.id)
    scheduled = Scheduled(monkeypatch, tasks.validate_document)
    countdowns = [run_as_worker(tasks.validate_document, document_id, attempt) for attempt in (1, 2, 3)]
    assert countdowns == [3.75, 7.5, None]
    assert [o["countdown"] for o in scheduled.options] == [3.75, 7.5]
    done = Document.objects.get(pk=document_id)
    retries = done.events.filter(kind="step_retry_scheduled").order_by("id")
    assert [(e.detail["attempt"], e.detail["delay_seconds"]) for e in retries] == [(1, 3.8), (2, 7.5)]
    assert done.status == "failed"
    assert done.status_reason == "internal error while validating: ConnectionError: rules engine unavailable"


ORDER = b"""<?xml version="1.0" encoding="UTF-8"?>
<Order xmlns="urn:oasis:names:specification:ubl:schema:xsd:Order-2"
       xmlns:cbc="urn:oasis:names:specification:ubl:schema:xsd:CommonBasicComponents-2"
       xmlns:cac="urn:oasis:names:specification:ubl:schema:xsd:CommonAggregateComponents-2">
  <cbc:CustomizationID>urn:fdc:peppol.eu:poacc:trns:order:3</cbc:CustomizationID>
  <cbc:ProfileID>urn:fdc:peppol.eu:poacc:bis:ordering:3</cbc:ProfileID>
  <cbc:ID>PO-4711</cbc:ID>
  <cbc:IssueDate>2026-11-02</cbc:IssueDate>
  <cbc:DocumentCurrencyCode>EUR</cbc:DocumentCurrencyCode>
  <cac:BuyerCustomerParty><cac:Party>
    <cbc:EndpointID schemeID="0192">987654325</cbc:EndpointID>
    <cac:PostalAddress><cbc:CityName>Oslo</cbc:CityName><cac:Country><cbc:IdentificationCode>NO</cbc:IdentificationCode></cac:Country></cac:PostalAddress>
    <cac:PartyLegalEntity><cbc:RegistrationName>Nordic Retail AS</cbc:RegistrationName></cac:PartyLegalEntity>
  </cac:Party></cac:BuyerCustomerParty>
  <cac:SellerSupplierParty><cac:Party>
    <cbc:EndpointID schemeID="0088">7300010000001</cbc:EndpointID>
    <cac:PostalAddress><cbc:CityName>Oslo</cbc:CityName><cac:Country><cbc:IdentificationCode>NO</cbc:IdentificationCode></cac:Country></cac:PostalAddress>
    <cac:PartyLegalEntity><cbc:RegistrationName>Unknown Supplier AB</cbc:RegistrationName></cac:PartyLegalEntity>
  </cac:Party></cac:SellerSupplierParty>
  <cac:OrderLine><cac:LineItem>
    <cbc:ID>1</cbc:ID>
    <cbc:Quantity unitCode="C62">2</cbc:Quantity>
    <cac:Item><cbc:Name>Consulting hour</cbc:Name></cac:Item>
  </cac:LineItem></cac:OrderLine>
</Order>
"""
