"""Documents context tables."""

from __future__ import annotations

import uuid
from decimal import Decimal, InvalidOperation

from django.db import models


class AmountField(models.DecimalField):
    """A monetary amount kept exactly on every database (IDR and VND totals reach 10^15 and beyond).

    PostgreSQL stores it as numeric(max_digits, decimal_places). SQLite has no exact decimal type: a NUMERIC column
    keeps 15 significant digits, so there the amount is stored as its plain decimal text, always written with
    `decimal_places` decimals, which keeps equality look-ups exact; ordering casts it (see queries.document_page).
    """

    def get_internal_type(self) -> str:
        # Not "DecimalField": the SQLite backend would read the column back through a float converter.
        return "AmountField"

    def db_type(self, connection) -> str:
        if connection.vendor == "sqlite":
            return "text"
        return connection.data_types["DecimalField"] % self.db_type_parameters(connection)

    def fits(self, value: Decimal) -> bool:
        """Whether the value has at most max_digits - decimal_places digits before the decimal point."""
        return value.is_finite() and abs(value) < Decimal(10) ** (self.max_digits - self.decimal_places)

    def get_db_prep_value(self, value, connection, prepared=False):
        if connection.vendor != "sqlite" or value is None or hasattr(value, "as_sql"):
            return super().get_db_prep_value(value, connection, prepared)
        amount = self.to_python(value)
        if not self.fits(amount):
            raise InvalidOperation(f"{amount} has more than {self.max_digits - self.decimal_places} integer digits")
        return format(amount.quantize(Decimal(1).scaleb(-self.decimal_places), context=self.context), "f")

    def from_db_value(self, value, expression, connection):
        if value is None or isinstance(value, Decimal):
            return value
        # float only from an aggregate computed by SQLite itself
        return Decimal(str(value)).quantize(Decimal(1).scaleb(-self.decimal_places), context=self.context)


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
    payable_amount = AmountField(max_digits=30, decimal_places=6, null=True, blank=True)
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
    # The recipient whose `lenient_national_rules` setting accepted a document whose only fatal findings are
    # national rules (NULL: the document passed every rule, or was rejected). Routing and conversion check it.
    national_rules_accepted_by = models.BigIntegerField(null=True, blank=True)
    # What the last conversion could not carry to the target format: [{"path", "term", "message"}, ...].
    dropped = models.JSONField(default=list, blank=True)
    # The sweeper's re-queues of the document in its current status (reset by every status change), and the
    # earliest time of the next one: exponential backoff, then a failure after SWEEP_MAX_REQUEUES.
    # An order response's order, or the order an invoice was issued for (BT-13): set when the document is routed.
    related_document = models.ForeignKey(
        "self", null=True, blank=True, on_delete=models.SET_NULL, related_name="followers"
    )
    # A delivered order waits for its response until then; past it the order is flagged (response_overdue).
    response_due_at = models.DateTimeField(null=True, blank=True, db_index=True)
    response_overdue = models.BooleanField(default=False)
    sweep_count = models.PositiveIntegerField(default=0)
    next_sweep_at = models.DateTimeField(null=True, blank=True)
    # BT-9 of an invoice or credit note, for the recipient's list (set at validation).
    due_date = models.DateField(null=True, blank=True)
    # Duplicate detection (see README): a document with the sender, type, number and issue date of an earlier one is
    # held ("suspected") until the sender confirms it as a deliberate resend ("confirmed"); `duplicate_of` is that
    # earlier document.
    duplicate_of = models.ForeignKey("self", null=True, blank=True, on_delete=models.SET_NULL, related_name="resends")
    duplicate_state = models.CharField(max_length=12, blank=True, db_index=True)  # "" | suspected | confirmed
    # The recipient's answer to a delivered document, kept apart from the pipeline status: new | read | approved |
    # disputed (with the reason), and when it was last given.
    recipient_state = models.CharField(max_length=12, default="new", db_index=True)
    recipient_state_reason = models.TextField(blank=True)
    recipient_state_at = models.DateTimeField(null=True, blank=True)
    created_at = models.DateTimeField(auto_now_add=True, db_index=True)
    updated_at = models.DateTimeField(auto_now=True, db_index=True)

    class Meta:
        ordering = ["-created_at"]
        indexes = [
            models.Index(fields=["sender_id", "document_type", "number", "issue_date"], name="duplicate_key"),
        ]
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
