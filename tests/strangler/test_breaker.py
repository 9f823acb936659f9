"""The circuit breaker's states on a clock the test moves (no waiting, so a slow machine changes nothing)."""

from __future__ import annotations

from strangler.breaker import CircuitBreaker

from .conftest import ManualClock


def test_opens_after_the_threshold_of_consecutive_failures():
    breaker = CircuitBreaker(threshold=3, reset_after=10.0, clock=ManualClock())
    breaker.failure()
    breaker.failure()
    assert breaker.state == "closed" and breaker.allow()
    breaker.failure()
    assert breaker.state == "open" and not breaker.allow()


def test_a_success_resets_the_failure_count():
    breaker = CircuitBreaker(threshold=2, reset_after=10.0, clock=ManualClock())
    breaker.failure()
    breaker.success()
    breaker.failure()
    assert breaker.state == "closed"


def test_half_open_exactly_after_the_reset_period_then_closed_by_a_successful_trial():
    clock = ManualClock()
    breaker = CircuitBreaker(threshold=1, reset_after=10.0, clock=clock)
    breaker.failure()
    clock.advance(9.999)
    assert breaker.state == "open" and not breaker.allow()
    clock.advance(0.001)
    assert breaker.state == "half-open" and breaker.allow()
    breaker.success()
    assert breaker.state == "closed" and breaker.failures == 0


def test_a_failed_trial_reopens_for_a_full_period():
    clock = ManualClock()
    breaker = CircuitBreaker(threshold=2, reset_after=10.0, clock=clock)
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
