"""Top-level URL map: each context mounts its own URLs here."""

from django.contrib import admin
from django.urls import include, path, re_path
from drf_spectacular.views import SpectacularAPIView, SpectacularSwaggerSplitView

from . import api_errors, health, metrics

# Swagger UI comes from our own static files (drf-spectacular-sidecar) and its start script from our origin (the
# split view): the page works offline and under the default content security policy.
swagger_ui = SpectacularSwaggerSplitView.as_view(url_name="api-schema")

urlpatterns = [
    path("healthz", health.healthz, name="healthz"),
    path("readyz", health.readyz, name="readyz"),
    path("metrics", metrics.metrics_view, name="metrics"),
    path("admin/pipeline/", include("pagero.documents.admin_urls")),
    path("admin/", admin.site.urls),
    path("api/v1/", include("pagero.documents.urls")),
    path("api/schema/", SpectacularAPIView.as_view(), name="api-schema"),
    path("api/docs/", swagger_ui, name="api-docs"),
    path("identifiers/", include("pagero.partners.urls")),
    path("as4", include("pagero.intake.as4_urls")),  # Peppol AS4 inbound (docs/as4.md)
    path("smp/", include("pagero.intake.smp_urls")),  # our Peppol SMP
    path("", include("shadow.urls")),  # its pages and /api/shadow/<context>
    # Anything else under /api/ (unknown endpoint, malformed document id) is the API's JSON 404.
    re_path(r"^api/", api_errors.not_found),
    path("settings/sftp/", include("pagero.portal.sftp_urls")),
    path("settings/notifications/", include("pagero.portal.notification_urls")),
    path("", include("pagero.portal.urls")),
]

handler500 = "pagero.api_errors.server_error"
