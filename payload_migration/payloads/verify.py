"""Compare every payload in PostgreSQL and Cassandra; optionally repair from the phase's source of truth.

Reads every payload in full (so corruption inside a chunk is found, not only a wrong recorded
checksum). Differences found in the pass are checked once more at the end, so that a write that was
in flight between its two stores during the pass is not reported as a difference.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass

from django.utils import timezone

from pagero.documents import public as documents

from ..models import VerificationRun
from .phases import Phase
from .store import current_phase

MAX_EXAMPLES = 20


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


def verify(repair: bool = False, progress: Callable[[int, int], None] | None = None) -> VerificationRun:
    phase = current_phase()
    if phase is Phase.POSTGRES_ONLY:
        raise VerificationRefused("Cassandra is not in use in postgres_only: nothing to compare")
    database = documents.database_payload_store()
    cassandra = documents.cassandra_payload_store()
    run = VerificationRun.objects.create(phase=phase.value)
    total = database.count() + (cassandra.count() if phase.cassandra_is_truth else 0)
    seen: set[tuple[str, str]] = set()
    suspects: list[tuple[str, str]] = []
    checked = 0
    sources = [database, cassandra] if phase is not Phase.RETIRED else [cassandra]
    for source in sources:
        for item in source.iterate():
            key = (item.ref.document_id, item.ref.kind)
            if key in seen:
                continue
            seen.add(key)
            checked += 1
            if compare_one(database, cassandra, *key, phase) is not None:
                suspects.append(key)
            if progress and checked % 200 == 0:
                progress(checked, max(total, checked))
    differences = [d for key in suspects if (d := compare_one(database, cassandra, *key, phase)) is not None]
    repaired = 0
    if repair:
        for diff in differences:
            if repair_one(database, cassandra, diff, phase):
                repaired += 1
    counts = {
        name: sum(1 for d in differences if d.problem == name)
        for name in ("missing_in_cassandra", "missing_in_database", "mismatched", "corrupt")
    }
    VerificationRun.objects.filter(pk=run.pk).update(
        finished_at=timezone.now(),
        checked=checked,
        repaired=repaired,
        examples=[d.__dict__ for d in differences[:MAX_EXAMPLES]],
        **counts,
    )
    if progress:
        progress(checked, checked)
    run.refresh_from_db()
    return run
