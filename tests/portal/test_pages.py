"""Every portal page: login required, scoped to the user's organisation, 404 for others' documents."""

from __future__ import annotations

import pytest
from django.core import mail
from django.test import Client

from pagero.documents import pipeline
from pagero.partners import public as partners
from tests.exchange.factory import document

pytestmark = pytest.mark.django_db
PAGES = ["/", "/sent/", "/received/", "/send/", "/settings/"]


@pytest.fixture(autouse=True)
def no_publishing(monkeypatch):
    monkeypatch.setattr(pipeline, "enqueue", lambda step, document_id: None)


def member(org_name: str, slug: str, username: str) -> tuple[int, Client]:
    org = partners.ensure_organisation(org_name, slug)
    partners.ensure_member(org.id, username, "pw-portal-test-1", email=f"{username}@{slug}.example")
    client = Client()
    assert client.login(username=username, password="pw-portal-test-1")
    return org.id, client


@pytest.fixture
def alice():
    return member("Acme Supplies AB", "acme", "alice")


@pytest.fixture
def carol():
    return member("Outsider GmbH", "outsider", "carol")


@pytest.mark.parametrize("path", PAGES)
def test_pages_need_login(client, path):
    response = client.get(path)
    assert response.status_code == 302 and response["Location"].startswith("/login/")


def test_user_without_organisation_is_told(client, django_user_model):
    django_user_model.objects.create_user("loner", password="pw-loner-12345")
    client.login(username="loner", password="pw-loner-12345")
    response = client.get("/")
    assert response.status_code == 403 and b"does not belong to an organisation" in response.content


@pytest.mark.parametrize("path", PAGES)
def test_pages_render_for_a_member(alice, path):
    _, client = alice
    response = client.get(path)
    assert response.status_code == 200
    assert b'lang="en"' in response.content and b'href="#main"' in response.content  # skip link


def test_documents_of_other_organisations_are_404(alice, carol):
    alice_id, alice_client = alice
    _, carol_client = carol
    document_id = pipeline.submit(alice_id, document("ubl", number="P-1")).document.id
    pipeline.validate_step(document_id)  # sets the number; no worker in these tests
    for path in (
        f"/documents/{document_id}/",
        f"/documents/{document_id}/status.json",
        f"/documents/{document_id}/download/original/",
        f"/documents/{document_id}/download/pdf/",
    ):
        assert carol_client.get(path).status_code == 404, path
        assert alice_client.get(path).status_code == 200, path
    assert b"P-1" not in carol_client.get("/sent/").content
    assert b"P-1" in alice_client.get("/sent/?q=P-").content


def test_lists_filter_search_sort_and_paginate(alice):
    alice_id, client = alice
    for n in range(30):
        pipeline.validate_step(pipeline.submit(alice_id, document("ubl", number=f"S-{n:02d}")).document.id)
    first = client.get("/sent/?sort=number").content.decode()
    assert "S-00" in first and "S-29" not in first and "Page 1 of 2" in first
    assert "S-29" in client.get("/sent/?sort=number&page=2").content.decode()
    assert "S-29" in client.get("/sent/?sort=-number").content.decode()
    assert "1 document" in client.get("/sent/?q=S-07").content.decode()
    assert "No documents match" in client.get("/sent/?status=delivered").content.decode()
    assert "30 documents" in client.get("/sent/?status=validated&type=invoice").content.decode()


def test_send_check_reports_findings_and_submit_keeps_the_document_as_received(alice):
    _, client = alice
    from django.core.files.uploadedfile import SimpleUploadedFile

    good = SimpleUploadedFile("good.xml", document("ubl", number="UP-1"))
    bad = SimpleUploadedFile(
        "bad.xml", document("ubl", number="UP-2").replace(b">250.00</cbc:PayableAmount>", b">1.00</cbc:PayableAmount>")
    )
    assert client.post("/send/check", {"file": good}).json()["ok"] is True
    checked = client.post("/send/check", {"file": bad}).json()
    assert checked["ok"] is False and any(f["rule_id"] == "BR-CO-16" for f in checked["findings"])
    garbage = client.post("/send/check", {"file": SimpleUploadedFile("x.bin", b"\x00\x01")}).json()
    assert garbage["ok"] is False and "neither XML nor EDIFACT" in garbage["error"]
    good.seek(0)
    submitted = client.post("/send/submit", {"file": good}).json()
    assert submitted["ok"] is True and submitted["status"] == "received"
    assert client.get(submitted["status_url"]).json()["status"] == "received"
    assert client.get("/send/check").status_code == 405
    assert Client().post("/send/submit").status_code == 302  # login required


def test_settings_actions(alice, settings):
    alice_id, client = alice
    client.post("/settings/token", {"name": "erp", "scope": "write"}, follow=True)
    page = client.get("/settings/").content.decode()
    assert "New token (shown once)" not in page  # shown once, on the redirect after creating it
    token = partners.list_api_tokens(alice_id)[0]
    assert token.name == "erp" and token.scope == "write"
    client.post("/settings/revoke", {"token_id": token.id})
    assert partners.list_api_tokens(alice_id)[0].revoked
    client.post("/settings/identifier", {"scheme": "0088", "value": "7300010000001"})
    assert any(i.value == "7300010000001" for i in partners.list_identifiers(alice_id))
    refused = client.post("/settings/receive", {"format": "cii", "channel": "webhook", "webhook_url": ""}, follow=True)
    assert b"a webhook channel needs a webhook URL and a secret" in refused.content
    client.post("/settings/rotate-secret")
    client.post("/settings/receive", {"format": "cii", "channel": "webhook", "webhook_url": "http://127.0.0.1:9/x"})
    profile = partners.receive_profile(alice_id)
    assert profile.channel == "webhook" and profile.webhook_secret
    settings.WEBHOOK_TIMEOUT_SECONDS = 0.25  # a failed test event is answered after the full timeout
    tested = client.post("/settings/test-event", follow=True)
    # The endpoint is down: the message says so in plain words, without the exception.
    assert "Test event not delivered: the receiving server could not be reached." in tested.content.decode()
    assert b"Errno" not in tested.content and b"Error" not in tested.content


def test_delivery_over_peppol_is_chosen_with_a_participant_id(alice):
    alice_id, client = alice
    missing = client.post("/settings/receive", {"format": "ubl", "channel": "peppol"}, follow=True)
    assert b"a Peppol channel needs the organisation&#x27;s Peppol participant id" in missing.content
    bad = {"format": "ubl", "channel": "peppol", "peppol_participant": "GLN 7300010000001"}
    assert b"is not a Peppol participant id" in client.post("/settings/receive", bad, follow=True).content
    edifact = {"format": "edifact", "channel": "peppol", "peppol_participant": "0088:7300010000001"}
    assert b"travel as UBL or CII" in client.post("/settings/receive", edifact, follow=True).content
    assert partners.receive_profile(alice_id).channel != "peppol"
    chosen = {"format": "ubl", "channel": "peppol", "peppol_participant": "0088:7300010000001"}
    client.post("/settings/receive", chosen)
    profile = partners.receive_profile(alice_id)
    assert (profile.channel, profile.peppol_participant) == ("peppol", "0088:7300010000001")
    assert profile.delivery_address().peppol_participant == "0088:7300010000001"


def test_webhook_test_event_reaches_a_real_receiver(alice):
    import hashlib
    import hmac

    from tests.exchange.conftest import Receiver

    alice_id, client = alice
    receiver = Receiver()
    try:
        secret = partners.rotate_webhook_secret(alice_id)
        partners.set_receive_preferences(alice_id, channel="webhook", webhook_url=receiver.url)
        response = client.post("/settings/test-event", follow=True)
        assert b"Test event delivered: your endpoint answered HTTP 200 OK." in response.content
        request = receiver.requests[0]
        assert request["headers"]["X-Event"] == "test"
        expected = "sha256=" + hmac.new(secret.encode(), request["body"], hashlib.sha256).hexdigest()
        assert request["headers"]["X-Signature"] == expected
    finally:
        receiver.stop()


def test_password_reset_by_email(alice, settings):
    settings.EMAIL_BACKEND = "django.core.mail.backends.locmem.EmailBackend"
    anonymous = Client()
    anonymous.post("/password-reset/", {"email": "alice@acme.example"})
    assert len(mail.outbox) == 1 and "/password-reset/" in mail.outbox[0].body
    link = next(word for word in mail.outbox[0].body.split() if "/password-reset/" in word)
    path = link.split("testserver", 1)[1]
    form = anonymous.get(path, follow=True)
    assert form.status_code == 200 and b"Choose a new password" in form.content
    done = anonymous.post(
        form.redirect_chain[-1][0],
        {"new_password1": "brand-new-pass-77", "new_password2": "brand-new-pass-77"},
        follow=True,
    )
    assert b"Password set" in done.content
    assert Client().login(username="alice", password="brand-new-pass-77")


def test_csrf_is_enforced_on_portal_forms(alice):
    strict = Client(enforce_csrf_checks=True)
    strict.login(username="alice", password="pw-portal-test-1")
    assert strict.post("/settings/rotate-secret").status_code == 403


def test_console_pipeline_overview(admin_client):
    response = admin_client.get("/admin/pipeline/")
    assert response.status_code == 200
    assert b"Documents per status" in response.content and b"Queue depths" in response.content
    assert Client().get("/admin/pipeline/").status_code == 302


def test_settings_refuse_bad_input_with_a_message(alice):
    alice_id, client = alice
    bad_url = client.post("/settings/receive", {"format": "cii", "channel": "inbox", "webhook_url": "abc"}, follow=True)
    assert b"must be an http(s) URL with a host" in bad_url.content
    empty = client.post("/settings/identifier", {"scheme": "", "value": ""}, follow=True)
    assert b"needs both a scheme" in empty.content
    assert partners.list_identifiers(alice_id) == []
    revoke = client.post("/settings/revoke", {"token_id": "nonsense"}, follow=True)
    assert revoke.status_code == 200 and b"No such API token." in revoke.content


def test_portal_uploads_share_the_organisations_submission_budget(alice, settings):
    from django.core.cache import cache
    from django.core.files.uploadedfile import SimpleUploadedFile

    alice_id, client = alice
    api = Client(HTTP_AUTHORIZATION=f"Bearer {partners.issue_api_token(alice_id, 'erp', scope='write').plain}")
    cache.clear()
    settings.SUBMISSION_RATE = "3/min"
    try:
        data = document("ubl", number="RATE-1")
        assert client.post("/send/check", {"file": SimpleUploadedFile("a.xml", data)}).json()["ok"] is True
        assert client.post("/send/submit", {"file": SimpleUploadedFile("a.xml", data)}).json()["ok"] is True
        assert api.post("/api/v1/documents", data=data, content_type="application/xml").status_code == 202
        # The budget of 3 is spent, whichever way the next document comes.
        for path in ("/send/check", "/send/submit"):
            refused = client.post(path, {"file": SimpleUploadedFile("b.xml", data)})
            assert refused.status_code == 429 and refused["Retry-After"].isdigit()
            body = refused.json()
            assert body["ok"] is False and "Too many documents" in body["error"]
        assert api.post("/api/v1/documents", data=data, content_type="application/xml").status_code == 429
        # Another organisation has its own budget.
        _, carol_client = member("Outsider GmbH", "outsider", "carol")
        assert carol_client.post("/send/check", {"file": SimpleUploadedFile("c.xml", data)}).status_code == 200
    finally:
        cache.clear()


def test_downloads_that_cannot_be_given_explain_why_never_500(alice):
    alice_id, client = alice
    rejected = pipeline.submit(alice_id, b"\x00\x01 not a document").document.id
    for fmt in ("cii", "pdf", "ubl"):
        response = client.get(f"/documents/{rejected}/download/{fmt}/", follow=True)
        assert response.status_code == 200, fmt
        assert b"a rejected document has no renditions" in response.content
    assert client.get(f"/documents/{rejected}/download/original/").content == b"\x00\x01 not a document"
    assert client.get(f"/documents/{rejected}/download/docx/").status_code == 404
    assert client.get("/documents/00000000-0000-0000-0000-000000000000/download/cii/").status_code == 404


def test_a_missing_payload_is_a_clear_message_not_500(alice):
    from pagero.documents import public as documents

    alice_id, client = alice
    document_id = pipeline.submit(alice_id, document("ubl", number="GONE-1")).document.id
    pipeline.validate_step(document_id)
    assert documents.payload_store().delete(str(document_id), "original")
    assert client.get(f"/documents/{document_id}/").status_code == 200
    response = client.get(f"/documents/{document_id}/download/original/", follow=True)
    assert response.status_code == 200 and b"not available right now" in response.content


def test_portal_download_names_are_safe(alice):
    from pagero.documents.models import Document

    alice_id, client = alice
    document_id = pipeline.submit(alice_id, document("ubl", number="N-1")).document.id
    Document.objects.filter(pk=document_id).update(number="ACME-2002\r\nSet-Cookie: x=1")
    original = client.get(f"/documents/{document_id}/download/original/")
    cii = client.get(f"/documents/{document_id}/download/cii/")
    assert original.status_code == cii.status_code == 200
    assert original["Content-Disposition"] == (
        'attachment; filename="ACME-2002-Set-Cookie-x-1-original.xml"; '
        "filename*=UTF-8''ACME-2002-Set-Cookie-x-1-original.xml"
    )
    assert cii["Content-Disposition"].startswith('attachment; filename="ACME-2002-Set-Cookie-x-1-cii.xml"')
    assert "x" not in original.cookies
