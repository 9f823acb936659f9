from django.apps import AppConfig


class MigrationConfig(AppConfig):
    name = "migration"
    verbose_name = "Migration"

    def ready(self) -> None:
        from pagero.documents import public as documents

        from .payloads.store import PhasedPayloadStore

        # PAYLOAD_STORE=migration: the migration phase decides where payloads are read and written.
        documents.register_payload_store("migration", PhasedPayloadStore)

        from shadow import public as shadow

        from .contexts.router import call_remote

        # In shadow mode the extracted formats service runs as the candidate of the local conversion.
        shadow.register_implementation(
            "formats.convert.remote",
            lambda payload, params: call_remote("formats.convert", payload, params["target"]).data,
        )
