"""PayloadStore adapter on the relational database (a bytea table in PostgreSQL)."""

from __future__ import annotations

from collections.abc import Iterator
from datetime import datetime

from django.db import connection
from django.utils import timezone

from ..models import PayloadRecord
from .port import PayloadCorrupted, PayloadNotFound, PayloadRef, StoredPayload, sha256_hex


def _db_value(name: str, value: object) -> object:
    return PayloadRecord._meta.get_field(name).get_db_prep_save(value, connection)


# Insert, or replace an older write of the same payload in place (last writer by written_at wins); RETURNING gives a
# row only when this write is the one kept. PostgreSQL, and SQLite from 3.35.
_TABLE = PayloadRecord._meta.db_table
_UPSERT = f"""
    INSERT INTO {_TABLE} (document_id, kind, data, sha256, size, written_at) VALUES (%s, %s, %s, %s, %s, %s)
    ON CONFLICT (document_id, kind) DO UPDATE
        SET data = excluded.data, sha256 = excluded.sha256, size = excluded.size, written_at = excluded.written_at
        WHERE {_TABLE}.written_at <= excluded.written_at
    RETURNING id
"""


class DatabasePayloadStore:
    name = "database"

    def put(self, document_id: str, kind: str, data: bytes, written_at: datetime | None = None) -> PayloadRef:
        """Write the payload unless a newer write (by written_at) is already there; one statement either way."""
        written_at = written_at or timezone.now()
        ref = PayloadRef(document_id=document_id, kind=kind, sha256=sha256_hex(data), size=len(data))
        values = {
            "document_id": document_id,
            "kind": kind,
            "data": data,
            "sha256": ref.sha256,
            "size": ref.size,
            "written_at": written_at,
        }
        with connection.cursor() as cursor:
            cursor.execute(_UPSERT, [_db_value(name, value) for name, value in values.items()])
            if cursor.fetchone() is not None:
                return ref
        current = PayloadRecord.objects.filter(document_id=document_id, kind=kind).values("sha256", "size").get()
        return PayloadRef(document_id, kind, current["sha256"], current["size"])  # the newer write, kept

    def get(self, document_id: str, kind: str) -> bytes:
        # The three columns it checks, not the whole row: every pipeline step reads a payload.
        row = (
            PayloadRecord.objects.filter(document_id=document_id, kind=kind)
            .values_list("data", "size", "sha256")
            .first()
        )
        if row is None:
            raise PayloadNotFound(document_id, kind, self.name)
        stored, size, sha256 = row
        data = bytes(stored)
        if len(data) != size or sha256_hex(data) != sha256:
            raise PayloadCorrupted(document_id, kind, self.name, "SHA-256 does not match the recorded one")
        return data

    def head(self, document_id: str, kind: str) -> PayloadRef | None:
        row = PayloadRecord.objects.filter(document_id=document_id, kind=kind).values("sha256", "size").first()
        return PayloadRef(document_id, kind, row["sha256"], row["size"]) if row else None

    def exists(self, document_id: str, kind: str) -> bool:
        return PayloadRecord.objects.filter(document_id=document_id, kind=kind).exists()

    def delete(self, document_id: str, kind: str) -> bool:
        deleted, _ = PayloadRecord.objects.filter(document_id=document_id, kind=kind).delete()
        return bool(deleted)

    def iterate(self, after: int | None = None, batch_size: int = 500) -> Iterator[StoredPayload]:
        cursor = after or 0
        while True:
            rows = list(
                PayloadRecord.objects.filter(pk__gt=cursor)
                .order_by("pk")
                .values("pk", "document_id", "kind", "sha256", "size", "written_at")[:batch_size]
            )
            for row in rows:
                ref = PayloadRef(row["document_id"], row["kind"], row["sha256"], row["size"])
                yield StoredPayload(ref=ref, cursor=row["pk"], written_at=row["written_at"])
            if len(rows) < batch_size:
                return
            cursor = rows[-1]["pk"]

    def count(self) -> int:
        return PayloadRecord.objects.count()

    def delete_batch(self, limit: int) -> int:
        """Delete up to `limit` rows (oldest first); used when the table is retired."""
        ids = list(PayloadRecord.objects.order_by("pk").values_list("pk", flat=True)[:limit])
        deleted, _ = PayloadRecord.objects.filter(pk__in=ids).delete()
        return deleted
