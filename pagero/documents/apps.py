from django.apps import AppConfig


class DocumentsConfig(AppConfig):
    name = "pagero.documents"
    verbose_name = "Documents"
