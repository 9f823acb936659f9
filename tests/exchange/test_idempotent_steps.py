"""A step run twice (a redelivered message, two workers) changes nothing the second time."""

from __future__ import annotations

import pytest

from pagero.documents import pipeline
from pagero.documents.models import Document
from pagero.partners import public as partners

from .factory import document

pytestmark = pytest.mark.django_db


@pytest.fixture(autouse=True)
def no_publishing(monkeypatch):
    monkeypatch.setattr(pipeline, "enqueue", lambda step, document_id: None)


def test_every_step_twice_gives_one_event_each(acme, nordic, receiver):
    hook = receiver()
    partners.set_receive_preferences(
        nordic.id, format="cii", channel="webhook", webhook_url=hook.url, webhook_secret="k"
    )
    submission = pipeline.submit(acme.id, document("ubl", number="TWICE"))
    document_id = submission.document.id
    for step in (pipeline.validate_step, pipeline.route_step, pipeline.convert_step, pipeline.deliver_step):
        step(document_id)
        step(document_id)
    done = Document.objects.get(pk=document_id)
    assert done.status == "delivered"
    assert list(done.events.values_list("kind", flat=True)) == [
        "received",
        "validated",
        "routed",
        "converted",
        "delivered",
    ]
    assert len(hook.requests) == 1


def test_a_step_failure_recorded_twice_changes_nothing_the_second_time(acme):
    document_id = pipeline.submit(acme.id, document("ubl", number="FAIL-TWICE")).document.id
    reason = pipeline.internal_error("validate", RuntimeError("disk full"))
    assert pipeline.fail_step(document_id, "validate", reason) is True
    assert pipeline.fail_step(document_id, "validate", reason) is False
    pipeline.note_retry(document_id, "validate", 1, reason, 5.0)  # too late: the document has moved on
    done = Document.objects.get(pk=document_id)
    assert done.status == "failed" and done.status_reason == "internal error while validating: RuntimeError: disk full"
    assert list(done.events.values_list("kind", flat=True)) == ["received", "validation_failed"]
