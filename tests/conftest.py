"""Shared fixtures: real services started once per test run, one Celery worker per xdist worker.

`make test` starts PostgreSQL, RabbitMQ and Cassandra (ops/services.sh) and exports their URLs.
Each pytest-xdist worker gets its own test database (pytest-django), its own Celery queue and
its own Cassandra keyspace, so parallel workers never see each other's data or tasks.

`make test-fast` runs the same suite without any service (docs/testing.md): the `services` marker is derived from
the fixtures a test requests, and a service this run does not configure cannot be reached by accident.
"""

from __future__ import annotations

import gc
import os
import signal
import socket
import subprocess
import time
from pathlib import Path
from urllib.parse import urlsplit, urlunsplit

import pytest
from hypothesis import settings as hypothesis_settings

ROOT = Path(__file__).resolve().parent.parent
# `make test-fast` loads this profile (--hypothesis-profile=fast): property tests take at most this many examples
# there, and their full count in `make test`. There they are the same examples from run to run (derandomized), so
# the rules' reports on them are replayed (tests/formats/recorded_rules.py); `make test` draws new ones each run.
hypothesis_settings.register_profile("fast", max_examples=10, derandomize=True)
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
    # The production hasher spends most of a second per password by design; the tests create and log in hundreds
    # of users, and what they check is the product's rules, not the hash's cost.
    settings.PASSWORD_HASHERS = ["django.contrib.auth.hashers.MD5PasswordHasher"]
    # WhiteNoise lists every static file when its middleware is built, and Django builds the middleware again for
    # each test client (hundreds per run): here static files are looked up when requested instead, as in
    # development. They are served the same; no test depends on the list being made up front.
    settings.WHITENOISE_AUTOREFRESH = True
    allow_webhook_test_receivers()
    app.conf.task_default_queue = TEST_QUEUE
    keep_content_types_through_flushes()
    guard_unconfigured_services()
    replay_recorded_business_rules()


def allow_webhook_test_receivers() -> None:
    """In-process deliveries may reach the loopback test receivers over http, as the worker may (WORKER_ENV): the
    run's settings, which a test's `settings` fixture changes only for that test. Tests of the refusals restore the
    production rules with the `webhooks_strict` fixture."""
    from django.conf import settings

    settings.WEBHOOK_ALLOW_HTTP = True
    settings.WEBHOOK_ALLOWED_HOSTS = [WORKER_ENV["WEBHOOK_ALLOWED_HOSTS"]]
    settings.WEBHOOK_TIMEOUT_SECONDS = float(WORKER_ENV["WEBHOOK_TIMEOUT_SECONDS"])


def replay_recorded_business_rules() -> None:
    """With TEST_RULES_STORE (set by `make test-fast`), the business rules' reports are replayed from that store when
    the same stylesheet ran on the same text before, and recorded there when not (tests/formats/recorded_rules.py)."""
    store = os.environ.get("TEST_RULES_STORE")
    if store:
        from tests.formats.recorded_rules import replay_from

        replay_from(Path(store))


# Rows that stay through the flush that ends each transactional test (keep_content_types_through_flushes).
KEPT_THROUGH_FLUSHES = frozenset({"django_content_type", "auth_permission"})


def keep_content_types_through_flushes() -> None:
    """A transactional test ends with a flush, after which Django's post_migrate handlers create every content type
    and permission again: ~60 ms per test, most of the flush. Here the flush leaves those two tables as they are and
    the handlers do not run: the models do not change during a run, so the rows are what the handlers would write
    (same ids)."""
    from django.core.management.commands import flush

    def sql_flush_keeping(style, connection, reset_sequences=True, allow_cascade=False):
        tables = connection.introspection.django_table_names(only_existing=True, include_views=False)
        emptied = [table for table in tables if table not in KEPT_THROUGH_FLUSHES]
        return connection.ops.sql_flush(style, emptied, reset_sequences=reset_sequences, allow_cascade=allow_cascade)

    handle = flush.Command.handle

    def handle_keeping_content_types(self: flush.Command, **options: object) -> None:
        return handle(self, **{**options, "inhibit_post_migrate": True})

    flush.sql_flush = sql_flush_keeping  # type: ignore[assignment]
    flush.Command.handle = handle_keeping_content_types  # type: ignore[method-assign]


def pytest_collection_finish(session: pytest.Session) -> None:
    """Everything alive after collection (Django, the product's modules, the test modules) stays alive until the
    end: frozen, the collector no longer walks it at each full collection. A looser first generation (700
    allocations by default) spares the tests that build a million objects (the EDIFACT budgets) most of the
    collector's passes; cyclic garbage is still collected, later."""
    gc.collect()
    gc.freeze()
    gc.set_threshold(50_000, 10, 10)


def services_configured() -> bool:
    from django.conf import settings

    return (
        settings.DATABASES["default"]["ENGINE"].endswith("postgresql")
        and bool(settings.CELERY_BROKER_URL)
        and bool(settings.CASSANDRA_HOSTS)
    )


# Requesting one of these (directly or through another fixture) is what makes a test need the real services.
SERVICE_FIXTURES = frozenset(
    {"real_services", "celery_worker", "cassandra_keyspace", "payload_tables", "empty_cassandra"}
)
# Suites marked by where they live, so that the fast tier can leave them out without a marker in each file.
PATH_MARKERS = {
    # They read the shared conformance corpus (../shared/corpus), most of them document by document: minutes.
    "corpus": (
        "tests/formats/test_conformance.py",
        "tests/formats/test_cli.py",
        "tests/formats/test_fuzz.py",
        "tests/formats/test_orders_conformance.py",
        "tests/judge/",
        "tests/peers/",
    ),
    "browser": ("tests/browser/",),
}


def _excluded_path_markers(config: pytest.Config) -> set[str]:
    """The path markers that `-m` excludes outright: a top-level `not <marker>` of an expression made only of `and`s
    (as FAST_TESTS in the Makefile). Any other expression excludes nothing here: `-m` alone decides."""
    expression = (config.getoption("markexpr", "") or "").strip()
    if not expression or " or " in f" {expression} " or "(" in expression:
        return set()
    terms = [" ".join(term.split()) for term in f" {expression} ".split(" and ")]
    return {term.removeprefix("not ") for term in terms if term.startswith("not ")} & set(PATH_MARKERS)


def pytest_ignore_collect(collection_path: Path, config: pytest.Config) -> bool | None:
    """Files of a suite that `-m` leaves out are not even imported (about a second of make test-fast's start)."""
    try:
        where = collection_path.resolve().relative_to(ROOT).as_posix()
    except ValueError:
        return None
    for marker in _excluded_path_markers(config):
        if (where + "/").startswith(PATH_MARKERS[marker]):  # a file or folder of the suite, or the suite's folder
            return True
    return None


@pytest.hookimpl(tryfirst=True)  # before `-m` deselects by the markers added here
def pytest_collection_modifyitems(config: pytest.Config, items: list[pytest.Item]) -> None:
    """Marks `services` from the fixture closure and `corpus`/`browser` by path; refuses a `services` marker that
    no service fixture backs, since `-m "not services"` would then leave out a test that needs nothing."""
    unbacked = []
    for item in items:
        try:
            where = item.path.resolve().relative_to(ROOT).as_posix()
        except ValueError:
            where = ""
        for marker, prefixes in PATH_MARKERS.items():
            if where.startswith(prefixes):
                item.add_marker(marker)
        uses_services = not SERVICE_FIXTURES.isdisjoint(getattr(item, "fixturenames", ()))
        marked = item.get_closest_marker("services") is not None
        if uses_services and not marked:
            item.add_marker("services")
        elif marked and not uses_services:
            unbacked.append(item.nodeid)
    if unbacked:
        raise pytest.UsageError(
            "marked `services` but requesting none of the fixtures "
            + ", ".join(sorted(SERVICE_FIXTURES))
            + ": request `real_services` if the test reaches a service, or drop the marker:\n  "
            + "\n  ".join(unbacked)
        )


class ServiceNotConfigured(RuntimeError):
    """A connection to a service this run does not configure. Not an OSError, so no client retries it."""


# The ports `make test` and `make services` use. kombu connects to amqp://localhost on an empty broker URL, so
# a service that is unset in this run could still be reached on the same machine.
SERVICE_PORTS = {5432: "PostgreSQL", 5672: "RabbitMQ", 9042: "Cassandra"}
_unconfigured_ports: dict[int, str] = {}
_service_attempts: list[str] = []


def _refuse(service: str, target: str) -> None:
    message = (
        f"{service} is not configured in this run, yet the test connected to it ({target}): a test that needs "
        "the real services requests the `real_services` fixture (and so is marked `services`)"
    )
    _service_attempts.append(message)
    raise ServiceNotConfigured(message)


def guard_unconfigured_services() -> None:
    """Refuse connections to PostgreSQL, RabbitMQ and Cassandra where this run does not configure them."""
    from django.conf import settings

    if _unconfigured_ports:
        return
    configured = {
        "PostgreSQL": settings.DATABASES["default"]["ENGINE"].endswith("postgresql"),
        "RabbitMQ": bool(settings.CELERY_BROKER_URL),
        "Cassandra": bool(settings.CASSANDRA_HOSTS),
    }
    ports = {**SERVICE_PORTS, settings.CASSANDRA_PORT: "Cassandra"}
    _unconfigured_ports.update({port: name for port, name in ports.items() if not configured[name]})
    if not _unconfigured_ports:
        return
    plain_connect, plain_connect_ex = socket.socket.connect, socket.socket.connect_ex

    def check(address: object) -> None:
        if isinstance(address, tuple) and len(address) >= 2 and address[1] in _unconfigured_ports:
            _refuse(_unconfigured_ports[address[1]], f"{address[0]}:{address[1]}")

    def connect(self: socket.socket, address: object) -> None:
        check(address)
        return plain_connect(self, address)

    def connect_ex(self: socket.socket, address: object) -> int:
        check(address)
        return plain_connect_ex(self, address)

    socket.socket.connect, socket.socket.connect_ex = connect, connect_ex
    if not configured["PostgreSQL"]:
        # libpq opens its own sockets, out of Python's reach: refuse at the driver instead.
        import psycopg2

        def refuse_postgresql(*args: object, **kwargs: object) -> None:
            _refuse("PostgreSQL", "psycopg2.connect")

        psycopg2.connect = refuse_postgresql


@pytest.hookimpl(wrapper=True)
def pytest_runtest_makereport(item: pytest.Item, call: pytest.CallInfo[None]) -> pytest.TestReport:
    """A refused connection fails the test even when the code under test caught the exception."""
    report = yield
    if _service_attempts:
        attempts = "\n".join(dict.fromkeys(_service_attempts))
        _service_attempts.clear()
        if report.failed:
            report.sections.append(("unconfigured service", attempts))
        else:
            report.outcome = "failed"
            report.longrepr = attempts
    return report


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
    """A real SMTP server (aiosmtpd) on loopback that keeps every message it accepts; it answers RCPT TO and DATA
    with the given replies (a 4xx or 5xx reply refuses, and nothing is kept)."""

    def __init__(self, rcpt: str = "250 OK", data: str = "250 OK") -> None:
        import email
        import socket
        from email import policy

        from aiosmtpd.controller import Controller

        self.messages: list = []
        sink = self

        class Handler:
            async def handle_RCPT(self, server, session, envelope, address, rcpt_options):
                if rcpt.startswith("250"):
                    envelope.rcpt_tos.append(address)
                return rcpt

            async def handle_DATA(self, server, session, envelope):
                if data.startswith("250"):
                    message = email.message_from_bytes(envelope.content, policy=policy.default)
                    sink.messages.append((envelope.rcpt_tos, message))
                return data

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


@pytest.fixture
def webhooks_strict(settings):
    """The production rules: https only, no address inside the network."""
    settings.WEBHOOK_ALLOW_HTTP = False
    settings.WEBHOOK_ALLOWED_HOSTS = []
    return settings


@pytest.fixture(scope="session")
def django_db_setup(django_db_setup, request, django_db_blocker):
    """Under --no-migrations (`make test-fast`) the test database is built from the models, which leaves out the
    tables that migrations create for unmanaged models (the live context instances, kept through flushes): those
    are created from their models here."""
    if request.config.getoption("nomigrations"):
        with django_db_blocker.unblock():
            create_unmanaged_tables()


def create_unmanaged_tables() -> None:
    from django.apps import apps
    from django.db import connection

    existing = set(connection.introspection.table_names())
    with connection.schema_editor() as editor:
        for model in apps.get_models():
            if not model._meta.managed and not model._meta.proxy and model._meta.db_table not in existing:
                editor.create_model(model)


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
