"""Operator console: documents with their timeline; re-process, re-deliver and export actions; the pipeline overview.

A document is an archive record: the console shows it and runs the pipeline's operations on it, and never edits or
deletes it (no Save or Delete, and a POST to change or delete one is refused).
"""

from __future__ import annotations

import csv

from django.contrib import admin, messages
from django.contrib.admin.views.main import ChangeList
from django.db.models import Count, Max, Min
from django.http import HttpRequest, HttpResponse
from django.template.response import TemplateResponse
from django.utils import timezone
from django.utils.html import format_html, format_html_join

from pagero.console import brand, duration, moment
from pagero.partners import public as partners

from . import pipeline
from .lifecycle import IN_FLIGHT, NEEDS_ATTENTION, IllegalTransition
from .models import Document, DocumentEvent, PayloadRecord

brand(admin.site)
admin.site.index_template = "admin/documents/console_index.html"

# A spreadsheet runs a cell that starts with one of these as a formula (DDE, HYPERLINK, ...).
FORMULA_PREFIXES = ("=", "+", "-", "@", "\t", "\r")
# Findings shown in a validation report's table (a report keeps at most a few hundred).
MAX_FINDINGS_SHOWN = 200


def csv_cell(value: object) -> str:
    """A value for a CSV export that a spreadsheet shows as text: formula-like values get a leading `'`."""
    text = "" if value is None else str(value)
    return "'" + text if text.startswith(FORMULA_PREFIXES) else text


def _detail_text(detail: object) -> str:
    if isinstance(detail, dict):
        return "; ".join(f"{key}: {value}" for key, value in detail.items() if value not in (None, "", [], {}))
    return "" if detail is None else str(detail)


class EventInline(admin.TabularInline):
    model = DocumentEvent
    extra = 0
    can_delete = False
    fields = ["when", "kind", "status", "what"]
    readonly_fields = fields
    verbose_name = "timeline event"
    verbose_name_plural = "timeline"

    def has_add_permission(self, request, obj=None) -> bool:
        return False

    def has_change_permission(self, request, obj=None) -> bool:
        return False

    @admin.display(description="when")
    def when(self, event: DocumentEvent) -> str:
        return moment(event.at)

    @admin.display(description="detail")
    def what(self, event: DocumentEvent) -> str:
        return _detail_text(event.detail)


class NamedChangeList(ChangeList):
    """The documents list with the organisations' names, looked up once per page (not once per row)."""

    def get_results(self, request: HttpRequest) -> None:
        super().get_results(request)
        rows = list(self.result_list)
        names = partners.organisation_names({d.sender_id for d in rows} | {d.recipient_id for d in rows})
        for document in rows:
            document.sender_name = names.get(document.sender_id)
            document.recipient_name = names.get(document.recipient_id)


def _organisation(name: str | None, organisation_id: int | None) -> str:
    if organisation_id is None:
        return "—"
    return name or f"unknown organisation #{organisation_id}"


# The fields an operator reads first on a document's page, in this order; every other field follows.
HEADLINE_FIELDS = [
    "number",
    "document_type",
    "status",
    "status_reason",
    "sender",
    "recipient",
    "issue_date",
    "currency",
    "payable_amount",
    "original_syntax",
    "target_format",
    "channel",
    "received_at",
    "last_change",
]
SHOWN_OTHERWISE = {"sender_id", "recipient_id", "created_at", "updated_at", "validation_report", "dropped"}


@admin.register(Document)
class DocumentAdmin(admin.ModelAdmin):
    list_display = [
        "number_or_id",
        "document_type",
        "status",
        "sender",
        "recipient",
        "original_syntax",
        "target_format",
        "channel",
        "received_at",
    ]
    list_display_links = ["number_or_id"]
    list_filter = ["status", "document_type", "original_syntax", "channel"]
    search_fields = ["number", "id", "sha256"]
    inlines = [EventInline]
    actions = ["reprocess", "redeliver", "export_csv"]

    def get_changelist(self, request: HttpRequest, **kwargs):
        return NamedChangeList

    def get_fields(self, request: HttpRequest, obj=None) -> list[str]:
        others = [f.name for f in Document._meta.fields if f.name not in SHOWN_OTHERWISE | set(HEADLINE_FIELDS)]
        return [*HEADLINE_FIELDS, "validation", "not_carried", *others]

    def get_readonly_fields(self, request: HttpRequest, obj=None) -> list[str]:
        return self.get_fields(request, obj)

    # An archive: shown, operated on through the actions, never added, edited or deleted here.
    def has_add_permission(self, request) -> bool:
        return False

    def has_change_permission(self, request, obj=None) -> bool:
        return False

    def has_delete_permission(self, request, obj=None) -> bool:
        return False

    def change_view(self, request, object_id, form_url="", extra_context=None):
        operations = [(name, self.get_actions(request)[name][2]) for name in ("reprocess", "redeliver")]
        extra = {**(extra_context or {}), "operations": operations, "document_id": object_id}
        return super().change_view(request, object_id, form_url, extra)

    @admin.display(description="number", ordering="number")
    def number_or_id(self, document: Document) -> str:
        return document.number or f"({str(document.id)[:8]}…)"

    @admin.display(description="sender")
    def sender(self, document: Document) -> str:
        name = getattr(document, "sender_name", None)
        if name is None and not hasattr(document, "sender_name"):
            name = partners.organisation_names([document.sender_id]).get(document.sender_id)
        return _organisation(name, document.sender_id)

    @admin.display(description="recipient")
    def recipient(self, document: Document) -> str:
        name = getattr(document, "recipient_name", None)
        if name is None and not hasattr(document, "recipient_name"):
            name = partners.organisation_names([document.recipient_id]).get(document.recipient_id)
        return _organisation(name, document.recipient_id)

    @admin.display(description="received", ordering="created_at")
    def received_at(self, document: Document) -> str:
        return moment(document.created_at)

    @admin.display(description="last change", ordering="updated_at")
    def last_change(self, document: Document) -> str:
        return moment(document.updated_at)

    @admin.display(description="validation report")
    def validation(self, document: Document) -> str:
        return validation_table(document.validation_report)

    @admin.display(description="not carried by the conversion")
    def not_carried(self, document: Document) -> str:
        if not document.dropped:
            return "—"
        rows = format_html_join(
            "",
            "<tr><td><code>{}</code></td><td>{}</td><td>{}</td></tr>",
            ((d.get("path", ""), d.get("term") or "", d.get("message", "")) for d in document.dropped[:200]),
        )
        return format_html(
            '<table class="not-carried"><thead><tr><th>Path</th><th>Business term</th><th>What</th></tr></thead>'
            "<tbody>{}</tbody></table>",
            rows,
        )

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


def validation_table(report: dict | None) -> str:
    """A validation report as operators read it: verdict, rule sets, then one row per finding."""
    if not report:
        return "—"
    verdict = "valid" if report.get("valid") else "not valid"
    counts = []
    if report.get("fatal_count") is not None:
        counts.append(f"{report['fatal_count']} fatal, {report.get('warning_count', 0)} warning(s)")
    if report.get("truncated"):
        counts.append(
            f"{report.get('findings_total')} findings in all, the first {len(report.get('findings', []))} kept"
        )
    head = format_html(
        '<p class="validation-verdict"><strong>{}</strong>{}{}</p>',
        verdict,
        format_html(" — {}", "; ".join(counts)) if counts else "",
        format_html(" — checked against {}", ", ".join(report["rule_sets"])) if report.get("rule_sets") else "",
    )
    message = format_html("<p>{}</p>", report["message"]) if report.get("message") else ""
    findings = report.get("findings") or []
    if not findings:
        return format_html("{}{}", head, message)
    rows = format_html_join(
        "",
        '<tr class="{}"><td>{}</td><td class="rule"><code>{}</code></td><td>{}</td><td class="message">{}</td>'
        '<td class="location"><code>{}</code></td></tr>',
        (
            (
                f.get("severity", ""),
                f.get("severity", ""),
                f.get("rule_id", ""),
                f.get("term") or "",
                f.get("message", ""),
                f.get("location") or "",
            )
            for f in findings[:MAX_FINDINGS_SHOWN]
        ),
    )
    return format_html(
        '{}{}<div style="overflow-x:auto;max-width:100%"><table class="validation-report">'
        "<thead><tr><th>Severity</th><th>Rule</th><th>Business term</th>"
        "<th>Message</th><th>Location</th></tr></thead><tbody>{}</tbody></table></div>",
        head,
        message,
        rows,
    )


@admin.register(PayloadRecord)
class PayloadRecordAdmin(admin.ModelAdmin):
    list_display = ["document_id", "kind", "size", "sha256", "written"]
    search_fields = ["document_id"]
    exclude = ["data"]

    @admin.display(description="written", ordering="written_at")
    def written(self, record: PayloadRecord) -> str:
        return moment(record.written_at)


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


def waiting_per_status() -> list[dict[str, object]]:
    """Per status: how many documents, and how long they have waited in it (since their last change).

    A document's `updated_at` moves with each step and is left alone by the sweeper, so it says since when the
    document has not moved. Delivered and fetched documents have arrived: they wait for nothing.
    """
    now = timezone.now()
    rows = Document.objects.values("status").annotate(n=Count("id"), oldest=Min("updated_at"), newest=Max("updated_at"))
    out = []
    for row in sorted(rows, key=lambda r: r["status"]):
        waits = row["status"] in IN_FLIGHT or row["status"] in NEEDS_ATTENTION
        out.append(
            {
                "status": row["status"],
                "n": row["n"],
                "kind": "in flight" if row["status"] in IN_FLIGHT else ("needs an action" if waits else "done"),
                "longest": duration(now - row["oldest"]) if waits else "—",
                "shortest": duration(now - row["newest"]) if waits else "—",
                "since": moment(row["oldest"]) if waits else "",
            }
        )
    return out


def pipeline_overview(request):
    from datetime import timedelta

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
        "per_status": waiting_per_status(),
        "queues": queue_depths(),
        "failures": [
            {"event": e, "when": moment(e.at), "reason": (e.detail or {}).get("reason", "")} for e in failures
        ],
        "now": moment(timezone.now()),
    }
    return TemplateResponse(request, "admin/documents/pipeline_overview.html", context)
