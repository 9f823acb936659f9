"""Failed-login throttling for the portal and the console (django-axes): the backend and the lockout page."""

from __future__ import annotations

import math

from axes.backends import AxesStandaloneBackend
from django.conf import settings
from django.http import HttpRequest, HttpResponse
from django.shortcuts import render


class LoginThrottleBackend(AxesStandaloneBackend):
    """Refuses a login for a username and client address locked after too many failures.

    Axes needs the request to know the client address; authenticate() without one (management commands,
    test clients' login()) comes from inside the deployment, not from a login form, so it is not counted.
    """

    def authenticate(
        self, request: HttpRequest | None, username: str | None = None, password: str | None = None, **kwargs
    ):
        if request is None:
            return None
        return super().authenticate(request, username=username, password=password, **kwargs)


def lockout_response(
    request: HttpRequest, original_response: HttpResponse | None, credentials: dict | None
) -> HttpResponse:
    """429 page that says the login is locked, and for how long (the same page for portal and console)."""
    return render(
        request,
        "portal/locked_out.html",
        {
            "failure_limit": settings.AXES_FAILURE_LIMIT,
            "cooloff_minutes": math.ceil(settings.AXES_COOLOFF_TIME.total_seconds() / 60),
        },
        status=429,
    )
