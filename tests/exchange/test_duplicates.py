"""Duplicate detection: the same sender, type, invoice number and issue date again is held, not delivered, until the
sender confirms a deliberate resend; unconfirmed, it ends rejected with the reason. Idempotent replays, orders and
copies that never went out are not duplicates.

The pipeline runs inline (the embedded default), so each submission really is validated, routed, converted and
delivered (or held) before it is checked.
"""

from __future__ import annotations

from datetime import timedelta

import pytest
from django.utils import timezone

from pagero.documents import pipeline
from pagero.documents.models import Document
from pagero.kernel.vocabulary import EventKind
from pagero.partners import public as partners

from .conftest import eager, timeline  # noqa: F401 - eager is a fixture
from .factory import document, order_document

pytestmark = [pytest.mark.django_db(transaction=True), pytest.mark.usefixtures("eager")]


@pytest.fixture(autouse=True)
def inbox(nordic, acme):
    partners.set_receive_preferences(nordic.id, format="cii", channel="inbox")
    partners.set_receive_preferences(acme.id, format="ubl", channel="inbox")


def send(org, data: bytes, **kwargs) -> Document:
    response = org.post(data, **kwargs)
    assert response.status_code in {200, 202}, response.content
    return Document.objects.get(pk=response.json()["id"])


def test_the_same_invoice_again_is_held_and_not_delivered(acme, nordic):
    first = send(acme, document("ubl", number="DUP-1"))
    second = send(acme, document("ubl", number="DUP-1"))
    assert first.status == "delivered"
    assert second.status == "received" and second.duplicate_state == "suspected"
    assert second.duplicate_of_id == first.id and second.recipient_id is None  # never routed to Nordic
    assert timeline(second) == ["received", EventKind.DUPLICATE_SUSPECTED]
    # Nordic's inbox has the first copy only; the held one does not exist for Nordic.
    inbox = nordic.get("/api/v1/inbox").json()
    assert [item["id"] for item in inbox["results"]] == [str(first.id)]
    assert nordic.get(f"/api/v1/documents/{second.id}").status_code == 404
    # The sender sees it held, with the earlier copy named.
    body = acme.get(f"/api/v1/documents/{second.id}").json()
    assert body["duplicate_state"] == "suspected" and body["duplicate_of"] == str(first.id)


def test_a_different_syntax_of_the_same_invoice_is_a_duplicate_too(acme):
    first = send(acme, document("ubl", number="DUP-2"))
    second = send(acme, document("cii", number="DUP-2"))
    assert first.status == "delivered" and second.duplicate_of_id == first.id


def test_confirmed_resend_is_delivered_and_both_copies_are_flagged_for_the_recipient(acme, nordic):
    first = send(acme, document("ubl", number="DUP-3"))
    second = send(acme, document("ubl", number="DUP-3"))
    response = acme.client.post(f"/api/v1/documents/{second.id}/confirm-resend")
    assert response.status_code == 200, response.content
    assert response.json()["status"] == "delivered" and response.json()["duplicate_state"] == "confirmed"
    second.refresh_from_db()
    assert timeline(second)[:4] == ["received", "duplicate_suspected", "resend_confirmed", "validated"]
    assert second.status == "delivered" and second.recipient_id == nordic.id
    # Nordic now has both, each flagged: the resend as such, the first as sent again.
    from pagero.documents import public as documents

    flags = {s.id: s.duplicate for s in documents.document_page(nordic.id, "received").items}
    assert flags == {str(first.id): "repeated", str(second.id): "resend"}
    # Confirming again is a conflict, not a second delivery.
    again = acme.client.post(f"/api/v1/documents/{second.id}/confirm-resend")
    assert again.status_code == 409 and again.json()["error"] == "not_held"


def test_before_the_resend_is_confirmed_the_recipient_sees_no_flag(acme, nordic):
    first = send(acme, document("ubl", number="DUP-4"))
    send(acme, document("ubl", number="DUP-4"))
    from pagero.documents import public as documents

    (item,) = documents.document_page(nordic.id, "received").items
    assert item.id == str(first.id) and item.duplicate == ""
    (sender_view,) = [s for s in documents.document_page(acme.id, "sent").items if s.id == str(first.id)]
    assert sender_view.duplicate == "repeated"


def test_only_the_sender_confirms_a_resend_and_other_tenants_get_404(acme, nordic, outsider):
    send(acme, document("ubl", number="DUP-5"))
    second = send(acme, document("ubl", number="DUP-5"))
    assert outsider.client.post(f"/api/v1/documents/{second.id}/confirm-resend").status_code == 404
    # Nordic cannot see the held copy at all (it is not routed to it).
    assert nordic.client.post(f"/api/v1/documents/{second.id}/confirm-resend").status_code == 404
    with pytest.raises(pipeline.NoSuchDocument):
        pipeline.confirm_resend(second.id, outsider.id)
    second.refresh_from_db()
    assert second.duplicate_state == "suspected" and second.status == "received"


def test_an_idempotent_replay_is_not_a_duplicate(acme):
    data = document("ubl", number="DUP-6")
    first = send(acme, data, key="order-6")
    replay = acme.post(data, key="order-6")
    assert replay.status_code == 200 and replay.json()["id"] == str(first.id)
    assert Document.objects.filter(number="DUP-6").count() == 1
    assert first.status == "delivered"


def test_orders_are_not_checked_for_duplicates(acme, nordic):
    first = send(nordic, order_document("ubl", number="PO-DUP"))
    second = send(nordic, order_document("ubl", number="PO-DUP"))
    assert first.status == second.status == "delivered"
    assert second.duplicate_state == "" and second.duplicate_of_id is None


def test_a_copy_that_never_went_out_does_not_hold_the_next(acme, settings):
    rejected = send(acme, document("ubl", number="DUP-7", buyer_endpoint=("0192", "000000000")))
    assert rejected.status in pipeline.NEVER_SENT
    again = send(acme, document("ubl", number="DUP-7"))
    assert again.status == "delivered" and again.duplicate_state == ""


def test_an_unconfirmed_duplicate_ends_rejected_with_the_reason(acme, settings):
    settings.DUPLICATE_HOLD_DAYS = 3
    send(acme, document("ubl", number="DUP-8"))
    held = send(acme, document("ubl", number="DUP-8"))
    # Not yet due: the sweep leaves it held (and never re-queues it as stuck).
    pipeline.sweep(older_than_seconds=0)
    held.refresh_from_db()
    assert held.status == "received" and held.duplicate_state == "suspected"
    assert EventKind.REQUEUED not in timeline(held)
    Document.objects.filter(pk=held.pk).update(updated_at=timezone.now() - timedelta(days=3, minutes=1))
    pipeline.sweep()
    held.refresh_from_db()
    assert held.status == "rejected"
    assert held.status_reason.startswith("duplicate not confirmed") and "3 days" in held.status_reason
    assert timeline(held)[-1] == EventKind.DUPLICATE_NOT_CONFIRMED
    # The sender can no longer confirm it.
    assert acme.client.post(f"/api/v1/documents/{held.id}/confirm-resend").status_code == 409


def test_a_third_copy_names_the_first_one_sent(acme):
    first = send(acme, document("ubl", number="DUP-9"))
    send(acme, document("ubl", number="DUP-9"))
    third = send(acme, document("ubl", number="DUP-9"))
    assert third.duplicate_of_id == first.id and third.duplicate_state == "suspected"
