"""Documents context tables."""

from __future__ import annotations

from django.db import models


class PayloadRecord(models.Model):
    """A payload kept in the relational database (the PostgreSQL/SQLite adapter of PayloadStore)."""

    document_id = models.CharField(max_length=64)
    kind = models.CharField(max_length=64)
    data = models.BinaryField()
    sha256 = models.CharField(max_length=64)
    size = models.BigIntegerField()
    written_at = models.DateTimeField()

    class Meta:
        constraints = [models.UniqueConstraint(fields=["document_id", "kind"], name="uniq_payload")]

    def __str__(self) -> str:
        return f"{self.document_id}/{self.kind} ({self.size} B)"
