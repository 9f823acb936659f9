"""The documents context's reads, always scoped to one organisation (tenant isolation): query sets for the API
and plain dataclasses for the other contexts (re-exported by public.py). Writes are in pipeline.py."""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import date, datetime, timedelta
from decimal import Decimal

from django.core.exceptions import ValidationError
from django.core.paginator import Paginator
from django.db import connection, transaction
from django.db.models import Count, F, FloatField, Q, QuerySet
from django.db.models.functions import Cast
from django.utils import timezone

from pagero.kernel.vocabulary import (
    ORDER_TYPES,
    ORIGINAL,
    ORIGINAL_PAYLOAD,
    PDF,
    Channel,
    Status,
    Syntax,
    extension,
    media_type,
    rendition_payload,
)

from . import pipeline
from .lifecycle import NEEDS_ATTENTION
from .models import Document
from .payloads.registry import payload_store
from .ports import ORDER_TARGETS

SORTABLE = {
    "created": "created_at",
    "number": "number",
    "status": "status",
    "amount": "payable_amount",
    "issued": "issue_date",
}


def visible_to(organisation_id: int) -> QuerySet[Document]:
    """What an organisation may see: the documents it sent or received. Anything else does not exist for it."""
    return Document.objects.filter(Q(sender_id=organisation_id) | Q(recipient_id=organisation_id))


def list_documents(
    organisation_id: int,
    direction: str | None = None,
    status: str | None = None,
    since: datetime | None = None,
    document_type: str | None = None,
) -> QuerySet[Document]:
    if direction == "sent":
        queryset = Document.objects.filter(sender_id=organisation_id)
    elif direction == "received":
        queryset = Document.objects.filter(recipient_id=organisation_id)
    else:
        queryset = visible_to(organisation_id)
    if status:
        queryset = queryset.filter(status=status)
    if since:
        queryset = queryset.filter(created_at__gte=since)
    if document_type:
        queryset = queryset.filter(document_type=document_type)
    return queryset.order_by("-created_at")


def inbox(organisation_id: int) -> QuerySet[Document]:
    delivered = Document.objects.filter(recipient_id=organisation_id, channel=Channel.INBOX, status=Status.DELIVERED)
    return delivered.order_by("created_at")


@dataclass(frozen=True)
class DocumentSummary:
    id: str
    number: str
    document_type: str
    status: str
    status_reason: str
    direction: str  # sent | received
    partner_id: int | None
    created_at: datetime
    issue_date: date | None
    currency: str
    payable_amount: Decimal | None
    original_syntax: str
    target_format: str
    channel: str


@dataclass(frozen=True)
class TimelineEvent:
    kind: str
    status: str
    at: datetime
    detail: dict


@dataclass(frozen=True)
class DocumentDetail:
    summary: DocumentSummary
    events: list[TimelineEvent]
    validation_report: dict | None
    renditions: list[str] = field(default_factory=list)
    # What the conversion could not carry to the recipient's format: [{"path", "term", "message"}, ...].
    dropped: list[dict] = field(default_factory=list)


@dataclass(frozen=True)
class DocumentPage:
    items: list[DocumentSummary]
    total: int
    page: int
    pages: int


def _summary(document: Document, organisation_id: int) -> DocumentSummary:
    sent = document.sender_id == organisation_id
    return DocumentSummary(
        id=str(document.id),
        number=document.number,
        document_type=document.document_type,
        status=document.status,
        status_reason=document.status_reason,
        direction="sent" if sent else "received",
        partner_id=document.recipient_id if sent else document.sender_id,
        created_at=document.created_at,
        issue_date=document.issue_date,
        currency=document.currency,
        payable_amount=document.payable_amount,
        original_syntax=document.original_syntax,
        target_format=document.target_format,
        channel=document.channel,
    )


def document_page(
    organisation_id: int,
    direction: str,
    *,
    status: str | None = None,
    partner_id: int | None = None,
    document_type: str | None = None,
    date_from: date | None = None,
    date_to: date | None = None,
    search: str | None = None,
    sort: str = "-created",
    page: int = 1,
    per_page: int = 25,
) -> DocumentPage:
    queryset = list_documents(organisation_id, direction, status)
    if partner_id:
        queryset = (
            queryset.filter(recipient_id=partner_id) if direction == "sent" else queryset.filter(sender_id=partner_id)
        )
    if document_type:
        queryset = queryset.filter(document_type=document_type)
    if date_from:
        queryset = queryset.filter(created_at__date__gte=date_from)
    if date_to:
        queryset = queryset.filter(created_at__date__lte=date_to)
    if search:
        queryset = queryset.filter(number__icontains=search)
    key = SORTABLE.get(sort.lstrip("-"), "created_at")
    order = F(key)
    if key == "payable_amount" and connection.vendor == "sqlite":
        order = Cast(key, FloatField())  # kept as text on SQLite (models.AmountField): order by its value
    order = order.desc(nulls_last=True) if sort.startswith("-") else order.asc(nulls_last=True)
    queryset = queryset.order_by(order, "-created_at")
    paginator = Paginator(queryset, per_page)
    current = paginator.get_page(page)
    return DocumentPage(
        [_summary(d, organisation_id) for d in current.object_list],
        paginator.count,
        current.number,
        paginator.num_pages,
    )


def document_detail(organisation_id: int, document_id) -> DocumentDetail | None:
    try:
        document = visible_to(organisation_id).get(pk=document_id)
    except (Document.DoesNotExist, ValueError, ValidationError):  # unknown, or not a UUID
        return None
    events = [TimelineEvent(e.kind, e.status, e.at, e.detail) for e in document.events.all()]
    store = payload_store()
    renditions = [str(fmt) for fmt in Syntax if store.exists(str(document.id), rendition_payload(fmt))]
    return DocumentDetail(
        _summary(document, organisation_id), events, document.validation_report, renditions, list(document.dropped)
    )


@dataclass(frozen=True)
class Content:
    data: bytes
    content_type: str
    filename: str


class NoRendition(Exception):
    """A rejected document has only its original."""


def document_content(organisation_id: int, document_id, fmt: str, *, readable: bool = False) -> Content | None:
    """The original, a rendition (stored, else converted now) or the PDF; None if the document is not visible.

    The PDF is rendered once, on the first request (or at conversion for an e-mail recipient), and kept as the
    `rendition:pdf` payload. Raises NoRendition for a rejected document's renditions, FormatError when a
    conversion is impossible. `readable` indents an XML rendition for a person downloading it; the stored bytes,
    the original and what machines fetch stay exactly as they are. The file name is the document's number with the
    format's extension (`ACME-2002.xml`); the download's Content-Disposition adds which format it is
    (`ACME-2002-original.xml`, `ACME-2002-cii.xml`).
    """
    from pagero.formats import public as formats

    document = visible_to(organisation_id).filter(pk=document_id).first()
    if document is None:
        return None
    store = payload_store()
    name = document.number or str(document.id)
    original = store.get(str(document.id), ORIGINAL_PAYLOAD)
    if fmt == ORIGINAL:
        syntax = document.original_syntax
        return Content(original, media_type(syntax), f"{name}.{extension(syntax)}")
    if document.status == Status.REJECTED:
        raise NoRendition("a rejected document has no renditions; fetch the original")
    is_order = document.document_type in ORDER_TYPES
    if fmt == PDF and is_order:
        raise NoRendition("orders have no PDF rendering; fetch the original or a syntax")
    if fmt == PDF:
        data = _pdf_rendition(document, original)
    elif store.exists(str(document.id), rendition_payload(fmt)):
        data = store.get(str(document.id), rendition_payload(fmt))
    elif is_order:
        data = formats.convert_order(original, ORDER_TARGETS.get(fmt, fmt)).data
    else:
        data = formats.convert(original, fmt).data
    if readable and extension(fmt) == "xml":
        from lxml import etree

        # Our own rendition, but parsed as carefully as any XML: no entities, no DTD, no network.
        parser = etree.XMLParser(resolve_entities=False, load_dtd=False, no_network=True, remove_blank_text=True)
        try:
            data = etree.tostring(
                etree.fromstring(data, parser), xml_declaration=True, encoding="UTF-8", pretty_print=True
            )
        except etree.XMLSyntaxError:
            pass  # handed over as stored
    return Content(data, media_type(fmt), f"{name}.{extension(fmt)}")


def _pdf_rendition(document: Document, original: bytes) -> bytes:
    """The stored PDF rendition, rendered and stored first if there is none yet.

    A large invoice takes a minute to render, so concurrent first downloads must not each render it: where the
    database has row locks, the first one locks the document row while rendering and the others wait for it, then
    read what it stored. SQLite has no row locks (and a transaction there holds the only write lock), so on the
    embedded default two first downloads at the same moment may both render; the second write replaces the first.
    """
    store = payload_store()
    key, kind = str(document.id), rendition_payload(PDF)
    if store.exists(key, kind):
        return store.get(key, kind)
    if not connection.features.has_select_for_update:
        data = pipeline.render_pdf_for(original)
        store.put(key, kind, data)
        return data
    with transaction.atomic():
        Document.objects.select_for_update().filter(pk=document.pk).first()
        if store.exists(key, kind):
            return store.get(key, kind)
        data = pipeline.render_pdf_for(original)
        store.put(key, kind, data)
    return data


def status_counts(organisation_id: int, days: int = 30) -> dict[str, dict[str, int]]:
    """{"sent": {status: n}, "received": {status: n}} for documents created in the last `days` days."""
    since = timezone.now() - timedelta(days=days)
    out: dict[str, dict[str, int]] = {"sent": {}, "received": {}}
    for direction, condition in (("sent", Q(sender_id=organisation_id)), ("received", Q(recipient_id=organisation_id))):
        rows = Document.objects.filter(condition, created_at__gte=since).values("status").annotate(n=Count("id"))
        out[direction] = {row["status"]: row["n"] for row in rows}
    return out


def needing_attention(organisation_id: int, limit: int = 10) -> list[DocumentSummary]:
    queryset = visible_to(organisation_id).filter(status__in=[s.value for s in NEEDS_ATTENTION])
    return [_summary(d, organisation_id) for d in queryset.order_by("-updated_at")[:limit]]


def related_documents(organisation_id: int, document_id) -> list[DocumentSummary]:
    """The documents linked to this one that the organisation may see: the order it follows (a response's or an
    invoice's), and the responses and invoices that follow it (an order's), oldest first."""
    document = visible_to(organisation_id).filter(pk=document_id).first()
    if document is None:
        return []
    linked = visible_to(organisation_id).filter(Q(pk=document.related_document_id) | Q(related_document=document))
    return [_summary(d, organisation_id) for d in linked.order_by("created_at")]


def awaiting_response(organisation_id: int, document_id) -> tuple[bool, datetime | None]:
    """(overdue, due at) of an order's response; (False, None) when nothing is awaited."""
    document = visible_to(organisation_id).filter(pk=document_id).only("response_overdue", "response_due_at").first()
    if document is None:
        return False, None
    return document.response_overdue, document.response_due_at
