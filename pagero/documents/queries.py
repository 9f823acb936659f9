"""The documents context's reads, always scoped to one organisation (tenant isolation): query sets for the API
and plain dataclasses for the other contexts (re-exported by public.py). Writes are in pipeline.py."""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import date, datetime, timedelta
from decimal import Decimal

from django.core.exceptions import ValidationError
from django.core.paginator import Paginator
from django.db import connection, transaction
from django.db.models import Count, Exists, F, FloatField, OuterRef, Q, QuerySet
from django.db.models.expressions import OrderBy
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
    due_date: date | None = None
    # The recipient's answer (new | read | approved | disputed) and its reason; "new" until the recipient reads it.
    recipient_state: str = "new"
    recipient_state_reason: str = ""
    # Duplicate detection as this side sees it: "held" (a possible duplicate waiting for its sender), "resend" (a
    # confirmed deliberate resend), "repeated" (an earlier document another copy repeats), or "".
    duplicate: str = ""


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
    # The other copies of the same invoice (same sender, type, number and issue date) this side may see.
    copies: list[DocumentSummary] = field(default_factory=list)


@dataclass(frozen=True)
class DocumentPage:
    items: list[DocumentSummary]
    total: int
    page: int
    pages: int


# Where the recipient sees a document and may answer it: handed over by the pipeline.
HANDED_OVER = (Status.DELIVERED, Status.ACKNOWLEDGED)


def _duplicate_flag(document: Document, sent: bool) -> str:
    """The duplicate flag as the sender or the recipient sees it; the recipient only of delivered copies."""
    held = document.duplicate_state == pipeline.DUPLICATE_SUSPECTED and document.status == Status.RECEIVED
    if sent and held:
        return "held"
    if document.duplicate_state == pipeline.DUPLICATE_CONFIRMED and (sent or document.status in HANDED_OVER):
        return "resend"
    repeated = getattr(document, "repeated_for_sender" if sent else "repeated_for_recipient", None)
    if repeated is None:  # not annotated (a single document)
        copies = Document.objects.filter(duplicate_of=document)
        repeated = (copies if sent else copies.filter(status__in=HANDED_OVER)).exists()
    return "repeated" if repeated else ""


def with_duplicate_flags(queryset: QuerySet[Document]) -> QuerySet[Document]:
    """The query set with what _duplicate_flag needs for each row in the same query."""
    copies = Document.objects.filter(duplicate_of=OuterRef("pk"))
    return queryset.annotate(
        repeated_for_sender=Exists(copies),
        repeated_for_recipient=Exists(copies.filter(status__in=HANDED_OVER)),
    )


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
        due_date=document.due_date,
        recipient_state=document.recipient_state,
        recipient_state_reason=document.recipient_state_reason,
        duplicate=_duplicate_flag(document, sent),
    )


@dataclass(frozen=True)
class DocumentFilters:
    """What a list of sent or received documents is narrowed and ordered by: the portal's list, its CSV export.

    `search` matches the number, the partner's name and the payable amount (at most MAX_SEARCH_CHARS count);
    `state` is a business state (BUSINESS_STATES): the recipient's answer of a delivered document, or a duplicate
    held for its sender; `sort` is a SORTABLE key, descending with a leading "-".
    """

    status: str | None = None
    partner_id: int | None = None
    document_type: str | None = None
    date_from: date | None = None
    date_to: date | None = None
    search: str | None = None
    state: str | None = None
    sort: str = "-created"


NO_FILTERS = DocumentFilters()  # every document of the side, newest first


def document_page(
    organisation_id: int,
    direction: str,
    filters: DocumentFilters = NO_FILTERS,
    *,
    page: int = 1,
    per_page: int = 25,
) -> DocumentPage:
    paginator = Paginator(with_duplicate_flags(filtered_documents(organisation_id, direction, filters)), per_page)
    current = paginator.get_page(page)
    return DocumentPage(
        [_summary(d, organisation_id) for d in current.object_list],
        paginator.count,
        current.number,
        paginator.num_pages,
    )


# Business states a list filters on (the recipient's answer, and a held duplicate), apart from pipeline statuses.
BUSINESS_STATES = ("new", "read", "approved", "disputed", "held")
MAX_SEARCH_CHARS = 100


def _amount(text: str) -> Decimal | None:
    """A searched amount ("1250", "1 250,50", "1250.5"), or None when the text is not one."""
    cleaned = "".join(text.split())  # thousands separated by spaces, no-break ones included
    if "," in cleaned and "." not in cleaned:
        cleaned = cleaned.replace(",", ".")
    try:
        value = Decimal(cleaned)
    except (ArithmeticError, ValueError):
        return None
    return value if value.is_finite() and Document._meta.get_field("payable_amount").fits(value) else None


def _partner_column(direction: str) -> str:
    """Where a list keeps the other side: the recipient of a sent document, the sender of a received one."""
    return "recipient_id" if direction == "sent" else "sender_id"


def _partners_named(organisation_id: int, direction: str, text: str) -> list[int]:
    """The partners of the organisation on that side whose name contains the text."""
    from pagero.partners import public as partners

    column = _partner_column(direction)
    ids = set(list_documents(organisation_id, direction).order_by().values_list(column, flat=True).distinct())
    names = partners.organisation_names(ids)
    wanted = text.casefold()
    return [pid for pid, name in names.items() if pid is not None and wanted in name.casefold()]


def in_state(queryset: QuerySet[Document], state: str) -> QuerySet[Document]:
    """The documents in a business state (BUSINESS_STATES); an unknown state leaves the query set as it is."""
    if state == "held":
        return queryset.filter(duplicate_state=pipeline.DUPLICATE_SUSPECTED, status=Status.RECEIVED)
    if state in BUSINESS_STATES:
        return queryset.filter(recipient_state=state, status__in=HANDED_OVER)
    return queryset


def filtered_documents(
    organisation_id: int, direction: str, filters: DocumentFilters = NO_FILTERS
) -> QuerySet[Document]:
    """The organisation's sent or received documents matching the list's filters, in the list's order."""
    queryset = list_documents(organisation_id, direction, filters.status)
    partner_column = _partner_column(direction)
    if filters.partner_id:
        queryset = queryset.filter(**{partner_column: filters.partner_id})
    if filters.document_type:
        queryset = queryset.filter(document_type=filters.document_type)
    if filters.date_from:
        queryset = queryset.filter(created_at__date__gte=filters.date_from)
    if filters.date_to:
        queryset = queryset.filter(created_at__date__lte=filters.date_to)
    if filters.search:
        text = filters.search.strip()[:MAX_SEARCH_CHARS]
        matches = Q(number__icontains=text)
        named = _partners_named(organisation_id, direction, text)
        if named:
            matches |= Q(**{f"{partner_column}__in": named})
        amount = _amount(text)
        if amount is not None:
            matches |= Q(payable_amount=amount)
        queryset = queryset.filter(matches)
    if filters.state:
        queryset = in_state(queryset, filters.state)
    return queryset.order_by(*_list_order(filters.sort))


def _list_order(sort: str) -> tuple[OrderBy, str]:
    """A SORTABLE key (descending with a leading "-"), empty values last, then the newest first."""
    key = SORTABLE.get(sort.lstrip("-"), "created_at")
    column: F | Cast = F(key)
    if key == "payable_amount" and connection.vendor == "sqlite":
        column = Cast(key, FloatField())  # kept as text on SQLite (models.AmountField): order by its value
    return (column.desc(nulls_last=True) if sort.startswith("-") else column.asc(nulls_last=True)), "-created_at"


def document_detail(organisation_id: int, document_id) -> DocumentDetail | None:
    try:
        document = visible_to(organisation_id).get(pk=document_id)
    except (Document.DoesNotExist, ValueError, ValidationError):  # unknown, or not a UUID
        return None
    events = [TimelineEvent(e.kind, e.status, e.at, e.detail) for e in document.events.all()]
    store = payload_store()
    renditions = [str(fmt) for fmt in Syntax if store.exists(str(document.id), rendition_payload(fmt))]
    return DocumentDetail(
        _summary(document, organisation_id),
        events,
        document.validation_report,
        renditions,
        list(document.dropped),
        _copies(document, organisation_id),
    )


def _copies(document: Document, organisation_id: int) -> list[DocumentSummary]:
    """The other copies of the same invoice: all of them for the sender, the delivered ones for the recipient."""
    if not document.number or document.issue_date is None:
        return []
    copies = Document.objects.filter(
        sender_id=document.sender_id,
        document_type=document.document_type,
        number=document.number,
        issue_date=document.issue_date,
    ).exclude(pk=document.pk)
    if document.sender_id != organisation_id:
        copies = copies.filter(recipient_id=organisation_id, status__in=HANDED_OVER)
    return [_summary(d, organisation_id) for d in with_duplicate_flags(copies.order_by("created_at"))[:20]]


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
        data = pipeline.render_pdf_for(original, document.target_format or ORIGINAL)
        store.put(key, kind, data)
        return data
    with transaction.atomic():
        Document.objects.select_for_update().filter(pk=document.pk).first()
        if store.exists(key, kind):
            return store.get(key, kind)
        data = pipeline.render_pdf_for(original, document.target_format or ORIGINAL)
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


def business_counts(organisation_id: int) -> dict[str, int]:
    """What waits on people: received documents not yet read, sent ones disputed, sent duplicates held."""
    delivered = Document.objects.filter(status__in=HANDED_OVER)
    return {
        "received_new": delivered.filter(recipient_id=organisation_id, recipient_state="new").count(),
        "received_disputed": delivered.filter(recipient_id=organisation_id, recipient_state="disputed").count(),
        "sent_disputed": delivered.filter(sender_id=organisation_id, recipient_state="disputed").count(),
        "sent_held": Document.objects.filter(
            sender_id=organisation_id, status=Status.RECEIVED, duplicate_state=pipeline.DUPLICATE_SUSPECTED
        ).count(),
    }


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
