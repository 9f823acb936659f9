"""Helpers for the strangler tests."""

from __future__ import annotations

from tests.exchange.conftest import acme, nordic, receiver  # noqa: F401 - fixtures for the context tests


class ManualClock:
    """A monotonic clock that moves only when the test says so (for the circuit breaker)."""

    def __init__(self, start: float = 1000.0) -> None:
        self.now = start

    def __call__(self) -> float:
        return self.now

    def advance(self, seconds: float) -> None:
        self.now += seconds
