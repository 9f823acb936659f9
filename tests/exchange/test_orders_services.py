"""Orders end to end on real services (PostgreSQL, RabbitMQ with a Celery worker, Cassandra): a buyer's UBL order
reaches a supplier who takes EDIFACT ORDERS D96A by webhook; the supplier's ORDRSP comes back to the buyer as a UBL
OrderResponse, linked; the supplier's invoice naming the order is linked to it; a third organisation sees none."""

from __future__ import annotations

import pytest

from pagero.documents.models import Document
from pagero.formats import public as formats
from pagero.partners import public as partners

from .conftest import timeline, wait_for
from .factory import document, order_document

pytestmark = [pytest.mark.services, pytest.mark.django_db(transaction=True)]


def submit(org, data: bytes) -> str:
    kind = "application/xml" if data.startswith(b"<") else "application/edifact"
    response = org.post(data, content_type=kind)
    assert response.status_code == 202, response.content
    return response.json()["id"]


def test_order_response_and_invoice_between_buyer_and_supplier(celery_worker, acme, nordic, outsider, receiver):
    supplier_hook = receiver()
    partners.set_receive_preferences(
        acme.id, order_format="edifact", channel="webhook", webhook_url=supplier_hook.url, webhook_secret="k"
    )
    partners.set_receive_preferences(nordic.id, format="ubl", order_format="ubl", channel="inbox")

    order_id = submit(nordic, order_document(number="PO-E2E-1"))
    order = wait_for(order_id)
    assert order.status == "delivered", (order.status_reason, timeline(order))
    edifact = supplier_hook.requests[0]["body"]
    assert b"ORDERS:D:96A" in edifact and supplier_hook.requests[0]["headers"]["Content-Type"] == "application/edifact"

    # The supplier's ERP answers in EDIFACT: accepted with a change on line 2.
    received = formats.parse_order(edifact).order
    response = formats.compose_response(
        received,
        "accepted_with_changes",
        number="RSP-E2E-1",
        issue_date=received.issue_date,
        lines={"2": formats.LineAnswer(status="changed", quantity="1")},
    )
    ordrsp = formats.convert_order(formats.write_order(response, "ubl")[0], "edifact").data
    response_doc = wait_for(submit(acme, ordrsp))
    assert response_doc.status == "delivered", (response_doc.status_reason, timeline(response_doc))
    assert response_doc.related_document_id == order.pk and response_doc.target_format == "ubl"
    inbox = nordic.get("/api/v1/inbox").json()["results"]
    assert response_id_in(inbox, str(response_doc.id))
    content = nordic.client.get(f"/api/v1/documents/{response_doc.id}/content", {"format": "ubl"})
    back = formats.parse_order(content.content).order
    assert back.is_response and back.order_reference == "PO-E2E-1" and back.response_code == "CA"

    invoice = wait_for(submit(acme, document("ubl", number="INV-E2E-1", purchase_order="PO-E2E-1")))
    assert invoice.status == "delivered", (invoice.status_reason, timeline(invoice))
    assert invoice.related_document_id == order.pk
    order.refresh_from_db()
    assert [e.kind for e in order.events.order_by("at", "id")][-2:] == ["order_responded", "order_invoiced"]
    assert order.response_due_at is None

    for doc in (order, response_doc, invoice):
        assert outsider.get(f"/api/v1/documents/{doc.id}").status_code == 404
    assert outsider.get("/api/v1/documents").json()["results"] == []
    assert Document.objects.filter(sender_id=outsider.id).count() == 0


def response_id_in(inbox: list[dict], document_id: str) -> bool:
    return document_id in {item["id"] for item in inbox}
