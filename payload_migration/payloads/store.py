"""PhasedPayloadStore: the PayloadStore that the migration phase steers.

| phase             | writes                               | reads                                      |
| ----------------- | ------------------------------------ | ------------------------------------------ |
| postgres_only     | PostgreSQL                           | PostgreSQL                                 |
| dual_write        | PostgreSQL (truth) and Cassandra     | PostgreSQL                                 |
| backfill          | same as dual_write                   | PostgreSQL                                 |
| shadow_read       | same as dual_write                   | PostgreSQL, also Cassandra, compared       |
| cassandra_primary | Cassandra (truth), then PostgreSQL   | Cassandra, PostgreSQL on a miss (recorded) |
| cassandra_only    | Cassandra (+ a deferred journal)     | Cassandra, PostgreSQL on a miss (recorded) |
| retired           | Cassandra                            | Cassandra                                  |

A failed write to the store that is not the source of truth never fails the caller: it is recorded
in the repair log and copied later by the repair task.

While PostgreSQL is the truth, the Cassandra write is started first, asynchronously (the driver's
execute_async), the PostgreSQL write runs meanwhile, and the Cassandra write is joined before put()
returns, so before the caller's transaction commits: a dual write costs about the slower of the two
instead of their sum (bench/payloads.py). The phase is read from the database on every
call (one indexed row), so a phase change takes effect at once in every process.
"""

from __future__ import annotations

import logging
from collections.abc import Iterator
from datetime import datetime
from typing import Any

from django.db.models import F
from django.utils import timezone

from pagero.documents import public as documents

from ..models import PayloadMigrationState, ReadComparison, ReadDifference, RepairEntry
from .phases import Phase

log = logging.getLogger(__name__)


def current_phase() -> Phase:
    value = PayloadMigrationState.objects.filter(pk=1).values_list("phase", flat=True).first()
    return Phase(value) if value else Phase.POSTGRES_ONLY


def record_repair(
    document_id: str,
    kind: str,
    target: str,
    written_at: datetime,
    error: str = "",
    operation: str = "put",
    deferred: bool = False,
) -> None:
    RepairEntry.objects.create(
        document_id=document_id,
        kind=kind,
        target=target,
        operation=operation,
        written_at=written_at,
        deferred=deferred,
        last_error=error[:2000],
        next_attempt_at=timezone.now(),
    )


def count_read(outcome: str) -> None:
    updated = ReadComparison.objects.filter(outcome=outcome).update(count=F("count") + 1)
    if not updated:
        ReadComparison.objects.get_or_create(outcome=outcome)
        ReadComparison.objects.filter(outcome=outcome).update(count=F("count") + 1)


def record_read_difference(document_id: str, kind: str, outcome: str, phase: Phase, detail: str) -> None:
    count_read(outcome)
    ReadDifference.objects.create(
        document_id=document_id, kind=kind, outcome=outcome, phase=phase.value, detail=detail[:2000]
    )


class PhasedPayloadStore:
    name = "migration"

    def __init__(
        self,
        database: documents.PayloadStore | None = None,
        cassandra: documents.PayloadStore | None = None,
        concurrent: bool = True,
    ) -> None:
        self.database = database or documents.database_payload_store()
        # The Cassandra adapter, or a stand-in with its asynchronous write (put_async) in tests.
        self.cassandra: Any = cassandra or documents.cassandra_payload_store()
        # False: the Cassandra write follows the PostgreSQL one (the previous behaviour, kept for bench/payloads.py).
        self.concurrent = concurrent

    def _truth(self, phase: Phase) -> documents.PayloadStore:
        return self.cassandra if phase.cassandra_is_truth else self.database

    # -- writes ---------------------------------------------------------------------------------
    def put(self, document_id: str, kind: str, data: bytes, written_at: datetime | None = None) -> documents.PayloadRef:
        phase = current_phase()
        written_at = written_at or timezone.now()
        if phase is Phase.POSTGRES_ONLY:
            return self.database.put(document_id, kind, data, written_at)
        if not phase.cassandra_is_truth:
            if not self.concurrent or not hasattr(self.cassandra, "put_async"):
                ref = self.database.put(document_id, kind, data, written_at)
                self._secondary_put(self.cassandra, "cassandra", document_id, kind, data, written_at)
                return ref
            pending = self._start_cassandra_put(document_id, kind, data, written_at)
            try:
                ref = self.database.put(document_id, kind, data, written_at)
            except BaseException:
                # Cassandra may now hold bytes that PostgreSQL, the truth, refused: the repair entry makes the
                # drain bring Cassandra back in line with PostgreSQL (its version, or none).
                try:
                    self._join_cassandra_put(pending, document_id, kind, written_at)
                    # Stamped now, after the failed write: the copy from PostgreSQL must replace it in Cassandra.
                    record_repair(document_id, kind, "cassandra", timezone.now(), error="the PostgreSQL write failed")
                except Exception:  # inside the caller's failed transaction nothing more can be written
                    log.exception("could not record the repair of %s/%s", document_id, kind)
                raise
            self._join_cassandra_put(pending, document_id, kind, written_at)
            return ref
        ref = self.cassandra.put(document_id, kind, data, written_at)
        if phase.writes_database:
            self._secondary_put(self.database, "database", document_id, kind, data, written_at)
        elif phase is Phase.CASSANDRA_ONLY:
            # Journalled so that a rollback to cassandra_primary can copy it back to PostgreSQL.
            record_repair(document_id, kind, "database", written_at, deferred=True)
        return ref

    def _secondary_put(self, store, target: str, document_id: str, kind: str, data: bytes, written_at) -> None:
        try:
            store.put(document_id, kind, data, written_at)
        except Exception as exc:  # never fail the caller for the store that is not the truth
            log.warning("secondary write to %s failed for %s/%s: %s", target, document_id, kind, exc)
            record_repair(document_id, kind, target, written_at, error=f"{type(exc).__name__}: {exc}")

    def _start_cassandra_put(self, document_id: str, kind: str, data: bytes, written_at: datetime):
        try:
            return self.cassandra.put_async(document_id, kind, data, written_at)
        except Exception as exc:  # could not even start (no session): record it, PostgreSQL goes on
            return exc

    def _join_cassandra_put(self, pending, document_id: str, kind: str, written_at: datetime) -> None:
        try:
            if isinstance(pending, Exception):
                raise pending
            pending.result()
        except Exception as exc:  # never fail the caller for the store that is not the truth
            log.warning("secondary write to cassandra failed for %s/%s: %s", document_id, kind, exc)
            record_repair(document_id, kind, "cassandra", written_at, error=f"{type(exc).__name__}: {exc}")

    def delete(self, document_id: str, kind: str) -> bool:
        phase = current_phase()
        now = timezone.now()
        truth = self._truth(phase)
        existed = truth.delete(document_id, kind)
        for store, target, used in (
            (self.database, "database", phase.writes_database),
            (self.cassandra, "cassandra", phase.writes_cassandra),
        ):
            if store is truth or not used:
                continue
            try:
                store.delete(document_id, kind)
            except Exception as exc:
                record_repair(document_id, kind, target, now, error=str(exc), operation="delete")
        return existed

    # -- reads ----------------------------------------------------------------------------------
    def get(self, document_id: str, kind: str) -> bytes:
        phase = current_phase()
        if phase.shadow_reads:
            data = self.database.get(document_id, kind)
            self._shadow_compare(phase, document_id, kind, documents.sha256_hex(data))
            return data
        if phase.database_fallback:
            try:
                return self.cassandra.get(document_id, kind)
            except documents.PayloadError as exc:
                record_read_difference(document_id, kind, "fallback", phase, str(exc))
                try:
                    return self.database.get(document_id, kind)
                except documents.PayloadNotFound:
                    raise exc from None  # nothing to fall back on: the caller learns what is wrong with the truth
        return self._truth(phase).get(document_id, kind)

    def count(self) -> int:
        """How many payloads the store that is the truth in this phase holds."""
        return self._truth(current_phase()).count()

    def _shadow_compare(self, phase: Phase, document_id: str, kind: str, expected_sha: str) -> None:
        try:
            candidate = self.cassandra.get(document_id, kind)
        except documents.PayloadNotFound as exc:
            record_read_difference(document_id, kind, "missing", phase, str(exc))
            return
        except documents.PayloadCorrupted as exc:
            record_read_difference(document_id, kind, "corrupt", phase, str(exc))
            return
        except Exception as exc:  # a shadow read never fails the caller
            record_read_difference(document_id, kind, "error", phase, f"{type(exc).__name__}: {exc}")
            return
        if documents.sha256_hex(candidate) != expected_sha:
            record_read_difference(document_id, kind, "mismatch", phase, "SHA-256 differs from PostgreSQL")
        else:
            count_read("match")

    def head(self, document_id: str, kind: str) -> documents.PayloadRef | None:
        return self._truth(current_phase()).head(document_id, kind)

    def exists(self, document_id: str, kind: str) -> bool:
        phase = current_phase()
        if self._truth(phase).exists(document_id, kind):
            return True
        return phase.database_fallback and self.database.exists(document_id, kind)

    def iterate(self, after: int | None = None, batch_size: int = 500) -> Iterator[documents.StoredPayload]:
        return self._truth(current_phase()).iterate(after, batch_size)
