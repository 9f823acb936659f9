"""The Peppol AS4 endpoint, mounted by the project's URL map at `/as4`."""

from django.urls import path

from .as4_views import as4_endpoint

urlpatterns = [
    path("", as4_endpoint, name="as4"),
]
