"""What a customer takes away from its document lists: the filtered list as CSV, and selected documents as a zip.

Both are bounded: the CSV has at most MAX_EXPORT_ROWS rows (the file says when the list had more), the zip at most
MAX_BULK_DOCUMENTS documents and MAX_BULK_BYTES bytes of content, refused with a message naming the limit beyond.
"""

from __future__ import annotations

import csv
import io
import zipfile
from dataclasses import dataclass

from django.core.exceptions import ValidationError

from pagero.kernel.vocabulary import ORIGINAL, ORIGINAL_PAYLOAD, extension, rendition_payload

from .admin import csv_cell
from .payloads.registry import payload_store
from .queries import HANDED_OVER, NO_FILTERS, DocumentFilters, _summary, filtered_documents, visible_to

MAX_EXPORT_ROWS = 5000
MAX_BULK_DOCUMENTS = 50
MAX_BULK_BYTES = 50 * 1024 * 1024

CSV_COLUMNS = [
    "number",
    "type",
    "partner",
    "issue_date",
    "due_date",
    "amount",
    "currency",
    "status",
    "state",
    "state_reason",
    "duplicate",
    "received_at",
    "id",
]


@dataclass(frozen=True)
class CsvExport:
    data: bytes
    rows: int
    truncated: bool  # the list had more than MAX_EXPORT_ROWS rows


def export_csv(organisation_id: int, direction: str, filters: DocumentFilters = NO_FILTERS) -> CsvExport:
    """The list as filtered, one row per document, cells safe for spreadsheets."""
    from pagero.partners import public as partners

    queryset = filtered_documents(organisation_id, direction, filters)
    documents = list(queryset[: MAX_EXPORT_ROWS + 1])
    truncated = len(documents) > MAX_EXPORT_ROWS
    summaries = [_summary(d, organisation_id) for d in documents[:MAX_EXPORT_ROWS]]
    names = partners.organisation_names({s.partner_id for s in summaries})
    out = io.StringIO()
    writer = csv.writer(out)
    writer.writerow(CSV_COLUMNS)
    for s in summaries:
        answered = s.status in HANDED_OVER
        row = [
            s.number,
            s.document_type,
            names.get(s.partner_id, ""),
            s.issue_date.isoformat() if s.issue_date else "",
            s.due_date.isoformat() if s.due_date else "",
            "" if s.payable_amount is None else format(s.payable_amount.normalize(), "f"),
            s.currency,
            s.status,
            s.recipient_state if answered else "",
            s.recipient_state_reason if answered else "",
            s.duplicate,
            s.created_at.isoformat(),
            s.id,
        ]
        writer.writerow([csv_cell(value) for value in row])
    # A byte-order mark so that spreadsheet programs read the file as UTF-8 (names with å, ø, é).
    return CsvExport(("\ufeff" + out.getvalue()).encode("utf-8"), len(summaries), truncated)


class BulkRefused(ValueError):
    """The selection is empty, too large, or names documents the organisation cannot see; the message says which."""


def bulk_zip(organisation_id: int, document_ids: list[str]) -> bytes:
    """The selected documents in one zip: for the recipient the rendition it receives, for the sender its original.

    Each file is named by the document's number (made unique), e.g. `INV-1.xml`, `INV-1-2.xml`.
    """
    wanted = list(dict.fromkeys(document_ids))
    if not wanted:
        raise BulkRefused("select at least one document")
    if len(wanted) > MAX_BULK_DOCUMENTS:
        raise BulkRefused(f"{len(wanted)} documents selected; at most {MAX_BULK_DOCUMENTS} go in one download")
    try:
        found = {str(d.id): d for d in visible_to(organisation_id).filter(pk__in=wanted)}
    except (ValueError, ValidationError):
        raise BulkRefused("a selected document id is not valid") from None
    if len(found) != len(wanted):
        raise BulkRefused(f"{len(wanted) - len(found)} selected document(s) do not exist or are not yours")
    store = payload_store()
    buffer = io.BytesIO()
    total, used = 0, set[str]()
    with zipfile.ZipFile(buffer, "w", zipfile.ZIP_DEFLATED) as archive:
        for document_id in wanted:
            document = found[document_id]
            received = document.recipient_id == organisation_id and document.sender_id != organisation_id
            rendition = rendition_payload(document.target_format) if document.target_format else ""
            if received and rendition and store.exists(document_id, rendition):
                kind, fmt = rendition, document.target_format
            else:
                kind, fmt = ORIGINAL_PAYLOAD, document.original_syntax or ORIGINAL
            data = store.get(document_id, kind)
            total += len(data)
            if total > MAX_BULK_BYTES:
                raise BulkRefused(f"the selected documents exceed {MAX_BULK_BYTES // (1024 * 1024)} MB; select fewer")
            name = _unique(f"{_safe(document.number or document_id)}", extension(fmt), used)
            archive.writestr(name, data)
    return buffer.getvalue()


def _safe(name: str) -> str:
    """A file name from a document number: no path separators or control characters, at most 100 characters."""
    cleaned = "".join(ch if ch.isalnum() or ch in "-_." else "_" for ch in name).strip(".")
    return cleaned[:100] or "document"


def _unique(stem: str, ext: str, used: set[str]) -> str:
    name, n = f"{stem}.{ext}", 1
    while name in used:
        n += 1
        name = f"{stem}-{n}.{ext}"
    used.add(name)
    return name
