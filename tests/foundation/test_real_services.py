"""The suite runs against the real services, not stand-ins."""

from __future__ import annotations

import os

import pytest
from django.conf import settings
from django.db import connection

from pagero import cassandra_session
from pagero.celery import ping

pytestmark = pytest.mark.services


@pytest.mark.django_db
def test_database_is_postgresql(real_services):
    with connection.cursor() as cursor:
        cursor.execute("SELECT version()")
        (version,) = cursor.fetchone()
    assert connection.vendor == "postgresql"
    assert version.startswith("PostgreSQL ")


def test_celery_task_round_trip_through_rabbitmq(celery_worker):
    assert settings.CELERY_TASK_ALWAYS_EAGER is False
    assert settings.CELERY_BROKER_URL.startswith("amqp://")
    result = ping.delay("round-trip")
    answer = result.get(timeout=30)
    assert answer["echo"] == "round-trip"
    # Executed by the worker subprocess, not inline in this process.
    assert answer["worker_pid"] != os.getpid()
    assert answer["worker_pid"] != celery_worker.proc.pid  # a pool child, under the worker parent


def test_cassandra_release_version(real_services):
    row = cassandra_session.get_session().execute("SELECT release_version FROM system.local").one()
    assert row.release_version.startswith("5.0")
