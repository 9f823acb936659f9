"""The REST API's contract: authentication, tenant isolation, idempotency, bad input, rate limits.

The next pipeline step is recorded instead of queued (no worker runs): what is checked is the synchronous API
behaviour, including which step a submission queues; the pipeline has its own tests.
"""

from __future__ import annotations

import pytest
from django.test import Client

from pagero.documents import pipeline
from pagero.documents.models import Document

from .conftest import make_org
from .factory import document

pytestmark = pytest.mark.django_db


@pytest.fixture(autouse=True)
def queued(monkeypatch) -> list[tuple[str, str]]:
    """The steps submissions queue, recorded instead of published: the documents stay in `received`."""
    steps: list[tuple[str, str]] = []
    monkeypatch.setattr(pipeline, "enqueue", lambda step, document_id: steps.append((step, str(document_id))))
    return steps


def json_error(response, status: int, code: str) -> dict:
    assert response.status_code == status, response.content
    assert response["Content-Type"].startswith("application/json")
    body = response.json()
    assert body["error"] == code and body["message"]
    return body


# -- authentication ---------------------------------------------------------------------------
def test_no_token_is_401_json():
    json_error(Client().get("/api/v1/documents"), 401, "not_authenticated")


def test_unknown_token_is_401_json():
    client = Client(HTTP_AUTHORIZATION="Bearer pgr_nope")
    json_error(client.get("/api/v1/documents"), 401, "authentication_failed")


def test_read_only_token_cannot_submit(acme):
    reader = make_org("Reader Ltd", "reader", [("0088", "7300000000004")], scope="read")
    json_error(reader.post(document("ubl")), 403, "permission_denied")
    assert reader.get("/api/v1/documents").status_code == 200


# -- submission -------------------------------------------------------------------------------
def test_submit_returns_202_with_status_url_and_queues_validation(acme, queued):
    response = acme.post(document("ubl", number="A-1"))
    assert response.status_code == 202
    body = response.json()
    assert body["status"] == "received" and body["original_syntax"] == "ubl"
    assert body["status_url"].endswith(f"/api/v1/documents/{body['id']}")
    assert queued == [("validate", body["id"])]


def test_multipart_upload(acme):
    from django.core.files.uploadedfile import SimpleUploadedFile

    upload = SimpleUploadedFile("inv.xml", document("cii", number="MP-1"), content_type="application/xml")
    response = acme.client.post("/api/v1/documents", {"file": upload})
    assert response.status_code == 202 and response.json()["original_syntax"] == "cii"


def test_idempotency_same_key_same_body_returns_the_same_document(acme, queued):
    data = document("ubl", number="IDEM-1")
    first = acme.post(data, key="order-77")
    second = acme.post(data, key="order-77")
    assert first.status_code == 202 and second.status_code == 200
    assert first.json()["id"] == second.json()["id"]
    assert Document.objects.filter(sender_id=acme.id).count() == 1
    assert queued == [("validate", first.json()["id"])]  # the replay starts nothing


def test_idempotency_same_key_other_body_is_409(acme):
    acme.post(document("ubl", number="IDEM-2"), key="k-2")
    json_error(acme.post(document("ubl", number="IDEM-3"), key="k-2"), 409, "idempotency_conflict")


def test_idempotency_keys_are_per_sender(acme, nordic):
    data = document("ubl", number="IDEM-4")
    assert acme.post(data, key="shared").json()["id"] != nordic.post(data, key="shared").json()["id"]


def test_without_key_every_submission_is_a_new_document(acme):
    data = document("ubl", number="NOKEY")
    assert acme.post(data).json()["id"] != acme.post(data).json()["id"]


def test_empty_body_is_400_and_nothing_is_kept(acme):
    json_error(acme.post(b""), 400, "empty_document")
    assert Document.objects.count() == 0


def test_too_large_is_413_and_nothing_is_kept(acme, settings):
    settings.MAX_DOCUMENT_BYTES = 1000
    json_error(acme.post(b"<x>" + b"a" * 2000 + b"</x>"), 413, "document_too_large")
    assert Document.objects.count() == 0


def test_unsupported_format_is_415_and_kept_as_rejected(acme, queued):
    body = json_error(
        acme.post(b"\x00\x01 not a document", content_type="application/octet-stream"), 415, "unsupported_format"
    )
    kept = Document.objects.get(pk=body["document_id"])
    assert kept.status == "rejected" and "neither XML nor EDIFACT" in kept.status_reason
    assert queued == []  # nothing to validate
    original = acme.get(f"/api/v1/documents/{kept.id}/content", format="original")
    assert original.content == b"\x00\x01 not a document"


def test_malformed_xml_is_422_and_kept_as_rejected(acme, queued):
    body = json_error(acme.post(b"<Invoice><broken></Invoice>"), 422, "malformed_xml")
    kept = Document.objects.get(pk=body["document_id"])
    assert kept.status == "rejected" and kept.status_reason == body["message"]
    assert acme.get(f"/api/v1/documents/{kept.id}/content", format="original").content == b"<Invoice><broken></Invoice>"
    assert queued == []


def test_xxe_is_refused(acme):
    attack = b'<?xml version="1.0"?><!DOCTYPE x [<!ENTITY e SYSTEM "file:///etc/passwd">]><x>&e;</x>'
    body = json_error(acme.post(attack), 422, "forbidden_xml_feature")
    assert "root:" not in str(body)


def test_rate_limit_on_submissions(acme, settings):
    from django.core.cache import cache

    cache.clear()
    settings.SUBMISSION_RATE = "2/min"
    assert acme.post(document("ubl", number="R1")).status_code == 202
    assert acme.post(document("ubl", number="R2")).status_code == 202
    json_error(acme.post(document("ubl", number="R3")), 429, "throttled")
    assert acme.get("/api/v1/documents").status_code == 200  # reading is not throttled
    cache.clear()


def test_list_filters_and_bad_parameters(acme):
    acme.post(document("ubl", number="L-1"))
    sent = acme.get("/api/v1/documents", direction="sent", status="received").json()
    assert sent["count"] == 1 and sent["results"][0]["direction"] == "sent"
    assert acme.get("/api/v1/documents", direction="received").json()["count"] == 0
    assert acme.get("/api/v1/documents", since="2999-01-01T00:00:00Z").json()["count"] == 0
    json_error(acme.get("/api/v1/documents", direction="sideways"), 400, "invalid_parameter")
    json_error(acme.get("/api/v1/documents", status="lost"), 400, "invalid_parameter")
    json_error(acme.get("/api/v1/documents", since="yesterday"), 400, "invalid_parameter")


def test_content_formats(acme):
    document_id = acme.post(document("ubl", number="C-1")).json()["id"]
    cii = acme.get(f"/api/v1/documents/{document_id}/content", format="cii")
    assert cii.status_code == 200 and b"CrossIndustryInvoice" in cii.content
    pdf = acme.get(f"/api/v1/documents/{document_id}/content", format="pdf")
    assert pdf["Content-Type"] == "application/pdf" and pdf.content.startswith(b"%PDF")
    json_error(acme.get(f"/api/v1/documents/{document_id}/content", format="docx"), 400, "invalid_parameter")


def test_openapi_schema_lists_the_endpoints():
    schema = Client().get("/api/schema/", {"format": "json"})
    assert schema.status_code == 200
    text = schema.content.decode()
    for path in (
        "/api/v1/documents",
        "/api/v1/documents/{document_id}/content",
        "/api/v1/inbox",
        "/api/v1/inbox/{document_id}/ack",
    ):
        assert path in text


# -- tenant isolation -------------------------------------------------------------------------
def test_an_outsider_sees_nothing_of_others_documents(acme, nordic, outsider):
    document_id = acme.post(document("ubl", number="T-1")).json()["id"]
    Document.objects.filter(pk=document_id).update(
        recipient_id=nordic.id, status="delivered", channel="inbox", target_format="ubl"
    )
    for path in (f"/api/v1/documents/{document_id}", f"/api/v1/documents/{document_id}/content"):
        json_error(outsider.get(path), 404, "not_found")
        assert acme.get(path).status_code == 200 and nordic.get(path).status_code == 200
    json_error(outsider.client.post(f"/api/v1/inbox/{document_id}/ack"), 404, "not_found")
    assert outsider.get("/api/v1/documents").json()["count"] == 0
    assert outsider.get("/api/v1/inbox").json()["count"] == 0
    assert nordic.get("/api/v1/inbox").json()["count"] == 1
    # The sender cannot acknowledge on the recipient's behalf.
    json_error(acme.client.post(f"/api/v1/inbox/{document_id}/ack"), 404, "not_found")
    assert Document.objects.get(pk=document_id).status == "delivered"


def test_unknown_or_malformed_ids_are_404(acme):
    json_error(acme.get("/api/v1/documents/00000000-0000-0000-0000-000000000000"), 404, "not_found")
    assert acme.get("/api/v1/documents/not-a-uuid").status_code == 404


def test_directory_lookup(acme, nordic):
    from pagero.partners import public as partners

    partners.set_receive_preferences(
        nordic.id, format="cii", channel="webhook", webhook_url="https://n.example/h", webhook_secret="x"
    )
    found = acme.get("/api/v1/directory", scheme="0192", value="987 654 325").json()
    assert found == {
        "organisation": "Nordic Retail AS",
        "identifier": {"scheme": "0192", "value": "987 654 325"},
        "receive_format": "cii",
    }
    assert "n.example" not in str(found)
    json_error(acme.get("/api/v1/directory", scheme="0192", value="1"), 404, "not_found")
    json_error(acme.get("/api/v1/directory", scheme="0192"), 400, "invalid_parameter")


# -- hostile and malformed requests --------------------------------------------------------------
def test_an_impossible_since_is_400_json(acme):
    for since in ("2024-13-45T00:00:00", "2024-02-30T10:00:00Z", "2024-01-01T25:61:00"):
        json_error(acme.get("/api/v1/documents", since=since), 400, "invalid_parameter")


def test_every_api_url_answers_json_404(acme):
    document_id = acme.post(document("ubl", number="J-1")).json()["id"]
    for path in (
        "/api/v1/documents/not-a-uuid",
        "/api/v1/documents/not-a-uuid/content",
        f"/api/v1/documents/{document_id}/nothing-here",
        "/api/v1/no-such-endpoint",
        "/api/v2/documents",
        "/api/",
    ):
        json_error(acme.get(path), 404, "not_found")
    json_error(acme.client.post("/api/v1/inbox/not-a-uuid/ack"), 404, "not_found")


def test_a_wrong_method_is_405_json(acme):
    document_id = acme.post(document("ubl", number="M-1")).json()["id"]
    json_error(
        acme.client.put("/api/v1/documents", data=b"x", content_type="application/xml"), 405, "method_not_allowed"
    )
    json_error(acme.client.delete(f"/api/v1/documents/{document_id}"), 405, "method_not_allowed")
    json_error(acme.client.get(f"/api/v1/inbox/{document_id}/ack"), 405, "method_not_allowed")


@pytest.mark.parametrize(
    ("body", "status", "code"),
    [(b"\x00\x01 not a document", 415, "unsupported_format"), (b"<Invoice><broken></Invoice>", 422, "malformed_xml")],
)
def test_a_replayed_rejection_gets_the_original_answer(acme, body, status, code):
    first = acme.post(body, key=f"rejected-{code}", content_type="application/octet-stream")
    replay = acme.post(body, key=f"rejected-{code}", content_type="application/octet-stream")
    assert first.status_code == replay.status_code == status
    assert replay.json() == first.json()
    assert first.json()["error"] == code and first.json()["status"] == "rejected"
    assert Document.objects.filter(sender_id=acme.id).count() == 1


def test_a_replay_of_a_document_rejected_later_is_still_the_first_answer(acme):
    """Rejected by validation (after a 202): the replay says 200 with the document, not the rejection."""
    data = document("ubl", number="LATE-1")
    first = acme.post(data, key="late")
    Document.objects.filter(pk=first.json()["id"]).update(status="rejected", status_reason="BR-CO-16")
    replay = acme.post(data, key="late")
    assert first.status_code == 202 and replay.status_code == 200
    assert replay.json()["id"] == first.json()["id"] and replay.json()["status"] == "rejected"


@pytest.mark.parametrize(
    ("number", "ascii_stem", "utf8_stem"),
    [
        ("ACME-2002", "ACME-2002", "ACME-2002"),
        ("ACME\"; filename*=UTF-8''evil.sh", "ACME-filename-UTF-8-evil.sh", "ACME-filename-UTF-8-evil.sh"),
        ("ACME\r\nSet-Cookie: x=1", "ACME-Set-Cookie-x-1", "ACME-Set-Cookie-x-1"),
        ("Fäktura Ø-7/ü", "Faktura-7-u", "F%C3%A4ktura-%C3%98-7-%C3%BC"),
    ],
)
def test_download_file_names_are_safe_and_name_the_kind(acme, number, ascii_stem, utf8_stem):
    document_id = acme.post(document("ubl", number="FN-1")).json()["id"]
    Document.objects.filter(pk=document_id).update(number=number)
    for fmt, suffix in (("original", "original.xml"), ("cii", "cii.xml"), ("pdf", "pdf")):
        response = acme.get(f"/api/v1/documents/{document_id}/content", format=fmt)
        assert response.status_code == 200, response.content
        ending = f"-{suffix}" if fmt != "pdf" else ".pdf"
        assert response["Content-Disposition"] == (
            f"attachment; filename=\"{ascii_stem}{ending}\"; filename*=UTF-8''{utf8_stem}{ending}"
        )
        assert "Set-Cookie" not in response.headers and not response.cookies
