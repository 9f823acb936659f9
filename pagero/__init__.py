"""The exchange network's Django project: settings, URLs, the Celery app, one package per context."""

from .celery import app as celery_app

__all__ = ["celery_app"]
