"""Both PayloadStore adapters against the real PostgreSQL and Cassandra, through the same tests."""

from __future__ import annotations

import os
from datetime import UTC, datetime, timedelta

import pytest

from pagero import cassandra_session
from pagero.documents import public as documents
from pagero.documents.models import PayloadRecord
from pagero.documents.payloads.cassandra import CHUNK_SIZE

pytestmark = pytest.mark.django_db


@pytest.fixture(params=["database", "cassandra"])
def store(request, real_services) -> documents.PayloadStore:
    if request.param == "cassandra":
        request.getfixturevalue("empty_cassandra")
        return documents.cassandra_payload_store()
    return documents.database_payload_store()


def corrupt(store: documents.PayloadStore, document_id: str, kind: str, chunk: int = 0) -> None:
    """Flip bytes behind the store's back, the way a disk or an operator error would."""
    if store.name == "database":
        row = PayloadRecord.objects.get(document_id=document_id, kind=kind)
        data = bytearray(row.data)
        data[0] ^= 0xFF
        PayloadRecord.objects.filter(pk=row.pk).update(data=bytes(data))
    else:
        session = cassandra_session.get_session()
        ks = store.keyspace
        row = session.execute(
            f"SELECT data FROM {ks}.payload_chunks WHERE document_id=%s AND kind=%s AND chunk=%s",
            (document_id, kind, chunk),
        ).one()
        data = bytearray(row.data)
        data[0] ^= 0xFF
        session.execute(
            f"UPDATE {ks}.payload_chunks SET data=%s WHERE document_id=%s AND kind=%s AND chunk=%s",
            (bytes(data), document_id, kind, chunk),
        )


def test_put_get_round_trip_with_checksum(store):
    data = b"<Invoice>" + os.urandom(5000) + b"</Invoice>"
    ref = store.put("doc-1", "original", data)
    assert ref == documents.PayloadRef("doc-1", "original", documents.sha256_hex(data), len(data))
    assert store.get("doc-1", "original") == data
    assert store.head("doc-1", "original") == ref
    assert store.exists("doc-1", "original") and not store.exists("doc-1", "rendition:cii")


def test_empty_payload(store):
    store.put("doc-empty", "original", b"")
    assert store.get("doc-empty", "original") == b""


def test_large_payload_over_one_megabyte(store):
    data = os.urandom(2 * CHUNK_SIZE + 12345)
    store.put("doc-big", "original", data)
    assert store.get("doc-big", "original") == data
    if store.name == "cassandra":
        rows = cassandra_session.get_session().execute(
            f"SELECT chunk, sha256 FROM {store.keyspace}.payload_chunks WHERE document_id='doc-big' AND kind='original'"
        )
        chunks = list(rows)
        assert [c.chunk for c in chunks] == [0, 1, 2]
        assert chunks[1].sha256 == documents.sha256_hex(data[CHUNK_SIZE : 2 * CHUNK_SIZE])


def test_missing_payload_raises_not_found(store):
    with pytest.raises(documents.PayloadNotFound, match="no original payload for document nope"):
        store.get("nope", "original")


def test_corruption_is_detected_never_served(store):
    data = os.urandom(3 * CHUNK_SIZE // 2)
    store.put("doc-c", "original", data)
    corrupt(store, "doc-c", "original", chunk=1)
    with pytest.raises(documents.PayloadCorrupted):
        store.get("doc-c", "original")


def test_an_older_write_never_replaces_a_newer_one(store):
    now = datetime.now(UTC)
    store.put("doc-t", "original", b"new version", written_at=now)
    store.put("doc-t", "original", b"old version, longer than the new one", written_at=now - timedelta(minutes=5))
    assert store.get("doc-t", "original") == b"new version"
    store.put("doc-t", "original", b"newest", written_at=now + timedelta(seconds=1))
    assert store.get("doc-t", "original") == b"newest"


def test_shorter_rewrite_ignores_left_over_chunks(store):
    store.put("doc-s", "original", os.urandom(2 * CHUNK_SIZE + 1))
    store.put("doc-s", "original", b"small now")
    assert store.get("doc-s", "original") == b"small now"


def test_delete(store):
    store.put("doc-d", "original", b"x")
    assert store.delete("doc-d", "original") is True
    assert not store.exists("doc-d", "original")
    with pytest.raises(documents.PayloadNotFound):
        store.get("doc-d", "original")


def test_iterate_is_complete_and_resumable(store):
    keys = {(f"doc-{n:03d}", "original") for n in range(25)}
    for document_id, kind in keys:
        store.put(document_id, kind, document_id.encode())
    items = list(store.iterate(batch_size=7))
    assert {(i.ref.document_id, i.ref.kind) for i in items} == keys
    assert store.count() == 25
    resumed = list(store.iterate(after=items[9].cursor, batch_size=4))
    assert [i.ref for i in resumed] == [i.ref for i in items[10:]]


def test_payload_store_setting_selects_the_adapter(settings):
    settings.PAYLOAD_STORE = "database"
    assert documents.payload_store().name == "database"
    settings.PAYLOAD_STORE = "migration"
    assert documents.payload_store().name == "migration"
    settings.PAYLOAD_STORE = "floppy"
    with pytest.raises(ValueError, match="PAYLOAD_STORE='floppy' is not one of"):
        documents.payload_store()
