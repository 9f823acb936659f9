"""Orders across the network on the embedded default: an order reaches the supplier in its order format, the
supplier's response comes back linked, the invoice that follows is linked and matched, a silent order is flagged,
and a third organisation sees none of it."""

from __future__ import annotations

from datetime import timedelta

import pytest
from django.utils import timezone

from pagero.documents import public as documents
from pagero.documents.models import Document
from pagero.formats import public as formats
from pagero.kernel.vocabulary import ORIGINAL_PAYLOAD, EventKind, rendition_payload
from pagero.partners import public as partners

from .conftest import timeline
from .factory import document, order_document

pytestmark = pytest.mark.django_db(transaction=True)


def submitted(org, data: bytes) -> Document:
    response = org.post(data, content_type="application/xml" if data.startswith(b"<") else "application/edifact")
    assert response.status_code == 202, response.content
    return Document.objects.get(pk=response.json()["id"])


def rendition(doc: Document) -> bytes:
    return documents.payload_store().get(str(doc.id), rendition_payload(doc.target_format))


def events(doc: Document, kind: str) -> list[dict]:
    return [e.detail for e in doc.events.filter(kind=kind)]


@pytest.fixture
def delivered_order(eager, acme, nordic) -> Document:
    """Nordic Retail orders from Acme; Acme takes orders as EDIFACT (and invoices as UBL)."""
    partners.set_receive_preferences(acme.id, format="ubl", order_format="edifact", channel="inbox")
    doc = submitted(nordic, order_document(number="PO-100"))
    assert doc.status == "delivered", (doc.status_reason, timeline(doc))
    return doc


def test_an_order_reaches_the_supplier_in_its_order_format(delivered_order, acme, nordic, outsider):
    assert (delivered_order.document_type, delivered_order.recipient_id) == ("order", acme.id)
    assert delivered_order.target_format == "edifact" and delivered_order.number == "PO-100"
    edifact = rendition(delivered_order).decode()
    assert "UNH+" in edifact and "ORDERS:D:96A" in edifact and "PO-100" in edifact
    assert formats.parse_order(rendition(delivered_order)).order.id == "PO-100"
    assert delivered_order.response_due_at is not None and not delivered_order.response_overdue
    for org in (outsider,):
        assert org.get(f"/api/v1/documents/{delivered_order.id}").status_code == 404
    assert acme.get(f"/api/v1/documents/{delivered_order.id}").status_code == 200


def test_the_supplier_s_response_comes_back_to_the_buyer_linked(delivered_order, acme, nordic):
    partners.set_receive_preferences(nordic.id, order_format="ubl")
    changes = {"2": formats.LineAnswer(status="changed", quantity="1", note="only one left")}
    submission = documents.respond_to_order(
        acme.id, delivered_order.id, "accepted_with_changes", changes, note="line 2 partly"
    )
    response = Document.objects.get(pk=submission.document.id)
    assert response.status == "delivered", (response.status_reason, timeline(response))
    assert (response.document_type, response.sender_id, response.recipient_id) == ("order_response", acme.id, nordic.id)
    assert response.related_document_id == delivered_order.id
    received = formats.parse_order(rendition(response)).order
    assert received.is_response and received.order_reference == "PO-100" and received.response_code == "CA"
    assert [(line.status_code, line.quantity) for line in received.lines] == [("5", 2), ("3", 1)]
    delivered_order.refresh_from_db()
    assert delivered_order.response_due_at is None
    assert events(delivered_order, EventKind.ORDER_RESPONDED)[0]["response"] == str(response.id)


def test_an_edifact_ordrsp_from_the_supplier_reaches_the_buyer_as_ubl(delivered_order, acme, nordic):
    partners.set_receive_preferences(nordic.id, order_format="ubl")
    # The supplier's own system writes the ORDRSP.
    ubl = formats.write_order(
        formats.compose_response(
            formats.parse_order(documents.payload_store().get(str(delivered_order.id), ORIGINAL_PAYLOAD)).order,
            "rejected",
            number="RSP-9",
            issue_date=delivered_order.issue_date,
        ),
        "ubl",
    )[0]
    ordrsp = formats.convert_order(ubl, "edifact").data
    assert b"ORDRSP:D:96A" in ordrsp
    response = submitted(acme, ordrsp)
    assert response.status == "delivered", (response.status_reason, timeline(response))
    assert response.original_syntax == "edifact" and response.target_format == "ubl"
    assert response.related_document_id == delivered_order.id
    assert formats.parse_order(rendition(response)).order.response_code == "RE"


def test_the_invoice_for_an_order_is_linked_and_matched(delivered_order, acme, nordic):
    invoice = submitted(acme, document("ubl", number="INV-PO-100", purchase_order="PO-100", quantities=("2", "3")))
    assert invoice.status == "delivered", (invoice.status_reason, timeline(invoice))
    assert invoice.related_document_id == delivered_order.id
    notes = events(invoice, EventKind.LINKED_TO_ORDER)[0]["notes"]
    assert notes == ["invoice line 2 (Consulting hour 2): quantity 3, ordered 2"]
    assert events(delivered_order, EventKind.ORDER_INVOICED)[0]["invoice"] == str(invoice.id)


def test_an_invoice_naming_an_order_between_other_parties_is_not_linked(delivered_order, acme, nordic, outsider):
    partners.add_identifier(outsider.id, "0088", "7300010000001", verified=True)
    invoice = submitted(acme, document("ubl", number="INV-X", buyer_endpoint=("0088", "7300010000001"),
                                       buyer_vat=None, purchase_order="PO-100"))
    assert invoice.recipient_id == outsider.id and invoice.related_document_id is None


def test_an_order_without_a_response_is_flagged_once(delivered_order, acme):
    Document.objects.filter(pk=delivered_order.pk).update(response_due_at=timezone.now() - timedelta(minutes=1))
    from pagero.documents import pipeline

    assert pipeline.flag_overdue_order_responses() == 1
    assert pipeline.flag_overdue_order_responses() == 0
    delivered_order.refresh_from_db()
    assert delivered_order.response_overdue
    assert len(events(delivered_order, EventKind.ORDER_RESPONSE_OVERDUE)) == 1


def test_only_the_supplier_answers_a_delivered_order_and_only_its_lines(delivered_order, acme, nordic):
    with pytest.raises(documents.NotAnswerable):
        documents.respond_to_order(nordic.id, delivered_order.id, "accepted")
    with pytest.raises(formats.ResponseRefused, match="no line 9"):
        documents.respond_to_order(
            acme.id, delivered_order.id, "accepted_with_changes", {"9": formats.LineAnswer("rejected")}
        )
    with pytest.raises(formats.ResponseRefused, match="unknown answer"):
        documents.respond_to_order(acme.id, delivered_order.id, "maybe")


def test_an_acceptance_or_rejection_is_for_the_whole_order(delivered_order, acme):
    with pytest.raises(formats.ResponseRefused, match="accepted_with_changes"):
        documents.respond_to_order(acme.id, delivered_order.id, "accepted", {"1": formats.LineAnswer("rejected")})


def test_the_supplier_answers_over_the_api(delivered_order, acme, nordic, outsider):
    url = f"/api/v1/documents/{delivered_order.id}/response"
    body = {"answer": "accepted_with_changes", "lines": {"1": {"status": "rejected"}}, "note": "no stock"}
    answered = acme.client.post(url, body, content_type="application/json")
    assert answered.status_code == 202, answered.content
    response = Document.objects.get(pk=answered.json()["id"])
    assert (response.document_type, response.status, response.related_document_id) == (
        "order_response",
        "delivered",
        delivered_order.id,
    )
    assert nordic.client.post(url, body, content_type="application/json").status_code == 404  # the buyer's own order
    assert outsider.client.post(url, body, content_type="application/json").status_code == 404
    refused = acme.client.post(url, {"answer": "accepted", "lines": {"9": {}}}, content_type="application/json")
    assert refused.status_code == 422 and "no line 9" in refused.json()["message"]
    invalid = acme.client.post(url, {"answer": "perhaps"}, content_type="application/json")
    assert invalid.status_code == 400 and invalid.json()["error"] == "invalid_answer"


def test_the_api_lists_orders_and_gives_their_content_in_each_order_syntax(delivered_order, acme, nordic):
    listed = acme.get("/api/v1/documents", type="order").json()["results"]
    assert [item["id"] for item in listed] == [str(delivered_order.id)]
    assert acme.get("/api/v1/documents", type="invoice").json()["results"] == []
    assert acme.get("/api/v1/documents", type="memo").status_code == 400
    for fmt, marker in (("ubl", b"<Order"), ("edifact", b"ORDERS:D:96A"), ("cii", b"SCRDMCCBDACIOMessageStructure")):
        content = acme.client.get(f"/api/v1/documents/{delivered_order.id}/content", {"format": fmt})
        assert content.status_code == 200 and marker in content.content, (fmt, content.content[:300])
    pdf = acme.client.get(f"/api/v1/documents/{delivered_order.id}/content", {"format": "pdf"})
    assert pdf.status_code == 409 and pdf.json()["error"] == "no_rendition" and "no PDF" in pdf.json()["message"]


@pytest.mark.parametrize(
    "body",
    [
        {"answer": "accepted_with_changes", "lines": {"1": {"status": "changed", "quantity": "NaN"}}},
        {"answer": "accepted_with_changes", "lines": {"1": {"status": "changed", "quantity": "1e999"}}},
        {"answer": "rejected", "note": "bad\x01control"},
        {"answer": "accepted_with_changes", "lines": "not a mapping"},
    ],
)
def test_a_hostile_answer_is_refused_with_a_reason_and_nothing_is_sent(delivered_order, acme, body):
    url = f"/api/v1/documents/{delivered_order.id}/response"
    refused = acme.client.post(url, body, content_type="application/json")
    assert refused.status_code in {400, 422}, refused.content
    assert refused.json()["message"]
    assert not Document.objects.filter(document_type="order_response").exists()
