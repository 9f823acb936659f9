"""Compare every payload in PostgreSQL and Cassandra; optionally repair from the phase's source of truth.

Reads every payload in full (so corruption inside a chunk is found, not only a wrong recorded
checksum). Differences found in a page are checked once more before the page's checkpoint, at least
CONFIRM_AFTER_SECONDS after they were first seen, so that a write in flight between its two stores
during the pass is not reported as a difference.
"""

from __future__ import annotations

import time
from collections.abc import Callable, Iterator
from dataclasses import dataclass
from itertools import islice

from django.utils import timezone

from pagero.documents import public as documents

from ..models import VerificationRun
from .phases import Phase
from .store import current_phase

MAX_EXAMPLES = 20
PAGE_SIZE = 200
# A dual write's two halves land within one request; a second is ample for the second look at a suspect.
CONFIRM_AFTER_SECONDS = 1.0
PROBLEMS = ("missing_in_cassandra", "missing_in_database", "mismatched", "corrupt")


class VerificationRefused(Exception):
    pass


@dataclass
class Difference:
    document_id: str
    kind: str
    problem: str  # missing_in_cassandra | missing_in_database | mismatched | corrupt
    detail: str = ""


def _read(store: documents.PayloadStore, document_id: str, kind: str) -> tuple[bytes | None, str]:
    """(bytes, "") when intact, (None, "missing") or (None, "corrupt: ...")."""
    try:
        return store.get(document_id, kind), ""
    except documents.PayloadNotFound:
        return None, "missing"
    except documents.PayloadCorrupted as exc:
        return None, f"corrupt: {exc}"


def compare_one(database, cassandra, document_id: str, kind: str, phase: Phase) -> Difference | None:
    db_data, db_problem = _read(database, document_id, kind)
    cs_data, cs_problem = _read(cassandra, document_id, kind)
    if db_problem.startswith("corrupt") or cs_problem.startswith("corrupt"):
        return Difference(document_id, kind, "corrupt", db_problem or cs_problem)
    if db_problem == "missing" and cs_problem == "missing":
        return None  # deleted meanwhile
    if cs_problem == "missing":
        return Difference(document_id, kind, "missing_in_cassandra")
    if db_problem == "missing":
        # From cassandra_only on, PostgreSQL is not written any more: absence there is expected.
        if phase.writes_database:
            return Difference(document_id, kind, "missing_in_database")
        return None
    assert db_data is not None and cs_data is not None  # both read: no problem was found on either side
    if documents.sha256_hex(db_data) != documents.sha256_hex(cs_data):
        return Difference(document_id, kind, "mismatched", "SHA-256 differs between the stores")
    return None


def repair_one(database, cassandra, diff: Difference, phase: Phase) -> bool:
    """Copy an intact copy over a missing, corrupt or different one; never delete anything.

    When both copies are intact but differ, the phase's source of truth wins. The copy is written
    with the current time so that it replaces the broken version in either store.
    """
    db_data, _ = _read(database, diff.document_id, diff.kind)
    cs_data, _ = _read(cassandra, diff.document_id, diff.kind)
    if db_data is not None and cs_data is not None:
        if documents.sha256_hex(db_data) == documents.sha256_hex(cs_data):
            return False
        if phase.cassandra_is_truth:
            database.put(diff.document_id, diff.kind, cs_data, timezone.now())
        else:
            cassandra.put(diff.document_id, diff.kind, db_data, timezone.now())
        return True
    if db_data is not None:
        cassandra.put(diff.document_id, diff.kind, db_data, timezone.now())
        return True
    if cs_data is not None:
        database.put(diff.document_id, diff.kind, cs_data, timezone.now())
        return True
    return False


def _pages(items: Iterator[documents.StoredPayload], size: int) -> Iterator[list[documents.StoredPayload]]:
    while page := list(islice(items, size)):
        yield page


def _open_run(phase: Phase, resume: bool) -> VerificationRun:
    if resume:
        run = VerificationRun.objects.filter(finished_at__isnull=True, phase=phase.value).first()
        if run is not None:
            run.resumes += 1
            run.save(update_fields=["resumes", "updated_at"])
            return run
    return VerificationRun.objects.create(phase=phase.value)


def verify(
    repair: bool = False,
    progress: Callable[[int, int], None] | None = None,
    resume: bool = False,
    page_size: int = PAGE_SIZE,
) -> VerificationRun:
    """Compare both stores page by page; `resume` continues the last unfinished run of this phase.

    Memory holds one page (its keys and, one at a time, the payloads being compared), whatever the size of
    the stores. Stage 1 walks PostgreSQL by row id and compares each payload with Cassandra; stage 2 walks
    Cassandra by token and compares only what PostgreSQL does not hold (the rest was compared in stage 1).
    After each page the stage's cursor and the counts are saved: a run killed at any point resumes from its
    last page, and a payload is never counted twice.
    """
    phase = current_phase()
    if phase is Phase.POSTGRES_ONLY:
        raise VerificationRefused("Cassandra is not in use in postgres_only: nothing to compare")
    database = documents.database_payload_store()
    cassandra = documents.cassandra_payload_store()
    run = _open_run(phase, resume)
    estimate = getattr(cassandra, "estimated_count", None)
    total = database.count() + ((estimate() or 0) if phase.cassandra_is_truth and estimate else 0)
    counts = {name: getattr(run, name) for name in PROBLEMS}
    examples = list(run.examples)

    def settle(suspects: list[tuple[str, str]], seen_at: float) -> None:
        """Check the suspects of a page again once a write in flight between the stores has had time to land."""
        if not suspects:
            return
        wait = CONFIRM_AFTER_SECONDS - (time.monotonic() - seen_at)
        if wait > 0:
            time.sleep(wait)
        for key in suspects:
            diff = compare_one(database, cassandra, *key, phase)
            if diff is None:
                continue
            counts[diff.problem] += 1
            if len(examples) < MAX_EXAMPLES:
                examples.append(diff.__dict__)
            if repair and repair_one(database, cassandra, diff, phase):
                run.repaired += 1

    def checkpoint(checked: int, **cursor: object) -> None:
        run.checked += checked
        for name, value in {**counts, **cursor}.items():
            setattr(run, name, value)
        run.examples = examples
        run.save(update_fields=[*PROBLEMS, *cursor, "checked", "repaired", "examples", "updated_at"])
        if progress:
            progress(run.checked, max(total, run.checked))

    if run.stage == "database":
        for page in _pages(database.iterate(after=run.database_cursor, batch_size=page_size), page_size):
            seen_at = time.monotonic()
            keys = [(item.ref.document_id, item.ref.kind) for item in page]
            settle([key for key in keys if compare_one(database, cassandra, *key, phase) is not None], seen_at)
            checkpoint(len(page), database_cursor=page[-1].cursor)
        run.stage = "cassandra"
        run.save(update_fields=["stage", "updated_at"])
    if run.stage == "cassandra":
        for page in _pages(cassandra.iterate(after=run.cassandra_cursor, batch_size=page_size), page_size):
            seen_at = time.monotonic()
            keys = [(item.ref.document_id, item.ref.kind) for item in page]
            only_here = [key for key in keys if database.head(*key) is None]
            settle([key for key in only_here if compare_one(database, cassandra, *key, phase) is not None], seen_at)
            checkpoint(len(only_here), cassandra_cursor=page[-1].cursor)
    run.stage = "done"
    run.finished_at = timezone.now()
    run.save(update_fields=["stage", "finished_at", "updated_at"])
    if progress:
        progress(run.checked, run.checked)
    run.refresh_from_db()
    return run
