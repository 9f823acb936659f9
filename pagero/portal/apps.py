from django.apps import AppConfig


class PortalConfig(AppConfig):
    name = "pagero.portal"
    verbose_name = "Portal"
