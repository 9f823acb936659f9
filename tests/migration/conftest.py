"""Helpers for the payload migration tests."""

from __future__ import annotations

import pytest

from migration.models import PayloadMigrationState
from migration.payloads.phases import Phase


class ManualClock:
    """A monotonic clock that moves only when the test says so (for the circuit breaker)."""

    def __init__(self, start: float = 1000.0) -> None:
        self.now = start

    def __call__(self) -> float:
        return self.now

    def advance(self, seconds: float) -> None:
        self.now += seconds


def force_phase(phase: Phase) -> None:
    """Put the migration in a phase directly (what the gate allows is tested through advance)."""
    PayloadMigrationState.objects.update_or_create(pk=1, defaults={"phase": phase.value})


@pytest.fixture
def migration_store(settings, empty_cassandra):
    from pagero.documents import public as documents

    settings.PAYLOAD_STORE = "migration"
    return documents.payload_store()


from tests.exchange.conftest import acme, nordic, receiver  # noqa: E402, F401 - fixtures for the context tests
