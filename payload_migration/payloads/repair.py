"""Drain the repair log: copy each write that reached only one store to the other one."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import timedelta

from django.utils import timezone

from pagero.documents import public as documents

from ..models import RepairEntry

MAX_BACKOFF_SECONDS = 300


@dataclass(frozen=True)
class DrainResult:
    repaired: int
    failed: int
    remaining: int


def _stores() -> dict[str, documents.PayloadStore]:
    return {"database": documents.database_payload_store(), "cassandra": documents.cassandra_payload_store()}


def apply_entry(entry: RepairEntry, stores: dict[str, documents.PayloadStore]) -> None:
    target = stores[entry.target]
    source = stores["cassandra" if entry.target == "database" else "database"]
    if entry.operation == "delete":
        target.delete(entry.document_id, entry.kind)
        return
    try:
        data = source.get(entry.document_id, entry.kind)
    except documents.PayloadNotFound:
        # Deleted since, or never committed in the source (a dual write whose PostgreSQL write failed after
        # the Cassandra one landed): the target must not keep a payload its source does not have.
        target.delete(entry.document_id, entry.kind)
        return
    # The original write time travels with the copy, so a newer write in the target is kept.
    target.put(entry.document_id, entry.kind, data, entry.written_at)


def drain(limit: int = 500) -> DrainResult:
    """Apply due entries, oldest first; a failure is retried later with exponential backoff."""
    now = timezone.now()
    due = list(
        RepairEntry.objects.filter(done_at__isnull=True, deferred=False, next_attempt_at__lte=now).order_by("id")[
            :limit
        ]
    )
    stores = _stores()
    repaired = failed = 0
    for entry in due:
        try:
            apply_entry(entry, stores)
        except Exception as exc:
            failed += 1
            entry.attempts += 1
            entry.last_error = f"{type(exc).__name__}: {exc}"[:2000]
            delay = min(2**entry.attempts, MAX_BACKOFF_SECONDS)
            entry.next_attempt_at = timezone.now() + timedelta(seconds=delay)
            entry.save(update_fields=["attempts", "last_error", "next_attempt_at"])
        else:
            repaired += 1
            RepairEntry.objects.filter(pk=entry.pk).update(done_at=timezone.now(), attempts=entry.attempts + 1)
    remaining = RepairEntry.objects.filter(done_at__isnull=True, deferred=False).count()
    return DrainResult(repaired=repaired, failed=failed, remaining=remaining)
