"""The lifecycle table: every allowed move, every refused one, and what the refusal says."""

from __future__ import annotations

import itertools

import pytest

from pagero.documents.lifecycle import (
    IN_FLIGHT,
    NEEDS_ATTENTION,
    REDELIVER_FROM,
    REPROCESS_FROM,
    TRANSITIONS,
    IllegalTransition,
    Status,
    check_transition,
)

S = Status
# The whole table written out by hand, so that a change to any rule shows up as a difference here.
EXPECTED = {
    S.RECEIVED: {S.VALIDATED, S.REJECTED, S.FAILED, S.RECEIVED},
    S.VALIDATED: {S.ROUTED, S.UNDELIVERABLE, S.FAILED, S.RECEIVED},
    S.ROUTED: {S.CONVERTED, S.FAILED, S.RECEIVED},
    S.CONVERTED: {S.DELIVERED, S.DELIVERY_FAILED, S.RECEIVED, S.CONVERTED},
    S.DELIVERED: {S.ACKNOWLEDGED, S.CONVERTED},
    S.ACKNOWLEDGED: {S.CONVERTED},
    S.REJECTED: {S.RECEIVED},
    S.UNDELIVERABLE: {S.RECEIVED},
    S.FAILED: {S.RECEIVED},
    S.DELIVERY_FAILED: {S.RECEIVED, S.CONVERTED},
}


def test_the_transition_table_is_exactly_the_documented_one():
    assert {status: set(targets) for status, targets in TRANSITIONS.items()} == EXPECTED


def test_the_status_values_are_the_stored_ones():
    # These strings are stored in the database and shown over the API: renaming one is a migration.
    assert [s.value for s in Status] == [
        "received",
        "validated",
        "rejected",
        "routed",
        "undeliverable",
        "converted",
        "failed",
        "delivered",
        "delivery_failed",
        "acknowledged",
    ]


def test_in_flight_and_attention_sets():
    assert IN_FLIGHT == {S.RECEIVED, S.VALIDATED, S.ROUTED, S.CONVERTED}
    assert NEEDS_ATTENTION == {S.REJECTED, S.UNDELIVERABLE, S.FAILED, S.DELIVERY_FAILED}
    assert REPROCESS_FROM == IN_FLIGHT | NEEDS_ATTENTION
    assert REDELIVER_FROM == {S.CONVERTED, S.DELIVERED, S.DELIVERY_FAILED, S.ACKNOWLEDGED}


@pytest.mark.parametrize(("current", "target"), list(itertools.product(Status, Status)))
def test_check_transition_follows_the_table(current, target):
    if target in EXPECTED[current]:
        check_transition(current, target)
    else:
        with pytest.raises(IllegalTransition) as refused:
            check_transition(current, target)
        assert (refused.value.current, refused.value.target) == (current, target)


def test_a_refusal_names_the_allowed_moves_in_order():
    with pytest.raises(IllegalTransition) as refused:
        check_transition(S.ROUTED, S.DELIVERED)
    assert str(refused.value) == "a routed document cannot become delivered (allowed: converted, failed, received)"


def test_a_refusal_says_so_when_nothing_is_allowed(monkeypatch):
    # No status is a dead end today; the message still has to read well for one that would be.
    monkeypatch.setitem(TRANSITIONS, S.ACKNOWLEDGED, frozenset())
    with pytest.raises(IllegalTransition) as refused:
        check_transition(S.ACKNOWLEDGED, S.RECEIVED)
    assert str(refused.value) == "a acknowledged document cannot become received (allowed: none)"
