"""Celery tasks of the exchange pipeline: thin wrappers around pipeline steps.

Every task is acknowledged late (a worker killed mid-task leaves it on the queue) and every step is
idempotent, so a redelivered message changes nothing that was already done.
"""

from __future__ import annotations

import random

from celery import shared_task
from django.conf import settings

from . import pipeline

COMMON = {"acks_late": True, "reject_on_worker_lost": True}


@shared_task(name="documents.validate", **COMMON)
def validate_document(document_id: str) -> None:
    pipeline.validate_step(document_id)


@shared_task(name="documents.route", **COMMON)
def route_document(document_id: str) -> None:
    pipeline.route_step(document_id)


@shared_task(name="documents.convert", **COMMON)
def convert_document(document_id: str) -> None:
    pipeline.convert_step(document_id)


def backoff_seconds(attempt: int) -> float:
    """Exponential backoff with +-25% jitter so that many failing deliveries do not retry in lockstep."""
    base = settings.DELIVERY_RETRY_BASE_SECONDS * 2 ** (attempt - 1)
    return min(3600.0, base * random.uniform(0.75, 1.25))


@shared_task(name="documents.deliver", bind=True, max_retries=None, **COMMON)
def deliver_document(self, document_id: str) -> None:
    attempt = self.request.retries + 1
    final = attempt >= settings.DELIVERY_MAX_ATTEMPTS
    try:
        pipeline.deliver_step(document_id, attempt=attempt, final=final)
    except pipeline.RetryDelivery as exc:
        raise self.retry(countdown=backoff_seconds(attempt), exc=exc) from None


@shared_task(name="documents.sweep_stuck")
def sweep_stuck() -> int:
    return pipeline.sweep()
