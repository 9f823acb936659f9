"""State of the PostgreSQL -> Cassandra payload migration, kept in the relational database."""

from __future__ import annotations

from django.db import models


class PayloadMigrationState(models.Model):
    """The current phase (a single row, id=1). Every change is audited in PhaseChange."""

    phase = models.CharField(max_length=32, default="postgres_only")
    entered_at = models.DateTimeField(auto_now_add=True)

    def __str__(self) -> str:
        return self.phase


class PhaseChange(models.Model):
    """Audit trail: who moved the migration, when, from where to where, and why."""

    from_phase = models.CharField(max_length=32)
    to_phase = models.CharField(max_length=32)
    action = models.CharField(max_length=16)  # advance | rollback
    actor = models.CharField(max_length=150)
    reason = models.TextField(blank=True)
    at = models.DateTimeField(auto_now_add=True)

    class Meta:
        ordering = ["-at", "-id"]

    def __str__(self) -> str:
        return f"{self.at:%Y-%m-%d %H:%M} {self.action} {self.from_phase} -> {self.to_phase} by {self.actor}"


class RepairEntry(models.Model):
    """A write that reached only one store; the repair task copies it to `target` from the other.

    `deferred` entries are journalled in cassandra_only (PostgreSQL is no longer written) and only
    become due if the migration is rolled back, so that a rollback loses nothing.
    """

    document_id = models.CharField(max_length=64)
    kind = models.CharField(max_length=64)
    target = models.CharField(max_length=16)  # database | cassandra
    operation = models.CharField(max_length=8, default="put")  # put | delete
    written_at = models.DateTimeField()
    deferred = models.BooleanField(default=False)
    attempts = models.PositiveIntegerField(default=0)
    last_error = models.TextField(blank=True)
    next_attempt_at = models.DateTimeField()
    created_at = models.DateTimeField(auto_now_add=True)
    done_at = models.DateTimeField(null=True, blank=True)

    class Meta:
        indexes = [models.Index(fields=["done_at", "deferred", "next_attempt_at"], name="repair_due")]

    def __str__(self) -> str:
        return f"{self.operation} {self.document_id}/{self.kind} -> {self.target}"


class ReadComparison(models.Model):
    """Counters of shadow reads and fallbacks by outcome (one row per outcome)."""

    outcome = models.CharField(max_length=16, unique=True)  # match | missing | mismatch | corrupt | error | fallback
    count = models.BigIntegerField(default=0)

    def __str__(self) -> str:
        return f"{self.outcome}: {self.count}"


class ReadDifference(models.Model):
    """One shadow read (or primary read) whose two stores disagreed."""

    document_id = models.CharField(max_length=64)
    kind = models.CharField(max_length=64)
    outcome = models.CharField(max_length=16)
    phase = models.CharField(max_length=32)
    detail = models.TextField(blank=True)
    at = models.DateTimeField(auto_now_add=True)

    class Meta:
        ordering = ["-at"]

    def __str__(self) -> str:
        return f"{self.outcome} {self.document_id}/{self.kind} in {self.phase}"


class VerificationRun(models.Model):
    """A full comparison of both stores (payloads_verify) and its checkpoint.

    The walk goes through PostgreSQL by row id, then Cassandra by token; after each page the cursor of that
    stage and the counts so far are saved, so an interrupted run resumes where it stopped (--resume).
    """

    phase = models.CharField(max_length=32)
    started_at = models.DateTimeField(auto_now_add=True)
    updated_at = models.DateTimeField(auto_now=True)
    finished_at = models.DateTimeField(null=True, blank=True)
    stage = models.CharField(max_length=16, default="database")  # database | cassandra | done
    database_cursor = models.BigIntegerField(default=0)
    cassandra_cursor = models.BigIntegerField(null=True, blank=True)  # last token walked; None: from the start
    resumes = models.PositiveIntegerField(default=0)
    checked = models.BigIntegerField(default=0)
    missing_in_cassandra = models.BigIntegerField(default=0)
    missing_in_database = models.BigIntegerField(default=0)
    mismatched = models.BigIntegerField(default=0)
    corrupt = models.BigIntegerField(default=0)
    repaired = models.BigIntegerField(default=0)
    examples = models.JSONField(default=list)

    class Meta:
        ordering = ["-started_at", "-id"]

    def __str__(self) -> str:
        return f"verification {self.pk} in {self.phase}: {'clean' if self.clean else 'differences'}"

    @property
    def differences(self) -> int:
        return self.missing_in_cassandra + self.missing_in_database + self.mismatched + self.corrupt

    @property
    def clean(self) -> bool:
        return self.finished_at is not None and self.differences == 0


class BackfillRun(models.Model):
    """One backfill pass and its checkpoint (the cursor of the last copied database row)."""

    started_at = models.DateTimeField(auto_now_add=True)
    updated_at = models.DateTimeField(auto_now=True)
    finished_at = models.DateTimeField(null=True, blank=True)
    cursor = models.BigIntegerField(default=0)
    total = models.BigIntegerField(default=0)
    copied = models.BigIntegerField(default=0)
    skipped = models.BigIntegerField(default=0)
    bytes_copied = models.BigIntegerField(default=0)
    resumes = models.PositiveIntegerField(default=0)

    class Meta:
        ordering = ["-started_at", "-id"]

    def __str__(self) -> str:
        return f"backfill {self.pk}: {self.copied} copied, cursor {self.cursor}"
