"""Create the Cassandra keyspace and payload tables (replication from CASSANDRA_REPLICATION)."""

from __future__ import annotations

from django.conf import settings
from django.core.management.base import BaseCommand, CommandError

from pagero.documents import public as documents


class Command(BaseCommand):
    help = "Create the Cassandra keyspace and the payload tables; safe to run again."

    def add_arguments(self, parser) -> None:
        parser.add_argument("--keyspace", default=None, help="default: CASSANDRA_KEYSPACE")
        parser.add_argument("--replication", default=None, help="default: CASSANDRA_REPLICATION")

    def handle(self, *args, keyspace=None, replication=None, **options) -> None:
        if not settings.CASSANDRA_HOSTS:
            raise CommandError("CASSANDRA_HOSTS is not set: there is no Cassandra to create a schema in")
        try:
            created = documents.create_cassandra_schema(keyspace, replication)
        except Exception as exc:
            raise CommandError(f"could not create the schema: {type(exc).__name__}: {exc}") from exc
        self.stdout.write(f"keyspace {created}: tables payload_meta and payload_chunks are in place")
