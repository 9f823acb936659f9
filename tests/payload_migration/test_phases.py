"""The gate's rules, as pure logic (no database)."""

from __future__ import annotations

from dataclasses import replace
from datetime import UTC, datetime, timedelta

from payload_migration.payloads.phases import (
    MigrationFacts,
    Phase,
    VerificationFacts,
    advance_blockers,
    rollback_blockers,
)

T0 = datetime(2026, 11, 1, tzinfo=UTC)


def facts(phase: Phase, **changes) -> MigrationFacts:
    base = MigrationFacts(
        phase=phase,
        entered_at=T0,
        cassandra_ready=True,
        cassandra_error="",
        repair_backlog=0,
        dual_write_since=T0 - timedelta(days=1),
        backfill_finished_since_dual_write=True,
        last_verification=VerificationFacts(phase=phase, started_at=T0 + timedelta(hours=1), clean=True),
        read_differences_since_verification=0,
    )
    return replace(base, **changes)


def test_phase_order_and_behaviour():
    assert [p.value for p in Phase] == [
        "postgres_only",
        "dual_write",
        "backfill",
        "shadow_read",
        "cassandra_primary",
        "cassandra_only",
        "retired",
    ]
    assert not Phase.POSTGRES_ONLY.writes_cassandra and Phase.DUAL_WRITE.writes_cassandra
    assert Phase.CASSANDRA_PRIMARY.writes_database and not Phase.CASSANDRA_ONLY.writes_database
    assert Phase.SHADOW_READ.shadow_reads and not Phase.SHADOW_READ.cassandra_is_truth
    assert Phase.CASSANDRA_PRIMARY.cassandra_is_truth and Phase.CASSANDRA_ONLY.database_fallback
    assert not Phase.RETIRED.database_fallback


def test_every_gate_open_when_all_is_well():
    for phase in list(Phase)[:-1]:
        assert advance_blockers(facts(phase)) == [], phase


def test_dual_write_needs_a_ready_cassandra():
    blockers = advance_blockers(facts(Phase.POSTGRES_ONLY, cassandra_ready=False, cassandra_error="tables missing"))
    assert blockers == ["Cassandra is not ready: tables missing"]


def test_shadow_read_needs_a_finished_backfill_and_no_backlog():
    blockers = advance_blockers(facts(Phase.BACKFILL, backfill_finished_since_dual_write=False, repair_backlog=3))
    assert any("no backfill pass has finished" in b for b in blockers)
    assert any("repair log backlog is 3" in b for b in blockers)


def test_cassandra_primary_needs_a_clean_verification_in_shadow_read():
    stale = VerificationFacts(phase=Phase.BACKFILL, started_at=T0 - timedelta(hours=1), clean=True)
    assert any(
        "no clean verification" in b for b in advance_blockers(facts(Phase.SHADOW_READ, last_verification=stale))
    )
    dirty = VerificationFacts(phase=Phase.SHADOW_READ, started_at=T0 + timedelta(hours=1), clean=False)
    assert any(
        "no clean verification" in b for b in advance_blockers(facts(Phase.SHADOW_READ, last_verification=dirty))
    )
    assert any(
        "shadow-read difference" in b
        for b in advance_blockers(facts(Phase.SHADOW_READ, read_differences_since_verification=2))
    )


def test_retired_needs_a_verification_made_in_cassandra_only():
    earlier = VerificationFacts(phase=Phase.CASSANDRA_PRIMARY, started_at=T0 + timedelta(hours=1), clean=True)
    assert advance_blockers(facts(Phase.CASSANDRA_ONLY, last_verification=earlier))


def test_rollback_rules():
    assert rollback_blockers(facts(Phase.CASSANDRA_ONLY)) == []
    assert rollback_blockers(facts(Phase.POSTGRES_ONLY)) == ["postgres_only is the first phase"]
    assert "nothing to roll back to" in rollback_blockers(facts(Phase.RETIRED))[0]
    assert advance_blockers(facts(Phase.RETIRED)) == ["retired is the last phase"]


def test_a_verification_from_before_the_phase_was_entered_does_not_count():
    """Same phase, clean, but started before the phase was (re-)entered: it proves nothing about this stay."""
    earlier = VerificationFacts(phase=Phase.SHADOW_READ, started_at=T0 - timedelta(seconds=1), clean=True)
    assert any(
        "no clean verification in phase shadow_read" in b
        for b in advance_blockers(facts(Phase.SHADOW_READ, last_verification=earlier))
    )
    at_entry = VerificationFacts(phase=Phase.SHADOW_READ, started_at=T0, clean=True)
    assert advance_blockers(facts(Phase.SHADOW_READ, last_verification=at_entry)) == []


def test_no_verification_at_all_shuts_every_gate_that_needs_one():
    for phase in (Phase.SHADOW_READ, Phase.CASSANDRA_PRIMARY, Phase.CASSANDRA_ONLY):
        blockers = advance_blockers(facts(phase, last_verification=None))
        assert blockers == [
            f"no clean verification in phase {phase} (run payloads_verify, with --repair if needed, "
            "until it reports zero differences)"
        ], phase
    for phase in (Phase.POSTGRES_ONLY, Phase.DUAL_WRITE, Phase.BACKFILL):
        assert advance_blockers(facts(phase, last_verification=None)) == [], phase
