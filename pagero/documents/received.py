"""The recipient's side of a delivered document: read, approved or disputed (with a reason).

Kept apart from the pipeline status (a delivered invoice stays delivered whether it is approved or disputed). Only
the recipient organisation answers, and only a document delivered to it; every answer is an event on the timeline,
so the sender sees it ("Nordic Retail AS disputed this invoice: wrong quantity").
"""

from __future__ import annotations

import unicodedata

from django.core.exceptions import ValidationError
from django.db import transaction
from django.utils import timezone

from pagero.kernel.vocabulary import EventKind, Status

from .models import Document
from .pipeline import NoSuchDocument, record

NEW, READ, APPROVED, DISPUTED = "new", "read", "approved", "disputed"
RECIPIENT_STATES = (NEW, READ, APPROVED, DISPUTED)
# What the recipient can answer: the pipeline has handed the document over (fetched from the inbox counts).
ANSWERABLE = frozenset({Status.DELIVERED, Status.ACKNOWLEDGED})
MAX_REASON_CHARS = 500


class NotDelivered(Exception):
    """The document is not (yet) delivered: there is nothing to answer."""


class BadReason(ValueError):
    """The reason is missing, too long or has control characters; the message names the problem."""


def clean_reason(reason: str | None, *, required: bool) -> str:
    """The reason as kept: trimmed, one line, at most MAX_REASON_CHARS characters of printable text.

    Markup is kept as typed and escaped wherever it is shown (the portal's templates), never stripped silently.
    """
    text = (reason or "").strip()
    if not text:
        if required:
            raise BadReason("give a reason (what is wrong with the document)")
        return ""
    if len(text) > MAX_REASON_CHARS:
        raise BadReason(f"the reason is {len(text)} characters; the limit is {MAX_REASON_CHARS}")
    bad = next((ch for ch in text if unicodedata.category(ch) in {"Cc", "Cf", "Cs", "Co", "Cn"}), None)
    if bad is not None:
        raise BadReason(f"the reason contains a control character (U+{ord(bad):04X}); write it on one line")
    return text


def _received(document_id, recipient_id: int) -> Document:
    """The document delivered to the recipient, locked; NoSuchDocument for anyone else (tenant isolation)."""
    try:
        document = Document.objects.select_for_update().filter(pk=document_id, recipient_id=recipient_id).first()
    except (ValueError, ValidationError):  # not a UUID
        document = None
    if document is None:
        raise NoSuchDocument("no such document received by this organisation")
    if document.status not in ANSWERABLE:
        raise NotDelivered(f"the document is {document.status}: only a delivered document can be answered")
    return document


def _set(document: Document, state: str, reason: str, kind: str) -> None:
    document.recipient_state = state
    document.recipient_state_reason = reason
    document.recipient_state_at = timezone.now()
    document.save(update_fields=["recipient_state", "recipient_state_reason", "recipient_state_at"])
    # Who in the organisation answered is not recorded on the timeline: the sender sees it too.
    record(document, kind, **({"reason": reason} if reason else {}))


def mark_read(document_id, recipient_id: int) -> Document:
    """The recipient has read the document: `new` becomes `read` once (an answered document stays answered)."""
    with transaction.atomic():
        document = _received(document_id, recipient_id)
        if document.recipient_state == NEW:
            _set(document, READ, "", EventKind.READ)
    return document


def approve(document_id, recipient_id: int, comment: str | None = None) -> Document:
    """The recipient approves the document (an optional comment); it may have disputed it before."""
    text = clean_reason(comment, required=False)
    with transaction.atomic():
        document = _received(document_id, recipient_id)
        _set(document, APPROVED, text, EventKind.APPROVED)
    return document


def dispute(document_id, recipient_id: int, reason: str | None) -> Document:
    """The recipient disputes the document with a reason (required); it may have approved it before."""
    text = clean_reason(reason, required=True)
    with transaction.atomic():
        document = _received(document_id, recipient_id)
        _set(document, DISPUTED, text, EventKind.DISPUTED)
    return document
