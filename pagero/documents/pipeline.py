"""The exchange pipeline: receive -> validate -> route -> convert -> deliver.

Each step locks the document row, does nothing unless the document is in the status the step
expects (so a step run twice, or by two workers, changes nothing the second time), records its
outcome on the timeline, and enqueues the next step only after its transaction commits. A step that
raises is retried a bounded number of times by its task (tasks.py), then fails the document with the
reason (`fail_step`). The sweeper re-enqueues documents left in flight by a lost message or a crash, with
backoff, and fails a document it has re-queued SWEEP_MAX_REQUEUES times.
"""

from __future__ import annotations

import dataclasses
import hashlib
import logging
import re
import typing
import uuid
from collections.abc import Sequence
from dataclasses import dataclass, field
from datetime import date, datetime, timedelta
from decimal import Decimal
from typing import Any

from django.conf import settings
from django.core.exceptions import ValidationError
from django.db import IntegrityError, transaction
from django.db.models import Q
from django.utils import timezone

from pagero.delivery import public as delivery
from pagero.formats import public as formats
from pagero.kernel.vocabulary import (
    BILLING_TYPES,
    DELIVERY_EVIDENCE_PAYLOAD,
    ORDER_TYPES,
    ORIGINAL,
    ORIGINAL_PAYLOAD,
    PDF,
    Channel,
    DocumentType,
    EventKind,
    extension,
    media_type,
    rendition_payload,
)
from pagero.partners import public as partners

from . import orders
from .lifecycle import IN_FLIGHT, REDELIVER_FROM, REPROCESS_FROM, IllegalTransition, Status, check_transition
from .models import Document, DocumentEvent
from .payloads.registry import payload_store
from .ports import CallContext, formats_port, routing_port

log = logging.getLogger(__name__)
# The status each step moves on, and how the timeline names the step in a failure reason.
STEP_FROM = {
    "validate": Status.RECEIVED,
    "route": Status.VALIDATED,
    "convert": Status.ROUTED,
    "deliver": Status.CONVERTED,
}
STEP_FOR = {status: step for step, status in STEP_FROM.items()}
GERUND = {"validate": "validating", "route": "routing", "convert": "converting", "deliver": "delivering"}
FAILURE_KIND = {
    "validate": EventKind.VALIDATION_FAILED,
    "route": EventKind.ROUTING_FAILED,
    "convert": EventKind.CONVERSION_FAILED,
    "deliver": EventKind.DELIVERY_FAILED,
}
MAX_REASON_CHARS = 1000
# Findings and dropped terms named in a reason; the event's detail lists them all (as bounded by the formats context).
NAMED_IN_REASON = 3
MAX_LISTED = 250

# The MIME codes EN 16931 allows for an attached document (BT-125-1, code list rule BR-CL-24; Peppol checks the same
# list). It binds every target: UBL and CII directly, EDIFACT through the CII rendering its rules run on. XML
# (application/xml) and EDIFACT originals are not in it, so the original is attached only to a target whose rules
# allow its MIME code, and otherwise the timeline says why it is not.
ATTACHMENT_MIME_CODES = frozenset(
    {
        "application/pdf",
        "image/png",
        "image/jpeg",
        "text/csv",
        "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet",
        "application/vnd.oasis.opendocument.spreadsheet",
    }
)
ORIGINAL_REFERENCE = "original"  # BT-122 of the attached original

# National rules of the CIUS a document declares: Peppol's country rules (SE-R-001, NO-R-002, GR-S-011, ...) and its
# checks of national identifier formats (PEPPOL-COMMON-R041 to R057; R040, the GLN check, is not national), and
# XRechnung's German rules (BR-DE-*, BR-DEX-*). A recipient with lenient national rules accepts a document whose
# only fatal findings are these.
PEPPOL_RULE_SET = "Peppol BIS Billing 3.0"
XRECHNUNG_RULE_SET = "XRechnung"
PEPPOL_NATIONAL = re.compile(r"[A-Z]{2}-[RS]-\d{3}|PEPPOL-COMMON-R0(?:4[1-9]|5\d)")


def national_rule(finding: formats.Finding) -> bool:
    """Whether a finding is of a national rule of its CIUS (see PEPPOL_NATIONAL)."""
    if finding.rule_set == PEPPOL_RULE_SET:
        return PEPPOL_NATIONAL.match(finding.rule_id) is not None
    if finding.rule_set.startswith(XRECHNUNG_RULE_SET):
        return finding.rule_id.startswith("BR-DE")
    return False


def national_only(report: formats.ValidationReport) -> list[formats.Finding]:
    """The fatal findings of a report when every one is national; [] when it is valid or fails any other rule.

    Findings beyond the report's limit are only counted, so a report that left some out is never national-only.
    """
    fatal = report.fatal
    if not fatal or report.omitted_fatal or not all(national_rule(f) for f in fatal):
        return []
    return fatal


def finding_summary(finding: formats.Finding) -> dict[str, str]:
    return {"rule_id": finding.rule_id, "rule_set": finding.rule_set, "message": finding.message[:300]}


def named(items: list[str]) -> str:
    shown = "; ".join(items[:NAMED_IN_REASON])
    return shown + (f"; and {len(items) - NAMED_IN_REASON} more" if len(items) > NAMED_IN_REASON else "")


class IdempotencyConflict(Exception):
    """The same Idempotency-Key was used before with a different document."""


@dataclass(frozen=True)
class Submission:
    document: Document
    created: bool
    error: formats.FormatError | None = None  # set when the document was kept but rejected at once


# -- timeline and transitions -----------------------------------------------------------------
def _only_if(**detail: Any) -> dict[str, Any]:
    """The event details that have a value (an empty list or None is left out of the timeline)."""
    return {key: value for key, value in detail.items() if value}


def record(document: Document, kind: str, **detail: Any) -> DocumentEvent:
    return DocumentEvent.objects.create(document=document, kind=kind, status=document.status, detail=detail)


def move(
    document: Document, target: Status, kind: str, reason: str = "", *, saving: Sequence[str] = (), **detail: Any
) -> None:
    """Change status (refusing illegal transitions) and add the event, in the caller's transaction. `saving` names
    other fields the step changed on the document: written in the same UPDATE."""
    check_transition(Status(document.status), target)
    document.status = target.value
    document.status_reason = reason
    # The sweeper counts its re-queues per status: a document that moved on starts again from zero.
    document.sweep_count = 0
    document.next_sweep_at = None
    document.save(update_fields=["status", "status_reason", "sweep_count", "next_sweep_at", "updated_at", *saving])
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

    def publish() -> None:
        try:
            task.delay(str(document_id))
        except Exception:
            # The broker refused the message even after the publish retries (or, in eager mode, a step raised past
            # its own handling). The committed work stands; mark the document so that the next sweep re-queues it
            # without waiting SWEEP_AFTER_SECONDS (see `sweep`).
            log.exception("could not publish %s of document %s; the sweeper will re-queue it", step, document_id)
            Document.objects.filter(pk=document_id, sweep_count=0, next_sweep_at__isnull=True).update(
                next_sweep_at=timezone.now()
            )

    transaction.on_commit(publish, robust=True)


# What validation writes on a document it rejects for its report.
REPORT_FIELDS = ["validation_report", "national_rules_accepted_by", "dropped"]
# What the validate step writes on the document besides its status (the payable amount once it fits the field).
VALIDATION_FIELDS = [*REPORT_FIELDS, "number", "issue_date", "due_date", "currency"]


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
    # Detected before the row is written, so that the row is written once; a document that cannot be read is
    # kept all the same, rejected with the reason.
    detected: formats.Detected | None = None
    unreadable: formats.FormatError | None = None
    try:
        detected = formats.detect(data)
    except formats.FormatError as exc:
        unreadable = exc
    try:
        with transaction.atomic():
            document = Document.objects.create(
                sender_id=sender_id,
                idempotency_key=idempotency_key or None,
                sha256=digest,
                size=len(data),
                document_type=detected.document_type if detected else "",
                original_syntax=detected.syntax if detected else "",
                customization=(detected.customization or "") if detected else "",
                validation_report={"valid": False, **unreadable.as_dict()} if unreadable else None,
            )
            payload_store().put(str(document.id), ORIGINAL_PAYLOAD, data)
            record(document, EventKind.RECEIVED, size=len(data), sha256=digest)
            if unreadable is not None:
                move(document, Status.REJECTED, EventKind.REJECTED, unreadable.message, error=unreadable.as_dict())
                return Submission(document, True, unreadable)
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
# Validation, routing and conversion do their work (seconds for a large document) before they lock the row, then
# lock it, check again that the document is still where the step found it, and record the outcome. A lock held
# during the work would serialise every document behind it: on SQLite a transaction holds the database's only
# write lock. Two runs of a step may both do the work; only the first records it.
def _context(document: Document) -> CallContext:
    """Calls to other contexts are made for the sender (canary routing is sticky per tenant), on the original."""
    return CallContext(document.sender_id, f"{document.id}:{ORIGINAL_PAYLOAD}", document.document_type)


def _unlocked(document_id, expected: Status) -> Document | None:
    try:
        document = Document.objects.get(pk=document_id)  # get: no ORDER BY to build for one row by key
    except Document.DoesNotExist:
        return None
    return document if document.status == expected else None


@dataclass(frozen=True)
class _Validation:
    report: formats.ValidationReport | None = None
    error: formats.FormatError | None = None
    invoice: formats.Invoice | None = None
    order: formats.Order | None = None
    national: list[formats.Finding] = field(default_factory=list)  # set when only national rules failed
    recipient_id: int | None = None  # where the document routes, looked up when only national rules failed
    recipient_name: str = ""
    lenient: bool = False  # that recipient accepts documents failing only national rules


# Routing runs after validation, but whether a document that fails only national rules goes on is the recipient's
# choice: for such a document (and only for it) validation looks the recipient up first. Its id is kept on the
# document (national_rules_accepted_by) and routing checks that the document still goes to that recipient.
def _validate(document: Document, data: bytes) -> _Validation:
    routable = document.document_type in BILLING_TYPES
    try:
        report = formats_port().validate(data, _context(document))
        national = national_only(report) if routable else []
        invoice = formats.parse(data).invoice if routable and (report.valid or national) else None
    except formats.FormatError as exc:
        return _Validation(error=exc)
    if document.document_type in ORDER_TYPES:
        return _Validation(report, order=formats.parse_order(data).order if report.valid else None)
    if not national:
        return _Validation(report, invoice=invoice)
    decision = routing_port().resolve(data, _context(document))
    if not decision.found:
        return _Validation(report, invoice=invoice, national=national)
    assert decision.organisation_id is not None  # found
    lenient = partners.receive_profile(decision.organisation_id).lenient_national_rules
    return _Validation(
        report,
        invoice=invoice,
        national=national,
        recipient_id=decision.organisation_id,
        recipient_name=decision.organisation_name or "",
        lenient=lenient,
    )


def _header(outcome: _Validation) -> tuple[str, date | None, str, Decimal | None] | None:
    """Number, issue date, currency and payable amount of a validated invoice or order."""
    if outcome.invoice is not None:
        invoice = outcome.invoice
        return invoice.number or "", invoice.issue_date, invoice.currency or "", invoice.totals.payable
    if outcome.order is not None:
        order = outcome.order
        payable = order.totals.payable if order.totals else None
        return order.id or "", order.issue_date, order.currency or "", payable
    return None


def _national_rejection(outcome: _Validation) -> str:
    if not outcome.national:
        return ""
    if outcome.recipient_id is None:
        return " (only national rules failed, and no recipient was found that could accept them)"
    return (
        f" (only national rules failed, and the recipient {outcome.recipient_name} does not accept documents "
        "failing them)"
    )


# -- duplicates (pagero/documents/README.md) ----------------------------------------------------
DUPLICATE_SUSPECTED, DUPLICATE_CONFIRMED = "suspected", "confirmed"
# A copy that never reached the recipient does not make a later one a duplicate: sending again is how a sender fixes
# a rejected or failed document.
NEVER_SENT = frozenset({Status.REJECTED, Status.FAILED, Status.UNDELIVERABLE})


def duplicate_hold_days() -> int:
    """How long a held duplicate waits for its sender before it ends rejected (DUPLICATE_HOLD_DAYS, default 14)."""
    return int(getattr(settings, "DUPLICATE_HOLD_DAYS", 14))


def earlier_copy(document: Document, number: str, issue_date: date | None) -> tuple[uuid.UUID, datetime] | None:
    """The id and time of sending of the first other document with the same sender, type, invoice number and issue
    date that went or goes out (two columns: this runs for every valid invoice).

    Invoices and credit notes only: an order repeats its number in every change and an order response answers one,
    so neither is a duplicate by its header. A confirmed resend is never checked again.
    """
    if document.document_type not in BILLING_TYPES or not number or issue_date is None:
        return None
    if document.duplicate_state == DUPLICATE_CONFIRMED:
        return None
    return (
        Document.objects.filter(
            sender_id=document.sender_id, document_type=document.document_type, number=number, issue_date=issue_date
        )
        .exclude(pk=document.pk)
        .exclude(status__in=[s.value for s in NEVER_SENT])
        .exclude(duplicate_state=DUPLICATE_SUSPECTED)  # held copies are not the one a new copy repeats
        .order_by("created_at", "id")
        .values_list("id", "created_at")
        .first()
    )


def _held_as_duplicate(document: Document, outcome: _Validation) -> bool:
    """Hold a valid document that repeats an earlier one: it stays `received`, flagged, and is not routed."""
    header = _header(outcome)
    if header is None:
        return False
    number, issue_date, currency, payable = header
    earlier = earlier_copy(document, number, issue_date)
    if earlier is None:
        return False
    earlier_id, sent_at = earlier
    document.number, document.issue_date, document.currency = number, issue_date, currency
    document.due_date = outcome.invoice.due_date if outcome.invoice is not None else None
    fits = payable is not None and Document._meta.get_field("payable_amount").fits(payable)
    document.payable_amount = payable if fits else None  # type: ignore[assignment]  # AmountField holds a Decimal
    document.duplicate_of_id = earlier_id
    document.duplicate_state = DUPLICATE_SUSPECTED
    document.save(update_fields=[*VALIDATION_FIELDS, "payable_amount", "duplicate_of", "duplicate_state", "updated_at"])
    record(
        document,
        EventKind.DUPLICATE_SUSPECTED,
        duplicate_of=str(earlier_id),
        number=number,
        issue_date=issue_date.isoformat() if issue_date else "",
        sent_at=sent_at.isoformat(),
        hold_days=duplicate_hold_days(),
    )
    return True


class NoSuchDocument(LookupError):
    """No document of this organisation (on that side) has the id: another tenant's is not there for it either."""


class NotHeld(Exception):
    """The document is not a held duplicate: there is no resend to confirm."""


def confirm_resend(document_id, sender_id: int) -> Document:
    """The sender confirms a held duplicate as a deliberate resend: it is validated again and goes on.

    Raises NoSuchDocument when the document is not one the organisation sent, NotHeld when it is not held.
    """
    with transaction.atomic():
        try:
            document = Document.objects.select_for_update().filter(pk=document_id, sender_id=sender_id).first()
        except (ValueError, ValidationError):
            document = None
        if document is None:
            raise NoSuchDocument("no such document sent by this organisation")
        if document.duplicate_state != DUPLICATE_SUSPECTED or document.status != Status.RECEIVED:
            raise NotHeld(f"the document is {document.status} and not held as a possible duplicate")
        document.duplicate_state = DUPLICATE_CONFIRMED
        document.save(update_fields=["duplicate_state", "updated_at"])
        # Not who confirmed it: the recipient sees the timeline of the copy once it is delivered.
        record(document, EventKind.RESEND_CONFIRMED, duplicate_of=str(document.duplicate_of_id or ""))
        enqueue("validate", document.id)
    return document


def expire_unconfirmed_duplicates(now=None, batch: int | None = None) -> int:
    """End the held duplicates their sender left unconfirmed for duplicate_hold_days(): rejected, with the reason."""
    now = now or timezone.now()
    limit = now - timedelta(days=duplicate_hold_days())
    due = Document.objects.filter(
        duplicate_state=DUPLICATE_SUSPECTED, status=Status.RECEIVED, updated_at__lt=limit
    ).values_list("id", flat=True)
    count = 0
    for document_id in list(due[: batch or settings.SWEEP_BATCH]):
        with transaction.atomic():
            document = locked(document_id)
            if document.duplicate_state != DUPLICATE_SUSPECTED or document.status != Status.RECEIVED:
                continue
            # Cleared so that an operator's re-processing checks the document afresh (and holds it again if needed).
            document.duplicate_state = ""
            document.save(update_fields=["duplicate_state"])
            move(
                document,
                Status.REJECTED,
                EventKind.DUPLICATE_NOT_CONFIRMED,
                f"duplicate not confirmed: the same {document.document_type.replace('_', ' ')} {document.number} "
                f"of {document.issue_date} was sent before, and no resend was confirmed in "
                f"{duplicate_hold_days()} days",
                duplicate_of=str(document.duplicate_of_id or ""),
            )
            count += 1
    return count


def validate_step(document_id) -> None:
    found = _unlocked(document_id, Status.RECEIVED)
    if found is None or found.duplicate_state == DUPLICATE_SUSPECTED:  # a held duplicate waits for its sender
        return
    outcome = _validate(found, payload_store().get(str(found.id), ORIGINAL_PAYLOAD))
    with transaction.atomic():
        document = locked(document_id)
        if document.status != Status.RECEIVED or document.duplicate_state == DUPLICATE_SUSPECTED:
            return
        # Decided again at every validation (a re-processed document starts afresh).
        document.national_rules_accepted_by = None
        document.dropped = []
        if outcome.error is not None:
            exc = outcome.error
            document.validation_report = {"valid": False, **exc.as_dict()}
            move(document, Status.REJECTED, EventKind.REJECTED, exc.message, saving=REPORT_FIELDS)
            return
        report = outcome.report
        assert report is not None  # set whenever there is no error
        document.validation_report = report.as_dict()
        accepted = bool(outcome.national) and outcome.lenient
        if not report.valid and not accepted:
            # The report keeps its first findings only: all of them may be warnings, the fatal ones counted.
            first = f"; first: {report.fatal[0].rule_id} {report.fatal[0].message}" if report.fatal else ""
            move(
                document,
                Status.REJECTED,
                EventKind.REJECTED,
                _bounded(f"{report.fatal_count} fatal finding(s){first}" + _national_rejection(outcome)),
                saving=REPORT_FIELDS,
                fatal=report.fatal_count,
                rule_sets=report.rule_sets,
            )
            return
        if _held_as_duplicate(document, outcome):
            return
        if accepted:
            document.national_rules_accepted_by = outcome.recipient_id
            record(
                document,
                EventKind.NATIONAL_RULES_ACCEPTED,
                reason=_bounded(
                    f"{len(outcome.national)} finding(s) of national rules accepted by the recipient "
                    f"{outcome.recipient_name} (lenient national rules): "
                    + named([f"{f.rule_id} {f.message}" for f in outcome.national])
                ),
                recipient=outcome.recipient_name,
                findings=[finding_summary(f) for f in outcome.national],
            )
        header = _header(outcome)
        if header is not None:
            document.number, document.issue_date, document.currency, payable = header
            document.due_date = outcome.invoice.due_date if outcome.invoice is not None else None
            amount_field = Document._meta.get_field("payable_amount")
            if payable is not None and not amount_field.fits(payable):
                move(
                    document,
                    Status.REJECTED,
                    EventKind.REJECTED,
                    f"the payable amount {payable} has more than "
                    f"{amount_field.max_digits - amount_field.decimal_places} digits before the decimal point",
                    saving=VALIDATION_FIELDS,
                )
                return
            document.payable_amount = payable  # type: ignore[assignment]  # AmountField holds a Decimal
        national: dict[str, Any] = {"national_findings": len(outcome.national)} if accepted else {}
        move(
            document,
            Status.VALIDATED,
            EventKind.VALIDATED,
            saving=[*VALIDATION_FIELDS, "payable_amount"],
            rule_sets=report.rule_sets,
            warnings=report.warning_count,
            **national,
        )
        enqueue("route", document.id)


def route_step(document_id) -> None:
    found = _unlocked(document_id, Status.VALIDATED)
    if found is None:
        return
    decision = None
    original = b""
    if found.document_type in BILLING_TYPES | ORDER_TYPES:
        original = payload_store().get(str(found.id), ORIGINAL_PAYLOAD)
        decision = routing_port().resolve(original, _context(found))
    with transaction.atomic():
        document = locked(document_id)
        if document.status != Status.VALIDATED:
            return
        if decision is None:
            move(
                document,
                Status.UNDELIVERABLE,
                EventKind.UNDELIVERABLE,
                f"documents of type {document.document_type or 'unknown'} are not routed",
            )
            return
        if not decision.found:
            move(document, Status.UNDELIVERABLE, EventKind.UNDELIVERABLE, decision.reason, tried=decision.tried)
            return
        assert decision.organisation_id is not None  # found
        profile = partners.receive_profile(decision.organisation_id)
        accepted_by = document.national_rules_accepted_by
        if accepted_by is not None and (decision.organisation_id != accepted_by or not profile.lenient_national_rules):
            # Validation let the document through on the word of the recipient it found then; without that word it
            # would have been rejected. Re-processing validates it again against the current settings.
            move(
                document,
                Status.FAILED,
                EventKind.ROUTING_FAILED,
                f"the document fails national rules, accepted by the lenient settings of the recipient found at "
                f"validation; {decision.organisation_name} does not accept them now: re-process it",
            )
            return
        document.recipient_id = decision.organisation_id
        receive_format = profile.format_for(document.document_type)
        document.target_format = receive_format if receive_format != ORIGINAL else document.original_syntax
        document.channel = profile.channel
        move(
            document,
            Status.ROUTED,
            EventKind.ROUTED,
            saving=["recipient_id", "target_format", "channel"],
            recipient=decision.organisation_name,
            matched=decision.matched,
            format=document.target_format,
            channel=document.channel,
        )
        orders.link_to_order(document, original, record)
        enqueue("convert", document.id)


@dataclass(frozen=True)
class _Conversion:
    rendition: bytes = b""  # what is stored and delivered
    warnings: list[formats.ConversionWarning] = field(default_factory=list)  # what the target could not carry
    pdf: bytes | None = None
    error: formats.FormatError | None = None
    refused: bool = False  # the recipient's policy is strict and the conversion is lossy
    attached: bool = False  # the original rides along as an additional supporting document (BG-24)
    not_attached: str = ""  # why a lossy conversion goes out without the original
    invalid: formats.ValidationReport | None = None  # the rendition failed its checks: never delivered


def dropped_terms(warnings: list[formats.ConversionWarning]) -> list[dict[str, str | None]]:
    return [{"path": w.path, "term": w.term, "message": w.message} for w in warnings[:MAX_LISTED]]


def attach_original(
    invoice: formats.Invoice, original: bytes, syntax: str, mime_code: str, filename: str
) -> formats.Invoice:
    """The invoice with the original added as an additional supporting document (BG-24): BT-122 "original", BT-123
    a description naming its syntax, BT-125 the original bytes with their MIME code and filename.

    The model's group classes are reached through the Invoice annotations, the formats port exporting only Invoice.
    """
    supporting = typing.get_args(typing.get_type_hints(type(invoice))["supporting_documents"])[0]
    binary = next(t for t in typing.get_args(typing.get_type_hints(supporting)["attachment"]) if t is not type(None))
    document = supporting(
        reference=ORIGINAL_REFERENCE,
        description=f"Original document as received ({syntax})",
        attachment=binary(content=original, mime_code=mime_code, filename=filename),
    )
    return dataclasses.replace(invoice, supporting_documents=[*invoice.supporting_documents, document])


ORDERS_CARRY_NO_ATTACHMENT = (
    "the original is not attached: an order has no attachment; the recipient can fetch the original from the API"
)


def _with_original(document: Document, original: bytes, converted: bytes) -> tuple[bytes, str]:
    """The conversion with the original attached, or the conversion unchanged and the reason it is not attached."""
    mime = media_type(document.original_syntax)
    if mime not in ATTACHMENT_MIME_CODES:
        return converted, (
            f"the original ({document.original_syntax}, {mime}) is not attached: EN 16931 allows an attached "
            f"document only as {', '.join(sorted(ATTACHMENT_MIME_CODES))} (BR-CL-24); the recipient can fetch it "
            f"from /api/v1/documents/{document.id}/content?format=original"
        )
    # base64 makes the attachment a third larger: the rendition must stay within what the network accepts.
    if len(converted) + len(original) * 4 // 3 > settings.MAX_DOCUMENT_BYTES:
        return converted, (
            f"the original is not attached: with it the {document.target_format} document would exceed "
            f"{settings.MAX_DOCUMENT_BYTES} bytes"
        )
    invoice = formats.parse(original).invoice
    filename = f"{document.number or document.id}-original.{extension(document.original_syntax)}"
    data, _ = formats.write(
        attach_original(invoice, original, document.original_syntax, mime, filename), document.target_format
    )
    return data, ""


def _rendition_check(document: Document, rendition: bytes) -> formats.ValidationReport | None:
    """The rendition's report when it fails its checks (schema and business rules), else None.

    National findings are tolerated where the recipient accepted them for this document at validation.
    """
    report = formats.validate_order(rendition) if document.document_type in ORDER_TYPES else formats.validate(rendition)
    tolerated = document.national_rules_accepted_by is not None and (
        document.national_rules_accepted_by == document.recipient_id
    )
    failing = [f for f in report.fatal if not (tolerated and national_rule(f))]
    return report if failing or report.omitted_fatal else None


def _convert(document: Document, original: bytes) -> _Conversion:
    try:
        if document.target_format == document.original_syntax:
            # Passed on as received: nothing is lost and validation has checked these very bytes.
            converted, warnings = original, []
        else:
            conversion = formats_port().convert(original, document.target_format, _context(document))
            # A note (a source element no syntax holds) loses nothing a recipient could read: not a loss.
            converted = conversion.data
            warnings = [w for w in conversion.warnings if not isinstance(w, formats.ConversionNote)]
        ran: dict[str, Any] = {"warnings": warnings}
        rendition, not_attached = converted, ""
        if warnings:
            assert document.recipient_id is not None  # routed
            policy = partners.receive_profile(document.recipient_id).conversion_policy(document.target_format)
            if policy == partners.POLICY_STRICT:
                return _Conversion(refused=True, **ran)
            rendition, not_attached = (
                (converted, ORDERS_CARRY_NO_ATTACHMENT)
                if document.document_type in ORDER_TYPES
                else _with_original(document, original, converted)
            )
        if rendition is not original:
            invalid = _rendition_check(document, rendition)
            if invalid is not None:
                return _Conversion(invalid=invalid, **ran)
        wants_pdf = document.channel == Channel.EMAIL and document.document_type in BILLING_TYPES
        # An original that is a PDF (Factur-X/ZUGFeRD) is the invoice as the seller issued it: the recipient reads
        # that PDF, byte for byte, not our rendering of its XML.
        seller_pdf = media_type(document.original_syntax) == media_type(PDF)
        pdf = (original if seller_pdf else render_pdf_for(original, document.target_format)) if wants_pdf else None
    except formats.FormatError as exc:
        return _Conversion(error=exc)
    return _Conversion(
        rendition, pdf=pdf, attached=bool(warnings) and not not_attached, not_attached=not_attached, **ran
    )


def convert_step(document_id) -> None:
    found = _unlocked(document_id, Status.ROUTED)
    if found is None:
        return
    store = payload_store()
    original = store.get(str(found.id), ORIGINAL_PAYLOAD)
    outcome = _convert(found, original)
    with transaction.atomic():
        document = locked(document_id)
        # Re-routed meanwhile (re-processed to another format or channel): this work is not for it any more.
        if (document.status, document.target_format, document.channel) != (
            Status.ROUTED,
            found.target_format,
            found.channel,
        ):
            return
        if outcome.error is not None:
            move(document, Status.FAILED, EventKind.CONVERSION_FAILED, outcome.error.message)
            return
        target = document.target_format.upper()
        dropped = dropped_terms(outcome.warnings)
        document.dropped = dropped  # written with the status, whichever it is
        if outcome.refused:
            move(
                document,
                Status.FAILED,
                EventKind.CONVERSION_FAILED,
                _bounded(
                    f"the recipient takes conversions to {target} only when they carry everything (strict), and "
                    f"{target} cannot hold {len(outcome.warnings)} part(s) of this document: "
                    + named([str(w) for w in outcome.warnings])
                ),
                saving=["dropped"],
                format=document.target_format,
                policy=partners.POLICY_STRICT,
                dropped=dropped,
            )
            return
        if outcome.invalid is not None:
            fatal = outcome.invalid.fatal
            move(
                document,
                Status.FAILED,
                EventKind.CONVERSION_FAILED,
                _bounded(
                    f"the {target} rendition fails its checks and is not delivered: "
                    f"{outcome.invalid.fatal_count} fatal finding(s): "
                    + named([f"{f.rule_id} {f.message}" for f in fatal])
                ),
                saving=["dropped"],
                format=document.target_format,
                rule_sets=outcome.invalid.rule_sets,
                findings=[finding_summary(f) for f in fatal[:MAX_LISTED]],
            )
            return
        store.put(str(document.id), rendition_payload(document.target_format), outcome.rendition)
        if outcome.pdf is not None:
            store.put(str(document.id), rendition_payload(PDF), outcome.pdf)
        move(
            document,
            Status.CONVERTED,
            EventKind.CONVERTED,
            saving=["dropped"],
            format=document.target_format,
            warnings=[str(w) for w in outcome.warnings[:MAX_LISTED]],
            lossless=not outcome.warnings,
            **_only_if(dropped=dropped),
        )
        if outcome.attached:
            record(document, EventKind.ORIGINAL_ATTACHED, reference=ORIGINAL_REFERENCE, syntax=document.original_syntax)
        elif outcome.not_attached:
            record(
                document,
                EventKind.ORIGINAL_NOT_ATTACHED,
                reason=outcome.not_attached,
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
        with_pdf = document.channel == Channel.EMAIL and document.document_type in BILLING_TYPES
        pdf = store.get(str(document.id), rendition_payload(PDF)) if with_pdf else None
        parcel = delivery.Parcel(
            str(document.id),
            document.number,
            sender.name,
            document.target_format,
            store.get(str(document.id), rendition_payload(document.target_format)),
            pdf,
            document.document_type,
            # _convert stored the original itself as the PDF when the seller sent one (Factur-X/ZUGFeRD).
            pdf_from_seller=pdf is not None and media_type(document.original_syntax) == media_type(PDF),
        )
        outcome = delivery.deliver(document.channel, parcel, address=profile.delivery_address(), attempt=attempt)
        if outcome.delivered:
            orders.await_response(document)
            if outcome.evidence:  # the receiving side's proof of delivery (a signed AS4 receipt): kept
                store.put(str(document.id), DELIVERY_EVIDENCE_PAYLOAD, outcome.evidence)
            move(
                document,
                Status.DELIVERED,
                EventKind.DELIVERED,
                channel=document.channel,
                attempt=attempt,
                detail=outcome.detail,
                **({"reference": outcome.reference} if outcome.reference else {}),
            )
            return
        if outcome.retryable and not final:
            record(document, EventKind.DELIVERY_ATTEMPT_FAILED, attempt=attempt, reason=outcome.detail)
            document.save(update_fields=["updated_at"])
        else:
            move(document, Status.DELIVERY_FAILED, EventKind.DELIVERY_FAILED, outcome.detail, attempt=attempt)
            return
    raise RetryDelivery(outcome.detail)


def deliver_noting_next_attempt(document_id, attempt: int, final: bool, retry_in_seconds: float) -> None:
    """deliver_step, with the time of the next attempt added to the failed attempt's event (`next_attempt_at`).

    The retry is scheduled by the task (tasks.deliver_document) after deliver_step returns, so the time is added
    here, in one transaction with the event: the timeline never shows a failed attempt without its next try.
    """
    retry: RetryDelivery | None = None
    with transaction.atomic():
        try:
            deliver_step(document_id, attempt=attempt, final=final)
        except RetryDelivery as exc:
            retry = exc
            event = (
                DocumentEvent.objects.filter(document_id=document_id, kind=EventKind.DELIVERY_ATTEMPT_FAILED)
                .order_by("-at", "-id")
                .first()
            )
            if event is not None and isinstance(event.detail, dict) and event.detail.get("attempt") == attempt:
                due = timezone.now() + timedelta(seconds=retry_in_seconds)
                event.detail = {**event.detail, "next_attempt_at": due.isoformat()}
                event.save(update_fields=["detail"])
    if retry is not None:
        raise retry


def render_pdf_for(original: bytes, target_format: str) -> bytes:
    """Our rendering of the invoice, its footer naming the e-invoice the recipient gets (the original's syntax
    when the original is passed on)."""
    parsed = formats.parse(original)
    syntax = parsed.detected.syntax if target_format == ORIGINAL else target_format
    return delivery.render_pdf(parsed.invoice, syntax=syntax)


# -- failures ---------------------------------------------------------------------------------
def internal_error(step: str, exc: BaseException) -> str:
    """The reason recorded when a step raised something it does not handle itself."""
    return _bounded(f"internal error while {GERUND[step]}: {type(exc).__name__}: {exc}")


def time_limit_exceeded(step: str, seconds: float) -> str:
    return f"time limit of {seconds:g} s exceeded while {GERUND[step]}"


def _bounded(reason: str) -> str:
    return reason if len(reason) <= MAX_REASON_CHARS else reason[: MAX_REASON_CHARS - 1] + "…"


def fail_step(document_id, step: str, reason: str) -> bool:
    """End a document the step could not move on: FAILED (DELIVERY_FAILED for delivery), with the reason.

    Does nothing (returns False) if the document is no longer where the step found it, e.g. re-processed by an
    operator meanwhile, so a late failure never overwrites newer work.
    """
    with transaction.atomic():
        document = locked(document_id)
        if document.status != STEP_FROM[step]:
            return False
        target = Status.DELIVERY_FAILED if step == "deliver" else Status.FAILED
        move(document, target, FAILURE_KIND[step], _bounded(reason))
    return True


def note_retry(document_id, step: str, attempt: int, reason: str, delay_seconds: float) -> None:
    """Put a scheduled retry of a step on the timeline (best effort: the retry happens either way)."""
    try:
        with transaction.atomic():
            document = locked(document_id)
            if document.status != STEP_FROM[step]:
                return
            record(
                document,
                EventKind.STEP_RETRY_SCHEDULED,
                step=step,
                attempt=attempt,
                reason=_bounded(reason),
                delay_seconds=round(delay_seconds, 1),
            )
            document.save(update_fields=["updated_at"])
    except Exception:
        log.exception("could not record the retry of %s for document %s", step, document_id)


# -- operations -------------------------------------------------------------------------------
def _restart(document_id, allowed: frozenset[Status], target: Status, kind: str, step: str, actor: str) -> Document:
    with transaction.atomic():
        document = locked(document_id)
        # Checked apart from the step transitions: routed -> converted is the convert step's, not re-delivery's.
        if Status(document.status) not in allowed:
            raise IllegalTransition(Status(document.status), target)
        move(document, target, kind, actor=actor)
        enqueue(step, document.id)
    return document


def reprocess(document_id, actor: str) -> Document:
    """Run a document through the pipeline again from its original.

    Allowed from every failure (rejected, undeliverable, failed, delivery failed) and from every status the
    pipeline has not finished (a document stuck in received, validated, routed or converted).
    """
    return _restart(document_id, REPROCESS_FROM, Status.RECEIVED, EventKind.REPROCESSING_REQUESTED, "validate", actor)


def redeliver(document_id, actor: str) -> Document:
    """Deliver a converted document again: stuck before delivery, after a failed delivery, or on request."""
    return _restart(document_id, REDELIVER_FROM, Status.CONVERTED, EventKind.REDELIVERY_REQUESTED, "deliver", actor)


def acknowledge(document_id, recipient_id: int) -> Document:
    with transaction.atomic():
        document = locked(document_id)
        if document.recipient_id != recipient_id:
            raise Document.DoesNotExist
        if document.status != Status.ACKNOWLEDGED:
            move(document, Status.ACKNOWLEDGED, EventKind.ACKNOWLEDGED)
    return document


# A document whose next step could not be published (`enqueue`): never re-queued yet, but marked for the sweeper.
PUBLISH_FAILED = Q(sweep_count=0, next_sweep_at__isnull=False)


def sweep_delay_seconds(count: int) -> float:
    """Wait before the next re-queue of a document already re-queued `count` times: doubling, capped at a day."""
    return min(86400.0, settings.SWEEP_AFTER_SECONDS * 2 ** max(0, count - 1))


def sweep(older_than_seconds: float | None = None, batch: int | None = None) -> int:
    """Re-enqueue the step of every document stuck in flight for longer than the limit; returns how many.

    Each document is re-queued at most SWEEP_MAX_REQUEUES times in one status, with a doubling wait between two
    re-queues (`next_sweep_at`); the next visit after the last one fails it with the reason. A document whose
    re-queue raises is logged and skipped: it never stops the sweep of the others.
    """
    now = timezone.now()
    limit = now - timedelta(
        seconds=older_than_seconds if older_than_seconds is not None else settings.SWEEP_AFTER_SECONDS
    )
    try:
        expire_unconfirmed_duplicates(now)
    except Exception:
        log.exception("ending unconfirmed duplicates failed; going on with the sweep")
    due = (
        Document.objects.filter(status__in=[s.value for s in IN_FLIGHT])
        .exclude(duplicate_state=DUPLICATE_SUSPECTED, status=Status.RECEIVED)  # held for its sender, not stuck
        .filter(Q(updated_at__lt=limit) | PUBLISH_FAILED)
        .filter(Q(next_sweep_at__isnull=True) | Q(next_sweep_at__lte=now))
        .order_by("updated_at")
        .values_list("id", flat=True)
    )
    count = 0
    for document_id in list(due[: batch or settings.SWEEP_BATCH]):
        try:
            if _sweep_one(document_id, limit, now):
                count += 1
        except Exception:
            log.exception("sweeping document %s failed; going on with the others", document_id)
    return count


def _sweep_one(document_id, limit, now) -> bool:
    with transaction.atomic():
        document = locked(document_id)
        status = Status(document.status)
        # Checked again under the lock: a step may have moved it since the query.
        publish_failed = document.sweep_count == 0 and document.next_sweep_at is not None
        if status not in IN_FLIGHT or (document.updated_at >= limit and not publish_failed):
            return False
        if status == Status.RECEIVED and document.duplicate_state == DUPLICATE_SUSPECTED:
            return False
        if document.next_sweep_at is not None and document.next_sweep_at > now:
            return False
        step = STEP_FOR[status]
        if document.sweep_count >= settings.SWEEP_MAX_REQUEUES:
            target = Status.DELIVERY_FAILED if step == "deliver" else Status.FAILED
            move(document, target, EventKind.STUCK, f"stuck in {status} after {document.sweep_count} re-queues")
            return False
        document.sweep_count += 1
        document.next_sweep_at = now + timedelta(seconds=sweep_delay_seconds(document.sweep_count))
        # updated_at is left alone: it says since when the document has not moved.
        document.save(update_fields=["sweep_count", "next_sweep_at"])
        record(document, EventKind.REQUEUED, step=step, requeue=document.sweep_count)
        enqueue(step, document.id)
    return True


def submit_document(organisation_id: int, data: bytes) -> tuple[str, str, str]:
    """Submit from the portal: (document id, status, reason)."""
    submission = submit(organisation_id, data)
    document = submission.document
    return str(document.id), document.status, document.status_reason


class NotAnswerable(Exception):
    """The order cannot be answered by this organisation."""


class NoSuchOrder(NotAnswerable):
    """No order received by this organisation has that id."""


class OrderNotDelivered(NotAnswerable):
    """The order has not reached the supplier (yet): there is nothing to answer."""


def respond_to_order(
    organisation_id: int, order_id, answer: str, lines: dict[str, formats.LineAnswer] | None = None, note: str = ""
) -> Submission:
    """The supplier answers an order it received: the order response is composed and submitted as the supplier's
    own document, so it is validated, routed back to the buyer, converted and delivered like any other."""
    order = Document.objects.filter(pk=order_id, recipient_id=organisation_id, document_type=DocumentType.ORDER).first()
    if order is None:
        raise NoSuchOrder("no order received by this organisation has that id")
    if order.status not in {Status.DELIVERED, Status.ACKNOWLEDGED}:
        raise OrderNotDelivered(f"the order is {order.status}: only a delivered order can be answered")
    return submit(organisation_id, orders.response_for(order, answer, lines or {}, note))


def flag_overdue_order_responses() -> int:
    """Periodic: flag delivered orders whose response is overdue."""
    return orders.flag_overdue_responses(record)
