from django.apps import AppConfig


class DeliveryConfig(AppConfig):
    name = "pagero.delivery"
    verbose_name = "Delivery"
