"""A circuit breaker shared by every worker process: after repeated failures of a context's remote service, all
workers stop calling it for a while.

The state lives in one database row per context (`BreakerState`) and every change is a single atomic UPDATE
(`failures = failures + 1`, a conditional claim of the half-open trial), so it is correct on SQLite and PostgreSQL
with any number of processes and needs no lock held across a call. Times are seconds on the breaker's clock:
wall-clock time by default, because several processes (and hosts) must agree on "open until"; tests inject a clock
they move.

Reads are cached per process for at most `cache_seconds` while the breaker looks closed: a worker may send to a
service whose circuit another worker has just opened for that long (1 s by default), never longer. Whatever this
worker writes, and every read while open or half-open, goes to the database.
"""

from __future__ import annotations

import time
from collections.abc import Callable
from dataclasses import dataclass

from django.db.models import Case, F, Q, Value, When

from .models import BreakerState


@dataclass(frozen=True)
class Snapshot:
    failures: int
    open_until: float | None
    trial_until: float | None


CLOSED = Snapshot(0, None, None)


class CircuitBreaker:
    """closed -> (threshold failures within `window` seconds) -> open -> (reset_after seconds) -> half-open -> one
    trial call, whichever worker claims it first -> closed on success, open again for a full period on failure."""

    def __init__(
        self,
        context: str,
        threshold: int = 3,
        reset_after: float = 10.0,
        *,
        window: float = 60.0,
        trial_lease: float = 10.0,
        cache_seconds: float = 1.0,
        clock: Callable[[], float] = time.time,
    ) -> None:
        self.context, self.threshold, self.reset_after, self.window = context, threshold, reset_after, window
        # A worker that claimed the trial and died releases it when the lease ends (longer than a call may take).
        self.trial_lease, self.cache_seconds, self.clock = trial_lease, cache_seconds, clock
        self._cached: Snapshot | None = None
        self._cached_at = 0.0

    def _rows(self):
        return BreakerState.objects.filter(context=self.context)

    def _read(self, fresh: bool = False) -> Snapshot:
        now = self.clock()
        cached = self._cached
        if (
            not fresh
            and cached is not None
            and cached.open_until is None
            and now - self._cached_at < self.cache_seconds
        ):
            return cached
        row = self._rows().values_list("failures", "open_until", "trial_until").first()
        self._cached, self._cached_at = (Snapshot(*row) if row else CLOSED), now
        return self._cached

    @property
    def failures(self) -> int:
        return self._read(fresh=True).failures

    @property
    def state(self) -> str:
        return self._state(self._read(fresh=True))

    def _state(self, snapshot: Snapshot) -> str:
        if snapshot.open_until is None:
            return "closed"
        return "half-open" if self.clock() >= snapshot.open_until else "open"

    def allow(self) -> bool:
        """May this call go to the remote? In half-open, only for the one worker that claims the trial."""
        snapshot = self._read()
        state = self._state(snapshot)
        if state != "half-open":
            return state == "closed"
        now = self.clock()
        claimed = (
            self._rows()
            .filter(open_until__lte=now)
            .filter(Q(trial_until__isnull=True) | Q(trial_until__lte=now))
            .update(trial_until=now + self.trial_lease)
        )
        self._read(fresh=True)
        return claimed == 1

    def success(self) -> None:
        if self._cached == CLOSED and self.clock() - self._cached_at < self.cache_seconds:
            # Nothing to reset as far as this worker knows (within the cache bound): most calls write nothing. A
            # failure another worker recorded meanwhile stays counted in its window.
            return
        self._rows().filter(Q(failures__gt=0) | Q(open_until__isnull=False)).update(
            failures=0, window_started=None, open_until=None, trial_until=None
        )
        self._cached, self._cached_at = CLOSED, self.clock()

    def failure(self) -> None:
        now = self.clock()
        BreakerState.objects.get_or_create(context=self.context)
        in_window = Q(window_started__gt=now - self.window)
        self._rows().update(
            failures=Case(When(in_window, then=F("failures") + 1), default=Value(1)),
            window_started=Case(When(in_window, then=F("window_started")), default=Value(now)),
        )
        # (Re)open: the threshold is reached, or a call failed while open or half-open (a failed trial waits a
        # full period again).
        self._rows().filter(Q(failures__gte=self.threshold) | Q(open_until__isnull=False)).update(
            open_until=now + self.reset_after, trial_until=None
        )
        self._read(fresh=True)
