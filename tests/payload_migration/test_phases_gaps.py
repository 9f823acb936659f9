"""What an operator reads when the payload migration may not move on or back: each reason in full, and all of them.

The operator acts on these words (which command to run, what to wait for), so they are checked exactly.
"""

from __future__ import annotations

from datetime import timedelta

from payload_migration.payloads.phases import Phase, advance_blockers, rollback_blockers

from .test_phases import T0, facts


def test_shadow_read_without_a_finished_backfill_names_the_command_to_run():
    assert advance_blockers(facts(Phase.BACKFILL, backfill_finished_since_dual_write=False)) == [
        "no backfill pass has finished since dual writes began (run payloads_backfill)"
    ]


def test_nothing_can_be_rolled_back_once_retired_and_the_operator_is_told_why():
    assert rollback_blockers(facts(Phase.RETIRED)) == [
        "the PostgreSQL payload rows are deleted once retired: there is nothing to roll back to"
    ]


def test_every_reason_at_once_each_in_full():
    blockers = advance_blockers(
        facts(
            Phase.SHADOW_READ,
            cassandra_ready=False,
            cassandra_error="node down",
            repair_backlog=3,
            last_verification=None,
            read_differences_since_verification=2,
            entered_at=T0 + timedelta(days=1),
        )
    )
    assert blockers == [
        "Cassandra is not ready: node down",
        "no clean verification in phase shadow_read (run payloads_verify, with --repair if needed, until it reports "
        "zero differences)",
        "repair log backlog is 3, must be 0",
        "2 shadow-read difference(s) since the last verification",
    ]
