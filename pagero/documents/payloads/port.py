"""The PayloadStore port: where original documents and their renditions are kept.

Payloads are addressed by (document id, kind), e.g. ("6f1c…", "original") or ("6f1c…", "rendition:cii").
Every read verifies the SHA-256 recorded at write time: a mismatch raises PayloadCorrupted and the
bytes are never served.
"""

from __future__ import annotations

import hashlib
from collections.abc import Iterator
from dataclasses import dataclass
from datetime import datetime
from typing import Protocol


@dataclass(frozen=True)
class PayloadRef:
    document_id: str
    kind: str
    sha256: str
    size: int


@dataclass(frozen=True)
class StoredPayload:
    """One payload as found by iteration (for backfill and verification)."""

    ref: PayloadRef
    cursor: int
    written_at: datetime


class PayloadError(Exception):
    """Base class of payload store errors."""


class PayloadNotFound(PayloadError):
    def __init__(self, document_id: str, kind: str, store: str) -> None:
        super().__init__(f"no {kind} payload for document {document_id} in the {store} store")
        self.document_id, self.kind, self.store = document_id, kind, store


class PayloadCorrupted(PayloadError):
    def __init__(self, document_id: str, kind: str, store: str, detail: str) -> None:
        super().__init__(f"{kind} payload of document {document_id} is corrupt in the {store} store: {detail}")
        self.document_id, self.kind, self.store = document_id, kind, store


class PayloadStoreUnavailable(PayloadError):
    """The store could not be reached (network, timeouts, node down)."""


def sha256_hex(data: bytes) -> str:
    return hashlib.sha256(data).hexdigest()


class PayloadStore(Protocol):
    name: str

    def put(self, document_id: str, kind: str, data: bytes, written_at: datetime | None = None) -> PayloadRef:
        """Store bytes; `written_at` orders competing writes (the newer one wins)."""

    def get(self, document_id: str, kind: str) -> bytes:
        """Return the bytes after checking their SHA-256."""

    def head(self, document_id: str, kind: str) -> PayloadRef | None:
        """The recorded reference without reading the bytes, or None."""

    def exists(self, document_id: str, kind: str) -> bool: ...

    def delete(self, document_id: str, kind: str) -> bool: ...

    def iterate(self, after: int | None = None, batch_size: int = 500) -> Iterator[StoredPayload]:
        """Every payload in a stable order, resumable from a cursor (for backfill and verification)."""

    def count(self) -> int: ...
