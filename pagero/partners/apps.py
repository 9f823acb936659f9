from django.apps import AppConfig


class PartnersConfig(AppConfig):
    name = "pagero.partners"
    verbose_name = "Partners"
