"""The circuit breaker shared by worker processes: its states on a clock the test moves (no waiting, so a slow machine
changes nothing), two breakers on one context as two workers hold them, and real processes sharing PostgreSQL."""

from __future__ import annotations

import subprocess
import sys

import pytest

from strangler.breaker import CircuitBreaker
from strangler.models import BreakerState
from tests.conftest import ROOT, subprocess_env

from .conftest import ManualClock

pytestmark = pytest.mark.django_db


def worker(clock: ManualClock, threshold: int = 3, **options) -> CircuitBreaker:
    """One worker's handle on the `formats` breaker."""
    return CircuitBreaker("formats", threshold, 10.0, clock=clock, **options)


def test_opens_after_the_threshold_of_failures():
    breaker = worker(ManualClock())
    breaker.failure()
    breaker.failure()
    assert breaker.state == "closed" and breaker.allow()
    breaker.failure()
    assert breaker.state == "open" and not breaker.allow()


def test_a_success_resets_the_failure_count():
    breaker = worker(ManualClock(), threshold=2)
    breaker.failure()
    breaker.success()
    breaker.failure()
    assert breaker.state == "closed" and breaker.failures == 1


def test_failures_older_than_the_window_do_not_count():
    clock = ManualClock()
    breaker = worker(clock, threshold=3, window=30.0)
    breaker.failure()
    breaker.failure()
    clock.advance(30.0)
    breaker.failure()  # starts a new window: the first two have expired
    assert breaker.state == "closed" and breaker.failures == 1
    breaker.failure()
    breaker.failure()
    assert breaker.state == "open"


def test_half_open_exactly_after_the_reset_period_then_closed_by_a_successful_trial():
    clock = ManualClock()
    breaker = worker(clock, threshold=1)
    breaker.failure()
    clock.advance(9.999)
    assert breaker.state == "open" and not breaker.allow()
    clock.advance(0.001)
    assert breaker.state == "half-open" and breaker.allow()
    breaker.success()
    assert breaker.state == "closed" and breaker.failures == 0


def test_a_failed_trial_reopens_for_a_full_period():
    clock = ManualClock()
    breaker = worker(clock, threshold=2)
    breaker.failure()
    breaker.failure()
    clock.advance(15.0)
    assert breaker.state == "half-open"
    breaker.failure()  # the one trial call failed
    assert breaker.state == "open"
    clock.advance(9.0)
    assert breaker.state == "open"
    clock.advance(1.0)
    assert breaker.state == "half-open"


def test_two_workers_count_each_other_s_failures_and_both_see_the_circuit_open():
    clock = ManualClock()
    first, second = worker(clock), worker(clock)
    first.failure()
    second.failure()
    assert first.allow() and second.allow()
    first.failure()  # the third failure of the context, the first worker's second
    clock.advance(1.0)  # the second worker's cached view of "closed" lasts at most this long
    assert not first.allow() and not second.allow()
    assert BreakerState.objects.get(context="formats").failures == 3


def test_a_worker_s_cached_view_is_stale_for_at_most_the_cache_period():
    clock = ManualClock()
    first, second = worker(clock, threshold=1, cache_seconds=1.0), worker(clock, threshold=1, cache_seconds=1.0)
    assert second.allow()  # read while closed: cached for a second
    first.failure()  # opens the circuit for everyone
    clock.advance(0.5)
    assert second.allow()  # within the bound the second worker may still send
    clock.advance(0.5)
    assert not second.allow()


def test_only_one_worker_gets_the_half_open_trial_until_its_lease_ends():
    clock = ManualClock()
    first, second = worker(clock, threshold=1, trial_lease=6.0), worker(clock, threshold=1, trial_lease=6.0)
    first.failure()
    clock.advance(10.0)
    assert first.allow()  # claims the trial
    assert not second.allow() and second.state == "half-open"
    clock.advance(6.0)  # the first worker never reported back (it died): the trial is free again
    assert second.allow()
    second.success()
    assert first.state == "closed" and first.allow()


def test_breakers_of_different_contexts_are_independent():
    clock = ManualClock()
    CircuitBreaker("formats", 1, 10.0, clock=clock).failure()
    assert CircuitBreaker("routing", 1, 10.0, clock=clock).allow()


def run_breaker(code: str) -> subprocess.Popen:
    """A separate Django process acting on the shared breaker."""
    prelude = "from strangler.breaker import CircuitBreaker; "
    return subprocess.Popen(
        [sys.executable, "manage.py", "shell", "-c", prelude + code],
        cwd=ROOT,
        env=subprocess_env(),
        stdout=subprocess.PIPE,
        stderr=subprocess.STDOUT,
        text=True,
    )


@pytest.mark.slow
@pytest.mark.django_db(transaction=True)
def test_a_failure_seen_by_another_process_opens_the_circuit_here_and_concurrent_counts_are_exact(real_services):
    here = CircuitBreaker("formats", 2, 60.0, cache_seconds=0)
    assert here.allow()
    other = run_breaker("b = CircuitBreaker('formats', 2, 60.0); b.failure(); b.failure(); print(b.state)")
    assert other.communicate(timeout=120)[0].strip().endswith("open")
    assert here.state == "open" and not here.allow()

    # Two processes counting at once lose no increment (atomic UPDATEs, not read-modify-write).
    many = "b = CircuitBreaker('routing', 10**6, 60.0)\nfor _ in range(40): b.failure()"
    workers = [run_breaker(many), run_breaker(many)]
    for proc in workers:
        output = proc.communicate(timeout=120)[0]
        assert proc.returncode == 0, output
    assert BreakerState.objects.get(context="routing").failures == 80
