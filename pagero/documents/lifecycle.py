"""The document lifecycle: statuses and the transitions allowed between them (pure logic, no Django).

Re-processing and re-delivery are explicit transitions back into the pipeline; history is never
rewritten, every transition adds an event to the timeline.
"""

from __future__ import annotations

from enum import StrEnum


class Status(StrEnum):
    RECEIVED = "received"
    VALIDATED = "validated"
    REJECTED = "rejected"
    ROUTED = "routed"
    UNDELIVERABLE = "undeliverable"
    CONVERTED = "converted"
    FAILED = "failed"  # conversion failed
    DELIVERED = "delivered"
    DELIVERY_FAILED = "delivery_failed"
    ACKNOWLEDGED = "acknowledged"


S = Status
TRANSITIONS: dict[Status, frozenset[Status]] = {
    S.RECEIVED: frozenset({S.VALIDATED, S.REJECTED}),
    S.VALIDATED: frozenset({S.ROUTED, S.UNDELIVERABLE}),
    S.ROUTED: frozenset({S.CONVERTED, S.FAILED}),
    S.CONVERTED: frozenset({S.DELIVERED, S.DELIVERY_FAILED}),
    S.DELIVERED: frozenset({S.ACKNOWLEDGED, S.CONVERTED}),  # CONVERTED: re-delivery
    S.DELIVERY_FAILED: frozenset({S.CONVERTED}),  # re-delivery
    S.ACKNOWLEDGED: frozenset({S.CONVERTED}),  # re-delivery
    S.REJECTED: frozenset({S.RECEIVED}),  # re-processing
    S.UNDELIVERABLE: frozenset({S.RECEIVED}),
    S.FAILED: frozenset({S.RECEIVED}),
}
# Statuses a pipeline step still has to move on; the sweeper re-enqueues documents stuck in them.
IN_FLIGHT = frozenset({S.RECEIVED, S.VALIDATED, S.ROUTED, S.CONVERTED})
NEEDS_ATTENTION = frozenset({S.REJECTED, S.UNDELIVERABLE, S.FAILED, S.DELIVERY_FAILED})


class IllegalTransition(Exception):
    def __init__(self, current: Status, target: Status) -> None:
        allowed = ", ".join(sorted(TRANSITIONS[current])) or "none"
        super().__init__(f"a {current} document cannot become {target} (allowed: {allowed})")
        self.current, self.target = current, target


def check_transition(current: Status, target: Status) -> None:
    if target not in TRANSITIONS[current]:
        raise IllegalTransition(current, target)
