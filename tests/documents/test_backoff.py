"""Retry backoff of pipeline steps and deliveries: exponential, jittered within +-25 %, capped at an hour."""

from __future__ import annotations

import random

import pytest

from pagero.documents.tasks import backoff_seconds, jittered

DRAWS = 400


def draws(fn, *args) -> list[float]:
    return [fn(*args) for _ in range(DRAWS)]


@pytest.fixture(autouse=True)
def seeded():
    # The jitter is random by design; a fixed seed makes a failure reproducible.
    state = random.getstate()
    random.seed(20261129)
    yield
    random.setstate(state)


@pytest.mark.parametrize(("attempt", "nominal"), [(1, 30.0), (2, 60.0), (3, 120.0), (4, 240.0), (7, 1920.0)])
def test_each_attempt_doubles_the_wait_within_the_jitter(attempt, nominal):
    values = draws(jittered, 30.0, attempt)
    assert all(0.75 * nominal <= v <= 1.25 * nominal for v in values)
    # The jitter spreads over the whole band: retries of many documents do not line up.
    assert min(values) < 0.8 * nominal and max(values) > 1.2 * nominal


def test_the_wait_is_capped_at_an_hour():
    assert jittered(30.0, 20) == 3600.0
    values = draws(jittered, 1000.0, 3)  # nominal 4000 s: the band 3000..5000 straddles the cap
    assert max(values) == 3600.0
    assert min(values) < 3300.0 and all(3000.0 <= v <= 3600.0 for v in values)


def test_delivery_backoff_uses_the_configured_base(settings):
    settings.DELIVERY_RETRY_BASE_SECONDS = 10
    values = draws(backoff_seconds, 3)
    assert all(30.0 <= v <= 50.0 for v in values)
    assert min(values) < 32.0 and max(values) > 48.0
