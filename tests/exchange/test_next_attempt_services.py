"""A delivery attempt that failed and is retried by a real worker says when the next attempt is due
(`next_attempt_at` on its `delivery_attempt_failed` event), and the next attempt does not come before it."""

from __future__ import annotations

from datetime import datetime

import pytest

from pagero.partners import public as partners

from .conftest import timeline, wait_for
from .factory import document

pytestmark = [pytest.mark.services, pytest.mark.django_db(transaction=True)]


def test_a_retried_delivery_records_when_it_is_tried_next(celery_worker, acme, nordic, receiver):
    hook = receiver(statuses=[503, 200])
    partners.set_receive_preferences(
        nordic.id, format="ubl", channel="webhook", webhook_url=hook.url, webhook_secret="k"
    )
    response = acme.post(document("ubl", number="INV-NEXT-1"))
    assert response.status_code == 202
    done = wait_for(response.json()["id"])
    assert done.status == "delivered" and timeline(done).count("delivery_attempt_failed") == 1
    failed = done.events.get(kind="delivery_attempt_failed")
    due = datetime.fromisoformat(failed.detail["next_attempt_at"])
    # The worker's backoff is 0.3 s (+-25% jitter) for the first retry: due shortly after the failure.
    assert failed.at < due
    assert (due - failed.at).total_seconds() < 5
    delivered = done.events.get(kind="delivered")
    assert delivered.at >= due
    # The sender reads it on the API timeline too.
    sender_view = acme.get(f"/api/v1/documents/{done.id}").json()["timeline"]
    assert [e["detail"].get("next_attempt_at") for e in sender_view if e["kind"] == "delivery_attempt_failed"] == [
        failed.detail["next_attempt_at"]
    ]
