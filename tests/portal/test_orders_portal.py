"""Orders in the portal: the supplier sees the order's lines and answers it; the buyer sees the answer linked to its
order; a third organisation sees neither."""

from __future__ import annotations

import pytest
from django.test import Client

from pagero.documents.models import Document
from pagero.partners import public as partners
from tests.exchange.conftest import eager, make_org  # noqa: F401 - eager is a fixture
from tests.exchange.factory import order_document

# Tasks run inline (the eager fixture of the exchange tests), as on the embedded default.
pytestmark = [pytest.mark.django_db(transaction=True), pytest.mark.usefixtures("eager")]


def login(org_id: int, username: str) -> Client:
    partners.ensure_member(org_id, username, "pw-portal-test-1", email=f"{username}@example.test")
    client = Client()
    assert client.login(username=username, password="pw-portal-test-1")
    return client


@pytest.fixture
def order_flow():
    acme = make_org("Acme Supplies AB", "acme", [("0007", "5567321707")])
    nordic = make_org("Nordic Retail AS", "nordic", [("0192", "987654325"), ("9908", "NO987654325MVA")])
    outsider = make_org("Outsider GmbH", "outsider", [("9930", "DE123456789")])
    partners.set_receive_preferences(acme.id, order_format="ubl", channel="inbox")
    response = nordic.post(order_document(number="PO-PORTAL-1"))
    order = Document.objects.get(pk=response.json()["id"])
    assert order.status == "delivered", order.status_reason
    return order, login(acme.id, "supplier"), login(nordic.id, "buyer"), login(outsider.id, "stranger")


def test_the_supplier_sees_the_lines_and_answers_with_changes(order_flow):
    order, supplier, buyer, stranger = order_flow
    page = supplier.get(f"/documents/{order.id}/")
    assert page.status_code == 200
    html = page.content.decode()
    assert "Consulting hour 2" in html and 'id="order-answer-form"' in html
    answered = supplier.post(
        f"/documents/{order.id}/respond/",
        {"answer": "accepted_with_changes", "line-2-status": "changed", "line-2-quantity": "1", "note": "one left"},
    )
    assert answered.status_code == 302
    response = Document.objects.get(document_type="order_response")
    assert answered["Location"] == f"/documents/{response.id}/"
    assert (response.status, response.related_document_id) == ("delivered", order.id)

    buyer_view = buyer.get(f"/documents/{order.id}/").content.decode()
    assert 'id="linked-documents"' in buyer_view and response.number in buyer_view
    assert 'id="order-answer-form"' not in buyer_view  # the buyer does not answer its own order
    answer_page = buyer.get(f"/documents/{response.id}/").content.decode()
    assert 'id="order-answer"' in answer_page and "accepted with changes" in answer_page

    assert stranger.get(f"/documents/{order.id}/").status_code == 404
    assert stranger.post(f"/documents/{order.id}/respond/", {"answer": "accepted"}).status_code in {302, 404}
    assert Document.objects.filter(document_type="order_response").count() == 1


def test_a_refused_answer_is_shown_and_nothing_is_sent(order_flow):
    order, supplier, _, _ = order_flow
    refused = supplier.post(f"/documents/{order.id}/respond/", {"answer": "perhaps"}, follow=True)
    assert "The answer was not sent" in refused.content.decode()
    assert not Document.objects.filter(document_type="order_response").exists()


def test_the_order_timeline_reads_the_answer_in_words(order_flow):
    order, supplier, buyer, _ = order_flow
    supplier.post(f"/documents/{order.id}/respond/", {"answer": "rejected", "note": "no stock"})
    page = buyer.get(f"/documents/{order.id}/").content.decode()
    assert "Answered by the supplier: rejected" in page
