"""Fixtures shared by the contract suites: the strangler's routed ports in remote mode, answered by the in-process
broker fake or by a real `serve_context` process over RabbitMQ."""

from __future__ import annotations

import subprocess
import sys
import threading
import time
from collections.abc import Callable, Iterator

import pytest

from strangler import public as contexts
from tests.conftest import ROOT, subprocess_env
from tests.fakes.broker import InProcessBroker


class ServedContext:
    """`manage.py serve_context CONTEXT` as its own process, sharing this test run's database and queues; it prints
    a line per request it handled, which `handled` counts."""

    def __init__(self, context: str) -> None:
        self.context = context
        self.lines: list[str] = []
        self.proc = subprocess.Popen(
            [sys.executable, "manage.py", "serve_context", context],
            cwd=ROOT,
            env=subprocess_env(),
            stdout=subprocess.PIPE,
            stderr=subprocess.STDOUT,
            text=True,
            start_new_session=True,
        )
        ready = threading.Event()

        def read() -> None:
            for line in self.proc.stdout:
                self.lines.append(line.strip())
                if line.startswith("serving"):
                    ready.set()

        threading.Thread(target=read, daemon=True).start()
        if not ready.wait(60):
            self.stop()
            raise RuntimeError(f"serve_context {context} did not start: {self.lines}")

    def handled(self) -> int:
        return sum(1 for line in self.lines if line.startswith("handled "))

    def stop(self) -> None:
        self.proc.kill()
        self.proc.wait(timeout=10)


# Module-scoped: a test module runs whole in one worker, so a service never outlives its module and never answers
# another module's requests on the worker's queue (tests/strangler starts and kills its own).
@pytest.fixture(scope="module")
def served_formats(real_services, django_db_setup) -> Iterator[ServedContext]:
    service = ServedContext("formats")
    yield service
    service.stop()


@pytest.fixture(scope="module")
def served_routing(real_services, django_db_setup) -> Iterator[ServedContext]:
    service = ServedContext("routing")
    yield service
    service.stop()


@pytest.fixture
def broker(monkeypatch) -> InProcessBroker:
    return InProcessBroker().install(monkeypatch)


def go_remote(context: str) -> None:
    contexts.set_mode(context, "remote", actor="contracts", reason="contract suite", override=True)


class Counted:
    """A port whose calls are counted, to check afterwards that the remote side served every one of them (a remote
    failure is answered locally, which would otherwise pass the contract unnoticed)."""

    def __init__(self, inner: object) -> None:
        self.inner = inner
        self.calls = 0

    def __getattr__(self, name: str) -> Callable:
        method = getattr(self.inner, name)

        def counted(*args, **kwargs):
            self.calls += 1
            return method(*args, **kwargs)

        return counted


def served_remotely(port: Counted, handled: Callable[[], int]) -> Iterator[Counted]:
    """Yield the port; then check that the remote side handled every call made through it."""
    before = handled()
    yield port
    deadline = time.monotonic() + 5  # a process's "handled" line may reach us just after its reply
    while handled() - before < port.calls and time.monotonic() < deadline:
        time.sleep(0.05)
    assert handled() - before == port.calls, "a call was answered locally: the remote side did not serve it"
