"""ASGI entry point."""

import os

from django.core.asgi import get_asgi_application

os.environ.setdefault("DJANGO_SETTINGS_MODULE", "pagero.settings")
django_application = get_asgi_application()

from pagero.api_errors import AsgiBodyLimit  # noqa: E402  (needs the settings configured above)

# Bounds the request body before Django spools it (ASGI reads the whole body ahead of the middleware).
application = AsgiBodyLimit(django_application)
