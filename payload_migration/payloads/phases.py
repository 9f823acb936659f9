"""The phases of the payload migration and the rules for moving between them (pure logic, no Django).

Stripe's four-step online migration (dual write, backfill, read from the new store, stop writing
the old one) with an explicit shadow-read step and a final retirement of the old table.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime
from enum import StrEnum


class Phase(StrEnum):
    POSTGRES_ONLY = "postgres_only"
    DUAL_WRITE = "dual_write"
    BACKFILL = "backfill"
    SHADOW_READ = "shadow_read"
    CASSANDRA_PRIMARY = "cassandra_primary"
    CASSANDRA_ONLY = "cassandra_only"
    RETIRED = "retired"

    @property
    def index(self) -> int:  # type: ignore[override]  # the phase's place in ORDER, not str.index
        return ORDER.index(self)

    @property
    def next(self) -> Phase | None:
        return ORDER[self.index + 1] if self.index + 1 < len(ORDER) else None

    @property
    def previous(self) -> Phase | None:
        return ORDER[self.index - 1] if self.index > 0 else None

    # What each phase does with writes and reads.
    @property
    def writes_database(self) -> bool:
        return self.index <= ORDER.index(Phase.CASSANDRA_PRIMARY)

    @property
    def writes_cassandra(self) -> bool:
        return self is not Phase.POSTGRES_ONLY

    @property
    def cassandra_is_truth(self) -> bool:
        """From cassandra_primary on, Cassandra is the source of truth."""
        return self.index >= ORDER.index(Phase.CASSANDRA_PRIMARY)

    @property
    def reads_cassandra_first(self) -> bool:
        return self.cassandra_is_truth

    @property
    def shadow_reads(self) -> bool:
        return self is Phase.SHADOW_READ

    @property
    def database_fallback(self) -> bool:
        """Reads may fall back to PostgreSQL while its rows still exist."""
        return self in (Phase.CASSANDRA_PRIMARY, Phase.CASSANDRA_ONLY)


ORDER = list(Phase)


@dataclass(frozen=True)
class VerificationFacts:
    phase: Phase
    started_at: datetime
    clean: bool


@dataclass(frozen=True)
class MigrationFacts:
    """What the gate needs to know, gathered by the controller."""

    phase: Phase
    entered_at: datetime
    cassandra_ready: bool
    cassandra_error: str
    repair_backlog: int
    dual_write_since: datetime | None
    backfill_finished_since_dual_write: bool
    last_verification: VerificationFacts | None
    read_differences_since_verification: int


def verified_in_current_phase(facts: MigrationFacts) -> bool:
    v = facts.last_verification
    return v is not None and v.clean and v.phase == facts.phase and v.started_at >= facts.entered_at


def advance_blockers(facts: MigrationFacts) -> list[str]:
    """Why the next phase may not be entered now (empty list: it may)."""
    target = facts.phase.next
    if target is None:
        return [f"{facts.phase} is the last phase"]
    reasons: list[str] = []
    if target.writes_cassandra and not facts.cassandra_ready:
        reasons.append(f"Cassandra is not ready: {facts.cassandra_error}")
    if target is Phase.SHADOW_READ and not facts.backfill_finished_since_dual_write:
        reasons.append("no backfill pass has finished since dual writes began (run payloads_backfill)")
    needs_clean_verification = {Phase.CASSANDRA_PRIMARY, Phase.CASSANDRA_ONLY, Phase.RETIRED}
    if target in needs_clean_verification and not verified_in_current_phase(facts):
        reasons.append(
            f"no clean verification in phase {facts.phase} (run payloads_verify, with --repair if needed, "
            "until it reports zero differences)"
        )
    if target in {Phase.SHADOW_READ, *needs_clean_verification} and facts.repair_backlog:
        reasons.append(f"repair log backlog is {facts.repair_backlog}, must be 0")
    if target is Phase.CASSANDRA_PRIMARY and facts.read_differences_since_verification:
        reasons.append(
            f"{facts.read_differences_since_verification} shadow-read difference(s) since the last verification"
        )
    return reasons


def rollback_blockers(facts: MigrationFacts) -> list[str]:
    if facts.phase is Phase.RETIRED:
        return ["the PostgreSQL payload rows are deleted once retired: there is nothing to roll back to"]
    if facts.phase.previous is None:
        return [f"{facts.phase} is the first phase"]
    return []
