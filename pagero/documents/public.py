"""The documents context's port: the only module other contexts import.

Payloads (originals and renditions) are kept through `payload_store()`, whose adapter is chosen by
the PAYLOAD_STORE setting: `database` (a table in the relational database), `cassandra`, or
`migration` — registered by the migration app, which routes reads and writes by the current phase
of the PostgreSQL -> Cassandra migration.
"""

from __future__ import annotations

from collections.abc import Callable

from django.conf import settings

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

__all__ = [
    "PayloadCorrupted",
    "PayloadError",
    "PayloadNotFound",
    "PayloadRef",
    "PayloadStore",
    "PayloadStoreUnavailable",
    "StoredPayload",
    "cassandra_payload_store",
    "create_cassandra_schema",
    "database_payload_store",
    "payload_store",
    "register_payload_store",
    "sha256_hex",
]


def database_payload_store() -> PayloadStore:
    from .payloads.database import DatabasePayloadStore

    return DatabasePayloadStore()


def cassandra_payload_store(keyspace: str | None = None) -> PayloadStore:
    # Imported on demand: the embedded default never loads the Cassandra driver.
    from .payloads.cassandra import CassandraPayloadStore

    return CassandraPayloadStore(keyspace)


def create_cassandra_schema(keyspace: str | None = None, replication: str | None = None) -> str:
    from .payloads.cassandra import create_schema

    return create_schema(keyspace, replication)


_providers: dict[str, Callable[[], PayloadStore]] = {
    "database": database_payload_store,
    "cassandra": cassandra_payload_store,
}


def register_payload_store(name: str, factory: Callable[[], PayloadStore]) -> None:
    """Let another app provide a store under a PAYLOAD_STORE name (the migration app registers one)."""
    _providers[name] = factory


def payload_store() -> PayloadStore:
    try:
        factory = _providers[settings.PAYLOAD_STORE]
    except KeyError:
        raise ValueError(f"PAYLOAD_STORE={settings.PAYLOAD_STORE!r} is not one of {sorted(_providers)}") from None
    return factory()
