"""PayloadStore adapter on the relational database (a bytea table in PostgreSQL)."""

from __future__ import annotations

from collections.abc import Iterator
from datetime import datetime

from django.db import transaction
from django.utils import timezone

from ..models import PayloadRecord
from .port import PayloadCorrupted, PayloadNotFound, PayloadRef, StoredPayload, sha256_hex


class DatabasePayloadStore:
    name = "database"

    def put(self, document_id: str, kind: str, data: bytes, written_at: datetime | None = None) -> PayloadRef:
        written_at = written_at or timezone.now()
        ref = PayloadRef(document_id=document_id, kind=kind, sha256=sha256_hex(data), size=len(data))
        with transaction.atomic():
            current = (
                PayloadRecord.objects.select_for_update()
                .filter(document_id=document_id, kind=kind)
                .only("id", "written_at", "sha256", "size")
                .first()
            )
            if current is None:
                PayloadRecord.objects.create(
                    document_id=document_id,
                    kind=kind,
                    data=data,
                    sha256=ref.sha256,
                    size=ref.size,
                    written_at=written_at,
                )
            elif current.written_at <= written_at:
                PayloadRecord.objects.filter(pk=current.pk).update(
                    data=data, sha256=ref.sha256, size=ref.size, written_at=written_at
                )
            else:  # a newer write is already there: keep it
                return PayloadRef(document_id, kind, current.sha256, current.size)
        return ref

    def get(self, document_id: str, kind: str) -> bytes:
        row = PayloadRecord.objects.filter(document_id=document_id, kind=kind).first()
        if row is None:
            raise PayloadNotFound(document_id, kind, self.name)
        data = bytes(row.data)
        if len(data) != row.size or sha256_hex(data) != row.sha256:
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
