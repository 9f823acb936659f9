"""Which PayloadStore adapter serves payloads (the PAYLOAD_STORE setting), and the adapters' factories."""

from __future__ import annotations

from collections.abc import Callable
from typing import TYPE_CHECKING

from django.conf import settings

from .port import PayloadStore

if TYPE_CHECKING:  # the Cassandra adapter (and its driver) is imported only where it is used
    from .cassandra import CassandraPayloadStore
    from .database import DatabasePayloadStore


def database_payload_store() -> DatabasePayloadStore:
    from .database import DatabasePayloadStore

    return DatabasePayloadStore()


def cassandra_payload_store(keyspace: str | None = None) -> CassandraPayloadStore:
    # Imported on demand: the embedded default never loads the Cassandra driver.
    from .cassandra import CassandraPayloadStore

    return CassandraPayloadStore(keyspace)


def create_cassandra_schema(keyspace: str | None = None, replication: str | None = None) -> str:
    from .cassandra import create_schema

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
