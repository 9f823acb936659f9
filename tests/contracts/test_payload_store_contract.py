"""The PayloadStore contract: what every adapter of the port does, run against each of them.

`PayloadStoreContract` holds the behaviours; each `Test…` class below gives it one adapter as `subject`: the
in-memory fake (tests/fakes), the database store (the configured database: SQLite service-free, PostgreSQL in the
services run), the Cassandra store, and the migration's phased store in the phases where both stores take part.
A class per adapter, not a parametrised fixture, so that the service fixtures an adapter needs are in its tests'
fixture closure (that is what marks them `services`).
"""

from __future__ import annotations

import os
from collections.abc import Callable
from dataclasses import dataclass
from datetime import UTC, datetime, timedelta

import pytest

from pagero.documents import public as documents
from payload_migration.public import Phase
from tests.documents.test_payload_stores import corrupt
from tests.fakes.payloads import InMemoryPayloadStore
from tests.payload_migration.conftest import force_phase

pytestmark = pytest.mark.django_db

# More than two of the Cassandra store's 1 MiB chunks, and not a multiple of one.
LARGE = 2 * 1024 * 1024 + 12345
PHASES = [Phase.DUAL_WRITE, Phase.SHADOW_READ, Phase.CASSANDRA_PRIMARY, Phase.CASSANDRA_ONLY]


@dataclass
class Subject:
    store: documents.PayloadStore
    # Changes the stored bytes of every copy the adapter keeps, behind its back.
    corrupt: Callable[[str, str], None]


class PayloadStoreContract:
    """What every PayloadStore adapter does; a subclass gives the adapter as the `subject` fixture."""

    def test_a_payload_reads_back_byte_for_byte_with_its_reference(self, subject):
        store = subject.store
        data = b"<Invoice>" + os.urandom(5000) + b"</Invoice>"
        ref = store.put("doc-1", "original", data)
        assert ref == documents.PayloadRef("doc-1", "original", documents.sha256_hex(data), len(data))
        assert store.get("doc-1", "original") == data
        assert store.head("doc-1", "original") == ref
        assert store.exists("doc-1", "original")

    def test_kinds_of_one_document_are_separate_payloads(self, subject):
        store = subject.store
        store.put("doc-k", "original", b"<Invoice/>")
        assert not store.exists("doc-k", "rendition:cii")
        store.put("doc-k", "rendition:cii", b"<rsm:CrossIndustryInvoice/>")
        assert store.get("doc-k", "original") == b"<Invoice/>"
        assert store.get("doc-k", "rendition:cii") == b"<rsm:CrossIndustryInvoice/>"

    def test_an_empty_payload_is_a_payload(self, subject):
        ref = subject.store.put("doc-empty", "original", b"")
        assert ref.size == 0 and ref.sha256 == documents.sha256_hex(b"")
        assert subject.store.get("doc-empty", "original") == b""
        assert subject.store.exists("doc-empty", "original")

    def test_a_payload_of_several_megabytes(self, subject):
        data = os.urandom(LARGE)
        subject.store.put("doc-big", "original", data)
        assert subject.store.get("doc-big", "original") == data
        assert subject.store.head("doc-big", "original").size == LARGE

    def test_a_missing_payload_raises_not_found_naming_it(self, subject):
        store = subject.store
        with pytest.raises(documents.PayloadNotFound) as raised:
            store.get("nope", "original")
        assert (raised.value.document_id, raised.value.kind) == ("nope", "original")
        assert "no original payload for document nope" in str(raised.value)
        assert isinstance(raised.value, documents.PayloadError)
        assert store.head("nope", "original") is None
        assert not store.exists("nope", "original")

    def test_a_newer_write_replaces_and_an_older_one_never_does(self, subject):
        store = subject.store
        now = datetime.now(UTC)
        store.put("doc-t", "original", b"first", written_at=now - timedelta(minutes=1))
        store.put("doc-t", "original", b"new version", written_at=now)
        assert store.get("doc-t", "original") == b"new version"
        store.put("doc-t", "original", b"old version, longer than the new one", written_at=now - timedelta(minutes=5))
        assert store.get("doc-t", "original") == b"new version"
        assert store.head("doc-t", "original") == documents.PayloadRef(
            "doc-t", "original", documents.sha256_hex(b"new version"), len(b"new version")
        )
        store.put("doc-t", "original", b"newest", written_at=now + timedelta(seconds=1))
        assert store.get("doc-t", "original") == b"newest"

    def test_a_rewrite_without_a_time_replaces_the_payload(self, subject):
        subject.store.put("doc-o", "original", b"one")
        subject.store.put("doc-o", "original", b"two")
        assert subject.store.get("doc-o", "original") == b"two"

    def test_a_shorter_rewrite_leaves_nothing_of_the_longer_one(self, subject):
        subject.store.put("doc-s", "original", os.urandom(LARGE))
        subject.store.put("doc-s", "original", b"small now")
        assert subject.store.get("doc-s", "original") == b"small now"

    def test_delete_answers_whether_there_was_a_payload(self, subject):
        store = subject.store
        store.put("doc-d", "original", b"x")
        store.put("doc-d", "rendition:cii", b"y")
        assert store.delete("doc-d", "original") is True
        assert not store.exists("doc-d", "original") and store.head("doc-d", "original") is None
        with pytest.raises(documents.PayloadNotFound):
            store.get("doc-d", "original")
        assert store.delete("doc-d", "original") is False
        assert store.get("doc-d", "rendition:cii") == b"y"  # only the payload named

    def test_corrupt_bytes_are_never_served(self, subject):
        data = b"<Invoice>" + os.urandom(4000) + b"</Invoice>"
        subject.store.put("doc-c", "original", data)
        subject.corrupt("doc-c", "original")
        with pytest.raises(documents.PayloadCorrupted) as raised:
            subject.store.get("doc-c", "original")
        assert (raised.value.document_id, raised.value.kind) == ("doc-c", "original")
        assert isinstance(raised.value, documents.PayloadError)

    def test_iteration_is_complete_and_resumable_from_a_cursor(self, subject):
        store = subject.store
        keys = {(f"doc-{n:03d}", "original") for n in range(25)}
        for document_id, kind in sorted(keys):
            store.put(document_id, kind, document_id.encode())
        items = list(store.iterate(batch_size=7))
        assert {(i.ref.document_id, i.ref.kind) for i in items} == keys
        assert len(items) == 25
        assert all(i.ref == store.head(i.ref.document_id, i.ref.kind) for i in items)
        resumed = list(store.iterate(after=items[9].cursor, batch_size=4))
        assert [i.ref for i in resumed] == [i.ref for i in items[10:]]

    def test_count_is_the_number_of_payloads(self, subject):
        store = subject.store
        for n in range(3):
            store.put(f"doc-n{n}", "original", b"x")
        store.put("doc-n0", "rendition:cii", b"y")
        assert store.count() == 4
        store.delete("doc-n1", "original")
        assert store.count() == 3


class TestInMemoryPayloadStore(PayloadStoreContract):
    @pytest.fixture
    def subject(self) -> Subject:
        store = InMemoryPayloadStore()
        return Subject(store, store.damage)


class TestDatabasePayloadStore(PayloadStoreContract):
    @pytest.fixture
    def subject(self) -> Subject:
        store = documents.database_payload_store()
        return Subject(store, lambda document_id, kind: corrupt(store, document_id, kind))


class TestCassandraPayloadStore(PayloadStoreContract):
    @pytest.fixture
    def subject(self, empty_cassandra) -> Subject:
        store = documents.cassandra_payload_store()
        return Subject(store, lambda document_id, kind: corrupt(store, document_id, kind))


class TestPhasedPayloadStore(PayloadStoreContract):
    """PAYLOAD_STORE=migration: the store the migration phase steers, in each phase where both stores take part."""

    @pytest.fixture(params=PHASES, ids=str)
    def subject(self, request, empty_cassandra, settings) -> Subject:
        settings.PAYLOAD_STORE = "migration"
        force_phase(request.param)
        store = documents.payload_store()

        def corrupt_every_copy(document_id: str, kind: str) -> None:
            # A store that still has an intact copy may answer from it: corruption only shows when every copy is hit.
            for inner in (store.database, store.cassandra):
                if inner.exists(document_id, kind):
                    corrupt(inner, document_id, kind)

        return Subject(store, corrupt_every_copy)
