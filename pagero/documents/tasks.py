"""Celery tasks of the exchange pipeline: thin wrappers around pipeline steps.

Every task is acknowledged late (a worker killed mid-task leaves it on the queue) and every step is
idempotent, so a redelivered message changes nothing that was already done. A step that raises
something it does not handle itself is retried with backoff a bounded number of times, then the
document fails with the reason; a step past its soft time limit fails the document at once. Nothing
is left in flight with nothing scheduled (and the sweeper is there for a lost message).
"""

from __future__ import annotations

import logging
import random
from collections.abc import Callable

from celery import shared_task
from celery.exceptions import SoftTimeLimitExceeded
from django.conf import settings

from . import pipeline

log = logging.getLogger(__name__)
COMMON = {
    "acks_late": True,
    "reject_on_worker_lost": True,
    # Nobody reads a step's return value; storing it is one more broker message that can fail after the step.
    "ignore_result": True,
    # The soft limit raises SoftTimeLimitExceeded in the step, which fails the document with that reason; the
    # hard limit kills a step that ignores it (the message is then acknowledged and the sweeper takes over).
    "soft_time_limit": settings.PIPELINE_SOFT_TIME_LIMIT_SECONDS,
    "time_limit": settings.PIPELINE_HARD_TIME_LIMIT_SECONDS,
}


def jittered(base: float, attempt: int) -> float:
    """base * 2**(attempt-1) with +-25% jitter so that many failing documents do not retry in lockstep."""
    return min(3600.0, base * 2 ** (attempt - 1) * random.uniform(0.75, 1.25))


def backoff_seconds(attempt: int) -> float:
    return jittered(settings.DELIVERY_RETRY_BASE_SECONDS, attempt)


def _run_step(
    task, step: str, document_id: str, run: Callable[[], None], attempt: int, final: bool, countdown: float
) -> None:
    """Run a step; on an unexpected error retry it (not on the final attempt) or fail the document."""
    try:
        run()
    except SoftTimeLimitExceeded:
        log.warning("%s of document %s exceeded its soft time limit", step, document_id)
        pipeline.fail_step(
            document_id, step, pipeline.time_limit_exceeded(step, settings.PIPELINE_SOFT_TIME_LIMIT_SECONDS)
        )
    except pipeline.RetryDelivery:
        raise
    except Exception as exc:
        if not final:
            log.warning("%s of document %s failed (attempt %d); retrying", step, document_id, attempt, exc_info=True)
            delay = 0.0 if task.request.is_eager else countdown  # eager mode retries at once (see retry)
            pipeline.note_retry(document_id, step, attempt, pipeline.internal_error(step, exc), delay)
            retry(task, document_id, countdown, exc)
            return
        log.exception("%s of document %s failed on its last attempt", step, document_id)
        pipeline.fail_step(document_id, step, pipeline.internal_error(step, exc))


def retry(task, document_id: str, countdown: float, exc: Exception) -> None:
    """Schedule the next attempt of the task (raises Retry), or in eager mode run it now, inline.

    Eager mode (the embedded default) has no queue to wait in, and Celery's eager retry would hand the Retry
    exception to the caller (task_eager_propagates), so the next attempt runs at once, without the backoff.
    """
    if task.request.is_eager:
        task.apply(args=[document_id], retries=task.request.retries + 1, throw=True)
        return
    raise task.retry(countdown=countdown, exc=exc)


def _step_task(task, step: str, document_id: str) -> None:
    attempt = task.request.retries + 1
    final = attempt >= settings.PIPELINE_STEP_MAX_ATTEMPTS
    countdown = jittered(settings.PIPELINE_STEP_RETRY_BASE_SECONDS, attempt)
    run = {
        "validate": pipeline.validate_step,
        "route": pipeline.route_step,
        "convert": pipeline.convert_step,
    }[step]
    _run_step(task, step, document_id, lambda: run(document_id), attempt, final, countdown)


@shared_task(name="documents.validate", bind=True, max_retries=None, **COMMON)
def validate_document(self, document_id: str) -> None:
    _step_task(self, "validate", document_id)


@shared_task(name="documents.route", bind=True, max_retries=None, **COMMON)
def route_document(self, document_id: str) -> None:
    _step_task(self, "route", document_id)


@shared_task(name="documents.convert", bind=True, max_retries=None, **COMMON)
def convert_document(self, document_id: str) -> None:
    _step_task(self, "convert", document_id)


@shared_task(name="documents.deliver", bind=True, max_retries=None, **COMMON)
def deliver_document(self, document_id: str) -> None:
    # One budget for both kinds of retry: a transient delivery failure and an unexpected error.
    attempt = self.request.retries + 1
    final = attempt >= settings.DELIVERY_MAX_ATTEMPTS
    countdown = backoff_seconds(attempt)
    try:
        _run_step(
            self,
            "deliver",
            document_id,
            # The next attempt's time goes on the failed attempt's event; eager mode retries at once (see retry).
            lambda: pipeline.deliver_noting_next_attempt(
                document_id, attempt, final, 0.0 if self.request.is_eager else countdown
            ),
            attempt,
            final,
            countdown,
        )
    except pipeline.RetryDelivery as exc:
        retry(self, document_id, countdown, exc)


@shared_task(
    name="documents.sweep_stuck",
    soft_time_limit=settings.PIPELINE_SOFT_TIME_LIMIT_SECONDS,
    time_limit=settings.PIPELINE_HARD_TIME_LIMIT_SECONDS,
)
def sweep_stuck() -> int:
    return pipeline.sweep()


@shared_task(
    name="documents.flag_overdue_order_responses",
    soft_time_limit=settings.PIPELINE_SOFT_TIME_LIMIT_SECONDS,
    time_limit=settings.PIPELINE_HARD_TIME_LIMIT_SECONDS,
)
def flag_overdue_order_responses() -> int:
    return pipeline.flag_overdue_order_responses()
