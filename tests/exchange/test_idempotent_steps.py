"""A step run twice (a redelivered message, two workers) changes nothing the second time."""

from __future__ import annotations

import pytest

from pagero.documents import pipeline
from pagero.documents.models import Document
from pagero.partners import public as partners

from .factory import document

pytestmark = [pytest.mark.services, pytest.mark.django_db]


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
