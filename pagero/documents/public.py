"""The documents context's facade: the only module other contexts import.

The pipeline reaches the formats and routing contexts through ports (ports.py): the local adapters by default,
or what another app installs at startup (the strangler's routed adapters, the shadow layer's observer).

Payloads (originals and renditions) are kept through `payload_store()`, whose adapter is chosen by
the PAYLOAD_STORE setting: `database` (a table in the relational database), `cassandra`, or
`migration` — registered by the migration app, which routes reads and writes by the current phase
of the PostgreSQL -> Cassandra migration.
"""

from __future__ import annotations

from .exports import MAX_BULK_BYTES, MAX_BULK_DOCUMENTS, MAX_EXPORT_ROWS, BulkRefused, CsvExport, bulk_zip, export_csv
from .payloads.port import (
    PayloadCorrupted,
    PayloadError,
    PayloadNotFound,
    PayloadRef,
    PayloadStore,
    PayloadStoreUnavailable,
    StoredPayload,
    sha256_hex,
)
from .payloads.registry import (
    cassandra_payload_store,
    create_cassandra_schema,
    database_payload_store,
    payload_store,
    register_payload_store,
)
from .pipeline import (
    NoSuchDocument,
    NotAnswerable,
    NotHeld,
    confirm_resend,
    duplicate_hold_days,
    respond_to_order,
    submit_document,
)
from .ports import (
    LOCAL_FORMATS,
    LOCAL_ROUTING,
    CallContext,
    Converted,
    FormatsPort,
    RoutingPort,
    formats_port,
    install_formats_port,
    install_routing_port,
    routing_port,
)
from .queries import (
    BUSINESS_STATES,
    Content,
    DocumentDetail,
    DocumentFilters,
    DocumentPage,
    DocumentSummary,
    NoRendition,
    TimelineEvent,
    awaiting_response,
    business_counts,
    document_content,
    document_detail,
    document_page,
    needing_attention,
    related_documents,
    status_counts,
)
from .received import MAX_REASON_CHARS, RECIPIENT_STATES, BadReason, NotDelivered, approve, dispute, mark_read

__all__ = [
    "BUSINESS_STATES",
    "LOCAL_FORMATS",
    "LOCAL_ROUTING",
    "MAX_BULK_BYTES",
    "MAX_BULK_DOCUMENTS",
    "MAX_EXPORT_ROWS",
    "MAX_REASON_CHARS",
    "RECIPIENT_STATES",
    "BadReason",
    "BulkRefused",
    "CallContext",
    "Content",
    "Converted",
    "CsvExport",
    "DocumentDetail",
    "DocumentFilters",
    "DocumentPage",
    "DocumentSummary",
    "FormatsPort",
    "NoRendition",
    "NoSuchDocument",
    "NotAnswerable",
    "NotDelivered",
    "NotHeld",
    "PayloadCorrupted",
    "PayloadError",
    "PayloadNotFound",
    "PayloadRef",
    "PayloadStore",
    "PayloadStoreUnavailable",
    "RoutingPort",
    "StoredPayload",
    "TimelineEvent",
    "approve",
    "awaiting_response",
    "bulk_zip",
    "business_counts",
    "cassandra_payload_store",
    "confirm_resend",
    "create_cassandra_schema",
    "database_payload_store",
    "dispute",
    "document_content",
    "document_detail",
    "document_page",
    "duplicate_hold_days",
    "export_csv",
    "formats_port",
    "install_formats_port",
    "install_routing_port",
    "mark_read",
    "needing_attention",
    "payload_store",
    "register_payload_store",
    "related_documents",
    "respond_to_order",
    "routing_port",
    "sha256_hex",
    "status_counts",
    "submit_document",
]
