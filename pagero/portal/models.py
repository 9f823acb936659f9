"""The portal's own tables: each user's e-mail notification preference and what it was already told about.

Keyed by the user and by document id only (no foreign key into the documents context), like the documents context
refers to organisations by id.
"""

from __future__ import annotations

from django.conf import settings
from django.db import models
from django.utils import timezone
from django.utils.translation import gettext_lazy as _


class NotificationPreference(models.Model):
    """How a user wants to hear about its organisation's documents by e-mail."""

    OFF = "off"
    AT_ONCE = "at_once"
    DAILY = "daily"
    MODES = [(OFF, _("Off")), (AT_ONCE, _("At once")), (DAILY, _("Daily digest"))]

    user = models.OneToOneField(settings.AUTH_USER_MODEL, on_delete=models.CASCADE, related_name="notification")
    mode = models.CharField(max_length=10, choices=MODES, default=OFF)
    received = models.BooleanField(default=True, help_text="documents the organisation received")
    failures = models.BooleanField(default=True, help_text="documents that failed and need an action")
    # The language of the page the user chose the preference on: its mails are written in it.
    language = models.CharField(max_length=10, default="en")
    # Documents are announced from this moment on (not the backlog from before the notifications were turned on).
    since = models.DateTimeField(default=timezone.now)
    last_digest_at = models.DateTimeField(null=True, blank=True)
    updated_at = models.DateTimeField(auto_now=True)

    def __str__(self) -> str:
        return f"{self.user} {self.mode}"


class NotificationSent(models.Model):
    """A document a user was told about, once whatever happens to it later (kind: what it was told).

    What makes a second run of the sender, or two at the same time, send nothing twice."""

    user = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.CASCADE, related_name="notifications_sent")
    document_id = models.CharField(max_length=64)
    kind = models.CharField(max_length=16)  # received | failure
    sent_at = models.DateTimeField(auto_now_add=True)

    class Meta:
        constraints = [models.UniqueConstraint(fields=["user", "document_id"], name="uniq_notification_sent")]

    def __str__(self) -> str:
        return f"{self.user} {self.kind} {self.document_id}"
