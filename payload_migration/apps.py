from django.apps import AppConfig


class PayloadMigrationConfig(AppConfig):
    """The online PostgreSQL -> Cassandra migration of document payloads."""

    name = "payload_migration"
    # The label the tables and migration history were created under.
    label = "migration"
    verbose_name = "Payload migration"

    def ready(self) -> None:
        from pagero.documents import public as documents

        from .payloads.store import PhasedPayloadStore

        # PAYLOAD_STORE=migration: the migration phase decides where payloads are read and written.
        documents.register_payload_store("migration", PhasedPayloadStore)
