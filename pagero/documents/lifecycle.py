"""The document lifecycle: the transitions allowed between them (pure logic, no Django).

Re-processing and re-delivery are explicit transitions back into the pipeline; history is never
rewritten, every transition adds an event to the timeline.
"""

from __future__ import annotations

from pagero.kernel.vocabulary import Status

__all__ = [
    "IN_FLIGHT",
    "NEEDS_ATTENTION",
    "REDELIVER_FROM",
    "REPROCESS_FROM",
    "TRANSITIONS",
    "IllegalTransition",
    "Status",
    "check_transition",
]

S = Status
# Statuses a pipeline step still has to move on; the sweeper re-enqueues documents stuck in them.
IN_FLIGHT = frozenset({S.RECEIVED, S.VALIDATED, S.ROUTED, S.CONVERTED})
NEEDS_ATTENTION = frozenset({S.REJECTED, S.UNDELIVERABLE, S.FAILED, S.DELIVERY_FAILED})
# Re-processing starts again from the original: from any status the pipeline has not finished (a stuck document)
# and from every failure. A delivered document is re-delivered, never re-processed.
REPROCESS_FROM = IN_FLIGHT | NEEDS_ATTENTION
# Re-delivery sends the stored rendition again, so it needs a converted document: stuck before delivery, failed
# in delivery, or delivered (on request).
REDELIVER_FROM = frozenset({S.CONVERTED, S.DELIVERED, S.DELIVERY_FAILED, S.ACKNOWLEDGED})

_STEPS: dict[Status, frozenset[Status]] = {
    # FAILED from every step: an internal error or a time limit the step could not recover from.
    S.RECEIVED: frozenset({S.VALIDATED, S.REJECTED, S.FAILED}),
    S.VALIDATED: frozenset({S.ROUTED, S.UNDELIVERABLE, S.FAILED}),
    S.ROUTED: frozenset({S.CONVERTED, S.FAILED}),
    S.CONVERTED: frozenset({S.DELIVERED, S.DELIVERY_FAILED}),
    S.DELIVERED: frozenset({S.ACKNOWLEDGED}),
}
TRANSITIONS: dict[Status, frozenset[Status]] = {
    status: _STEPS.get(status, frozenset())
    | ({S.RECEIVED} if status in REPROCESS_FROM else set())
    | ({S.CONVERTED} if status in REDELIVER_FROM else set())
    for status in Status
}


class IllegalTransition(Exception):
    def __init__(self, current: Status, target: Status) -> None:
        allowed = ", ".join(sorted(TRANSITIONS[current])) or "none"
        super().__init__(f"a {current} document cannot become {target} (allowed: {allowed})")
        self.current, self.target = current, target


def check_transition(current: Status, target: Status) -> None:
    if target not in TRANSITIONS[current]:
        raise IllegalTransition(current, target)
