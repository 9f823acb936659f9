"""Documents context tables."""

from __future__ import annotations

import uuid

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


class Document(models.Model):
    """A document exchanged on the network, from its sender to its recipient.

    Organisations are referenced by id only (no foreign key into the partners context), so that the
    documents context can move to its own database.
    """

    id = models.UUIDField(primary_key=True, default=uuid.uuid4, editable=False)
    sender_id = models.BigIntegerField(db_index=True)
    recipient_id = models.BigIntegerField(null=True, blank=True, db_index=True)
    document_type = models.CharField(max_length=16, blank=True)  # invoice | credit_note | order
    number = models.CharField(max_length=200, blank=True)
    issue_date = models.DateField(null=True, blank=True)
    currency = models.CharField(max_length=3, blank=True)
    payable_amount = models.DecimalField(max_digits=19, decimal_places=4, null=True, blank=True)
    original_syntax = models.CharField(max_length=16, blank=True)
    customization = models.CharField(max_length=300, blank=True)
    target_format = models.CharField(max_length=16, blank=True)
    channel = models.CharField(max_length=16, blank=True)
    # NULL, not "", for "no key": the unique constraint must ignore documents sent without one.
    idempotency_key = models.CharField(max_length=200, null=True, blank=True)  # noqa: DJ001
    sha256 = models.CharField(max_length=64)
    size = models.BigIntegerField()
    status = models.CharField(max_length=20, default="received", db_index=True)
    status_reason = models.TextField(blank=True)
    validation_report = models.JSONField(null=True, blank=True)
    created_at = models.DateTimeField(auto_now_add=True, db_index=True)
    updated_at = models.DateTimeField(auto_now=True, db_index=True)

    class Meta:
        ordering = ["-created_at"]
        constraints = [
            models.UniqueConstraint(
                fields=["sender_id", "idempotency_key"],
                name="uniq_idempotency_key",
                condition=models.Q(idempotency_key__isnull=False),
            ),
        ]

    def __str__(self) -> str:
        return f"{self.document_type or 'document'} {self.number or self.id} ({self.status})"


class DocumentEvent(models.Model):
    """One step on a document's timeline. Events are only ever added."""

    document = models.ForeignKey(Document, on_delete=models.CASCADE, related_name="events")
    kind = models.CharField(max_length=40)
    status = models.CharField(max_length=20)
    detail = models.JSONField(default=dict, blank=True)
    at = models.DateTimeField(auto_now_add=True)

    class Meta:
        ordering = ["at", "id"]

    def __str__(self) -> str:
        return f"{self.at:%Y-%m-%d %H:%M:%S} {self.kind}"
