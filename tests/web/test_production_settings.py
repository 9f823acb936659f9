"""Production settings (PAGERO_ENV=production): deployment check clean, a real SECRET_KEY required; /metrics token."""

from __future__ import annotations

import os
import secrets
import subprocess
import sys
from pathlib import Path

import pytest
from django.test import Client

ROOT = Path(__file__).resolve().parents[2]
# DJANGO_ALLOW_ASYNC_UNSAFE: the browser tests set it on import, so any run that collects them has it; a deployment
# check fails on it (async.E001), rightly for a server, not for this process's children.
SERVICE_VARIABLES = (
    "DATABASE_URL",
    "CELERY_BROKER_URL",
    "CASSANDRA_HOSTS",
    "SECRET_KEY",
    "DEBUG",
    "PAGERO_ENV",
    "DJANGO_ALLOW_ASYNC_UNSAFE",
)


def manage(tmp_path: Path, *args: str, **env: str) -> subprocess.CompletedProcess[str]:
    clean = {k: v for k, v in os.environ.items() if k not in SERVICE_VARIABLES}
    clean.update(PAGERO_VAR_DIR=str(tmp_path), **env)
    return subprocess.run(
        [sys.executable, "manage.py", *args], cwd=ROOT, env=clean, capture_output=True, text=True, timeout=120
    )


@pytest.mark.slow  # runs manage.py or Python as a process of its own
def test_check_deploy_is_clean_in_production(tmp_path):
    result = manage(tmp_path, "check", "--deploy", PAGERO_ENV="production", SECRET_KEY=secrets.token_urlsafe(64))
    assert result.returncode == 0, result.stderr
    assert "System check identified no issues" in result.stdout, result.stdout + result.stderr
    assert "WARNINGS" not in result.stdout + result.stderr


@pytest.mark.slow  # runs manage.py or Python as a process of its own
def test_check_deploy_is_clean_on_a_server_database(tmp_path):
    """The same with DATABASE_URL naming PostgreSQL, as docker-compose runs it (check needs no connection)."""
    result = manage(
        tmp_path,
        "check",
        "--deploy",
        PAGERO_ENV="production",
        SECRET_KEY=secrets.token_urlsafe(64),
        DATABASE_URL="postgres://pagero:pagero@127.0.0.1:5432/pagero",
    )
    assert result.returncode == 0 and "no issues" in result.stdout, result.stdout + result.stderr


@pytest.mark.slow  # runs manage.py or Python as a process of its own
@pytest.mark.parametrize("key", [None, "change-me", "short-but-not-empty", "a" * 60])
def test_production_refuses_to_start_without_a_real_secret_key(tmp_path, key):
    env = {"PAGERO_ENV": "production"}
    if key is not None:
        env["SECRET_KEY"] = key
    result = manage(tmp_path, "check", **env)
    assert result.returncode != 0
    assert "PAGERO_ENV=production needs SECRET_KEY" in result.stderr


@pytest.mark.slow  # runs manage.py or Python as a process of its own
def test_the_web_process_refuses_to_start_without_a_secret_key(tmp_path):
    clean = {k: v for k, v in os.environ.items() if k not in SERVICE_VARIABLES}
    clean.update(PAGERO_VAR_DIR=str(tmp_path), PAGERO_ENV="production")
    result = subprocess.run(
        [sys.executable, "-c", "import pagero.wsgi"], cwd=ROOT, env=clean, capture_output=True, text=True, timeout=120
    )
    assert result.returncode != 0 and "needs SECRET_KEY" in result.stderr


@pytest.mark.slow  # runs manage.py or Python as a process of its own
def test_production_refuses_debug(tmp_path):
    result = manage(tmp_path, "check", PAGERO_ENV="production", SECRET_KEY=secrets.token_urlsafe(64), DEBUG="1")
    assert result.returncode != 0 and "refuses DEBUG=1" in result.stderr


@pytest.mark.slow  # runs manage.py or Python as a process of its own
def test_an_unknown_environment_name_is_refused(tmp_path):
    result = manage(tmp_path, "check", PAGERO_ENV="prod")
    assert result.returncode != 0 and "PAGERO_ENV must be 'production' or empty" in result.stderr


@pytest.mark.slow  # runs manage.py or Python as a process of its own
def test_production_settings_values(tmp_path):
    script = (
        "import django, json; django.setup(); from django.conf import settings as s; print(json.dumps(["
        "s.SECURE_SSL_REDIRECT, s.SECURE_HSTS_SECONDS, s.SESSION_COOKIE_SECURE, s.CSRF_COOKIE_SECURE,"
        " s.EMAIL_BACKEND]))"
    )
    clean = {k: v for k, v in os.environ.items() if k not in SERVICE_VARIABLES}
    clean.update(PAGERO_VAR_DIR=str(tmp_path), DJANGO_SETTINGS_MODULE="pagero.settings")
    embedded = subprocess.run([sys.executable, "-c", script], cwd=ROOT, env=clean, capture_output=True, text=True)
    assert embedded.returncode == 0, embedded.stderr
    assert embedded.stdout.strip() == '[false, 0, false, false, "django.core.mail.backends.console.EmailBackend"]'
    clean.update(PAGERO_ENV="production", SECRET_KEY=secrets.token_urlsafe(64))
    production = subprocess.run([sys.executable, "-c", script], cwd=ROOT, env=clean, capture_output=True, text=True)
    assert production.returncode == 0, production.stderr
    assert production.stdout.strip() == '[true, 31536000, true, true, "django.core.mail.backends.smtp.EmailBackend"]'


# -- the embedded default over plain http ---------------------------------------------------------
def test_embedded_default_serves_plain_http_with_a_content_security_policy(client):
    response = client.get("/login/")
    assert response.status_code == 200  # no redirect to https
    policy = response["Content-Security-Policy"]
    assert "default-src 'self'" in policy and "object-src 'none'" in policy and "frame-ancestors 'none'" in policy
    assert "'unsafe-inline'" not in policy.split("script-src", 1)[1].split(";", 1)[0]


# -- /metrics -----------------------------------------------------------------------------------
def test_metrics_are_open_without_a_token(settings):
    settings.METRICS_TOKEN = ""
    response = Client().get("/metrics")
    assert response.status_code == 200 and b"pagero_http_requests_total" in response.content


def test_metrics_need_the_bearer_token_when_one_is_set(settings):
    settings.METRICS_TOKEN = "scrape-secret-42"
    anonymous = Client().get("/metrics")
    assert anonymous.status_code == 401 and anonymous["WWW-Authenticate"].startswith("Bearer")
    assert b"pagero_http_requests_total" not in anonymous.content
    wrong = Client(HTTP_AUTHORIZATION="Bearer scrape-secret-43").get("/metrics")
    assert wrong.status_code == 401
    right = Client(HTTP_AUTHORIZATION="Bearer scrape-secret-42").get("/metrics")
    assert right.status_code == 200 and b"pagero_http_requests_total" in right.content
