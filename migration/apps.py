from django.apps import AppConfig


class MigrationConfig(AppConfig):
    name = "migration"
    verbose_name = "Migration"

    def ready(self) -> None:
        from pagero.documents import public as documents

        from .payloads.store import PhasedPayloadStore

        # PAYLOAD_STORE=migration: the migration phase decides where payloads are read and written.
        documents.register_payload_store("migration", PhasedPayloadStore)
