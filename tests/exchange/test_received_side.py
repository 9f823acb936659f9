"""The recipient's answers over the API: read, approve, dispute (with a bounded reason), only by the recipient, only
on a delivered document; the sender sees them on its timeline. Tenants are isolated: 404 for anyone else, 403 for
the sender trying to answer its own document.

The pipeline runs inline (the embedded default).
"""

from __future__ import annotations

import pytest
from django.test import Client

from pagero.documents import received
from pagero.documents.models import Document
from pagero.partners import public as partners

from .conftest import eager  # noqa: F401 - a fixture
from .factory import document

pytestmark = [pytest.mark.django_db(transaction=True), pytest.mark.usefixtures("eager")]


@pytest.fixture
def delivered(acme, nordic) -> Document:
    partners.set_receive_preferences(nordic.id, format="cii", channel="inbox")
    response = acme.post(document("ubl", number="ANS-1"))
    assert response.status_code == 202
    found = Document.objects.get(pk=response.json()["id"])
    assert found.status == "delivered"
    return found


def post(org, document_id, action: str, **body):
    return org.client.post(f"/api/v1/documents/{document_id}/{action}", body, content_type="application/json")


def timeline_of(org, document_id) -> list[dict]:
    return org.get(f"/api/v1/documents/{document_id}").json()["timeline"]


def test_a_new_document_is_new_then_read(delivered, nordic, acme):
    assert nordic.get(f"/api/v1/documents/{delivered.id}").json()["recipient_state"] == "new"
    response = post(nordic, delivered.id, "read")
    assert response.status_code == 200 and response.json()["recipient_state"] == "read"
    # Reading twice records it once.
    post(nordic, delivered.id, "read")
    assert [e["kind"] for e in timeline_of(acme, delivered.id)].count("read") == 1


def test_dispute_with_a_reason_is_on_the_senders_timeline(delivered, nordic, acme):
    response = post(nordic, delivered.id, "dispute", reason="wrong quantity")
    assert response.status_code == 200, response.content
    body = response.json()
    assert body["recipient_state"] == "disputed" and body["recipient_state_reason"] == "wrong quantity"
    last = timeline_of(acme, delivered.id)[-1]
    assert last["kind"] == "disputed" and last["detail"]["reason"] == "wrong quantity"
    sender = acme.get(f"/api/v1/documents/{delivered.id}").json()
    assert sender["recipient_state"] == "disputed"  # the sender sees the answer
    # The pipeline status is untouched: disputed is a business state.
    assert sender["status"] == "delivered"


def test_approve_after_dispute(delivered, nordic, acme):
    post(nordic, delivered.id, "dispute", reason="wrong quantity")
    response = post(nordic, delivered.id, "approve")
    assert response.status_code == 200 and response.json()["recipient_state"] == "approved"
    kinds = [e["kind"] for e in timeline_of(acme, delivered.id)]
    assert kinds[-2:] == ["disputed", "approved"]


@pytest.mark.parametrize(
    ("reason", "named"),
    [
        ("", "give a reason"),
        ("   ", "give a reason"),
        ("x" * (received.MAX_REASON_CHARS + 1), f"limit is {received.MAX_REASON_CHARS}"),
        ("wrong\nquantity", "U+000A"),
        ("wrong\x00quantity", "U+0000"),
        ("bidi\u202etrick", "U+202E"),
    ],
)
def test_a_bad_reason_is_refused_naming_the_problem(delivered, nordic, reason, named):
    response = post(nordic, delivered.id, "dispute", reason=reason)
    assert response.status_code == 400
    assert response.json()["error"] == "invalid_reason" and named in response.json()["message"]
    delivered.refresh_from_db()
    assert delivered.recipient_state == "new"


def test_a_reason_that_is_not_text_is_refused(delivered, nordic):
    response = post(nordic, delivered.id, "dispute", reason=["a", "b"])
    assert response.status_code == 400 and response.json()["error"] == "invalid_reason"


def test_markup_in_a_reason_is_kept_as_text(delivered, nordic):
    response = post(nordic, delivered.id, "dispute", reason="<script>alert(1)</script> & more")
    assert response.status_code == 200
    assert response.json()["recipient_state_reason"] == "<script>alert(1)</script> & more"


def test_only_the_recipient_answers(delivered, acme, outsider):
    # The sender sees the document but cannot answer it.
    for action in ("read", "approve", "dispute"):
        response = post(acme, delivered.id, action, reason="mine")
        assert response.status_code == 403 and response.json()["error"] == "not_recipient"
        # Another tenant does not even learn that it exists.
        assert post(outsider, delivered.id, action, reason="theirs").status_code == 404
    delivered.refresh_from_db()
    assert delivered.recipient_state == "new"
    with pytest.raises(received.NoSuchDocument):
        received.dispute(delivered.id, outsider.id, "theirs")


def test_only_a_delivered_document_is_answered(acme, nordic, receiver):
    hook = receiver([500, 500, 500])
    partners.set_receive_preferences(
        nordic.id, format="cii", channel="webhook", webhook_url=hook.url, webhook_secret="k"
    )
    response = acme.post(document("ubl", number="ANS-FAIL"))
    failed = Document.objects.get(pk=response.json()["id"])
    assert failed.status == "delivery_failed" and failed.recipient_id == nordic.id
    answer = post(nordic, failed.id, "approve")
    assert answer.status_code == 409 and answer.json()["error"] == "not_delivered"


def test_a_read_only_token_cannot_answer(delivered, nordic):
    token = partners.issue_api_token(nordic.id, "reader", scope="read").plain
    reader = Client(HTTP_AUTHORIZATION=f"Bearer {token}")
    response = reader.post(f"/api/v1/documents/{delivered.id}/approve", {}, content_type="application/json")
    assert response.status_code == 403
    delivered.refresh_from_db()
    assert delivered.recipient_state == "new"


def test_the_api_list_filters_on_the_answer(delivered, nordic, acme):
    post(nordic, delivered.id, "dispute", reason="wrong quantity")
    for org in (nordic, acme):
        disputed = org.get("/api/v1/documents", state="disputed").json()
        assert [d["id"] for d in disputed["results"]] == [str(delivered.id)]
        assert org.get("/api/v1/documents", state="approved").json()["count"] == 0
    bad = nordic.get("/api/v1/documents", state="pending")
    assert bad.status_code == 400 and "state must be one of" in bad.json()["message"]
