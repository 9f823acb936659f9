"""The notification settings page, mounted by the project's URL map (e.g. at settings/notifications/)."""

from django.urls import path

from . import notifications

app_name = "notifications"

urlpatterns = [path("", notifications.notification_settings, name="settings")]
