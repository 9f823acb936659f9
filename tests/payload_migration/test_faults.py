"""Faults on the real services: Cassandra stopped, backfill killed, payloads corrupted."""

from __future__ import annotations

import os
import subprocess
import sys
import threading
import time
from io import StringIO

import pytest
from django.core.management import call_command
from django.core.management.base import CommandError
from django.utils import timezone

from pagero import cassandra_session
from pagero.documents import public as documents
from payload_migration.models import BackfillRun, RepairEntry
from payload_migration.payloads import repair
from payload_migration.payloads.phases import Phase
from payload_migration.payloads.verify import verify
from tests.conftest import ROOT, subprocess_env

from .conftest import force_phase

pytestmark = [pytest.mark.services, pytest.mark.slow]

SPARE = ("fault", "9142", "7100", "7299")  # name, CQL, storage and JMX ports of a disposable instance


def services(*args: str) -> None:
    subprocess.run([str(ROOT / "ops" / "services.sh"), *args], check=True, timeout=300)


def port_open(port: int) -> bool:
    import socket

    with socket.socket() as sock:
        sock.settimeout(0.5)
        return sock.connect_ex(("127.0.0.1", port)) == 0


@pytest.fixture(scope="module")
def spare_instance(real_services):
    """A Cassandra of this module's own, so that stopping it cannot disturb parallel tests."""
    services("cassandra-start", *SPARE)
    yield
    cassandra_session.shutdown()
    services("cassandra-stop", SPARE[0])


@pytest.fixture
def spare_cassandra(settings, spare_instance):
    services("cassandra-start", *SPARE)  # no-op when it is up; restarts it after a test stopped it
    cassandra_session.shutdown()
    settings.CASSANDRA_PORT = int(SPARE[1])
    settings.PAYLOAD_STORE = "migration"
    keyspace = documents.create_cassandra_schema(settings.CASSANDRA_KEYSPACE)
    for table in ("payload_meta", "payload_chunks"):
        cassandra_session.get_session().execute(f"TRUNCATE {keyspace}.{table}", timeout=60)
    yield
    cassandra_session.shutdown()


@pytest.mark.django_db(transaction=True)
def test_cassandra_stopped_during_dual_write(spare_cassandra):
    force_phase(Phase.DUAL_WRITE)
    store = documents.payload_store()
    before = {f"up-{n}": os.urandom(2000) for n in range(5)}
    for document_id, data in before.items():
        store.put(document_id, "original", data)
    assert RepairEntry.objects.count() == 0

    services("cassandra-stop", SPARE[0])  # a clean stop (a crash is covered by verification)
    assert not port_open(int(SPARE[1]))
    during = {f"down-{n}": os.urandom(3000) for n in range(20)}
    for document_id, data in during.items():
        ref = store.put(document_id, "original", data)  # submissions still succeed
        assert ref.sha256 == documents.sha256_hex(data)
    assert RepairEntry.objects.filter(done_at__isnull=True, target="cassandra").count() == 20
    failed = repair.drain()
    assert (failed.repaired, failed.remaining) == (0, 20)
    assert RepairEntry.objects.filter(attempts=1).count() == 20

    services("cassandra-start", *SPARE)
    RepairEntry.objects.update(next_attempt_at=timezone.now())  # skip the backoff wait
    deadline = time.monotonic() + 60
    while repair.drain().remaining and time.monotonic() < deadline:
        time.sleep(1)  # the driver reconnects to the restarted node within seconds
    assert RepairEntry.objects.filter(done_at__isnull=True).count() == 0
    cassandra = documents.cassandra_payload_store()
    for document_id, data in {**before, **during}.items():
        assert cassandra.get(document_id, "original") == data
    run = verify()
    assert run.clean and run.checked == 25


@pytest.mark.django_db(transaction=True)
def test_cassandra_crash_is_caught_by_verification_and_repaired(spare_cassandra):
    """SIGKILL may lose writes Cassandra acknowledged within its commitlog sync period (periodic, 10 s):
    verification is the net that finds them, and --repair copies them back from PostgreSQL."""
    force_phase(Phase.SHADOW_READ)
    store = documents.payload_store()
    payloads = {f"crash-{n}": os.urandom(2500) for n in range(30)}
    for document_id, data in payloads.items():
        store.put(document_id, "original", data)
    services("cassandra-stop", SPARE[0], "KILL")
    services("cassandra-start", *SPARE)
    deadline = time.monotonic() + 60
    while time.monotonic() < deadline:  # wait until the driver has reconnected
        try:
            documents.cassandra_payload_store().count()
            break
        except documents.PayloadStoreUnavailable:
            time.sleep(1)
    found = verify(repair=True)
    assert found.missing_in_cassandra == found.repaired  # whatever was lost is put back
    after = verify()
    assert after.clean and after.checked == 30
    for document_id, data in payloads.items():
        assert store.get(document_id, "original") == data


# The backfill command in a process of its own, held still at a chosen write: after the first PAUSE_AFTER
# Cassandra writes have completed, every further write blocks and "paused" is printed. The test then kills
# the process, so where it dies does not depend on how fast this machine copies.
BACKFILL_UNTIL_PAUSED = """
import os, sys, threading
import django

os.environ.setdefault("DJANGO_SETTINGS_MODULE", "pagero.settings")
django.setup()
from django.core.management import call_command
from pagero.documents import public as documents

pause_after = int(sys.argv[1])
lock = threading.Lock()
admitted = completed = 0
all_completed = threading.Event()
announced = False
real_factory = documents.cassandra_payload_store


class PausingStore:
    def __init__(self, store):
        self.store = store
        self.name = store.name

    def __getattr__(self, name):
        return getattr(self.store, name)

    def put(self, *args, **kwargs):
        global admitted, completed, announced
        with lock:
            hold = admitted >= pause_after
            admitted += 0 if hold else 1
        if hold:
            all_completed.wait()
            with lock:
                if not announced:
                    announced = True
                    print("paused", flush=True)
            threading.Event().wait()  # until the process is killed
        ref = self.store.put(*args, **kwargs)
        with lock:
            completed += 1
            if completed == pause_after:
                all_completed.set()
        return ref


documents.cassandra_payload_store = lambda *a, **k: PausingStore(real_factory(*a, **k))
call_command("payloads_backfill", *sys.argv[2:])
"""


@pytest.mark.django_db(transaction=True)
def test_backfill_killed_half_way_resumes_without_gaps_or_duplicates(settings, empty_cassandra):
    settings.PAYLOAD_STORE = "migration"
    database = documents.database_payload_store()
    originals = {f"old-{n:04d}": os.urandom(1500 + n) for n in range(600)}
    for document_id, data in originals.items():
        database.put(document_id, "original", data)
    force_phase(Phase.BACKFILL)
    env = subprocess_env()

    # Killed in the middle of the 11th batch of 25: ten batches checkpointed (250 payloads), and 10 payloads
    # of the batch in flight already in Cassandra although its checkpoint was never saved.
    first = subprocess.Popen(
        [sys.executable, "-c", BACKFILL_UNTIL_PAUSED, "260", "--batch-size", "25"],
        cwd=ROOT,
        env=env,
        stdout=subprocess.PIPE,
        stderr=subprocess.STDOUT,
        text=True,
        start_new_session=True,
    )
    lines: list[str] = []
    paused = threading.Event()

    def read() -> None:
        for line in first.stdout:
            lines.append(line.rstrip())
            if line.startswith("paused"):
                paused.set()

    threading.Thread(target=read, daemon=True).start()
    try:
        assert paused.wait(300), f"the backfill never reached its pause point: {lines}"
    finally:
        first.kill()
        first.wait(timeout=30)
    killed_at = BackfillRun.objects.get()
    assert killed_at.finished_at is None
    assert (killed_at.copied, killed_at.skipped) == (250, 0)
    cassandra = documents.cassandra_payload_store()
    assert cassandra.count() == 260

    command = [sys.executable, "manage.py", "payloads_backfill", "--batch-size", "25"]
    second = subprocess.run(command, cwd=ROOT, env=env, capture_output=True, text=True, timeout=300)
    assert second.returncode == 0, second.stdout + second.stderr
    assert f"resumed from cursor {killed_at.cursor}" in second.stdout
    run = BackfillRun.objects.get()
    assert run.finished_at is not None and run.resumes == 1
    # The 10 payloads of the interrupted batch are found present with the same SHA-256 and skipped, not
    # copied twice; every other payload is copied exactly once.
    assert (run.copied, run.skipped) == (590, 10)
    assert cassandra.count() == 600
    for document_id, data in originals.items():
        assert cassandra.get(document_id, "original") == data


@pytest.mark.django_db
def test_verification_finds_corruption_in_either_store_and_repairs_it(settings, empty_cassandra):
    from tests.documents.test_payload_stores import corrupt

    settings.PAYLOAD_STORE = "migration"
    force_phase(Phase.SHADOW_READ)
    store = documents.payload_store()
    for n in range(10):
        store.put(f"doc-{n}", "original", os.urandom(4000))
    corrupt(documents.database_payload_store(), "doc-3", "original")
    corrupt(documents.cassandra_payload_store(), "doc-7", "original")
    found = verify()
    assert (found.checked, found.corrupt, found.clean) == (10, 2, False)
    assert {e["document_id"] for e in found.examples} == {"doc-3", "doc-7"}
    with pytest.raises(CommandError, match="differences found"):
        call_command("payloads_verify", "--repair", stdout=StringIO())
    assert verify().clean
