"""Orders across the network: an order response and an invoice find the order they follow (and the invoice is
matched against it), a delivered order waits for its response, and the supplier answers an order."""

from __future__ import annotations

from collections.abc import Callable
from datetime import timedelta

from django.conf import settings
from django.utils import timezone

from pagero.formats import public as formats
from pagero.kernel.vocabulary import BILLING_TYPES, ORIGINAL_PAYLOAD, DocumentType, EventKind, Status, Syntax

from .matching import match_invoice_to_order
from .models import Document
from .payloads.registry import payload_store

Record = Callable[..., object]


def _orders_between(buyer_id: int | None, supplier_id: int) -> bool:
    """Whether the buyer has any delivered order at the supplier (one indexed query, no parsing)."""
    return Document.objects.filter(
        document_type=DocumentType.ORDER,
        sender_id=buyer_id,
        recipient_id=supplier_id,
        status__in=[Status.DELIVERED, Status.ACKNOWLEDGED],
    ).exists()


def _delivered_order(number: str, buyer_id: int | None, supplier_id: int) -> Document | None:
    """The order the buyer sent the supplier under that number, once delivered (the latest if sent again)."""
    return (
        Document.objects.select_for_update()
        .filter(
            document_type=DocumentType.ORDER,
            number=number,
            sender_id=buyer_id,
            recipient_id=supplier_id,
            status__in=[Status.DELIVERED, Status.ACKNOWLEDGED],
        )
        .order_by("-created_at")
        .first()
    )


def link_to_order(document: Document, original: bytes, record: Record) -> None:
    """In the route step, once the recipient is known: an order response from the supplier, or an invoice with a
    purchase order reference (BT-13), is linked to the delivered order between the same two organisations."""
    if document.document_type == DocumentType.ORDER_RESPONSE:
        response = formats.parse_order(original).order
        order = _delivered_order(response.order_reference or "", document.recipient_id, document.sender_id)
        if order is None:
            return
        _link(document, order, record)
        order.response_due_at, order.response_overdue = None, False
        order.save(update_fields=["response_due_at", "response_overdue", "updated_at"])
        record(order, EventKind.ORDER_RESPONDED, response=str(document.id), code=response.response_code)
    elif document.document_type in BILLING_TYPES and _orders_between(document.recipient_id, document.sender_id):
        # Read again only where an order could match: most invoices follow none, and routing is on the hot path.
        invoice = formats.parse(original).invoice
        if not invoice.purchase_order_reference:
            return
        order = _delivered_order(invoice.purchase_order_reference, document.recipient_id, document.sender_id)
        if order is None:
            return
        notes = match_invoice_to_order(formats.parse_order(_original_of(order)).order, invoice)
        _link(document, order, record, notes=notes)
        record(order, EventKind.ORDER_INVOICED, invoice=str(document.id), number=document.number, notes=notes)


def _link(document: Document, order: Document, record: Record, **detail: object) -> None:
    document.related_document = order
    document.save(update_fields=["related_document"])
    record(document, EventKind.LINKED_TO_ORDER, order=str(order.id), number=order.number, **detail)


def _original_of(document: Document) -> bytes:
    return payload_store().get(str(document.id), ORIGINAL_PAYLOAD)


def await_response(document: Document) -> None:
    """A delivered order waits ORDER_RESPONSE_DUE_HOURS for its response (unless one came already)."""
    if document.document_type == DocumentType.ORDER and not document.followers.filter(
        document_type=DocumentType.ORDER_RESPONSE
    ).exists():
        document.response_due_at = timezone.now() + timedelta(hours=settings.ORDER_RESPONSE_DUE_HOURS)
        document.save(update_fields=["response_due_at"])


def flag_overdue_responses(record: Record, limit: int = 500) -> int:
    """Flag the delivered orders whose response is overdue (each once, with an event); the number flagged."""
    due = Document.objects.filter(
        document_type=DocumentType.ORDER, response_due_at__lt=timezone.now(), response_overdue=False
    ).order_by("response_due_at")[:limit]
    flagged = 0
    for order in due:
        order.response_overdue = True
        order.save(update_fields=["response_overdue", "updated_at"])
        record(order, EventKind.ORDER_RESPONSE_OVERDUE, due=order.response_due_at.isoformat())
        flagged += 1
    return flagged


def response_for(order: Document, answer: str, lines: dict[str, formats.LineAnswer], note: str) -> bytes:
    """The UBL order response the order's supplier sends (formats.ResponseRefused names what is wrong)."""
    earlier = order.followers.filter(document_type=DocumentType.ORDER_RESPONSE).count()
    number = f"{order.number or order.id}-R{earlier + 1}"
    response = formats.compose_response(
        formats.parse_order(_original_of(order)).order,
        answer,
        number=number[:200],
        issue_date=timezone.localdate(),
        note=note,
        lines=lines,
    )
    data, _ = formats.write_order(response, Syntax.UBL)
    return data
