"""The payload migration on a real 3-node Cassandra cluster (ops/cassandra-cluster.sh): nodes killed and brought back.

Replication factor 3, reads and writes at LOCAL_QUORUM: one node down is invisible to the caller, two nodes down
make the Cassandra half of a dual write fail into the repair log, which drains once the nodes are back. After a
node returns, `nodetool repair` gives it what it missed, and a read at ONE coordinated by that node (the cluster's
snitch answers such a read from the node's own data) shows it holds every payload.

Run: ops/cassandra-cluster.sh start, then CASSANDRA_CLUSTER_HOSTS=127.0.0.2,127.0.0.3,127.0.0.4 with the usual
service variables. Without CASSANDRA_CLUSTER_HOSTS these tests are skipped.
"""

from __future__ import annotations

import itertools
import os
import random
import re
import subprocess
import threading
import time

import pytest
from django.db import connection

from pagero import cassandra_session
from pagero.documents import public as documents
from payload_migration.models import BackfillRun, RepairEntry
from payload_migration.payloads import repair
from payload_migration.payloads.backfill import BackfillOptions, run_backfill
from payload_migration.payloads.phases import Phase
from payload_migration.payloads.verify import verify
from tests.conftest import ROOT

from .conftest import force_phase

CLUSTER_HOSTS = [h.strip() for h in os.environ.get("CASSANDRA_CLUSTER_HOSTS", "").split(",") if h.strip()]

pytestmark = [
    pytest.mark.cluster,
    pytest.mark.slow,
    pytest.mark.django_db(transaction=True),
    # A skip mark, not a fixture: it is decided before any fixture (the session's service checks) is set up.
    pytest.mark.skipif(
        not CLUSTER_HOSTS,
        reason="needs the 3-node Cassandra cluster: run `ops/cassandra-cluster.sh start` and set "
        "CASSANDRA_CLUSTER_HOSTS=127.0.0.2,127.0.0.3,127.0.0.4",
    ),
]
SCRIPT = ROOT / "ops" / "cassandra-cluster.sh"
NODE_ADDRESS = {1: "127.0.0.2", 2: "127.0.0.3", 3: "127.0.0.4"}
WAIT_SECONDS = 300
_keyspaces = itertools.count(1)


def cluster(*args: str, timeout: float = 600) -> str:
    done = subprocess.run([str(SCRIPT), *args], capture_output=True, text=True, timeout=timeout)
    assert done.returncode == 0, f"{SCRIPT.name} {' '.join(args)} failed:\n{done.stdout}\n{done.stderr}"
    return done.stdout


def wait_until(condition, what: str, seconds: float = WAIT_SECONDS, every: float = 1.0):
    deadline = time.monotonic() + seconds
    while True:
        value = condition()
        if value:
            return value
        assert time.monotonic() < deadline, f"gave up after {seconds}s waiting for {what}"
        time.sleep(every)


def nodes_normal(seen_from: int = 1) -> set[str]:
    """Addresses that node `seen_from` sees Up and Normal (nodetool status)."""
    out = cluster("nodetool", str(seen_from), "status")
    return set(re.findall(r"^UN\s+(\S+)", out, flags=re.MULTILINE))


def all_nodes_normal() -> None:
    for seen_from in NODE_ADDRESS:
        wait_until(lambda s=seen_from: nodes_normal(s) >= set(NODE_ADDRESS.values()), f"all nodes UN from {seen_from}")
    # The application's driver uses a node again once its reconnection attempt succeeds (at most 5 s apart).
    if cassandra_session._session is not None:
        metadata = cassandra_session.get_session().cluster.metadata
        wait_until(lambda: all(host.is_up for host in metadata.all_hosts()), "the driver to see every node up")


def kill_node(node: int) -> None:
    cluster("node-stop", str(node), "KILL")  # returns once the process is gone: a crash, no drain, no flush


def start_nodes(*nodes: int) -> None:
    for node in nodes:  # one after another: each joins through gossip before the next starts
        cluster("node-start", str(node))
    all_nodes_normal()


def held_by(node: int, keyspace: str, payloads: dict[str, bytes]) -> set[str]:
    """The payloads that node `node` holds complete in its own data (reads at ONE coordinated by it)."""
    from cassandra import ConsistencyLevel
    from cassandra.cluster import EXEC_PROFILE_DEFAULT, Cluster, ExecutionProfile
    from cassandra.policies import WhiteListRoundRobinPolicy

    address = NODE_ADDRESS[node]
    profile = ExecutionProfile(
        load_balancing_policy=WhiteListRoundRobinPolicy([address]), consistency_level=ConsistencyLevel.ONE
    )
    one_node = Cluster([address], execution_profiles={EXEC_PROFILE_DEFAULT: profile}, protocol_version=5)
    try:
        session = one_node.connect()
        meta = session.prepare(f"SELECT sha256, chunks FROM {keyspace}.payload_meta WHERE document_id = ? AND kind = ?")
        chunks = session.prepare(f"SELECT count(*) FROM {keyspace}.payload_chunks WHERE document_id = ? AND kind = ?")
        held = set()
        for document_id, data in payloads.items():
            row = session.execute(meta, (document_id, "original")).one()
            if row is None or row.sha256 != documents.sha256_hex(data):
                continue
            if session.execute(chunks, (document_id, "original")).one()[0] >= row.chunks:
                held.add(document_id)
        return held
    finally:
        one_node.shutdown()


def repaired_node_holds_everything(node: int, keyspace: str, payloads: dict[str, bytes]) -> None:
    cluster("nodetool", str(node), "repair", "--full", keyspace, timeout=900)
    missing = set(payloads) - held_by(node, keyspace, payloads)
    assert not missing, f"node {node} lacks {len(missing)} payloads after repair, e.g. {sorted(missing)[:5]}"


def sized_payloads(prefix: str, count: int, seed: int) -> dict[str, bytes]:
    """Mostly e-invoice sized payloads, every 25th a multi-chunk one (an embedded PDF)."""
    rng = random.Random(seed)
    return {
        f"{prefix}-{n:04d}": os.urandom(1_500_000 if n % 25 == 7 else rng.randint(2_000, 60_000)) for n in range(count)
    }


@pytest.fixture
def on_cluster(real_services, settings) -> str:
    """Every node up (a node a failed test left down is started), the payload tables empty, RF 3, LOCAL_QUORUM."""
    for node in NODE_ADDRESS:
        cluster("node-start", str(node))  # a no-op for a node that answers
    cassandra_session.shutdown()
    settings.CASSANDRA_HOSTS = CLUSTER_HOSTS
    settings.CASSANDRA_PORT = 9042
    settings.CASSANDRA_REPLICATION = "{'class': 'NetworkTopologyStrategy', 'datacenter1': 3}"
    settings.CASSANDRA_CONSISTENCY = "LOCAL_QUORUM"
    settings.PAYLOAD_STORE = "migration"
    all_nodes_normal()
    # A keyspace per test, not a TRUNCATE: hints and repair streams of the previous test's killed node may still
    # arrive after a truncation and bring its rows back; into a dropped keyspace they are discarded.
    keyspace = f"{settings.CASSANDRA_KEYSPACE}_{next(_keyspaces)}"
    settings.CASSANDRA_KEYSPACE = keyspace
    session = cassandra_session.get_session()
    session.execute(f"DROP KEYSPACE IF EXISTS {keyspace}", timeout=120)
    documents.create_cassandra_schema(keyspace)
    yield keyspace
    cassandra_session.get_session().execute(f"DROP KEYSPACE IF EXISTS {keyspace}", timeout=120)
    cassandra_session.shutdown()


def assert_clean_verification(count: int) -> None:
    run = verify()
    assert run.clean, run.examples
    assert run.checked == count


def test_a_node_killed_during_dual_writes_loses_nothing(on_cluster):
    force_phase(Phase.DUAL_WRITE)
    store = documents.payload_store()
    payloads = sized_payloads("dw", 240, seed=1)
    killer = threading.Thread(target=kill_node, args=(3,))
    for n, (document_id, data) in enumerate(payloads.items()):
        if n == 80:
            killer.start()  # the writes go on while node 3 dies
        if n == 200:
            killer.join()  # the last 40 with node 3 certainly gone
        assert store.put(document_id, "original", data).sha256 == documents.sha256_hex(data)
    assert not cluster("status").count("node 3: up")

    # A write in flight on the dying node may have failed on the Cassandra side: logged, and drained with two nodes.
    wait_until(lambda: repair.drain().remaining == 0, "the repair log to drain with node 3 down")
    cassandra = documents.cassandra_payload_store()
    for document_id, data in payloads.items():
        assert cassandra.get(document_id, "original") == data

    start_nodes(3)
    repaired_node_holds_everything(3, on_cluster, payloads)
    assert_clean_verification(len(payloads))


def test_a_node_killed_during_the_backfill_loses_nothing(on_cluster):
    force_phase(Phase.POSTGRES_ONLY)
    database = documents.database_payload_store()
    payloads = sized_payloads("bf", 400, seed=2)
    for document_id, data in payloads.items():
        database.put(document_id, "original", data)
    force_phase(Phase.BACKFILL)

    outcome: dict[str, object] = {}

    def backfill() -> None:
        try:
            outcome["report"] = run_backfill(BackfillOptions(batch_size=20, max_latency_ms=10_000))
        except Exception as exc:  # reported to the test below: a failed pass is resumed
            outcome["error"] = exc
        finally:
            connection.close()

    runner = threading.Thread(target=backfill)
    runner.start()
    wait_until(
        lambda: (BackfillRun.objects.values_list("copied", flat=True).first() or 0) >= 60,
        "the backfill to copy its first batches",
        every=0.05,
    )
    kill_node(2)
    runner.join(timeout=WAIT_SECONDS)
    assert not runner.is_alive()
    run = BackfillRun.objects.get()
    if "error" in outcome:  # a batch in flight on the dying node failed: the next pass resumes at its checkpoint
        assert run.finished_at is None
        resumed = run_backfill(BackfillOptions(batch_size=20, max_latency_ms=10_000))
        assert resumed.resumed_from == run.cursor
    run.refresh_from_db()
    assert run.finished_at is not None and run.copied + run.skipped == len(payloads)
    cassandra = documents.cassandra_payload_store()
    for document_id, data in payloads.items():
        assert cassandra.get(document_id, "original") == data

    start_nodes(2)
    repaired_node_holds_everything(2, on_cluster, payloads)
    assert_clean_verification(len(payloads))


def test_two_nodes_down_fail_into_the_repair_log_and_drain_later(on_cluster):
    force_phase(Phase.DUAL_WRITE)
    store = documents.payload_store()
    before = sized_payloads("up", 20, seed=3)
    for document_id, data in before.items():
        store.put(document_id, "original", data)
    kill_node(2)
    kill_node(3)

    during = sized_payloads("down", 30, seed=4)
    for document_id, data in during.items():
        # The caller is never failed: PostgreSQL, the truth, has every payload.
        assert store.put(document_id, "original", data).sha256 == documents.sha256_hex(data)
    entries = RepairEntry.objects.filter(done_at__isnull=True, target="cassandra")
    assert sorted(entries.values_list("document_id", flat=True)) == sorted(during)
    assert all("Unavailable" in e or "NoHostAvailable" in e for e in entries.values_list("last_error", flat=True))
    # With one node of three, LOCAL_QUORUM cannot be met: the drain fails and keeps every entry for later.
    first = repair.drain()
    assert (first.repaired, first.remaining) == (0, len(during))

    start_nodes(2, 3)
    # Entries wait out their backoff (seconds); drain until the log is empty.
    wait_until(lambda: repair.drain().remaining == 0, "the repair log to drain with every node back", every=2.0)
    cassandra = documents.cassandra_payload_store()
    for document_id, data in {**before, **during}.items():
        assert cassandra.get(document_id, "original") == data
    assert_clean_verification(len(before) + len(during))


def test_status_estimates_the_payload_count_from_every_node(on_cluster):
    force_phase(Phase.DUAL_WRITE)
    store = documents.payload_store()
    for n in range(300):
        store.put(f"est-{n:04d}", "original", b"z" * 200)
    for node in NODE_ADDRESS:
        cluster("nodetool", str(node), "flush", on_cluster)
        cluster("nodetool", str(node), "refreshsizeestimates")
    estimate = documents.cassandra_payload_store().estimated_count()
    # Per-SSTable cardinality estimates scaled to each node's primary ranges: close, not exact.
    assert estimate is not None and 200 <= estimate <= 450, estimate
