"""The product's URLs with the SFTP settings page mounted where pagero/urls.py mounts it."""

from django.urls import include, path

from pagero.urls import handler500 as handler500
from pagero.urls import urlpatterns as product

urlpatterns = [path("settings/sftp/", include("pagero.portal.sftp_urls")), *product]
