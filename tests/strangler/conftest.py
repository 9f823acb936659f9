"""Fixtures and tools for the strangler tests."""

from __future__ import annotations

import signal
import subprocess
import sys
import threading

from tests.conftest import ROOT, subprocess_env
from tests.exchange.conftest import acme, nordic, receiver  # noqa: F401 - fixtures for the context tests


class ManualClock:
    """A clock that moves only when the test says so (for the circuit breaker)."""

    def __init__(self, start: float = 1000.0) -> None:
        self.now = start

    def __call__(self) -> float:
        return self.now

    def advance(self, seconds: float) -> None:
        self.now += seconds


class ContextService:
    """`manage.py serve_context CONTEXT` as its own process; its stdout lines are kept."""

    def __init__(self, context: str = "formats", **env: str) -> None:
        self.context, self.env = context, env
        self.lines: list[str] = []
        self.proc: subprocess.Popen | None = None

    def start(self) -> None:
        self.proc = subprocess.Popen(
            [sys.executable, "manage.py", "serve_context", self.context],
            cwd=ROOT,
            env=subprocess_env(**self.env),
            stdout=subprocess.PIPE,
            stderr=subprocess.STDOUT,
            text=True,
            start_new_session=True,
        )
        ready = threading.Event()

        def read(proc=self.proc):
            for line in proc.stdout:
                self.lines.append(line.strip())
                if line.startswith("serving"):
                    ready.set()

        threading.Thread(target=read, daemon=True).start()
        assert ready.wait(60), f"serve_context did not start: {self.lines}"

    def kill(self) -> None:
        """Dies without withdrawing its heartbeat (as on a crash or an OOM kill)."""
        if self.proc is not None:
            self.proc.kill()
            self.proc.wait(timeout=10)
            self.proc = None

    def terminate(self) -> int:
        """A clean stop (SIGTERM, as the orchestrator sends): the process withdraws its heartbeat and exits."""
        assert self.proc is not None
        self.proc.send_signal(signal.SIGTERM)
        code = self.proc.wait(timeout=30)
        self.proc = None
        return code

    def handled(self, method: str) -> int:
        return sum(1 for line in self.lines if line == f"handled {method}")
