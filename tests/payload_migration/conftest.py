"""Helpers for the payload migration tests."""

from __future__ import annotations

import pytest

from payload_migration.models import PayloadMigrationState
from payload_migration.payloads.phases import Phase


def force_phase(phase: Phase) -> None:
    """Put the migration in a phase directly (what the gate allows is tested through advance)."""
    PayloadMigrationState.objects.update_or_create(pk=1, defaults={"phase": phase.value})


@pytest.fixture
def migration_store(settings, empty_cassandra):
    from pagero.documents import public as documents

    settings.PAYLOAD_STORE = "migration"
    return documents.payload_store()
