from django.apps import AppConfig


class RoutingConfig(AppConfig):
    name = "pagero.routing"
    verbose_name = "Routing"
