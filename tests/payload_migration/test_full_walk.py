"""The whole migration, postgres_only to retired, while a writer keeps storing payloads."""

from __future__ import annotations

import os
import threading
from io import StringIO

import pytest
from django.core.management import call_command
from django.core.management.base import CommandError
from django.db import connection

from pagero.documents import public as documents
from payload_migration.payloads.phases import Phase
from payload_migration.payloads.store import current_phase

pytestmark = [pytest.mark.services, pytest.mark.slow]


class BackgroundWriter(threading.Thread):
    """Stores a payload every few milliseconds through the configured store, as submissions would."""

    def __init__(self) -> None:
        super().__init__(daemon=True)
        self.stop_event = threading.Event()
        self.written: dict[str, bytes] = {}
        self.errors: list[str] = []

    def run(self) -> None:
        store = documents.payload_store()
        n = 0
        try:
            while not self.stop_event.is_set():
                document_id = f"live-{n:05d}"
                data = os.urandom(500 + (n * 37) % 4000)
                try:
                    store.put(document_id, "original", data)
                    self.written[document_id] = data
                except Exception as exc:  # every failed submission is a test failure
                    self.errors.append(f"{document_id}: {type(exc).__name__}: {exc}")
                n += 1
                self.stop_event.wait(0.005)
        finally:
            connection.close()

    def stop(self) -> None:
        self.stop_event.set()
        self.join(timeout=30)


def manage(command: str, *args: str) -> str:
    out = StringIO()
    call_command(command, *args, stdout=out)
    return out.getvalue()


def verify_until_clean(attempts: int = 3) -> None:
    """Verify, repairing what a race with the writer left behind, until a pass is clean."""
    for _ in range(attempts):
        try:
            manage("payloads_verify", "--repair")
            return
        except CommandError:
            continue
    manage("payloads_verify")


@pytest.mark.django_db(transaction=True)
def test_walk_from_postgres_only_to_retired_under_writes(settings, empty_cassandra):
    settings.PAYLOAD_STORE = "migration"
    store = documents.payload_store()
    history = {f"old-{n:04d}": os.urandom(800 + n) for n in range(300)}
    for document_id, data in history.items():
        store.put(document_id, "original", data)

    writer = BackgroundWriter()
    writer.start()
    try:
        manage("payloads_migration", "advance", "--reason", "start dual writes")
        assert current_phase() is Phase.DUAL_WRITE
        manage("payloads_migration", "advance", "--reason", "backfill")
        output = manage("payloads_backfill", "--batch-size", "50")
        assert "copied" in output
        manage("payloads_migration", "advance", "--reason", "compare reads")
        assert current_phase() is Phase.SHADOW_READ
        for document_id in list(history)[:50]:
            assert store.get(document_id, "original") == history[document_id]
        verify_until_clean()
        manage("payloads_migration", "advance", "--reason", "serve from cassandra")
        assert current_phase() is Phase.CASSANDRA_PRIMARY
        verify_until_clean()
        manage("payloads_migration", "advance", "--reason", "stop writing postgres")
        assert current_phase() is Phase.CASSANDRA_ONLY
        verify_until_clean()
        manage("payloads_migration", "advance", "--reason", "retire the table")
        assert current_phase() is Phase.RETIRED
    finally:
        writer.stop()

    assert writer.errors == []
    assert len(writer.written) > 50, "the writer kept writing through the walk"
    assert documents.database_payload_store().count() == 0
    everything = {**history, **writer.written}
    cassandra = documents.cassandra_payload_store()
    assert cassandra.count() == len(everything)
    for document_id, data in everything.items():
        assert store.get(document_id, "original") == data
