from django.apps import AppConfig


class ShadowConfig(AppConfig):
    name = "shadow"
    verbose_name = "Shadow"

    def ready(self) -> None:
        from pagero.documents import public as documents

        from .observed import ObservedFormats

        # Installed after the strangler's routed adapter (INSTALLED_APPS order), which it wraps.
        documents.install_formats_port(ObservedFormats(documents.formats_port()))
