"""Fixtures of the formats context's own tests."""

from __future__ import annotations

import pytest

from pagero.formats.validation import rules
from tests.formats.recorded_rules import RecordedRules


@pytest.fixture
def saxon_itself(monkeypatch: pytest.MonkeyPatch) -> rules.SaxonRunner:
    """The real SaxonRunner even where reports are replayed: for tests of the runner (its threads and processors)."""
    if isinstance(rules.RUNNER, RecordedRules):
        monkeypatch.setattr(rules, "RUNNER", rules.RUNNER.real)
    return rules.RUNNER
