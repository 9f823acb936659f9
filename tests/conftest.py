"""Shared fixtures: real services started once per test run, one Celery worker per xdist worker.

`make test` starts PostgreSQL, RabbitMQ and Cassandra (ops/services.sh) and exports their URLs.
Each pytest-xdist worker gets its own test database (pytest-django), its own Celery queue and
its own Cassandra keyspace, so parallel workers never see each other's data or tasks.
"""

from __future__ import annotations

import os
import signal
import subprocess
import time
from pathlib import Path
from urllib.parse import urlsplit, urlunsplit

import pytest

ROOT = Path(__file__).resolve().parent.parent
# TEST_NAMESPACE separates two test runs sharing one set of services (give each its own DATABASE_URL too).
TEST_NAMESPACE = os.environ.get("TEST_NAMESPACE", "")
XDIST_WORKER = TEST_NAMESPACE + os.environ.get("PYTEST_XDIST_WORKER", "main")
TEST_QUEUE = f"pagero-test-{XDIST_WORKER}"
TEST_KEYSPACE = f"pagero_test_{XDIST_WORKER}"


def pytest_configure(config: pytest.Config) -> None:
    from django.conf import settings

    from pagero.celery import app

    settings.CELERY_TASK_DEFAULT_QUEUE = TEST_QUEUE
    settings.SHADOW_QUEUE = f"{TEST_QUEUE}-shadow"
    settings.CONTEXT_QUEUE_PREFIX = f"{TEST_QUEUE}.context."
    settings.CASSANDRA_KEYSPACE = TEST_KEYSPACE
    app.conf.task_default_queue = TEST_QUEUE


def services_configured() -> bool:
    from django.conf import settings

    return (
        settings.DATABASES["default"]["ENGINE"].endswith("postgresql")
        and bool(settings.CELERY_BROKER_URL)
        and bool(settings.CASSANDRA_HOSTS)
    )


@pytest.fixture(scope="session")
def real_services() -> None:
    """Tests that need the real services fail loudly (not skip) when they are not configured."""
    if not services_configured():
        pytest.fail(
            "this test needs PostgreSQL, RabbitMQ and Cassandra: run it with `make test` "
            "(or set DATABASE_URL, CELERY_BROKER_URL and CASSANDRA_HOSTS)"
        )


def _test_database_url() -> str:
    """DATABASE_URL rewritten to the test database pytest-django created for this worker."""
    from django.conf import settings
    from django.db import connection

    parts = urlsplit(settings.DATABASE_URL)
    return urlunsplit(parts._replace(path="/" + connection.settings_dict["NAME"]))


def subprocess_env(**overrides: str) -> dict[str, str]:
    """Environment for a child process (worker, management command) that shares this test's data."""
    env = dict(os.environ)
    env.update(
        DATABASE_URL=_test_database_url(),
        CELERY_TASK_DEFAULT_QUEUE=TEST_QUEUE,
        SHADOW_QUEUE=f"{TEST_QUEUE}-shadow",
        CONTEXT_QUEUE_PREFIX=f"{TEST_QUEUE}.context.",
        CASSANDRA_KEYSPACE=TEST_KEYSPACE,
        PYTHONUNBUFFERED="1",
    )
    env.update(overrides)
    return env


class WorkerProcess:
    """A real `celery worker` subprocess consuming this test worker's queue."""

    extra_env: dict[str, str] = {}

    def __init__(self, concurrency: int = 2) -> None:
        self.concurrency = concurrency
        self.proc: subprocess.Popen[bytes] | None = None
        self.log_path = ROOT / "test-artifacts" / f"celery-{XDIST_WORKER}.log"

    def start(self) -> None:
        from pagero.celery import worker_command

        self.log_path.parent.mkdir(exist_ok=True)
        log = open(self.log_path, "ab")
        self.proc = subprocess.Popen(
            worker_command(
                f"{TEST_QUEUE},{TEST_QUEUE}-shadow",
                self.concurrency,
                name=f"test-{XDIST_WORKER}-{time.monotonic_ns()}@%h",
                log_level="info",
            ),
            cwd=ROOT,
            env=subprocess_env(**self.extra_env),
            stdout=log,
            stderr=subprocess.STDOUT,
            start_new_session=True,
        )
        self.wait_ready()

    def wait_ready(self, timeout: float = 60.0) -> None:
        from celery.exceptions import TimeoutError as ResultTimeout

        from pagero.celery import ping

        deadline = time.monotonic() + timeout
        result = ping.apply_async(args=["ready"], queue=TEST_QUEUE)
        while time.monotonic() < deadline:
            if self.proc is not None and self.proc.poll() is not None:
                raise RuntimeError(f"celery worker exited with {self.proc.returncode}; see {self.log_path}")
            # get(), not polling ready(): with the rpc:// backend, once any get() ran in this process the
            # reply goes to its result consumer, which ready() does not read.
            try:
                result.get(timeout=1)
                return
            except ResultTimeout:
                continue
        raise RuntimeError(f"celery worker did not answer within {timeout}s; see {self.log_path}")

    def kill(self, sig: int = signal.SIGKILL) -> None:
        """Kill the whole worker process group (parent and pool children)."""
        if self.proc is None:
            return
        try:
            os.killpg(self.proc.pid, sig)
        except ProcessLookupError:
            pass
        self.proc.wait(timeout=30)
        self.proc = None

    def stop(self) -> None:
        if self.proc is None:
            return
        try:
            os.killpg(self.proc.pid, signal.SIGTERM)
            self.proc.wait(timeout=20)
        except subprocess.TimeoutExpired:
            os.killpg(self.proc.pid, signal.SIGKILL)
            self.proc.wait(timeout=10)
        except ProcessLookupError:
            pass
        self.proc = None


class SmtpSink:
    """A real SMTP server (aiosmtpd) on loopback that keeps every message it accepts."""

    def __init__(self) -> None:
        from aiosmtpd.controller import Controller

        self.messages: list = []
        sink = self

        class Handler:
            async def handle_DATA(self, server, session, envelope):
                import email
                from email import policy

                message = email.message_from_bytes(envelope.content, policy=policy.default)
                sink.messages.append((envelope.rcpt_tos, message))
                return "250 OK"

        import socket

        with socket.socket() as probe:  # the controller connects to its own port to check it is up: no port 0
            probe.bind(("127.0.0.1", 0))
            self.port = probe.getsockname()[1]
        self.controller = Controller(Handler(), hostname="127.0.0.1", port=self.port)
        self.controller.start()

    def stop(self) -> None:
        self.controller.stop()


@pytest.fixture(scope="session")
def smtp_server():
    sink = SmtpSink()
    yield sink
    sink.stop()


# The worker retries deliveries quickly in tests; production defaults are in settings.
WORKER_ENV = {
    "DELIVERY_RETRY_BASE_SECONDS": "0.3",
    "PIPELINE_STEP_RETRY_BASE_SECONDS": "0.3",
    "DELIVERY_MAX_ATTEMPTS": "4",
    "WEBHOOK_TIMEOUT_SECONDS": "3",
    "EMAIL_BACKEND": "django.core.mail.backends.smtp.EmailBackend",
    "EMAIL_HOST": "127.0.0.1",
    # The test receivers listen on loopback over plain http: allowed for the tests only.
    "WEBHOOK_ALLOW_HTTP": "1",
    "WEBHOOK_ALLOWED_HOSTS": "127.0.0.1",
}


@pytest.fixture(autouse=True)
def webhook_test_receivers(settings):
    """In-process deliveries may reach the loopback test receivers over http, as the worker may (WORKER_ENV);
    tests of the refusals turn this off with the `webhooks_strict` fixture."""
    settings.WEBHOOK_ALLOW_HTTP = True
    settings.WEBHOOK_ALLOWED_HOSTS = [WORKER_ENV["WEBHOOK_ALLOWED_HOSTS"]]
    settings.WEBHOOK_TIMEOUT_SECONDS = float(WORKER_ENV["WEBHOOK_TIMEOUT_SECONDS"])


@pytest.fixture
def webhooks_strict(settings):
    """The production rules: https only, no address inside the network."""
    settings.WEBHOOK_ALLOW_HTTP = False
    settings.WEBHOOK_ALLOWED_HOSTS = []
    return settings


@pytest.fixture(scope="session")
def celery_worker(real_services, django_db_setup, django_db_blocker, smtp_server):
    """A real Celery worker on RabbitMQ for the whole session (stopped before the test DB is dropped)."""
    WorkerProcess.extra_env = {**WORKER_ENV, "EMAIL_PORT": str(smtp_server.port)}
    worker = WorkerProcess()
    with django_db_blocker.unblock():
        worker.start()
    yield worker
    worker.stop()


@pytest.fixture(scope="session")
def cassandra_keyspace(real_services) -> str:
    """This worker's keyspace, created once per run."""
    from django.conf import settings

    from pagero import cassandra_session

    session = cassandra_session.get_session()
    session.execute(
        f"CREATE KEYSPACE IF NOT EXISTS {TEST_KEYSPACE} WITH replication = {settings.CASSANDRA_REPLICATION}"
    )
    return TEST_KEYSPACE


@pytest.fixture(scope="session")
def payload_tables(cassandra_keyspace) -> str:
    """The payload tables in this worker's keyspace, created once per run."""
    from pagero.documents import public as documents

    documents.create_cassandra_schema(cassandra_keyspace)
    return cassandra_keyspace


@pytest.fixture
def empty_cassandra(payload_tables) -> str:
    """Payload tables emptied before the test (TRUNCATE; auto_snapshot is off in ops/cassandra)."""
    from pagero import cassandra_session

    session = cassandra_session.get_session()
    for table in ("payload_meta", "payload_chunks"):
        session.execute(f"TRUNCATE {payload_tables}.{table}", timeout=60)
    return payload_tables
