"""The exchange pipeline: receive -> validate -> route -> convert -> deliver.

Each step locks the document row, does nothing unless the document is in the status the step
expects (so a step run twice, or by two workers, changes nothing the second time), records its
outcome on the timeline, and enqueues the next step only after its transaction commits. The
sweeper re-enqueues documents left in flight by a lost message or a crash.
"""

from __future__ import annotations

import hashlib
import logging
import time
from dataclasses import dataclass
from datetime import timedelta

from django.conf import settings
from django.db import IntegrityError, transaction
from django.utils import timezone

from migration.contexts import public as contexts
from pagero.delivery import public as delivery
from pagero.formats import public as formats
from pagero.partners import public as partners
from shadow import public as shadow

from .lifecycle import IN_FLIGHT, Status, check_transition
from .models import Document, DocumentEvent
from .payloads.registry import payload_store

log = logging.getLogger(__name__)
ORIGINAL = "original"


def rendition_kind(fmt: str) -> str:
    return f"rendition:{fmt}"


class IdempotencyConflict(Exception):
    """The same Idempotency-Key was used before with a different document."""


@dataclass(frozen=True)
class Submission:
    document: Document
    created: bool
    error: formats.FormatError | None = None  # set when the document was kept but rejected at once


# -- timeline and transitions -----------------------------------------------------------------
def record(document: Document, kind: str, **detail: object) -> DocumentEvent:
    return DocumentEvent.objects.create(document=document, kind=kind, status=document.status, detail=detail)


def move(document: Document, target: Status, kind: str, reason: str = "", **detail: object) -> None:
    """Change status (refusing illegal transitions) and add the event, in the caller's transaction."""
    check_transition(Status(document.status), target)
    document.status = target.value
    document.status_reason = reason
    document.save(update_fields=["status", "status_reason", "updated_at"])
    record(document, kind, **({"reason": reason} if reason else {}), **detail)


def locked(document_id) -> Document:
    return Document.objects.select_for_update().get(pk=document_id)


def enqueue(step: str, document_id) -> None:
    """Publish the next step once the current transaction has committed (never a phantom message)."""
    from . import tasks

    task = {
        "validate": tasks.validate_document,
        "route": tasks.route_document,
        "convert": tasks.convert_document,
        "deliver": tasks.deliver_document,
    }[step]
    transaction.on_commit(lambda: task.delay(str(document_id)))


# -- receive ----------------------------------------------------------------------------------
def submit(sender_id: int, data: bytes, idempotency_key: str | None = None) -> Submission:
    """Accept a document: keep the original, detect its format, start the pipeline.

    Too large or empty input is refused before anything is kept. Input that is kept but cannot be
    read (unsupported format, malformed XML) becomes a rejected document with the reason.
    """
    if len(data) > settings.MAX_DOCUMENT_BYTES:
        raise formats.DocumentTooLarge(
            f"the document is {len(data)} bytes; the limit is {settings.MAX_DOCUMENT_BYTES} bytes"
        )
    if not data.strip():
        raise formats.EmptyDocument("the document is empty")
    digest = hashlib.sha256(data).hexdigest()
    if idempotency_key:
        existing = Document.objects.filter(sender_id=sender_id, idempotency_key=idempotency_key).first()
        if existing is not None:
            return _replay(existing, digest)
    try:
        with transaction.atomic():
            document = Document.objects.create(
                sender_id=sender_id, idempotency_key=idempotency_key or None, sha256=digest, size=len(data)
            )
            payload_store().put(str(document.id), ORIGINAL, data)
            record(document, "received", size=len(data), sha256=digest)
            try:
                detected = formats.detect(data)
            except formats.FormatError as exc:
                move(document, Status.REJECTED, "rejected", exc.message, error=exc.as_dict())
                document.validation_report = {"valid": False, **exc.as_dict()}
                document.save(update_fields=["validation_report"])
                return Submission(document, True, exc)
            document.document_type = detected.document_type
            document.original_syntax = detected.syntax
            document.customization = detected.customization or ""
            document.save(update_fields=["document_type", "original_syntax", "customization", "updated_at"])
            enqueue("validate", document.id)
            return Submission(document, True)
    except IntegrityError:
        # A concurrent request with the same Idempotency-Key won the race.
        existing = Document.objects.get(sender_id=sender_id, idempotency_key=idempotency_key)
        return _replay(existing, digest)


def _replay(existing: Document, digest: str) -> Submission:
    if existing.sha256 != digest:
        raise IdempotencyConflict(f"Idempotency-Key was already used for document {existing.id} with a different body")
    return Submission(existing, False)


# -- steps ------------------------------------------------------------------------------------
def validate_step(document_id) -> None:
    with transaction.atomic():
        document = locked(document_id)
        if document.status != Status.RECEIVED:
            return
        data = payload_store().get(str(document.id), ORIGINAL)
        try:
            report = contexts.call("formats.validate", data, tenant_id=document.sender_id).result
        except formats.FormatError as exc:
            document.validation_report = {"valid": False, **exc.as_dict()}
            document.save(update_fields=["validation_report"])
            move(document, Status.REJECTED, "rejected", exc.message)
            return
        document.validation_report = report.as_dict()
        if not report.valid:
            first = report.fatal[0]
            document.save(update_fields=["validation_report"])
            move(
                document,
                Status.REJECTED,
                "rejected",
                f"{len(report.fatal)} fatal finding(s); first: {first.rule_id} {first.message}",
                fatal=len(report.fatal),
                rule_sets=report.rule_sets,
            )
            return
        if document.document_type in {"invoice", "credit_note"}:
            parsed = formats.parse(data)
            invoice = parsed.invoice
            document.number = invoice.number or ""
            document.issue_date = invoice.issue_date
            document.currency = invoice.currency or ""
            document.payable_amount = invoice.totals.payable
        document.save(update_fields=["validation_report", "number", "issue_date", "currency", "payable_amount"])
        move(
            document,
            Status.VALIDATED,
            "validated",
            rule_sets=report.rule_sets,
            warnings=len(report.findings) - len(report.fatal),
        )
        enqueue("route", document.id)


def route_step(document_id) -> None:
    with transaction.atomic():
        document = locked(document_id)
        if document.status != Status.VALIDATED:
            return
        if document.document_type not in {"invoice", "credit_note"}:
            move(
                document,
                Status.UNDELIVERABLE,
                "undeliverable",
                f"routing of {document.document_type} documents is not supported yet",
            )
            return
        original = payload_store().get(str(document.id), ORIGINAL)
        decision = contexts.call("routing.resolve", original, tenant_id=document.sender_id).result
        if not decision.found:
            move(document, Status.UNDELIVERABLE, "undeliverable", decision.reason, tried=decision.tried)
            return
        profile = partners.receive_profile(decision.organisation_id)
        document.recipient_id = decision.organisation_id
        document.target_format = profile.format if profile.format != "original" else document.original_syntax
        document.channel = profile.channel
        document.save(update_fields=["recipient_id", "target_format", "channel"])
        move(
            document,
            Status.ROUTED,
            "routed",
            recipient=decision.organisation_name,
            matched=decision.matched,
            format=document.target_format,
            channel=document.channel,
        )
        enqueue("convert", document.id)


def convert_step(document_id) -> None:
    with transaction.atomic():
        document = locked(document_id)
        if document.status != Status.ROUTED:
            return
        store = payload_store()
        original = store.get(str(document.id), ORIGINAL)
        warnings: list[str] = []
        try:
            if document.target_format == document.original_syntax:
                rendition = original
            else:
                started = time.perf_counter()
                conversion = contexts.call(
                    "formats.convert", original, document.target_format, tenant_id=document.sender_id
                ).result
                rendition, warnings = conversion.data, [str(w) for w in conversion.warnings]
                # Shadow traffic: a candidate implementation converts the same input later, off this path.
                shadow.observe(
                    "formats.convert",
                    tenant_id=document.recipient_id,
                    input_ref=f"{document.id}:original",
                    payload=original,
                    params={"target": document.target_format},
                    control_output=rendition,
                    control_ms=(time.perf_counter() - started) * 1000,
                )
            store.put(str(document.id), rendition_kind(document.target_format), rendition)
            if document.channel == "email":
                store.put(str(document.id), rendition_kind("pdf"), render_pdf_for(original))
        except formats.FormatError as exc:
            move(document, Status.FAILED, "conversion_failed", exc.message)
            return
        move(
            document,
            Status.CONVERTED,
            "converted",
            format=document.target_format,
            warnings=warnings,
            lossless=not warnings,
        )
        enqueue("deliver", document.id)


class RetryDelivery(Exception):
    def __init__(self, detail: str) -> None:
        super().__init__(detail)
        self.detail = detail


def deliver_step(document_id, attempt: int = 1, final: bool = False) -> None:
    """Deliver over the recipient's channel. Raises RetryDelivery for a transient failure (not on the last try)."""
    with transaction.atomic():
        document = locked(document_id)  # held while sending: a second worker waits, then finds it delivered
        if document.status != Status.CONVERTED:
            return
        profile = partners.receive_profile(document.recipient_id)
        store = payload_store()
        sender = partners.get_organisation(document.sender_id)
        pdf = store.get(str(document.id), rendition_kind("pdf")) if document.channel == "email" else None
        parcel = delivery.Parcel(
            str(document.id),
            document.number,
            sender.name,
            document.target_format,
            store.get(str(document.id), rendition_kind(document.target_format)),
            pdf,
        )
        outcome = delivery.deliver(
            document.channel,
            parcel,
            webhook_url=profile.webhook_url,
            webhook_secret=profile.webhook_secret,
            email=profile.email,
            attempt=attempt,
        )
        if outcome.delivered:
            move(
                document,
                Status.DELIVERED,
                "delivered",
                channel=document.channel,
                attempt=attempt,
                detail=outcome.detail,
            )
            return
        if outcome.retryable and not final:
            record(document, "delivery_attempt_failed", attempt=attempt, reason=outcome.detail)
            document.save(update_fields=["updated_at"])
        else:
            move(document, Status.DELIVERY_FAILED, "delivery_failed", outcome.detail, attempt=attempt)
            return
    raise RetryDelivery(outcome.detail)


def render_pdf_for(original: bytes) -> bytes:
    return delivery.render_pdf(formats.parse(original).invoice)


# -- operations -------------------------------------------------------------------------------
def _restart(document_id, target: Status, kind: str, step: str, actor: str) -> Document:
    with transaction.atomic():
        document = locked(document_id)
        move(document, target, kind, actor=actor)
        enqueue(step, document.id)
    return document


def reprocess(document_id, actor: str) -> Document:
    """Run a rejected, undeliverable or failed document through the pipeline again."""
    return _restart(document_id, Status.RECEIVED, "reprocessing_requested", "validate", actor)


def redeliver(document_id, actor: str) -> Document:
    """Deliver an already converted document again (after a failed delivery, or on request)."""
    return _restart(document_id, Status.CONVERTED, "redelivery_requested", "deliver", actor)


def acknowledge(document_id, recipient_id: int) -> Document:
    with transaction.atomic():
        document = locked(document_id)
        if document.recipient_id != recipient_id:
            raise Document.DoesNotExist
        if document.status != Status.ACKNOWLEDGED:
            move(document, Status.ACKNOWLEDGED, "acknowledged")
    return document


def sweep(older_than_seconds: float | None = None) -> int:
    """Re-enqueue the step of every document stuck in flight for longer than the limit."""
    limit = timezone.now() - timedelta(
        seconds=older_than_seconds if older_than_seconds is not None else settings.SWEEP_AFTER_SECONDS
    )
    step = {
        Status.RECEIVED: "validate",
        Status.VALIDATED: "route",
        Status.ROUTED: "convert",
        Status.CONVERTED: "deliver",
    }
    stuck = Document.objects.filter(status__in=[s.value for s in IN_FLIGHT], updated_at__lt=limit)
    count = 0
    for document in stuck.only("id", "status"):
        with transaction.atomic():
            record(document, "requeued", step=step[Status(document.status)])
            enqueue(step[Status(document.status)], document.id)
        count += 1
    return count
