"""Top-level URL map: each context mounts its own URLs here."""

from django.contrib import admin
from django.urls import include, path
from drf_spectacular.views import SpectacularAPIView, SpectacularSwaggerView

from . import health, metrics

urlpatterns = [
    path("healthz", health.healthz, name="healthz"),
    path("readyz", health.readyz, name="readyz"),
    path("metrics", metrics.metrics_view, name="metrics"),
    path("admin/pipeline/", include("pagero.documents.admin_urls")),
    path("admin/", admin.site.urls),
    path("api/v1/", include("pagero.documents.urls")),
    path("api/schema/", SpectacularAPIView.as_view(), name="api-schema"),
    path("api/docs/", SpectacularSwaggerView.as_view(url_name="api-schema"), name="api-docs"),
    path("", include("shadow.urls")),
    path("", include("pagero.portal.urls")),
]
