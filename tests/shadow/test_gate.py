"""The cutover gate and the routing modes it guards, on recorded observations (relational database only).

How observations come to be recorded (a real worker on the shadow queue) is tests/shadow/test_experiments.py;
here they are written directly so that the gate's counting can be pinned to exact numbers.
"""

from __future__ import annotations

from datetime import timedelta
from io import StringIO

import pytest
from django.core.management import call_command
from django.core.management.base import CommandError
from django.utils import timezone

from shadow.models import Experiment, Observation
from shadow.public import gate
from strangler import public as contexts
from strangler.models import ContextRoute, ContextRouteChange

pytestmark = [pytest.mark.django_db]

NEEDED = 40  # with no failure, the Wilson upper bound at 40 comparisons (8.8 %) is below the limit used here


@pytest.fixture(autouse=True)
def gate_settings(settings):
    settings.SHADOW_GATE_WINDOW_HOURS = 24
    settings.SHADOW_GATE_MIN_COMPARISONS = NEEDED
    settings.SHADOW_GATE_MAX_MISMATCH_UPPER = 0.10
    settings.CANARY_GATE_PERCENT = 10
    return settings


@pytest.fixture
def experiment() -> Experiment:
    return Experiment.objects.create(
        name="formats.convert",
        context="formats",
        control="formats.convert.local",
        candidate="formats.convert.remote",
    )


def observe(experiment: Experiment, count: int, outcome: str = "match", *, replay: bool = False, age=None) -> None:
    """`count` observations; `age` backdates them (created_at is set on insert)."""
    rows = Observation.objects.bulk_create(
        Observation(
            experiment=experiment,
            tenant_id=1,
            input_ref=f"doc-{outcome}-{replay}-{n}",
            outcome=outcome,
            control_ms=1.0,
            candidate_ms=1.0,
            replay=replay,
        )
        for n in range(count)
    )
    if age is not None:
        Observation.objects.filter(pk__in=[r.pk for r in rows]).update(created_at=timezone.now() - age)


def route(*args: str) -> str:
    out = StringIO()
    call_command("context_route", *args, stdout=out)
    return out.getvalue()


# -- the gate's counts ------------------------------------------------------------------------------------


def test_the_gate_opens_after_enough_matching_comparisons(experiment):
    observe(experiment, NEEDED - 1)
    shut = gate("formats")
    assert not shut.allowed and shut.comparisons == NEEDED - 1
    assert shut.reasons == [f"{NEEDED - 1} comparison(s) in the last 24 h, {NEEDED} needed"]
    observe(experiment, 1)
    verdict = gate("formats")
    assert verdict.allowed and verdict.reasons == []
    assert (verdict.comparisons, verdict.failures) == (NEEDED, 0)
    assert verdict.upper_bound < 0.10


def test_failures_keep_the_gate_shut_however_many_comparisons(experiment):
    observe(experiment, NEEDED * 3)
    observe(experiment, 3, "mismatch")
    observe(experiment, 2, "candidate_error")
    observe(experiment, 1, "timeout")
    verdict = gate("formats")
    assert (verdict.comparisons, verdict.failures) == (NEEDED * 3 + 6, 6)
    assert not verdict.allowed and "upper bound" in verdict.reasons[0] and "(6 of 126 failed)" in verdict.reasons[0]


def test_replays_are_not_counted_by_the_gate(experiment):
    observe(experiment, NEEDED - 1)
    observe(experiment, 10, replay=True)  # replayed matches do not make up for missing live traffic
    shut = gate("formats")
    assert not shut.allowed and shut.comparisons == NEEDED - 1
    observe(experiment, 1)
    observe(experiment, 30, "mismatch", replay=True)  # nor do replayed mismatches shut it
    verdict = gate("formats")
    assert verdict.allowed and (verdict.comparisons, verdict.failures) == (NEEDED, 0)


def test_comparisons_outside_the_window_are_not_counted(experiment):
    observe(experiment, NEEDED, age=timedelta(hours=25))
    shut = gate("formats")
    assert not shut.allowed and shut.comparisons == 0
    observe(experiment, NEEDED, age=timedelta(hours=23))
    observe(experiment, 20, "mismatch", age=timedelta(hours=30))  # old failures, since fixed
    verdict = gate("formats")
    assert verdict.allowed and (verdict.comparisons, verdict.failures) == (NEEDED, 0)
    assert gate("formats", window_hours=48).failures == 20


def test_the_gate_counts_only_its_own_context(experiment):
    other = Experiment.objects.create(name="routing.resolve", context="routing", control="a", candidate="b")
    observe(other, NEEDED)
    assert gate("formats").comparisons == 0 and not gate("formats").allowed
    assert gate("routing").allowed


# -- switching modes end to end through context_route --------------------------------------------------------


def test_remote_is_refused_with_the_gates_reasons_then_allowed_once_it_opens(experiment):
    observe(experiment, NEEDED - 1)
    with pytest.raises(CommandError) as refused:
        route("set", "formats", "remote", "--reason", "cutover")
    assert f"{NEEDED - 1} comparison(s) in the last 24 h, {NEEDED} needed" in str(refused.value)
    assert not ContextRoute.objects.filter(mode="remote").exists()
    assert "formats: local (cutover gate shut" in route("status")

    observe(experiment, 1)
    assert "formats: local (cutover gate open)" in route("status")
    assert "formats: remote" in route("set", "formats", "remote", "--reason", "cutover", "--actor", "ops:kim")
    assert ContextRoute.objects.get(context="formats").mode == "remote"
    change = ContextRouteChange.objects.get()
    assert (change.from_mode, change.to_mode, change.actor, change.gate_overridden) == (
        "local",
        "remote",
        "ops:kim",
        False,
    )


def test_a_canary_above_the_threshold_needs_the_gate_and_at_the_threshold_does_not(experiment):
    with pytest.raises(CommandError, match="0 comparison"):
        route("set", "formats", "canary", "--percent", "11")
    assert "formats: canary 10%" in route("set", "formats", "canary", "--percent", "10", "--reason", "small")
    observe(experiment, NEEDED)
    assert "formats: canary 50%" in route("set", "formats", "canary", "--percent", "50", "--reason", "half")
    assert ContextRoute.objects.get(context="formats").canary_percent == 50


@pytest.mark.parametrize("percent", ["-1", "0", "101", "1000"])
def test_canary_percentages_out_of_range_are_refused(experiment, percent):
    observe(experiment, NEEDED)  # the gate is open: only the percentage is wrong
    with pytest.raises(CommandError, match="canary needs a percentage between 1 and 100"):
        route("set", "formats", "canary", "--percent", percent, "--reason", "x")
    assert not ContextRouteChange.objects.exists()


@pytest.mark.parametrize("percent", ["ten", "5.5", ""])
def test_a_non_numeric_canary_percentage_is_refused(percent):
    with pytest.raises(CommandError, match="argument --percent: invalid int value"):
        route("set", "formats", "canary", "--percent", percent)
    assert not ContextRouteChange.objects.exists()


def test_unknown_modes_and_contexts_are_refused():
    with pytest.raises(CommandError, match="argument mode: invalid choice: 'sideways'"):
        route("set", "formats", "sideways")
    with pytest.raises(contexts.ModeRefused, match="unknown mode 'sideways'"):
        contexts.set_mode("formats", "sideways", actor="test")
    with pytest.raises(CommandError, match="unknown context 'billing'"):
        route("set", "billing", "local")
    assert not ContextRouteChange.objects.exists()


def test_the_gate_can_be_overridden_only_with_a_reason_and_that_is_audited(experiment):
    with pytest.raises(CommandError, match="overriding the gate needs a reason"):
        route("set", "formats", "remote", "--override")
    route("set", "formats", "remote", "--override", "--reason", "rehearsal", "--actor", "ops:kim")
    assert ContextRouteChange.objects.get().gate_overridden is True
    route("set", "formats", "local", "--actor", "ops:kim")  # going back is never gated
    assert ContextRoute.objects.get(context="formats").mode == "local"


def test_limits_passed_to_the_gate_override_the_settings(experiment):
    observe(experiment, NEEDED)
    assert gate("formats").allowed
    assert not gate("formats", min_comparisons=NEEDED + 1).allowed
    assert not gate("formats", max_upper=0.0001).allowed
    observe(experiment, 1, "mismatch")
    assert not gate("formats").allowed
    assert gate("formats", max_upper=0.5).allowed
