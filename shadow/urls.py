from django.urls import path

from . import views

urlpatterns = [
    path("shadow/<slug:context>/", views.report_page, name="shadow-report"),
    path("api/shadow/<slug:context>", views.report_json, name="shadow-report-json"),
]
