"""PayloadStore adapter on Cassandra.

Two tables per keyspace:
- payload_meta (one row per payload): SHA-256, size, number of chunks, written_at;
- payload_chunks (one row per chunk of at most CHUNK_SIZE bytes): the bytes and their own SHA-256.

Every statement is written `USING TIMESTAMP <written_at>`, so Cassandra's last-write-wins keeps the
newest version whichever order the writes arrive in: a backfill copying an old row can never
overwrite a payload that a live dual write stored after it. Chunks are written before the meta
row, which therefore acts as the commit marker: a reader sees a payload only once it is complete.
"""

from __future__ import annotations

import functools
import time
from collections.abc import Callable, Iterator
from datetime import UTC, datetime
from typing import TypeVar

from cassandra import ConsistencyLevel, DriverException
from cassandra.cluster import NoHostAvailable
from cassandra.connection import ConnectionBusy
from django.conf import settings

from pagero import cassandra_session

from .port import (
    PayloadCorrupted,
    PayloadNotFound,
    PayloadRef,
    PayloadStoreUnavailable,
    StoredPayload,
    sha256_hex,
)

CHUNK_SIZE = 1024 * 1024
MIN_TOKEN = -(2**63)
# Chunks are fetched a few at a time so that no response grows near the native protocol's frame limit.
CHUNK_FETCH_SIZE = 4

SCHEMA = [
    """CREATE TABLE IF NOT EXISTS {ks}.payload_meta (
        document_id text, kind text, sha256 text, size bigint, chunks int, written_at timestamp,
        PRIMARY KEY ((document_id, kind)))""",
    """CREATE TABLE IF NOT EXISTS {ks}.payload_chunks (
        document_id text, kind text, chunk int, data blob, sha256 text,
        PRIMARY KEY ((document_id, kind), chunk))""",
]


def create_schema(keyspace: str | None = None, replication: str | None = None) -> str:
    """Create the keyspace (replication from configuration) and the payload tables; idempotent."""
    keyspace = keyspace or settings.CASSANDRA_KEYSPACE
    replication = replication or settings.CASSANDRA_REPLICATION
    session = cassandra_session.get_session()
    session.execute(f"CREATE KEYSPACE IF NOT EXISTS {keyspace} WITH replication = {replication}", timeout=60)
    for statement in SCHEMA:
        session.execute(statement.format(ks=keyspace), timeout=60)
    return keyspace


T = TypeVar("T")
BACKPRESSURE_ATTEMPTS = 8


def _is_backpressure(exc: Exception) -> bool:
    """The driver refuses a request while its socket's send buffer is full (ConnectionBusy)."""
    if isinstance(exc, ConnectionBusy):
        return True
    errors = getattr(exc, "errors", None) if isinstance(exc, NoHostAvailable) else None
    return errors is not None and bool(errors) and all(isinstance(e, ConnectionBusy) for e in errors.values())


def _with_backpressure(call: Callable[[], T]) -> T:
    """Retry a request refused for backpressure after a short, growing pause (large payloads fill the socket)."""
    for attempt in range(BACKPRESSURE_ATTEMPTS):
        try:
            return call()
        except (NoHostAvailable, ConnectionBusy) as exc:
            if not _is_backpressure(exc) or attempt == BACKPRESSURE_ATTEMPTS - 1:
                raise
            time.sleep(0.01 * 2**attempt)
    raise AssertionError("unreachable")


def _micros(moment: datetime) -> int:
    return int(moment.timestamp() * 1_000_000)


class CassandraPayloadStore:
    name = "cassandra"

    def __init__(self, keyspace: str | None = None) -> None:
        self.keyspace = keyspace or settings.CASSANDRA_KEYSPACE
        self._prepared: dict[str, object] | None = None
        self._prepared_on: object | None = None

    # -- statements ---------------------------------------------------------------------------
    def _statements(self) -> dict[str, object]:
        session = cassandra_session.get_session()
        # Prepared statements belong to one session; a new session (after a reconnect) prepares again.
        if self._prepared is None or self._prepared_on is not session:
            ks = self.keyspace
            consistency = ConsistencyLevel.name_to_value[settings.CASSANDRA_CONSISTENCY]
            texts = {
                "put_chunk": f"INSERT INTO {ks}.payload_chunks (document_id, kind, chunk, data, sha256) "
                "VALUES (?, ?, ?, ?, ?) USING TIMESTAMP ?",
                "put_meta": f"INSERT INTO {ks}.payload_meta (document_id, kind, sha256, size, chunks, written_at) "
                "VALUES (?, ?, ?, ?, ?, ?) USING TIMESTAMP ?",
                "get_meta": f"SELECT sha256, size, chunks, written_at FROM {ks}.payload_meta "
                "WHERE document_id = ? AND kind = ?",
                "get_chunks": f"SELECT chunk, data, sha256 FROM {ks}.payload_chunks WHERE document_id = ? AND kind = ?",
                "delete_meta": f"DELETE FROM {ks}.payload_meta USING TIMESTAMP ? WHERE document_id = ? AND kind = ?",
                "delete_chunks": f"DELETE FROM {ks}.payload_chunks USING TIMESTAMP ? "
                "WHERE document_id = ? AND kind = ?",
                "scan": f"SELECT token(document_id, kind), document_id, kind, sha256, size, written_at "
                f"FROM {ks}.payload_meta WHERE token(document_id, kind) > ? LIMIT ?",
                "count": f"SELECT count(*) FROM {ks}.payload_meta",
            }
            prepared = {}
            for key, text in texts.items():
                statement = session.prepare(text)
                statement.consistency_level = consistency
                prepared[key] = statement
            prepared["get_chunks"].fetch_size = CHUNK_FETCH_SIZE
            self._prepared = prepared
            self._prepared_on = session
        return self._prepared

    def _run(self, key: str, params: tuple, timeout: float = 10.0):
        try:
            statement = self._statements()[key]
            session = cassandra_session.get_session()
            return _with_backpressure(lambda: session.execute(statement, params, timeout=timeout))
        except (NoHostAvailable, DriverException, OSError) as exc:
            raise PayloadStoreUnavailable(f"cassandra {key} failed: {type(exc).__name__}: {exc}") from exc

    # -- port -----------------------------------------------------------------------------------
    def put(self, document_id: str, kind: str, data: bytes, written_at: datetime | None = None) -> PayloadRef:
        written_at = written_at or datetime.now(UTC)
        stamp = _micros(written_at)
        chunks = [data[i : i + CHUNK_SIZE] for i in range(0, len(data), CHUNK_SIZE)] or [b""]
        ref = PayloadRef(document_id=document_id, kind=kind, sha256=sha256_hex(data), size=len(data))
        try:
            session = cassandra_session.get_session()
            statements = self._statements()
            # One chunk at a time: callers that want throughput (backfill) run several puts in parallel.
            for number, chunk in enumerate(chunks):
                params = (document_id, kind, number, chunk, sha256_hex(chunk), stamp)
                _with_backpressure(functools.partial(session.execute, statements["put_chunk"], params))
            meta = (document_id, kind, ref.sha256, ref.size, len(chunks), written_at, stamp)
            _with_backpressure(lambda: session.execute(statements["put_meta"], meta))
        except PayloadStoreUnavailable:
            raise
        except (NoHostAvailable, DriverException, OSError) as exc:
            raise PayloadStoreUnavailable(f"cassandra put failed: {type(exc).__name__}: {exc}") from exc
        return ref

    def head(self, document_id: str, kind: str) -> PayloadRef | None:
        row = self._run("get_meta", (document_id, kind)).one()
        return PayloadRef(document_id, kind, row.sha256, row.size) if row else None

    def get(self, document_id: str, kind: str) -> bytes:
        meta = self._run("get_meta", (document_id, kind)).one()
        if meta is None:
            raise PayloadNotFound(document_id, kind, self.name)
        statement = self._statements()["get_chunks"]
        try:
            rows = cassandra_session.get_session().execute(statement, (document_id, kind), timeout=30)
            parts: list[bytes] = []
            for row in rows:
                if row.chunk >= meta.chunks:
                    break  # left over from an older, longer version of this payload
                if row.chunk != len(parts):
                    raise PayloadCorrupted(document_id, kind, self.name, f"chunk {len(parts)} is missing")
                chunk = bytes(row.data or b"")
                if sha256_hex(chunk) != row.sha256:
                    raise PayloadCorrupted(document_id, kind, self.name, f"chunk {row.chunk} checksum differs")
                parts.append(chunk)
        except (NoHostAvailable, DriverException, OSError) as exc:
            raise PayloadStoreUnavailable(f"cassandra get failed: {type(exc).__name__}: {exc}") from exc
        if len(parts) != meta.chunks:
            raise PayloadCorrupted(document_id, kind, self.name, f"{meta.chunks - len(parts)} chunk(s) missing")
        data = b"".join(parts)
        if len(data) != meta.size or sha256_hex(data) != meta.sha256:
            raise PayloadCorrupted(document_id, kind, self.name, "SHA-256 does not match the recorded one")
        return data

    def exists(self, document_id: str, kind: str) -> bool:
        return self.head(document_id, kind) is not None

    def delete(self, document_id: str, kind: str) -> bool:
        existed = self.exists(document_id, kind)
        stamp = _micros(datetime.now(UTC))
        self._run("delete_meta", (stamp, document_id, kind))
        self._run("delete_chunks", (stamp, document_id, kind))
        return existed

    def iterate(self, after: int | None = None, batch_size: int = 500) -> Iterator[StoredPayload]:
        cursor = MIN_TOKEN if after is None else after
        while True:
            rows = list(self._run("scan", (cursor, batch_size), timeout=60))
            for row in rows:
                ref = PayloadRef(row.document_id, row.kind, row.sha256, row.size)
                # Rows are written with their time (put_meta): none without it.
                yield StoredPayload(ref=ref, cursor=row[0], written_at=row.written_at.replace(tzinfo=UTC))
            if len(rows) < batch_size:
                return
            cursor = rows[-1][0]

    def count(self) -> int:
        return self._run("count", (), timeout=120).one()[0]
