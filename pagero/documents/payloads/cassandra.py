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
import threading
import time
from collections.abc import Callable, Iterator
from datetime import UTC, datetime
from typing import Any, TypeVar

from cassandra import ConsistencyLevel, DriverException
from cassandra.cluster import NoHostAvailable
from cassandra.connection import ConnectionBusy
from cassandra.query import BatchStatement, BatchType
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
# Partition keys read per page when counting.
COUNT_PAGE = 5000
# How long a caller waits for an asynchronous put (each request has the session's 10 s timeout).
ASYNC_PUT_TIMEOUT = 30.0

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


def _chunk_sha(chunk: bytes, chunks: list[bytes], whole_sha: str) -> str:
    # Most payloads fit one chunk, whose checksum is the payload's: hashing it twice would cost CPU per byte.
    return whole_sha if len(chunks) == 1 else sha256_hex(chunk)


def _micros(moment: datetime) -> int:
    return int(moment.timestamp() * 1_000_000)


class CassandraPayloadStore:
    name = "cassandra"

    def __init__(self, keyspace: str | None = None) -> None:
        self.keyspace = keyspace or settings.CASSANDRA_KEYSPACE
        self._prepared: dict[str, object] | None = None
        self._prepared_on: object | None = None

    # -- statements ---------------------------------------------------------------------------
    def _statements(self) -> dict[str, Any]:  # prepared statements by name
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
                "keys": f"SELECT token(document_id, kind) FROM {ks}.payload_meta "
                "WHERE token(document_id, kind) > ? LIMIT ?",
            }
            prepared = {}
            for key, text in texts.items():
                statement = session.prepare(text)
                statement.consistency_level = consistency
                # Every write carries its own timestamp (USING TIMESTAMP), so sending one again is harmless: the
                # driver may then retry it on another node when a node dies with the request in flight.
                statement.is_idempotent = True
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
                params = (document_id, kind, number, chunk, _chunk_sha(chunk, chunks, ref.sha256), stamp)
                _with_backpressure(functools.partial(session.execute, statements["put_chunk"], params))
            meta = (document_id, kind, ref.sha256, ref.size, len(chunks), written_at, stamp)
            _with_backpressure(lambda: session.execute(statements["put_meta"], meta))
        except PayloadStoreUnavailable:
            raise
        except (NoHostAvailable, DriverException, OSError) as exc:
            raise PayloadStoreUnavailable(f"cassandra put failed: {type(exc).__name__}: {exc}") from exc
        return ref

    def put_async(self, document_id: str, kind: str, data: bytes, written_at: datetime | None = None) -> PendingPut:
        """Start a put on the driver's event loop and return at once; `result()` joins it.

        The chunks are sent concurrently, the meta row (the commit marker) once all of them are acknowledged.
        """
        return PendingPut(self, document_id, kind, data, written_at or datetime.now(UTC))

    def head(self, document_id: str, kind: str) -> PayloadRef | None:
        row = self._run("get_meta", (document_id, kind)).one()
        return PayloadRef(document_id, kind, row.sha256, row.size) if row else None

    def head_many(self, keys: list[tuple[str, str]], timeout: float = 30.0) -> list[PayloadRef | None]:
        """head() of many payloads at once: the reads run concurrently on the driver's event loop."""
        try:
            statement = self._statements()["get_meta"]
            session = cassandra_session.get_session()
            futures = [session.execute_async(statement, key) for key in keys]
            refs: list[PayloadRef | None] = []
            for (document_id, kind), future in zip(keys, futures, strict=True):
                row = future.result().one()
                refs.append(PayloadRef(document_id, kind, row.sha256, row.size) if row else None)
            return refs
        except (NoHostAvailable, DriverException, OSError) as exc:
            raise PayloadStoreUnavailable(f"cassandra head failed: {type(exc).__name__}: {exc}") from exc

    def get(self, document_id: str, kind: str) -> bytes:
        meta = self._run("get_meta", (document_id, kind)).one()
        if meta is None:
            raise PayloadNotFound(document_id, kind, self.name)
        if meta.chunks is None or meta.sha256 is None or meta.size is None:
            # A meta row missing cells (e.g. restored in part from another replica): never guess the payload.
            raise PayloadCorrupted(document_id, kind, self.name, "the meta row is incomplete")
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

    def count(self, limit: int | None = None) -> int:
        """Exact number of payloads, by a paged walk over the partition keys in token order.

        Never `SELECT count(*)`: without a partition key that is one aggregation over the whole table on one
        coordinator, which times out at scale (and Cassandra warns about it). The walk holds one page at a time
        and costs one key read per payload; with `limit` it stops once that many are seen (see estimated_count).
        """
        cursor, seen = MIN_TOKEN, 0
        while limit is None or seen < limit:
            rows = list(self._run("keys", (cursor, COUNT_PAGE), timeout=60))
            seen += len(rows)
            if len(rows) < COUNT_PAGE:
                break
            cursor = rows[-1][0]
        return seen if limit is None else min(seen, limit)

    def estimated_count(self) -> int | None:
        """Partitions of payload_meta as Cassandra estimates them (system.size_estimates), or None if unknown.

        Each node records, for the primary token ranges it owns, the partitions its SSTables hold (refreshed every
        few minutes, memtables not included). Summed over all nodes this covers the ring once: an estimate of
        the number of payloads that costs one small read per node whatever the table's size.
        """
        session = cassandra_session.get_session()
        query = "SELECT partitions_count FROM system.size_estimates WHERE keyspace_name = %s AND table_name = %s"
        total, answered = 0, 0
        try:
            for host in session.cluster.metadata.all_hosts():
                if not host.is_up:
                    return None  # its ranges would be missing: no estimate rather than a wrong one
                rows = session.execute(query, (self.keyspace, "payload_meta"), host=host, timeout=10)
                total += sum(row.partitions_count for row in rows)
                answered += 1
        except (NoHostAvailable, DriverException, OSError):
            return None
        return total if answered else None


class PendingPut:
    """A Cassandra put in flight (CassandraPayloadStore.put_async).

    The requests are sent with the driver's execute_async and completed by its callbacks, so the caller's thread
    is free to write PostgreSQL meanwhile. When the driver refuses a request for backpressure (its send buffer
    is full, ConnectionBusy), result() finishes the put synchronously with the usual short retries.
    """

    def __init__(self, store: CassandraPayloadStore, document_id: str, kind: str, data: bytes, written_at: datetime):
        self.store, self.document_id, self.kind, self.data, self.written_at = store, document_id, kind, data, written_at
        self.ref = PayloadRef(document_id=document_id, kind=kind, sha256=sha256_hex(data), size=len(data))
        self._done = threading.Event()
        self._lock = threading.Lock()
        self._error: BaseException | None = None
        chunks = [data[i : i + CHUNK_SIZE] for i in range(0, len(data), CHUNK_SIZE)] or [b""]
        self._remaining = len(chunks)
        self._chunks = len(chunks)
        stamp = _micros(written_at)
        try:
            self._session = cassandra_session.get_session()
            self._statements = store._statements()
            if len(chunks) == 1:
                # Chunk and meta row share the partition key, so an unlogged batch of the two is one mutation (one
                # commit-log entry) on each replica: one round trip instead of two, and no replica keeps the meta
                # row without its chunk. Multi-chunk payloads keep the order: chunks first, then the meta row.
                batch = BatchStatement(
                    batch_type=BatchType.UNLOGGED, consistency_level=self._statements["put_meta"].consistency_level
                )
                batch.add(self._statements["put_chunk"], (document_id, kind, 0, chunks[0], self.ref.sha256, stamp))
                batch.add(self._statements["put_meta"], self._meta_params())
                batch.is_idempotent = True
                future = self._session.execute_async(batch)
                future.add_callbacks(lambda _rows: self._done.set(), self._failed)
                return
            for number, chunk in enumerate(chunks):
                params = (document_id, kind, number, chunk, _chunk_sha(chunk, chunks, self.ref.sha256), stamp)
                future = self._session.execute_async(self._statements["put_chunk"], params)
                future.add_callbacks(self._chunk_written, self._failed)
        except Exception as exc:  # raised before any request left: reported by result()
            self._failed(exc)

    def _chunk_written(self, _rows: object) -> None:
        with self._lock:
            self._remaining -= 1
            last = self._remaining == 0 and self._error is None
        if not last:
            return
        try:
            future = self._session.execute_async(self._statements["put_meta"], self._meta_params())
            future.add_callbacks(lambda _rows: self._done.set(), self._failed)
        except Exception as exc:
            self._failed(exc)

    def _meta_params(self) -> tuple:
        ref = self.ref
        return (
            ref.document_id,
            ref.kind,
            ref.sha256,
            ref.size,
            self._chunks,
            self.written_at,
            _micros(self.written_at),
        )

    def _failed(self, exc: BaseException) -> None:
        with self._lock:
            if self._error is None:
                self._error = exc
        self._done.set()

    def result(self, timeout: float = ASYNC_PUT_TIMEOUT) -> PayloadRef:
        """Wait for the put; raises PayloadStoreUnavailable when it failed or did not finish in time."""
        if not self._done.wait(timeout):
            raise PayloadStoreUnavailable(f"cassandra put of {self.document_id}/{self.kind} timed out after {timeout}s")
        error = self._error
        if error is None:
            return self.ref
        if isinstance(error, Exception) and _is_backpressure(error):
            return self.store.put(self.document_id, self.kind, self.data, self.written_at)
        if isinstance(error, PayloadStoreUnavailable):
            raise error
        raise PayloadStoreUnavailable(f"cassandra put failed: {type(error).__name__}: {error}") from error
