"""Periodic task: drain the payload repair log (scheduled by Celery beat, see CELERY_BEAT_SCHEDULE)."""

from __future__ import annotations

from celery import shared_task

from .payloads import repair


@shared_task(name="migration.drain_repair_log")
def drain_repair_log(limit: int = 500) -> dict[str, int]:
    result = repair.drain(limit)
    return {"repaired": result.repaired, "failed": result.failed, "remaining": result.remaining}
