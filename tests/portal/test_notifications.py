"""E-mail notifications: the preference page, and the sender run by Celery beat (portal.send_notifications).

The documents go through the real pipeline (inline); the mails through Django's locmem backend for the rules, and
once through a real SMTP server on loopback (aiosmtpd) end to end.
"""

from __future__ import annotations

from datetime import timedelta

import pytest
from django.core import mail
from django.test import Client
from django.urls import include, path
from django.utils import timezone

from pagero.partners import public as partners
from pagero.portal import notifications
from pagero.portal.models import NotificationPreference, NotificationSent
from tests.exchange.conftest import eager, make_org  # noqa: F401 - eager is a fixture (usefixtures)
from tests.exchange.factory import document

# The project's URL map with the notification page mounted as the project mounts it (pagero/urls.py).
urlpatterns = [
    path("settings/notifications/", include("pagero.portal.notification_urls")),
    path("", include("pagero.urls")),
]

pytestmark = [
    pytest.mark.django_db(transaction=True),  # the pipeline publishes each next step when its transaction commits
    pytest.mark.urls(__name__),
    pytest.mark.usefixtures("eager"),  # the pipeline inline, as on the embedded default
]
PASSWORD = "pw-notify-test-1"


@pytest.fixture
def acme(db):
    return make_org("Acme Supplies AB", "acme", [("0007", "5567321707")])


@pytest.fixture
def nordic(db):
    return make_org("Nordic Retail AS", "nordic", [("0192", "987654325"), ("9908", "NO987654325MVA")])


@pytest.fixture
def outsider(db):
    return make_org("Outsider GmbH", "outsider", [("9930", "DE123456789")])


def user_of(org, username: str, mode: str = NotificationPreference.AT_ONCE, **kinds) -> NotificationPreference:
    partners.ensure_member(org.id, username, PASSWORD, email=f"{username}@example.test")
    from django.contrib.auth import get_user_model

    user = get_user_model().objects.get(username=username)
    # Turned on a moment ago: only documents from then on are announced.
    since = timezone.now() - timedelta(seconds=5)
    return NotificationPreference.objects.create(user=user, mode=mode, since=since, **kinds)


def send(org, number: str, **kwargs) -> str:
    response = org.post(document("ubl", number=number, **kwargs))
    assert response.status_code in (200, 201, 202), response.content
    return response.json()["id"]


def mails_to(address: str) -> list:
    return [m for m in mail.outbox if m.to == [address]]


@pytest.fixture(autouse=True)
def locmem(settings):
    settings.EMAIL_BACKEND = "django.core.mail.backends.locmem.EmailBackend"
    settings.PUBLIC_BASE_URL = "https://network.example"


# -- the page -------------------------------------------------------------------------------------------------------


def test_the_page_saves_the_preference_and_refuses_an_unknown_mode(nordic):
    user_of(nordic, "bob", mode=NotificationPreference.OFF)
    client = Client()
    assert client.login(username="bob", password=PASSWORD)
    page = client.get("/settings/notifications/")
    assert page.status_code == 200
    html = page.content.decode()
    assert 'value="daily"' in html and "bob@example.test" in html

    saved = client.post("/settings/notifications/", {"mode": "daily", "failures": "on"})
    assert saved.status_code == 302
    preference = NotificationPreference.objects.get(user__username="bob")
    assert (preference.mode, preference.received, preference.failures) == ("daily", False, True)

    refused = client.post("/settings/notifications/", {"mode": "hourly-please", "received": "on"})
    assert refused.status_code == 400 and "hourly-please" in refused.content.decode()
    assert NotificationPreference.objects.get(user__username="bob").mode == "daily"


def test_the_page_needs_a_member(client):
    response = client.get("/settings/notifications/")
    assert response.status_code == 302 and response["Location"].startswith("/login/")


# -- at once ----------------------------------------------------------------------------------------------------------


def test_received_documents_are_grouped_in_one_mail_per_user_and_run_and_never_sent_twice(acme, nordic, outsider):
    user_of(nordic, "bob")
    user_of(acme, "alice", received=True, failures=False)
    user_of(outsider, "olga")
    first, second = send(acme, "NT-1"), send(acme, "NT-2")

    assert notifications.send_notifications() == 1
    [message] = mails_to("bob@example.test")
    assert "Nordic Retail AS: 2 documents received" == message.subject
    assert "NT-1 from Acme Supplies AB" in message.body and "NT-2 from Acme Supplies AB" in message.body
    assert f"https://network.example/documents/{first}/" in message.body
    assert f"https://network.example/documents/{second}/" in message.body
    assert "https://network.example/settings/notifications/" in message.body
    # Tenant isolation: the sender did not receive them, the outsider has nothing to do with them.
    assert mails_to("alice@example.test") == [] and mails_to("olga@example.test") == []

    assert notifications.send_notifications() == 0  # the same documents are not announced again
    assert len(mail.outbox) == 1
    third = send(acme, "NT-3")
    assert notifications.send_notifications() == 1
    latest = mails_to("bob@example.test")[-1]
    assert "NT-3" in latest.body and "NT-1" not in latest.body and third in latest.body
    assert NotificationSent.objects.filter(user__username="bob").count() == 3


def test_a_failure_needing_action_is_told_to_the_sender_only(acme, nordic):
    user_of(acme, "alice")
    user_of(nordic, "bob")
    # Addressed to nobody on the network: undeliverable, the sender has to act.
    lost = send(acme, "NT-LOST", buyer_endpoint=("0088", "7300010000001"), buyer_vat=None)
    assert acme.get(f"/api/v1/documents/{lost}").json()["status"] == "undeliverable"

    assert notifications.send_notifications() == 1
    [message] = mails_to("alice@example.test")
    assert message.subject == "Acme Supplies AB: 1 needs an action"
    assert "NT-LOST: no recipient" in message.body
    assert mails_to("bob@example.test") == []


def test_kinds_the_user_did_not_choose_are_not_sent_and_documents_from_before_are_not(acme, nordic):
    send(acme, "NT-OLD")
    preference = user_of(nordic, "bob", received=False, failures=True)
    send(acme, "NT-NEW")
    assert notifications.send_notifications() == 0  # bob wants failures only
    preference.received = True
    preference.since = timezone.now()  # from now on: NT-OLD and NT-NEW were before
    preference.save()
    assert notifications.send_notifications() == 0
    send(acme, "NT-AFTER")
    assert notifications.send_notifications() == 1
    assert "NT-AFTER" in mail.outbox[-1].body and "NT-NEW" not in mail.outbox[-1].body


def test_a_mail_lists_a_bounded_number_of_documents_and_counts_the_rest(acme, nordic, monkeypatch):
    monkeypatch.setattr(notifications, "MAX_LISTED", 2)
    user_of(nordic, "bob")
    for n in range(4):
        send(acme, f"NT-B{n}")
    assert notifications.send_notifications() == 1
    body = mail.outbox[0].body
    assert body.count("https://network.example/documents/") == 2
    assert "… and 2 more in the portal." in body
    assert notifications.send_notifications() == 0  # all four counted as told: no trickle of reminders


def test_a_refused_mail_is_sent_again_by_the_next_run(acme, nordic, settings):
    user_of(nordic, "bob")
    send(acme, "NT-R")
    settings.EMAIL_BACKEND = "django.core.mail.backends.smtp.EmailBackend"
    settings.EMAIL_HOST, settings.EMAIL_PORT, settings.EMAIL_TIMEOUT = "127.0.0.1", 9, 2  # nobody listens
    assert notifications.send_notifications() == 0
    assert not NotificationSent.objects.exists()
    settings.EMAIL_BACKEND = "django.core.mail.backends.locmem.EmailBackend"
    assert notifications.send_notifications() == 1
    assert "NT-R" in mail.outbox[0].body


# -- daily digest -----------------------------------------------------------------------------------------------------


def test_the_daily_digest_waits_a_day_then_sends_everything_once(acme, nordic):
    preference = user_of(nordic, "bob", mode=NotificationPreference.DAILY)
    send(acme, "NT-D1")
    send(acme, "NT-D2")
    assert notifications.send_notifications() == 0  # not a day yet
    NotificationPreference.objects.filter(pk=preference.pk).update(since=preference.since - timedelta(days=1))
    # The documents are younger than the moved start, as they would be after a day.
    assert notifications.send_notifications() == 1
    [message] = mail.outbox
    assert message.subject == "Daily digest for Nordic Retail AS: 2 documents received"
    assert "NT-D1" in message.body and "NT-D2" in message.body
    send(acme, "NT-D3")
    assert notifications.send_notifications() == 0  # the next digest is a day after this one
    assert NotificationPreference.objects.get(pk=preference.pk).last_digest_at is not None


# -- a real SMTP server -----------------------------------------------------------------------------------------------


def test_a_mail_reaches_a_real_smtp_server(acme, nordic, settings, smtp_server):
    settings.EMAIL_BACKEND = "django.core.mail.backends.smtp.EmailBackend"
    settings.EMAIL_HOST, settings.EMAIL_PORT = "127.0.0.1", smtp_server.port
    user_of(nordic, "bobsmtp")
    number = "NT-SMTP-1"
    send(acme, number)
    before = len(smtp_server.messages)
    assert notifications.send_notifications() == 1
    received = [(rcpt, m) for rcpt, m in smtp_server.messages[before:] if m["To"] == "bobsmtp@example.test"]
    assert len(received) == 1
    recipients, message = received[0]
    assert recipients == ["bobsmtp@example.test"]
    assert message["Subject"] == "Nordic Retail AS: 1 document received"
    assert f"{number} from Acme Supplies AB" in message.get_content()


def test_a_recipient_refused_by_the_server_keeps_its_documents_for_the_next_run(acme, nordic, settings):
    from tests.conftest import SmtpSink

    refusing = SmtpSink(rcpt="550 no such mailbox")
    try:
        settings.EMAIL_BACKEND = "django.core.mail.backends.smtp.EmailBackend"
        settings.EMAIL_HOST, settings.EMAIL_PORT = "127.0.0.1", refusing.port
        user_of(nordic, "bob")
        send(acme, "NT-550")
        assert notifications.send_notifications() == 0
        assert refusing.messages == [] and not NotificationSent.objects.exists()
    finally:
        refusing.stop()
    settings.EMAIL_BACKEND = "django.core.mail.backends.locmem.EmailBackend"
    assert notifications.send_notifications() == 1 and "NT-550" in mail.outbox[0].body


def test_two_runs_at_the_same_time_send_one_mail(real_services, acme, nordic):
    """On PostgreSQL: the user's row is locked for the send (the other run skips it), and the record of what was told
    is unique per user and document, so a run that raced past the lock cannot commit a second mail."""
    import threading

    from django.db import connection

    user_of(nordic, "bob")
    send(acme, "NT-RACE")
    start = threading.Barrier(2)
    results: list[int] = []

    def run() -> None:
        try:
            start.wait(timeout=10)
            results.append(notifications.send_notifications())
        finally:
            connection.close()

    threads = [threading.Thread(target=run) for _ in range(2)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join(timeout=60)
    assert sorted(results) == [0, 1]
    assert len(mails_to("bob@example.test")) == 1
    assert NotificationSent.objects.filter(user__username="bob").count() == 1
