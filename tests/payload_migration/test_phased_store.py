"""Where each phase reads and writes, on the real PostgreSQL and Cassandra."""

from __future__ import annotations

import pytest

from pagero.documents import public as documents
from payload_migration.models import ReadComparison, ReadDifference, RepairEntry
from payload_migration.payloads import repair
from payload_migration.payloads.phases import Phase

from .conftest import force_phase

pytestmark = [pytest.mark.services, pytest.mark.django_db]

database = documents.database_payload_store
cassandra = documents.cassandra_payload_store


def reads(outcome: str) -> int:
    return ReadComparison.objects.filter(outcome=outcome).values_list("count", flat=True).first() or 0


class UnreachableStore:
    """Stands in for a Cassandra that refuses writes, to unit-test the fallback logic only.

    The same path against a really stopped Cassandra is tests/payload_migration/test_faults.py.
    """

    name = "cassandra"

    def put(self, *args, **kwargs):
        raise documents.PayloadStoreUnavailable("cassandra put failed: NoHostAvailable")


def test_postgres_only_writes_postgres_alone(migration_store):
    migration_store.put("d1", "original", b"abc")
    assert database().exists("d1", "original")
    assert not cassandra().exists("d1", "original")


@pytest.mark.parametrize("phase", [Phase.DUAL_WRITE, Phase.BACKFILL, Phase.SHADOW_READ, Phase.CASSANDRA_PRIMARY])
def test_dual_phases_write_both_with_one_timestamp(migration_store, phase):
    force_phase(phase)
    migration_store.put("d1", "original", b"abc")
    assert database().get("d1", "original") == cassandra().get("d1", "original") == b"abc"


def test_failed_cassandra_write_goes_to_the_repair_log(migration_store):
    force_phase(Phase.DUAL_WRITE)
    store = type(migration_store)(cassandra=UnreachableStore())
    ref = store.put("d2", "original", b"payload")
    assert ref.size == 7 and database().get("d2", "original") == b"payload"
    entry = RepairEntry.objects.get()
    assert (entry.document_id, entry.target, entry.deferred) == ("d2", "cassandra", False)
    assert "NoHostAvailable" in entry.last_error
    assert repair.drain().repaired == 1
    assert cassandra().get("d2", "original") == b"payload"
    assert RepairEntry.objects.get().done_at is not None


def test_shadow_read_serves_postgres_and_counts_comparisons(migration_store):
    force_phase(Phase.SHADOW_READ)
    migration_store.put("d3", "original", b"same")
    database().put("d4", "original", b"only in postgres")
    assert migration_store.get("d3", "original") == b"same"
    assert migration_store.get("d4", "original") == b"only in postgres"
    cassandra().put("d5", "original", b"different bytes")
    database().put("d5", "original", b"other bytes")
    migration_store.get("d5", "original")
    assert (reads("match"), reads("missing"), reads("mismatch")) == (1, 1, 1)
    assert set(ReadDifference.objects.values_list("document_id", "outcome")) == {("d4", "missing"), ("d5", "mismatch")}


def test_cassandra_primary_reads_cassandra_and_records_fallbacks(migration_store):
    force_phase(Phase.CASSANDRA_PRIMARY)
    cassandra().put("d6", "original", b"from cassandra")
    database().put("d6", "original", b"from postgres")
    assert migration_store.get("d6", "original") == b"from cassandra"
    database().put("d7", "original", b"postgres only")
    assert migration_store.get("d7", "original") == b"postgres only"
    assert reads("fallback") == 1


def test_cassandra_only_journals_writes_for_a_rollback(migration_store):
    from payload_migration.payloads import controller

    force_phase(Phase.CASSANDRA_ONLY)
    migration_store.put("d8", "original", b"late write")
    assert not database().exists("d8", "original")
    assert RepairEntry.objects.get().deferred is True
    assert repair.drain().repaired == 0  # deferred entries wait
    controller.rollback("test", "rehearsal")
    assert repair.drain().repaired == 1
    assert database().get("d8", "original") == b"late write"


def test_retired_reads_cassandra_only(migration_store):
    force_phase(Phase.RETIRED)
    database().put("d9", "original", b"left behind")
    with pytest.raises(documents.PayloadNotFound):
        migration_store.get("d9", "original")
