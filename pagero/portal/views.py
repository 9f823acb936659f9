"""Portal pages. Views are thin: they ask the contexts' public modules and render."""

from django.contrib.auth.decorators import login_required
from django.http import HttpRequest, HttpResponse
from django.shortcuts import render

from pagero.partners import public as partners


@login_required
def home(request: HttpRequest) -> HttpResponse:
    organisation = partners.organisation_for_user(request.user)
    identifiers = partners.list_identifiers(organisation.id) if organisation else []
    return render(request, "portal/home.html", {"organisation": organisation, "identifiers": identifiers})
