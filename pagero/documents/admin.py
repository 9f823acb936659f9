"""Operator console: documents with their timeline; re-process, re-deliver and export actions."""

from __future__ import annotations

import csv

from django.contrib import admin, messages
from django.http import HttpResponse

from . import pipeline
from .lifecycle import IllegalTransition
from .models import Document, DocumentEvent, PayloadRecord


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
            writer.writerow([getattr(document, column) for column in columns])
        return response


@admin.register(PayloadRecord)
class PayloadRecordAdmin(admin.ModelAdmin):
    list_display = ["document_id", "kind", "size", "sha256", "written_at"]
    search_fields = ["document_id"]
    exclude = ["data"]
