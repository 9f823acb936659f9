"""E-mail notifications: each user's preference page, and the periodic task that sends the mails.

The task (`portal.send_notifications`, on Celery beat) looks at what each organisation's documents became since the
user's last mail, through the documents context's reads: documents received (delivered to the organisation) and
documents needing an action (rejected, failed, undeliverable, delivery failed). Nothing in the pipeline calls it.

Rules: a user hears only about its own organisation's documents; at most one mail per user and run (everything new
grouped), at most MAX_LISTED documents named in it (the rest counted, all of them in the portal); a document is
announced to a user once (`NotificationSent`), so a second run, or two runs at once, send nothing twice. A mail that
cannot be sent rolls its user's record back: the next run tries again.
"""

from __future__ import annotations

import logging
from dataclasses import dataclass
from datetime import datetime, timedelta

from celery import shared_task
from django import forms
from django.conf import settings
from django.contrib import messages
from django.core import mail
from django.db import transaction
from django.http import HttpRequest, HttpResponse
from django.shortcuts import redirect, render
from django.urls import reverse
from django.utils import timezone, translation
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy, ngettext

from pagero.documents import public as documents
from pagero.kernel.vocabulary import Status
from pagero.partners import public as partners

from . import labels
from .models import NotificationPreference, NotificationSent
from .views import member_view

log = logging.getLogger(__name__)

# Documents named in one mail; more are counted ("and 12 more") and all of them are in the portal.
MAX_LISTED = 25
# Documents looked at per user, kind and run: the bound of one run's work whatever the traffic.
SCAN_LIMIT = 200
# How far back a run looks for documents that changed since the last one. Longer than a digest's day, so a run
# that did not happen (beat down for hours) loses nothing younger than this.
LOOKBACK = timedelta(days=2)
DIGEST_EVERY = timedelta(days=1)

RECEIVED = "received"
FAILURE = "failure"


# --- the preference page ------------------------------------------------------------------------------------------


class NotificationForm(forms.ModelForm):
    mode = forms.ChoiceField(
        choices=NotificationPreference.MODES, widget=forms.RadioSelect, label=gettext_lazy("Send e-mails")
    )
    received = forms.BooleanField(required=False, label=gettext_lazy("Documents we received"))
    failures = forms.BooleanField(required=False, label=gettext_lazy("Documents that failed and need an action"))

    class Meta:
        model = NotificationPreference
        fields = ["mode", "received", "failures"]


@member_view
def notification_settings(request: HttpRequest) -> HttpResponse:
    preference, _created = NotificationPreference.objects.get_or_create(user=request.user)
    status = 200
    if request.method == "POST":
        was_off = preference.mode == NotificationPreference.OFF
        form = NotificationForm(request.POST, instance=preference)
        if form.is_valid():
            preference = form.save(commit=False)
            preference.language = translation.get_language() or settings.LANGUAGE_CODE
            if was_off and preference.mode != NotificationPreference.OFF:
                # Turning notifications on announces what happens from now on, not the backlog.
                preference.since = timezone.now()
                preference.last_digest_at = None
            preference.save()
            messages.success(request, _("Your notification settings are saved."))
            return redirect(request.path)
        status = 400
    else:
        form = NotificationForm(instance=preference)
    return render(
        request,
        "portal/notifications.html",
        {"form": form, "email": request.user.email, "preference": preference},
        status=status,
    )


# --- sending ------------------------------------------------------------------------------------------------------


@dataclass(frozen=True)
class Notice:
    kind: str  # received | failure
    document: documents.DocumentSummary
    partner: str


def _since(preference: NotificationPreference, now: datetime) -> datetime:
    return max(preference.since, now - LOOKBACK)


def pending_notices(preference: NotificationPreference, organisation_id: int, now: datetime) -> list[Notice]:
    """What the user has not been told yet about its organisation's documents, oldest first."""
    since = _since(preference, now)
    found: dict[str, Notice] = {}
    if preference.failures:
        for summary in documents.needing_attention(organisation_id, limit=SCAN_LIMIT):
            if summary.created_at >= since:
                found[summary.id] = Notice(FAILURE, summary, "")
    if preference.received:
        page = documents.document_page(
            organisation_id,
            "received",
            documents.DocumentFilters(status=Status.DELIVERED, date_from=since.date()),
            per_page=SCAN_LIMIT,
        )
        for summary in page.items:
            if summary.created_at >= since:
                found.setdefault(summary.id, Notice(RECEIVED, summary, ""))
    told = set(
        NotificationSent.objects.filter(user_id=preference.user_id, document_id__in=list(found)).values_list(
            "document_id", flat=True
        )
    )
    fresh = [notice for notice in found.values() if notice.document.id not in told]
    names = partners.organisation_names({n.document.partner_id for n in fresh})
    fresh = [Notice(n.kind, n.document, names.get(n.document.partner_id, "—")) for n in fresh]
    return sorted(fresh, key=lambda n: n.document.created_at)


def _line(notice: Notice) -> str:
    document = notice.document
    what = labels.type_label(document.document_type) or _("document")
    number = document.number or document.id
    link = settings.PUBLIC_BASE_URL + reverse("portal:document", args=[document.id])
    if notice.kind == RECEIVED:
        text = _("%(what)s %(number)s from %(partner)s") % {"what": what, "number": number, "partner": notice.partner}
    else:
        text = _("%(what)s %(number)s: %(status)s") % {
            "what": what,
            "number": number,
            "status": labels.status_label(document.status),
        }
        if document.status_reason:
            text += f" ({document.status_reason[:200]})"
    return f"- {text}\n  {link}"


def compose(
    preference: NotificationPreference, organisation: partners.OrganisationRef, notices: list[Notice]
) -> mail.EmailMessage:
    """The mail telling one user about these documents, in the language of its preference page."""
    with translation.override(preference.language):
        received = [n for n in notices if n.kind == RECEIVED]
        failures = [n for n in notices if n.kind == FAILURE]
        parts = []
        if received:
            parts.append(
                ngettext("%(count)d document received", "%(count)d documents received", len(received))
                % {"count": len(received)}
            )
        if failures:
            parts.append(
                ngettext("%(count)d needs an action", "%(count)d need an action", len(failures))
                % {"count": len(failures)}
            )
        summary = ", ".join(parts)
        if preference.mode == NotificationPreference.DAILY:
            subject = _("Daily digest for %(organisation)s: %(summary)s")
        else:
            subject = _("%(organisation)s: %(summary)s")
        subject = subject % {"organisation": organisation.name, "summary": summary}
        body = [_("Hello %(name)s,") % {"name": preference.user.get_full_name() or preference.user.get_username()}, ""]
        listed = 0
        for title, group in ((_("Needs an action"), failures), (_("Received"), received)):
            if not group:
                continue
            body += [title, ""]
            for notice in group:
                if listed == MAX_LISTED:
                    break
                body.append(_line(notice))
                listed += 1
            body.append("")
        if len(notices) > listed:
            body += [_("… and %(count)d more in the portal.") % {"count": len(notices) - listed}, ""]
        settings_link = settings.PUBLIC_BASE_URL + reverse("notifications:settings")
        body.append(_("Change what you receive: %(link)s") % {"link": settings_link})
    return mail.EmailMessage(subject=subject[:200], body="\n".join(body), from_email=None, to=[preference.user.email])


def _due(preference: NotificationPreference, now: datetime) -> bool:
    if preference.mode == NotificationPreference.AT_ONCE:
        return True
    return now - (preference.last_digest_at or preference.since) >= DIGEST_EVERY


def notify_user(preference_id: int, now: datetime, connection) -> bool:
    """Send one user its mail if something is new and its mode says now; True when a mail went out."""
    with transaction.atomic():
        # Locked for the whole send: a second run at the same time skips this user instead of mailing it twice.
        preference = (
            NotificationPreference.objects.select_for_update(skip_locked=True, of=("self",))
            .select_related("user")
            .filter(pk=preference_id)
            .first()
        )
        if preference is None or preference.mode == NotificationPreference.OFF or not _due(preference, now):
            return False
        user = preference.user
        organisation = partners.organisation_for_user(user)
        if not user.is_active or not user.email or organisation is None:
            return False
        notices = pending_notices(preference, organisation.id, now)
        if preference.mode == NotificationPreference.DAILY:
            preference.last_digest_at = now
            preference.save(update_fields=["last_digest_at"])
        if not notices:
            return False
        NotificationSent.objects.bulk_create(
            [NotificationSent(user=user, document_id=n.document.id, kind=n.kind) for n in notices]
        )
        # Sent last, inside the transaction: if the server refuses, nothing above is kept and the next run retries.
        connection.send_messages([compose(preference, organisation, notices)])
    return True


@shared_task(name="portal.send_notifications")
def send_notifications() -> int:
    """One run of the sender (Celery beat): every user whose notifications are on. Returns the mails sent."""
    now = timezone.now()
    wanted = NotificationPreference.objects.exclude(mode=NotificationPreference.OFF).filter(user__is_active=True)
    sent = 0
    connection = mail.get_connection()
    try:
        connection.open()
    except OSError as exc:
        log.error("notification mails not sent: the mail server cannot be reached (%s); the next run tries again", exc)
        return 0
    try:
        for preference_id in wanted.values_list("pk", flat=True).order_by("pk"):
            try:
                sent += notify_user(preference_id, now, connection)
            except Exception:  # one user's failing mail must not keep the others from theirs
                log.exception("notification mail for preference %s not sent; the next run tries again", preference_id)
    finally:
        connection.close()
    return sent
