"""Our Peppol SMP's read API, mounted by the project's URL map at `/smp/`."""

from django.urls import path, re_path

from .smp_views import service_group, service_metadata

urlpatterns = [
    # The root only names where the participants' paths start (the service groups' references are built from it).
    path("", service_group, {"participant": ""}, name="smp-root"),
    re_path(r"^(?P<participant>[^/]+)/services/(?P<document>[^/]+)$", service_metadata, name="smp-metadata"),
    re_path(r"^(?P<participant>[^/]+)$", service_group, name="smp-group"),
]
