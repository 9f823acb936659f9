"""WSGI entry point (gunicorn pagero.wsgi)."""

import os

from django.core.wsgi import get_wsgi_application

os.environ.setdefault("DJANGO_SETTINGS_MODULE", "pagero.settings")
application = get_wsgi_application()
