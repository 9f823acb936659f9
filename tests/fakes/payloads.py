"""An in-memory PayloadStore: for unit-testing code that keeps or reads payloads, without a database or Cassandra.

It keeps the port's promises (tests/contracts/test_payload_store_contract.py): the SHA-256 recorded at write time is
checked on every read, an older `written_at` never replaces a newer payload, iteration is complete and resumable
from a cursor. It keeps nothing across processes and never becomes unavailable; `damage` stands for a disk or an
operator changing bytes behind the store's back.
"""

from __future__ import annotations

import itertools
import threading
from collections.abc import Iterator
from dataclasses import dataclass
from datetime import UTC, datetime

from pagero.documents import public as documents


@dataclass
class _Entry:
    data: bytes
    ref: documents.PayloadRef
    written_at: datetime
    cursor: int


class InMemoryPayloadStore:
    name = "memory"

    def __init__(self) -> None:
        self._entries: dict[tuple[str, str], _Entry] = {}
        self._cursors = itertools.count(1)
        # Backfill and the pipeline write from several threads; one lock keeps compare-and-write atomic.
        self._lock = threading.Lock()

    def put(self, document_id: str, kind: str, data: bytes, written_at: datetime | None = None) -> documents.PayloadRef:
        written_at = written_at or datetime.now(UTC)
        ref = documents.PayloadRef(document_id, kind, documents.sha256_hex(data), len(data))
        with self._lock:
            current = self._entries.get((document_id, kind))
            if current is not None and current.written_at > written_at:
                return current.ref  # a newer write is already there: keep it, as the real stores do
            # An overwrite keeps its place in the iteration order, as a database row keeps its primary key.
            cursor = current.cursor if current is not None else next(self._cursors)
            self._entries[(document_id, kind)] = _Entry(bytes(data), ref, written_at, cursor)
        return ref

    def get(self, document_id: str, kind: str) -> bytes:
        with self._lock:
            entry = self._entries.get((document_id, kind))
        if entry is None:
            raise documents.PayloadNotFound(document_id, kind, self.name)
        if len(entry.data) != entry.ref.size or documents.sha256_hex(entry.data) != entry.ref.sha256:
            raise documents.PayloadCorrupted(document_id, kind, self.name, "SHA-256 does not match the recorded one")
        return entry.data

    def head(self, document_id: str, kind: str) -> documents.PayloadRef | None:
        with self._lock:
            entry = self._entries.get((document_id, kind))
        return entry.ref if entry is not None else None

    def exists(self, document_id: str, kind: str) -> bool:
        return self.head(document_id, kind) is not None

    def delete(self, document_id: str, kind: str) -> bool:
        with self._lock:
            return self._entries.pop((document_id, kind), None) is not None

    def iterate(self, after: int | None = None, batch_size: int = 500) -> Iterator[documents.StoredPayload]:
        # A snapshot per batch, like the real stores' pages: writes between batches are seen by later ones.
        cursor = after or 0
        while True:
            with self._lock:
                batch = sorted((e for e in self._entries.values() if e.cursor > cursor), key=lambda e: e.cursor)
            batch = batch[:batch_size]
            for entry in batch:
                yield documents.StoredPayload(ref=entry.ref, cursor=entry.cursor, written_at=entry.written_at)
            if len(batch) < batch_size:
                return
            cursor = batch[-1].cursor

    def count(self) -> int:
        with self._lock:
            return len(self._entries)

    def damage(self, document_id: str, kind: str) -> None:
        """Flip the first byte of a stored payload behind the store's back (a disk or an operator error)."""
        with self._lock:
            entry = self._entries[(document_id, kind)]
            if entry.data:
                entry.data = bytes([entry.data[0] ^ 0xFF]) + entry.data[1:]
            else:
                entry.data = b"\x00"
