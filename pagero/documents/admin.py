"""Operator console: documents with their timeline; re-process, re-deliver and export actions."""

from __future__ import annotations

import csv

from django.contrib import admin, messages
from django.http import HttpResponse

from . import pipeline
from .lifecycle import IllegalTransition
from .models import Document, DocumentEvent, PayloadRecord

# A spreadsheet runs a cell that starts with one of these as a formula (DDE, HYPERLINK, ...).
FORMULA_PREFIXES = ("=", "+", "-", "@", "\t", "\r")


def csv_cell(value: object) -> str:
    """A value for a CSV export that a spreadsheet shows as text: formula-like values get a leading `'`."""
    text = "" if value is None else str(value)
    return "'" + text if text.startswith(FORMULA_PREFIXES) else text


class EventInline(admin.TabularInline):
    model = DocumentEvent
    extra = 0
    can_delete = False
    fields = ["at", "kind", "status", "detail"]
    readonly_fields = fields

    def has_add_permission(self, request, obj=None) -> bool:
        return False


@admin.register(Document)
class DocumentAdmin(admin.ModelAdmin):
    list_display = [
        "number",
        "document_type",
        "status",
        "sender_id",
        "recipient_id",
        "original_syntax",
        "target_format",
        "channel",
        "created_at",
    ]
    list_filter = ["status", "document_type", "original_syntax", "channel"]
    search_fields = ["number", "id", "sha256"]
    readonly_fields = [f.name for f in Document._meta.fields]
    inlines = [EventInline]
    actions = ["reprocess", "redeliver", "export_csv"]

    def has_add_permission(self, request) -> bool:
        return False

    def _operation(self, request, queryset, operation, label: str) -> None:
        done, refused = 0, []
        for document in queryset:
            try:
                operation(document.id, actor=f"admin:{request.user.get_username()}")
                done += 1
            except IllegalTransition as exc:
                refused.append(f"{document.number or document.id}: {exc}")
        if done:
            messages.success(request, f"{label}: {done} document(s)")
        for line in refused:
            messages.error(request, line)

    @admin.action(description="Re-process (validate, route, convert and deliver again)")
    def reprocess(self, request, queryset) -> None:
        self._operation(request, queryset, pipeline.reprocess, "re-processing")

    @admin.action(description="Re-deliver the converted document")
    def redeliver(self, request, queryset) -> None:
        self._operation(request, queryset, pipeline.redeliver, "re-delivery")

    @admin.action(description="Export as CSV")
    def export_csv(self, request, queryset) -> HttpResponse:
        response = HttpResponse(content_type="text/csv")
        response["Content-Disposition"] = 'attachment; filename="documents.csv"'
        writer = csv.writer(response)
        columns = [
            "id",
            "number",
            "document_type",
            "status",
            "status_reason",
            "sender_id",
            "recipient_id",
            "currency",
            "payable_amount",
            "original_syntax",
            "target_format",
            "channel",
            "created_at",
        ]
        writer.writerow(columns)
        for document in queryset:
            writer.writerow([csv_cell(getattr(document, column)) for column in columns])
        return response


@admin.register(PayloadRecord)
class PayloadRecordAdmin(admin.ModelAdmin):
    list_display = ["document_id", "kind", "size", "sha256", "written_at"]
    search_fields = ["document_id"]
    exclude = ["data"]


def queue_depths() -> dict[str, object]:
    """Messages waiting per queue, asked from the broker (passive declare: creates nothing)."""
    from django.conf import settings

    from pagero.celery import app

    if settings.CELERY_TASK_ALWAYS_EAGER:
        return {"(eager mode)": "tasks run inline"}
    depths: dict[str, object] = {}
    try:
        with app.connection_for_read() as connection:
            channel = connection.default_channel
            for queue in (settings.CELERY_TASK_DEFAULT_QUEUE,):
                try:
                    depths[queue] = channel.queue_declare(queue=queue, passive=True).message_count
                except Exception as exc:  # the queue does not exist yet
                    depths[queue] = f"unknown ({type(exc).__name__})"
    except Exception as exc:
        depths["broker"] = f"unreachable: {exc}"
    return depths


def pipeline_overview(request):
    from datetime import timedelta

    from django.db.models import Count
    from django.template.response import TemplateResponse
    from django.utils import timezone

    hour_ago = timezone.now() - timedelta(hours=1)
    failures = (
        DocumentEvent.objects.filter(
            at__gte=hour_ago,
            kind__in=["rejected", "undeliverable", "conversion_failed", "delivery_failed", "delivery_attempt_failed"],
        )
        .select_related("document")
        .order_by("-at")[:100]
    )
    context = {
        **admin.site.each_context(request),
        "title": "Pipeline overview",
        "per_status": Document.objects.values("status").annotate(n=Count("id")).order_by("status"),
        "queues": queue_depths(),
        "failures": failures,
    }
    return TemplateResponse(request, "admin/documents/pipeline_overview.html", context)
