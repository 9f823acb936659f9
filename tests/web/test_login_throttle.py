"""Failed logins lock a username for a client address (django-axes): portal and operator console."""

from __future__ import annotations

import pytest
from django.test import Client

from pagero.partners import public as partners

pytestmark = pytest.mark.django_db
PASSWORD = "pw-throttle-test-1"


@pytest.fixture(autouse=True)
def five_failures(settings):
    settings.AXES_FAILURE_LIMIT = 5
    # A fast hasher: these tests make many login attempts, the hash is not what they check.
    settings.PASSWORD_HASHERS = ["django.contrib.auth.hashers.MD5PasswordHasher"]


def portal_member(username: str = "mallory-target") -> str:
    org = partners.ensure_organisation("Acme Supplies AB", "acme")
    partners.ensure_member(org.id, username, PASSWORD, email=f"{username}@acme.example")
    return username


def fail(client: Client, path: str, username: str, times: int) -> None:
    for _ in range(times):
        response = client.post(path, {"username": username, "password": "wrong-guess"})
        assert response.status_code in {200, 429}  # the form again, then the lockout page


def test_portal_login_is_locked_after_five_failures_even_with_the_right_password():
    username = portal_member()
    client = Client()
    fail(client, "/login/", username, 4)
    # Four failures: the right password still works (and resets the count).
    assert client.post("/login/", {"username": username, "password": PASSWORD}).status_code == 302
    client.post("/logout/")
    fail(client, "/login/", username, 5)
    locked = client.post("/login/", {"username": username, "password": PASSWORD})
    assert locked.status_code == 429
    text = locked.content.decode()
    assert "Too many failed logins" in text and "after 5 failures" in text and "Try again in 15 minutes" in text
    assert client.get("/").status_code == 302  # not logged in


def test_the_lock_is_per_username_and_address():
    username = portal_member()
    other = portal_member("bystander")
    fail(Client(REMOTE_ADDR="203.0.113.7"), "/login/", username, 5)
    # The same user from another address, and another user from the attacker's address, still log in.
    assert (
        Client(REMOTE_ADDR="198.51.100.2").post("/login/", {"username": username, "password": PASSWORD}).status_code
        == 302
    )
    assert (
        Client(REMOTE_ADDR="203.0.113.7").post("/login/", {"username": other, "password": PASSWORD}).status_code == 302
    )
    locked = Client(REMOTE_ADDR="203.0.113.7").post("/login/", {"username": username, "password": PASSWORD})
    assert locked.status_code == 429


def test_console_login_is_locked_after_five_failures(django_user_model):
    django_user_model.objects.create_superuser("operator-x", "op@example.com", PASSWORD)
    client = Client()
    fail(client, "/admin/login/?next=/admin/", "operator-x", 5)
    locked = client.post("/admin/login/?next=/admin/", {"username": "operator-x", "password": PASSWORD})
    assert locked.status_code == 429 and b"Too many failed logins" in locked.content
    assert client.get("/admin/").status_code == 302  # still sent to the login page


def test_the_lock_ends_after_the_cool_off(settings):
    from datetime import timedelta

    from axes.models import AccessAttempt
    from django.utils import timezone

    username = portal_member()
    client = Client()
    fail(client, "/login/", username, 5)
    assert client.post("/login/", {"username": username, "password": PASSWORD}).status_code == 429
    # The failures happened longer ago than the cool-off period.
    AccessAttempt.objects.update(attempt_time=timezone.now() - settings.AXES_COOLOFF_TIME - timedelta(seconds=1))
    assert client.post("/login/", {"username": username, "password": PASSWORD}).status_code == 302
