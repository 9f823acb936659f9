"""The payload migration's gate, refusals and shadow-read bookkeeping on the relational database alone.

No Cassandra here: the store that stands for Cassandra fails on purpose (the paths under test are the
ones taken when it does), and Cassandra's readiness is declared, since what is tested is what the
controller does with the facts, not the probe (which tests/payload_migration/test_controls.py covers for real).
"""

from __future__ import annotations

from datetime import timedelta

import pytest
from django.utils import timezone

from pagero.documents import public as documents
from payload_migration.models import (
    BackfillRun,
    PayloadMigrationState,
    PhaseChange,
    ReadComparison,
    ReadDifference,
    RepairEntry,
    VerificationRun,
)
from payload_migration.payloads import controller
from payload_migration.payloads.backfill import BackfillOptions, BackfillRefused, run_backfill
from payload_migration.payloads.phases import Phase
from payload_migration.payloads.store import PhasedPayloadStore, current_phase
from payload_migration.payloads.verify import VerificationRefused, verify

pytestmark = [pytest.mark.django_db]

database = documents.database_payload_store


@pytest.fixture(autouse=True)
def cassandra_ready(monkeypatch):
    monkeypatch.setattr(controller, "cassandra_readiness", lambda: (True, ""))


def enter(phase: Phase, at=None) -> PayloadMigrationState:
    """The migration in `phase` since `at` (now by default), as if an operator had moved it there."""
    state, _ = PayloadMigrationState.objects.update_or_create(pk=1, defaults={"phase": phase.value})
    PayloadMigrationState.objects.filter(pk=1).update(entered_at=at or timezone.now())
    state.refresh_from_db()
    return state


def verification(phase: Phase, started_at, clean: bool = True) -> VerificationRun:
    run = VerificationRun.objects.create(phase=phase.value, mismatched=0 if clean else 1)
    VerificationRun.objects.filter(pk=run.pk).update(started_at=started_at, finished_at=started_at)
    run.refresh_from_db()
    return run


def reads(outcome: str) -> int:
    return ReadComparison.objects.filter(outcome=outcome).values_list("count", flat=True).first() or 0


# -- the gate: a clean verification made in the current phase, after it was entered ----------------------


def test_no_verification_at_all_keeps_the_gate_shut():
    enter(Phase.SHADOW_READ)
    with pytest.raises(controller.TransitionRefused, match="no clean verification in phase shadow_read"):
        controller.advance("ops:test")
    assert current_phase() is Phase.SHADOW_READ
    assert not PhaseChange.objects.exists()


def test_a_verification_from_before_the_phase_was_entered_does_not_open_the_gate():
    """Shadow reads were rolled back and entered again: the clean pass of the earlier stay proves nothing now."""
    entered = timezone.now() - timedelta(minutes=5)
    enter(Phase.SHADOW_READ, at=entered)
    verification(Phase.SHADOW_READ, started_at=entered - timedelta(minutes=1))
    with pytest.raises(controller.TransitionRefused, match="no clean verification in phase shadow_read"):
        controller.advance("ops:test")
    assert current_phase() is Phase.SHADOW_READ

    verification(Phase.SHADOW_READ, started_at=entered + timedelta(minutes=1))
    assert controller.advance("ops:test", "verified after entering") is Phase.CASSANDRA_PRIMARY
    assert current_phase() is Phase.CASSANDRA_PRIMARY


def test_a_verification_started_the_moment_the_phase_was_entered_counts():
    entered = timezone.now() - timedelta(minutes=5)
    enter(Phase.SHADOW_READ, at=entered)
    verification(Phase.SHADOW_READ, started_at=entered)
    assert controller.advance("ops:test") is Phase.CASSANDRA_PRIMARY


def test_a_verification_made_in_the_previous_phase_does_not_open_the_next_gate():
    entered = timezone.now() - timedelta(minutes=5)
    enter(Phase.CASSANDRA_PRIMARY, at=entered)
    verification(Phase.SHADOW_READ, started_at=entered + timedelta(minutes=1))  # recorded in the wrong phase
    with pytest.raises(controller.TransitionRefused, match="no clean verification in phase cassandra_primary"):
        controller.advance("ops:test")
    assert current_phase() is Phase.CASSANDRA_PRIMARY


def test_a_verification_that_found_differences_does_not_open_the_gate():
    entered = timezone.now() - timedelta(minutes=5)
    enter(Phase.CASSANDRA_ONLY, at=entered)
    verification(Phase.CASSANDRA_ONLY, started_at=entered + timedelta(minutes=1), clean=False)
    with pytest.raises(controller.TransitionRefused, match="no clean verification"):
        controller.advance("ops:test")
    assert current_phase() is Phase.CASSANDRA_ONLY


def test_the_gate_only_reads_finished_verifications():
    entered = timezone.now() - timedelta(minutes=5)
    enter(Phase.SHADOW_READ, at=entered)
    running = VerificationRun.objects.create(phase=Phase.SHADOW_READ.value)  # started now, not finished
    assert running.finished_at is None
    with pytest.raises(controller.TransitionRefused, match="no clean verification"):
        controller.advance("ops:test")


def test_a_phase_changed_by_another_operator_meanwhile_is_refused(monkeypatch):
    """The facts are read, then another operator rolls back before this advance takes the row lock."""
    enter(Phase.DUAL_WRITE)
    real_gather = controller.gather_facts

    def gather_then_another_operator_moves():
        facts = real_gather()
        PayloadMigrationState.objects.filter(pk=1).update(phase=Phase.POSTGRES_ONLY.value)
        return facts

    monkeypatch.setattr(controller, "gather_facts", gather_then_another_operator_moves)
    with pytest.raises(controller.TransitionRefused) as refused:
        controller.advance("ops:second")
    assert refused.value.reasons == ["the phase changed meanwhile; try again"]
    # Nothing moved on the stale facts (the other operator's update, made inside this test's transaction,
    # was undone with the refusal; across connections it would have been committed and kept).
    assert current_phase() is not Phase.BACKFILL
    assert not PhaseChange.objects.exists()


# -- purge, backfill and verification only where they belong -----------------------------------------------


@pytest.mark.parametrize("phase", [p for p in Phase if p is not Phase.RETIRED])
def test_purge_before_retired_is_refused_and_deletes_nothing(phase):
    enter(phase)
    database().put("kept", "original", b"still needed")
    with pytest.raises(controller.TransitionRefused, match="rows are deleted only once retired"):
        controller.purge_database()
    assert database().get("kept", "original") == b"still needed"


def test_purge_once_retired_deletes_every_database_row_and_closes_its_repairs():
    enter(Phase.RETIRED)
    for n in range(3):
        database().put(f"old-{n}", "original", b"x" * (n + 1))
    RepairEntry.objects.create(
        document_id="old-0",
        kind="original",
        target="database",
        written_at=timezone.now(),
        next_attempt_at=timezone.now(),
    )
    seen: list[tuple[int, int]] = []
    assert controller.purge_database(lambda done, total: seen.append((done, total))) == 3
    assert database().count() == 0 and seen[-1] == (3, 3)
    assert RepairEntry.objects.get().done_at is not None


@pytest.mark.parametrize("phase", [p for p in Phase if p not in (Phase.DUAL_WRITE, Phase.BACKFILL)])
def test_backfill_is_refused_outside_dual_write_and_backfill(phase):
    enter(phase)
    database().put("old", "original", b"payload")
    with pytest.raises(BackfillRefused, match=f"not in {phase}"):
        run_backfill(BackfillOptions())
    assert not BackfillRun.objects.exists()


def test_verification_is_refused_before_dual_writes():
    enter(Phase.POSTGRES_ONLY)
    with pytest.raises(VerificationRefused, match="nothing to compare"):
        verify()
    assert not VerificationRun.objects.exists()


# -- what the phased store records when Cassandra misbehaves --------------------------------------------------


class BrokenCassandra:
    """A Cassandra whose reads and deletes fail in a chosen way."""

    name = "cassandra"

    def __init__(self, error: Exception) -> None:
        self.error = error

    def put(self, document_id, kind, data, written_at=None):
        raise self.error

    def get(self, document_id, kind):
        raise self.error

    def delete(self, document_id, kind):
        raise self.error


def test_shadow_read_counts_a_corrupt_cassandra_copy_as_corrupt():
    enter(Phase.SHADOW_READ)
    database().put("c1", "original", b"intact in postgres")
    store = PhasedPayloadStore(
        database=database(),
        cassandra=BrokenCassandra(documents.PayloadCorrupted("c1", "original", "cassandra", "chunk 2 SHA-256")),
    )
    assert store.get("c1", "original") == b"intact in postgres"  # the caller is served from the truth
    assert (reads("corrupt"), reads("error"), reads("missing"), reads("match")) == (1, 0, 0, 0)
    difference = ReadDifference.objects.get()
    assert (difference.document_id, difference.outcome, difference.phase) == ("c1", "corrupt", "shadow_read")
    assert "chunk 2 SHA-256" in difference.detail


def test_shadow_read_counts_a_failing_cassandra_as_an_error():
    enter(Phase.SHADOW_READ)
    database().put("e1", "original", b"intact in postgres")
    store = PhasedPayloadStore(database=database(), cassandra=BrokenCassandra(TimeoutError("read timed out")))
    assert store.get("e1", "original") == b"intact in postgres"
    assert store.get("e1", "original") == b"intact in postgres"
    assert (reads("error"), reads("corrupt"), reads("missing"), reads("match")) == (2, 0, 0, 0)
    assert set(ReadDifference.objects.values_list("outcome", "detail")) == {("error", "TimeoutError: read timed out")}


def test_shadow_read_differences_shut_the_gate_to_cassandra_primary():
    entered = timezone.now() - timedelta(minutes=5)
    enter(Phase.SHADOW_READ, at=entered)
    verification(Phase.SHADOW_READ, started_at=entered + timedelta(minutes=1))
    database().put("c2", "original", b"intact in postgres")
    store = PhasedPayloadStore(
        database=database(), cassandra=BrokenCassandra(documents.PayloadCorrupted("c2", "original", "cassandra", "x"))
    )
    store.get("c2", "original")
    with pytest.raises(controller.TransitionRefused, match="1 shadow-read difference"):
        controller.advance("ops:test")


@pytest.mark.parametrize("phase", [Phase.DUAL_WRITE, Phase.BACKFILL, Phase.SHADOW_READ])
def test_a_failed_delete_in_cassandra_is_reported_for_repair(phase):
    enter(phase)
    database().put("d1", "original", b"to be deleted")
    store = PhasedPayloadStore(database=database(), cassandra=BrokenCassandra(ConnectionError("node down")))
    assert store.delete("d1", "original") is True  # the truth (PostgreSQL) deleted it: the caller succeeds
    assert not database().exists("d1", "original")
    entry = RepairEntry.objects.get()
    assert (entry.document_id, entry.kind, entry.target, entry.operation) == ("d1", "original", "cassandra", "delete")
    assert entry.done_at is None and not entry.deferred and "node down" in entry.last_error
    assert controller.repair_backlog() == 1
