"""Status, verification and dual writes at scale, on the real PostgreSQL and Cassandra (single node)."""

from __future__ import annotations

import json
import logging
import os
from io import StringIO

import pytest
from django.core.management import call_command
from django.db import OperationalError, connection, connections

from pagero.documents import public as documents
from payload_migration.models import RepairEntry, VerificationRun
from payload_migration.payloads import controller, repair
from payload_migration.payloads.phases import Phase
from payload_migration.payloads.verify import verify

from .conftest import force_phase

pytestmark = [pytest.mark.services, pytest.mark.django_db(transaction=True)]

database = documents.database_payload_store
cassandra = documents.cassandra_payload_store


class Interrupted(Exception):
    """Stands for the operator's Ctrl-C (or a killed process) in the middle of a verification."""


def test_verification_resumes_from_its_checkpoint_without_counting_twice(migration_store):
    force_phase(Phase.DUAL_WRITE)
    for n in range(40):
        migration_store.put(f"v-{n:02d}", "original", os.urandom(500 + n))
    # Differences on both sides of the interruption, in both stages of the walk.
    for n in (3, 35):
        cassandra().delete(f"v-{n:02d}", "original")
    for n in range(2):
        cassandra().put(f"only-cassandra-{n}", "original", b"written to Cassandra alone")

    pages_seen = []

    def stop_after_two_pages(done: int, total: int) -> None:
        pages_seen.append(done)
        if len(pages_seen) == 2:
            raise Interrupted

    with pytest.raises(Interrupted):
        verify(progress=stop_after_two_pages, page_size=10)
    stopped = VerificationRun.objects.get()
    assert stopped.finished_at is None and stopped.stage == "database"
    assert stopped.checked == 20 and stopped.database_cursor > 0
    assert stopped.missing_in_cassandra == 1  # v-03, in the first two pages

    run = verify(resume=True, page_size=10)
    assert run.pk == stopped.pk and run.resumes == 1 and run.finished_at is not None
    assert run.checked == 42  # 40 in PostgreSQL + 2 only in Cassandra, none counted twice
    assert (run.missing_in_cassandra, run.missing_in_database, run.mismatched, run.corrupt) == (2, 2, 0, 0)
    assert {e["document_id"] for e in run.examples} == {"v-03", "v-35", "only-cassandra-0", "only-cassandra-1"}

    # Without --resume a new run starts from the beginning.
    fresh = verify(page_size=10)
    assert fresh.pk != run.pk and fresh.checked == 42 and fresh.resumes == 0


def test_verify_command_resumes_an_interrupted_run(migration_store):
    force_phase(Phase.DUAL_WRITE)
    for n in range(12):
        migration_store.put(f"c-{n}", "original", os.urandom(300))
    with pytest.raises(Interrupted):
        verify(progress=lambda done, total: (_ for _ in ()).throw(Interrupted), page_size=5)
    out = StringIO()
    call_command("payloads_verify", "--resume", "--json", stdout=out, stderr=StringIO())
    summary = json.loads(out.getvalue())
    assert (summary["resumes"], summary["checked"], summary["clean"]) == (1, 12, True)
    assert VerificationRun.objects.count() == 1


def test_status_counts_cassandra_without_an_aggregation_query(migration_store, caplog):
    force_phase(Phase.DUAL_WRITE)
    for n in range(25):
        migration_store.put(f"s-{n}", "original", b"x" * 100)
    caplog.set_level(logging.WARNING)
    out = StringIO()
    call_command("payloads_migration", "status", "--json", stdout=out)
    status = json.loads(out.getvalue())
    assert (status["cassandra_payloads"], status["cassandra_payloads_estimated"]) == (25, False)
    # The driver logs Cassandra's warnings; `SELECT count(*)` over the table drew "Aggregation query used
    # without partition key".
    assert not [r for r in caplog.records if "Aggregation query" in r.getMessage()]


def test_status_reports_an_estimate_above_the_exact_count_limit(migration_store):
    force_phase(Phase.DUAL_WRITE)
    for n in range(30):
        migration_store.put(f"e-{n}", "original", b"y" * 50)
    count, estimated = controller.cassandra_payload_count(limit=10)
    # The walk stops at the limit; the estimate (SSTables only, refreshed every few minutes) may lag behind.
    assert estimated is True and count >= 10
    assert controller.cassandra_payload_count(limit=1000) == (30, False)


def test_a_failed_postgres_write_is_undone_in_cassandra(migration_store):
    force_phase(Phase.DUAL_WRITE)
    migration_store.put("locked", "original", b"version 1")
    # Another transaction holds the row: PostgreSQL gives up on the lock, the truth keeps version 1.
    other = connections.create_connection("default")
    other.set_autocommit(False)
    try:
        with other.cursor() as cursor:
            cursor.execute("SELECT 1 FROM documents_payloadrecord WHERE document_id = 'locked' FOR UPDATE")
        with connection.cursor() as cursor:
            cursor.execute("SET lock_timeout = '200ms'")
        with pytest.raises(OperationalError, match="lock timeout"):
            migration_store.put("locked", "original", b"version 2")
    finally:
        other.rollback()
        other.close()
        with connection.cursor() as cursor:
            cursor.execute("RESET lock_timeout")
    # The concurrent Cassandra write had landed; the repair log brings Cassandra back to PostgreSQL's version.
    assert cassandra().get("locked", "original") == b"version 2"
    entry = RepairEntry.objects.get()
    assert (entry.document_id, entry.target, entry.last_error) == ("locked", "cassandra", "the PostgreSQL write failed")
    assert repair.drain().repaired == 1
    assert cassandra().get("locked", "original") == database().get("locked", "original") == b"version 1"


def test_concurrent_and_sequential_dual_writes_store_the_same(migration_store):
    force_phase(Phase.DUAL_WRITE)
    big = os.urandom(2 * 1024 * 1024 + 17)  # three chunks: the meta row follows all of them
    sequential = type(migration_store)(concurrent=False)
    migration_store.put("big-a", "original", big)
    sequential.put("big-b", "original", big)
    for document_id in ("big-a", "big-b"):
        assert cassandra().get(document_id, "original") == database().get(document_id, "original") == big
    assert RepairEntry.objects.count() == 0
