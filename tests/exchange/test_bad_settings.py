"""Bad receive settings are refused with a clear message; a stored unusable URL fails delivery cleanly."""

from __future__ import annotations

import pytest

from pagero.delivery.webhook import post
from pagero.documents import pipeline
from pagero.documents.models import Document
from pagero.partners import public as partners
from pagero.partners.models import Organisation

from .factory import document

pytestmark = pytest.mark.django_db


@pytest.fixture(autouse=True)
def no_publishing(monkeypatch):
    monkeypatch.setattr(pipeline, "enqueue", lambda step, document_id: None)


@pytest.mark.parametrize("url", ["abc", "ftp://example.com/hook", "https://", "mailto:x@example.com"])
def test_webhook_url_must_be_http_with_a_host(nordic, url):
    with pytest.raises(ValueError, match="must be an http\\(s\\) URL with a host"):
        partners.set_receive_preferences(nordic.id, channel="webhook", webhook_url=url, webhook_secret="k")
    assert partners.receive_profile(nordic.id).channel == "inbox"


def test_delivery_email_must_be_an_address(nordic):
    with pytest.raises(ValueError, match="is not an e-mail address"):
        partners.set_receive_preferences(nordic.id, channel="email", email="not-an-address")


def test_identifier_needs_scheme_and_value(nordic):
    with pytest.raises(ValueError, match="needs both a scheme"):
        partners.add_identifier(nordic.id, " ", "123")
    with pytest.raises(ValueError, match="needs both a scheme"):
        partners.add_identifier(nordic.id, "0192", "  ")


def test_unusable_url_is_a_final_webhook_failure():
    result = post("abc", "secret", b"<x/>", {}, timeout=1)
    assert (result.ok, result.retryable) == (False, False)
    assert "unusable webhook URL" in result.detail


def test_a_stored_unusable_url_fails_the_delivery_with_its_reason(acme, nordic):
    partners.set_receive_preferences(
        nordic.id, format="ubl", channel="webhook", webhook_url="http://x.example/h", webhook_secret="k"
    )
    Organisation.objects.filter(pk=nordic.id).update(webhook_url="abc")  # data from before validation existed
    document_id = pipeline.submit(acme.id, document("ubl", number="BADURL")).document.id
    for step in (pipeline.validate_step, pipeline.route_step, pipeline.convert_step):
        step(document_id)
    pipeline.deliver_step(document_id)  # no exception: nothing left for the sweeper to retry forever
    done = Document.objects.get(pk=document_id)
    assert done.status == "delivery_failed" and "unusable webhook URL" in done.status_reason
