"""The documents context's port: the only module other contexts import.

Payloads (originals and renditions) are kept through `payload_store()`, whose adapter is chosen by
the PAYLOAD_STORE setting: `database` (a table in the relational database), `cassandra`, or
`migration` — registered by the migration app, which routes reads and writes by the current phase
of the PostgreSQL -> Cassandra migration.
"""

from __future__ import annotations

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
from .queries import (
    Content,
    DocumentDetail,
    DocumentPage,
    DocumentSummary,
    NoRendition,
    TimelineEvent,
    document_content,
    document_detail,
    document_page,
    needing_attention,
    status_counts,
    submit_document,
)

__all__ = [
    "Content",
    "DocumentDetail",
    "DocumentPage",
    "DocumentSummary",
    "NoRendition",
    "PayloadCorrupted",
    "PayloadError",
    "PayloadNotFound",
    "PayloadRef",
    "PayloadStore",
    "PayloadStoreUnavailable",
    "StoredPayload",
    "TimelineEvent",
    "cassandra_payload_store",
    "create_cassandra_schema",
    "database_payload_store",
    "document_content",
    "document_detail",
    "document_page",
    "needing_attention",
    "payload_store",
    "register_payload_store",
    "sha256_hex",
    "status_counts",
    "submit_document",
]
