from django.apps import AppConfig


class FormatsConfig(AppConfig):
    name = "pagero.formats"
    verbose_name = "Formats"
