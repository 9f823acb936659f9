"""A circuit breaker (pure logic): after repeated failures stop calling the remote for a while."""

from __future__ import annotations

import threading
import time
from collections.abc import Callable


class CircuitBreaker:
    """closed -> (threshold failures) -> open -> (reset_after seconds) -> half-open -> one trial call
    -> closed on success, open again on failure."""

    def __init__(self, threshold: int = 3, reset_after: float = 5.0, clock: Callable[[], float] = time.monotonic):
        self.threshold, self.reset_after, self.clock = threshold, reset_after, clock
        self.failures = 0
        self.opened_at: float | None = None
        self._lock = threading.Lock()

    @property
    def state(self) -> str:
        if self.opened_at is None:
            return "closed"
        return "half-open" if self.clock() - self.opened_at >= self.reset_after else "open"

    def allow(self) -> bool:
        return self.state != "open"

    def success(self) -> None:
        with self._lock:
            self.failures, self.opened_at = 0, None

    def failure(self) -> None:
        with self._lock:
            self.failures += 1
            if self.opened_at is not None or self.failures >= self.threshold:
                self.opened_at = self.clock()  # (re)open: a failed half-open trial waits a full period again
