from django.apps import AppConfig


class StranglerConfig(AppConfig):
    """The strangler fig: each extractable context's port answered locally, in shadow, by canary or remotely."""

    name = "strangler"
    verbose_name = "Context extraction"

    def ready(self) -> None:
        from . import installation

        installation.install()
