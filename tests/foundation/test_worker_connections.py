"""A Celery worker keeps its database connection from one task to the next, and still drops a stale one.

Celery's Django fixup closes every connection before and after each task unless CELERY_DB_REUSE_MAX is set: with
PostgreSQL that was four new sessions per document (a backend process forked for each pipeline step). On PostgreSQL
only: Django never closes SQLite's in-memory test database.
"""

from __future__ import annotations

import time
from types import SimpleNamespace

import pytest
from celery.fixups.django import DjangoWorkerFixup
from django.db import connection

from pagero.celery import app, close_old_database_connections

pytestmark = [pytest.mark.services, pytest.mark.django_db(transaction=True)]


@pytest.fixture(autouse=True)
def _postgresql(real_services) -> None:
    assert connection.vendor == "postgresql"


def worker_task(eager: bool = False) -> SimpleNamespace:
    return SimpleNamespace(request=SimpleNamespace(is_eager=eager))


def run_task_hooks(fixup: DjangoWorkerFixup, task: SimpleNamespace) -> None:
    """What a worker does around one task: Celery's fixup, then ours (both listen to task_prerun/task_postrun)."""
    fixup.on_task_prerun(sender=task)
    close_old_database_connections(task=task)
    connection.ensure_connection()  # the task's work
    fixup.on_task_postrun(sender=task)
    close_old_database_connections(task=task)


def test_a_worker_reuses_its_connection_across_tasks():
    fixup = DjangoWorkerFixup(app)
    connection.ensure_connection()
    first = connection.connection
    for _ in range(20):
        run_task_hooks(fixup, worker_task())
    assert connection.connection is first


def test_a_connection_past_its_age_is_replaced_before_the_next_task():
    fixup = DjangoWorkerFixup(app)
    connection.ensure_connection()
    first = connection.connection
    connection.close_at = time.monotonic() - 1  # CONN_MAX_AGE has passed
    run_task_hooks(fixup, worker_task())
    assert connection.connection is not None and connection.connection is not first


def test_an_eager_task_leaves_its_callers_connection_alone():
    connection.ensure_connection()
    first = connection.connection
    connection.close_at = time.monotonic() - 1  # would be closed if the hook acted on an eager task
    close_old_database_connections(task=worker_task(eager=True))
    assert connection.connection is first
