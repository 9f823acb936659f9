"""Service layer of the payload migration: status, advance, rollback, purge. Used by CLI and admin."""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import asdict, dataclass, field

from django.conf import settings
from django.db import transaction
from django.db.models import Sum
from django.utils import timezone

from pagero import cassandra_session
from pagero.documents import public as documents

from ..models import (
    BackfillRun,
    PayloadMigrationState,
    PhaseChange,
    ReadComparison,
    ReadDifference,
    RepairEntry,
    VerificationRun,
)
from .phases import MigrationFacts, Phase, VerificationFacts, advance_blockers, rollback_blockers

PURGE_BATCH = 500
# Status counts Cassandra's payloads exactly (a paged key walk) up to this many, then reports Cassandra's estimate:
# the walk reads every key, which is cheap for a small table and minutes of scanning for a large one.
EXACT_COUNT_LIMIT = 100_000


class TransitionRefused(Exception):
    def __init__(self, action: str, phase: Phase, reasons: list[str]) -> None:
        super().__init__(f"cannot {action} from {phase}: " + "; ".join(reasons))
        self.reasons = reasons


def _state(lock: bool = False) -> PayloadMigrationState:
    queryset = PayloadMigrationState.objects.select_for_update() if lock else PayloadMigrationState.objects
    state = queryset.filter(pk=1).first()
    if state is None:
        state, _ = PayloadMigrationState.objects.get_or_create(pk=1, defaults={"phase": Phase.POSTGRES_ONLY})
    return state


def cassandra_readiness() -> tuple[bool, str]:
    """Cassandra answers and the payload tables exist in the configured keyspace."""
    if not cassandra_session.is_configured():
        return False, "CASSANDRA_HOSTS is not set"
    try:
        session = cassandra_session.get_session(connect_timeout=3.0)
        rows = session.execute(
            "SELECT table_name FROM system_schema.tables WHERE keyspace_name = %s",
            (settings.CASSANDRA_KEYSPACE,),
            timeout=5,
        )
        tables = {row.table_name for row in rows}
    except Exception as exc:
        return False, f"{type(exc).__name__}: {exc}"[:300]
    missing = {"payload_meta", "payload_chunks"} - tables
    if missing:
        return (
            False,
            f"tables {sorted(missing)} missing in keyspace {settings.CASSANDRA_KEYSPACE} "
            "(run manage.py cassandra_schema)",
        )
    return True, ""


def repair_backlog() -> int:
    return RepairEntry.objects.filter(done_at__isnull=True, deferred=False).count()


def gather_facts() -> MigrationFacts:
    state = _state()
    phase = Phase(state.phase)
    ready, error = cassandra_readiness() if phase.next and phase.next.writes_cassandra else (True, "")
    dual_since = (
        PhaseChange.objects.filter(to_phase=Phase.DUAL_WRITE, action="advance").values_list("at", flat=True).first()
    )
    backfill_done = bool(
        dual_since and BackfillRun.objects.filter(started_at__gte=dual_since, finished_at__isnull=False).exists()
    )
    last = VerificationRun.objects.filter(finished_at__isnull=False).first()
    verification = (
        VerificationFacts(phase=Phase(last.phase), started_at=last.started_at, clean=last.clean) if last else None
    )
    differences = ReadDifference.objects.exclude(outcome="fallback")
    if last:
        differences = differences.filter(at__gte=last.started_at)
    return MigrationFacts(
        phase=phase,
        entered_at=state.entered_at,
        cassandra_ready=ready,
        cassandra_error=error,
        repair_backlog=repair_backlog(),
        dual_write_since=dual_since,
        backfill_finished_since_dual_write=backfill_done,
        last_verification=verification,
        read_differences_since_verification=differences.count(),
    )


@dataclass
class MigrationStatus:
    phase: str
    entered_at: str
    next_phase: str | None
    advance_blockers: list[str]
    rollback_blockers: list[str]
    database_payloads: int
    cassandra_payloads: int | None
    cassandra_error: str
    repair_backlog: int
    repair_deferred: int
    read_counts: dict[str, int]
    verification: dict[str, object] | None
    backfill: dict[str, object] | None
    history: list[str] = field(default_factory=list)
    # True when cassandra_payloads is Cassandra's estimate (system.size_estimates), not a count.
    cassandra_payloads_estimated: bool = False

    def as_dict(self) -> dict[str, object]:
        return asdict(self)


def cassandra_payload_count(limit: int = EXACT_COUNT_LIMIT) -> tuple[int | None, bool]:
    """(number of payloads in Cassandra, whether it is an estimate); never an aggregation over the table."""
    store = documents.cassandra_payload_store()
    exact = store.count(limit=limit)
    if exact < limit:
        return exact, False
    estimate = store.estimated_count()
    return max(limit, estimate or 0), True


def status() -> MigrationStatus:
    facts = gather_facts()
    cassandra_count, cassandra_error, estimated = None, "", False
    if cassandra_session.is_configured():
        try:
            cassandra_count, estimated = cassandra_payload_count()
        except Exception as exc:
            cassandra_error = f"{type(exc).__name__}: {exc}"[:300]
    last = VerificationRun.objects.first()
    run = BackfillRun.objects.first()
    return MigrationStatus(
        phase=facts.phase.value,
        entered_at=facts.entered_at.isoformat(),
        next_phase=facts.phase.next.value if facts.phase.next else None,
        advance_blockers=advance_blockers(facts),
        rollback_blockers=rollback_blockers(facts),
        database_payloads=documents.database_payload_store().count(),
        cassandra_payloads=cassandra_count,
        cassandra_payloads_estimated=estimated,
        cassandra_error=cassandra_error,
        repair_backlog=facts.repair_backlog,
        repair_deferred=RepairEntry.objects.filter(done_at__isnull=True, deferred=True).count(),
        read_counts=dict(ReadComparison.objects.values_list("outcome", "count")),
        verification=None
        if last is None
        else {
            "phase": last.phase,
            "started_at": last.started_at.isoformat(),
            "finished": last.finished_at is not None,
            "checked": last.checked,
            "missing_in_cassandra": last.missing_in_cassandra,
            "missing_in_database": last.missing_in_database,
            "mismatched": last.mismatched,
            "corrupt": last.corrupt,
            "repaired": last.repaired,
            "clean": last.clean,
            "stage": last.stage,
            "resumes": last.resumes,
        },
        backfill=None
        if run is None
        else {
            "started_at": run.started_at.isoformat(),
            "finished": run.finished_at is not None,
            "cursor": run.cursor,
            "copied": run.copied,
            "skipped": run.skipped,
            "total": run.total,
            "resumes": run.resumes,
        },
        history=[str(change) for change in PhaseChange.objects.all()[:10]],
    )


def advance(actor: str, reason: str = "", purge_progress: Callable[[int, int], None] | None = None) -> Phase:
    """Move to the next phase if its preconditions hold; entering `retired` purges PostgreSQL rows."""
    with transaction.atomic():
        facts = gather_facts()
        state = _state(lock=True)
        if Phase(state.phase) is not facts.phase:
            raise TransitionRefused("advance", Phase(state.phase), ["the phase changed meanwhile; try again"])
        blockers = advance_blockers(facts)
        if blockers:
            raise TransitionRefused("advance", facts.phase, blockers)
        target = facts.phase.next
        assert target is not None  # advance_blockers refuses the last phase
        _move(state, target, "advance", actor, reason)
    if target is Phase.RETIRED:
        purge_database(purge_progress)
    return target


def rollback(actor: str, reason: str = "") -> Phase:
    with transaction.atomic():
        state = _state(lock=True)
        facts = gather_facts()
        blockers = rollback_blockers(facts)
        if blockers:
            raise TransitionRefused("roll back", facts.phase, blockers)
        target = facts.phase.previous
        assert target is not None  # rollback_blockers refuses the first phase
        if facts.phase is Phase.CASSANDRA_ONLY:
            # PostgreSQL missed the writes made in cassandra_only: make their journal entries due.
            RepairEntry.objects.filter(done_at__isnull=True, deferred=True).update(deferred=False)
        _move(state, target, "rollback", actor, reason)
    return target


def _move(state: PayloadMigrationState, target: Phase, action: str, actor: str, reason: str) -> None:
    PhaseChange.objects.create(from_phase=state.phase, to_phase=target, action=action, actor=actor, reason=reason)
    state.phase = target.value
    state.entered_at = timezone.now()
    state.save(update_fields=["phase", "entered_at"])


def purge_database(progress: Callable[[int, int], None] | None = None) -> int:
    """Delete PostgreSQL payload rows in batches; only in `retired`. Safe to run again after a stop."""
    if Phase(_state().phase) is not Phase.RETIRED:
        raise TransitionRefused("purge", Phase(_state().phase), ["rows are deleted only once retired"])
    store = documents.database_payload_store()
    total = store.count()
    deleted = 0
    while True:
        n = store.delete_batch(PURGE_BATCH)
        if not n:
            break
        deleted += n
        if progress:
            progress(deleted, total)
    RepairEntry.objects.filter(done_at__isnull=True, target="database").update(done_at=timezone.now())
    return deleted


def read_totals() -> int:
    return ReadComparison.objects.aggregate(total=Sum("count"))["total"] or 0
