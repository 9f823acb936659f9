"""The gate's limit is exclusive: a mismatch bound equal to the limit keeps the gate shut."""

from __future__ import annotations

import pytest

from shadow.compare import wilson_upper
from shadow.models import Experiment
from shadow.public import gate

from .test_gate import observe

pytestmark = [pytest.mark.django_db]


def test_a_bound_exactly_at_the_limit_is_not_below_it():
    experiment = Experiment.objects.create(
        name="formats.convert", context="formats", control="formats.convert.local", candidate="formats.convert.remote"
    )
    observe(experiment, 40)
    bound = wilson_upper(0, 40)
    at_limit = gate("formats", window_hours=24, min_comparisons=40, max_upper=bound)
    assert not at_limit.allowed
    assert at_limit.reasons == [
        f"failure rate upper bound {bound:.2%} (95 %) is not below {bound:.2%} (0 of 40 failed)"
    ]
    assert gate("formats", window_hours=24, min_comparisons=40, max_upper=bound + 1e-9).allowed
