from django.apps import AppConfig


class IntakeConfig(AppConfig):
    name = "pagero.intake"
    verbose_name = "Intake (SFTP drop, Peppol AS4)"
