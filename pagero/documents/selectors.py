"""Read queries of the documents context, always scoped to one organisation (tenant isolation)."""

from __future__ import annotations

from datetime import datetime

from django.db.models import Q, QuerySet

from .models import Document


def visible_to(organisation_id: int) -> QuerySet[Document]:
    """What an organisation may see: the documents it sent or received. Anything else does not exist for it."""
    return Document.objects.filter(Q(sender_id=organisation_id) | Q(recipient_id=organisation_id))


def list_documents(
    organisation_id: int, direction: str | None = None, status: str | None = None, since: datetime | None = None
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
    return queryset.order_by("-created_at")


def inbox(organisation_id: int) -> QuerySet[Document]:
    return Document.objects.filter(recipient_id=organisation_id, channel="inbox", status="delivered").order_by(
        "created_at"
    )
