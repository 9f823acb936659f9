"""The SFTP settings page, mounted at /settings/sftp/ (namespace portal_sftp)."""

from django.urls import path

from . import sftp

app_name = "portal_sftp"

urlpatterns = [
    path("", sftp.page, name="page"),
    path("<str:action>", sftp.action, name="action"),
]
