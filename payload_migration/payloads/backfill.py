"""Copy payloads written before dual writes began from PostgreSQL to Cassandra.

- Resumable: the cursor of the last fully copied batch is saved in BackfillRun after each batch, so a
  killed run resumes where it stopped (at most one batch is copied again, which is harmless).
- Idempotent and never overwriting newer data: each copy carries the row's own written_at as its
  Cassandra write timestamp, so a later dual write of the same payload always wins; payloads already
  present with the same SHA-256 are skipped.
- Throttled: by a payload rate and a byte rate (token buckets), and by Cassandra's write latency:
  when a batch's mean write latency exceeds the limit, the runner backs off before the next batch.
- Concurrent: a batch's presence checks go out together (execute_async); then `concurrency` threads,
  each with its own database connection, read a payload and write it, so PostgreSQL reads overlap each
  other and the Cassandra writes. At most `concurrency`
  payloads are held at once. The batch is joined before its checkpoint. `sequential=True` keeps the
  previous path (reads one after another in the calling thread, then the group's writes in the pool).
"""

from __future__ import annotations

import threading
import time
from collections.abc import Callable
from concurrent.futures import ThreadPoolExecutor
from dataclasses import dataclass

from django.db import connections
from django.utils import timezone

from pagero.documents import public as documents

from ..models import BackfillRun
from .phases import Phase
from .store import current_phase

ALLOWED_PHASES = {Phase.DUAL_WRITE, Phase.BACKFILL}
# Payload bytes held in memory at once while copying one group of a batch.
MAX_GROUP_BYTES = 64 * 1024 * 1024


class BackfillRefused(Exception):
    pass


@dataclass
class BackfillOptions:
    batch_size: int = 200
    rate: float | None = None  # payloads per second
    mb_rate: float | None = None  # megabytes per second
    max_latency_ms: float = 100.0
    concurrency: int = 8
    restart: bool = False
    sequential: bool = False  # the previous copy path (bench/payloads.py compares both)


@dataclass
class BackfillReport:
    run_id: int
    resumed_from: int
    copied: int
    skipped: int
    bytes_copied: int
    seconds: float
    throttled_seconds: float


class TokenBucket:
    """Allows `rate` units per second on average, with a burst of one second's worth."""

    def __init__(self, rate: float | None) -> None:
        self.rate = rate
        self.tokens = rate or 0.0
        self.updated = time.monotonic()

    def take(self, amount: float) -> float:
        """Consume `amount`, sleeping as needed; returns the seconds slept."""
        if not self.rate:
            return 0.0
        now = time.monotonic()
        self.tokens = min(self.rate, self.tokens + (now - self.updated) * self.rate)
        self.updated = now
        self.tokens -= amount
        if self.tokens >= 0:
            return 0.0
        wait = -self.tokens / self.rate
        time.sleep(wait)
        return wait


def _open_run(options: BackfillOptions, total: int) -> tuple[BackfillRun, bool]:
    run = BackfillRun.objects.filter(finished_at__isnull=True).first()
    if run is not None and not options.restart:
        run.resumes += 1
        run.total = total
        run.save(update_fields=["resumes", "total", "updated_at"])
        return run, True
    BackfillRun.objects.filter(finished_at__isnull=True).update(finished_at=timezone.now())
    return BackfillRun.objects.create(total=total), False


def _groups_by_size(items: list[documents.StoredPayload], limit: int) -> list[list[documents.StoredPayload]]:
    groups: list[list[documents.StoredPayload]] = [[]]
    size = 0
    for item in items:
        if groups[-1] and size + item.ref.size > limit:
            groups.append([])
            size = 0
        groups[-1].append(item)
        size += item.ref.size
    return [group for group in groups if group]


def _close_pool(pool: ThreadPoolExecutor, threads: int) -> None:
    """Close the database connection each pool thread opened, then the pool.

    One task per thread, held at a barrier until all have started, so that every thread runs exactly one.
    """
    barrier = threading.Barrier(threads)

    def close() -> None:
        try:
            barrier.wait(timeout=30)
        except threading.BrokenBarrierError:
            pass
        connections.close_all()

    for future in [pool.submit(close) for _ in range(threads)]:
        future.result()
    pool.shutdown()


def run_backfill(options: BackfillOptions, progress: Callable[[int, int], None] | None = None) -> BackfillReport:
    phase = current_phase()
    if phase not in ALLOWED_PHASES:
        raise BackfillRefused(
            f"backfill runs in dual_write or backfill, not in {phase}: "
            "before dual writes new payloads would be missed, after it the copy is done"
        )
    database = documents.database_payload_store()
    cassandra = documents.cassandra_payload_store()
    run, resumed = _open_run(options, database.count())
    resumed_from = run.cursor if resumed else 0
    payload_bucket, byte_bucket = (
        TokenBucket(options.rate),
        TokenBucket(options.mb_rate * 1024 * 1024 if options.mb_rate else None),
    )
    started = time.monotonic()
    throttled = 0.0
    done = run.copied + run.skipped

    def needs_copy(item: documents.StoredPayload) -> bool:
        present = cassandra.head(item.ref.document_id, item.ref.kind)
        return present is None or present.sha256 != item.ref.sha256

    def write(job: tuple[documents.StoredPayload, bytes]) -> None:
        item, data = job
        cassandra.put(item.ref.document_id, item.ref.kind, data, item.written_at)

    def copy_sequential(pool: ThreadPoolExecutor, batch: list[documents.StoredPayload]) -> tuple[int, int]:
        # Cassandra calls run in the pool; database reads stay in this thread (one connection).
        wanted = [item for item, needed in zip(batch, pool.map(needs_copy, batch), strict=True) if needed]
        copied_bytes = 0
        for group in _groups_by_size(wanted, MAX_GROUP_BYTES):
            jobs = [(item, database.get(item.ref.document_id, item.ref.kind)) for item in group]
            list(pool.map(write, jobs))
            copied_bytes += sum(len(data) for _, data in jobs)
        return len(wanted), copied_bytes

    def copy_one(item: documents.StoredPayload) -> int:
        # Runs in a pool thread, which has its own database connection: reads overlap as writes do.
        data = database.get(item.ref.document_id, item.ref.kind)
        cassandra.put(item.ref.document_id, item.ref.kind, data, item.written_at)
        return len(data)

    def copy_pipelined(pool: ThreadPoolExecutor, batch: list[documents.StoredPayload]) -> tuple[int, int]:
        present = cassandra.head_many([(item.ref.document_id, item.ref.kind) for item in batch])
        wanted = [
            item for item, ref in zip(batch, present, strict=True) if ref is None or ref.sha256 != item.ref.sha256
        ]
        return len(wanted), sum(pool.map(copy_one, wanted))

    pipelined = not options.sequential and hasattr(cassandra, "head_many")
    pool = ThreadPoolExecutor(max_workers=options.concurrency, thread_name_prefix="backfill")
    try:
        iterator = database.iterate(after=run.cursor, batch_size=options.batch_size)
        while True:
            batch = [item for _, item in zip(range(options.batch_size), iterator, strict=False)]
            if not batch:
                break
            throttled += payload_bucket.take(len(batch))
            throttled += byte_bucket.take(sum(item.ref.size for item in batch))
            batch_started = time.monotonic()
            copied, copied_bytes = copy_pipelined(pool, batch) if pipelined else copy_sequential(pool, batch)
            mean_ms = (time.monotonic() - batch_started) * 1000 / len(batch)
            run.cursor = batch[-1].cursor
            run.copied += copied
            run.skipped += len(batch) - copied
            run.bytes_copied += copied_bytes
            run.save(update_fields=["cursor", "copied", "skipped", "bytes_copied", "updated_at"])
            done += len(batch)
            if progress:
                progress(done, max(run.total, done))
            if mean_ms > options.max_latency_ms:
                # Cassandra is slow to accept writes: give it room before the next batch.
                pause = min(5.0, (mean_ms / options.max_latency_ms - 1) * (time.monotonic() - batch_started))
                time.sleep(pause)
                throttled += pause
    finally:
        _close_pool(pool, options.concurrency)
    run.finished_at = timezone.now()
    run.save(update_fields=["finished_at", "updated_at"])
    return BackfillReport(
        run_id=run.pk,
        resumed_from=resumed_from,
        copied=run.copied,
        skipped=run.skipped,
        bytes_copied=run.bytes_copied,
        seconds=time.monotonic() - started,
        throttled_seconds=throttled,
    )
