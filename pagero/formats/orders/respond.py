"""The order response a supplier answers an order with (Peppol BIS Ordering 3, T76), built from the order."""

from __future__ import annotations

import copy
import re
from dataclasses import dataclass
from datetime import date

from ..values import parse_decimal
from .model import (
    ACCEPTED,
    ACCEPTED_WITH_CHANGES,
    LINE_ACCEPTED,
    LINE_CHANGED,
    LINE_REJECTED,
    ORDER_RESPONSE,
    REJECTED,
    Line,
    Order,
    Party,
)
from .names import PEPPOL_ORDER_RESPONSE, PEPPOL_ORDERING

RESPONSE_CODES = {"accepted": ACCEPTED, "rejected": REJECTED, "accepted_with_changes": ACCEPTED_WITH_CHANGES}
LINE_STATUSES = {"accepted": LINE_ACCEPTED, "rejected": LINE_REJECTED, "changed": LINE_CHANGED}
MAX_NOTE = 500
# What XML cannot hold (and what has no place in a note): C0 controls but tab, line feed and carriage return.
CONTROL = re.compile(r"[\x00-\x08\x0b\x0c\x0e-\x1f\x7f]")


def _text(value: str, what: str) -> str:
    if CONTROL.search(value):
        raise ResponseRefused(f"{what} contains a control character")
    return value[:MAX_NOTE]


class ResponseRefused(ValueError):
    """The order cannot be answered as asked: the message names why."""


@dataclass(frozen=True)
class LineAnswer:
    status: str = ""  # accepted | rejected | changed ("": accepted as ordered)
    quantity: str = ""  # the quantity the supplier will deliver, when changed
    note: str = ""


def compose_response(
    order: Order,
    answer: str,
    *,
    number: str,
    issue_date: date,
    note: str = "",
    lines: dict[str, LineAnswer] | None = None,
) -> Order:
    """An order response to `order`: `answer` accepted | rejected | accepted_with_changes; `lines` answers order
    lines by their id (the others follow the answer). The parties, currency and lines are the order's."""
    if order.is_response:
        raise ResponseRefused("the document is an order response, not an order")
    if answer not in RESPONSE_CODES:
        raise ResponseRefused(f"unknown answer {answer!r}: use one of {', '.join(RESPONSE_CODES)}")
    answers = lines or {}
    unknown = set(answers) - {line.id for line in order.lines}
    if unknown:
        raise ResponseRefused(f"the order has no line {', '.join(sorted(unknown))}")
    # Peppol T76 (R007-R009): only a response with changes lists lines; an acceptance or a rejection is whole.
    with_lines = answer == "accepted_with_changes"
    if answers and not with_lines:
        raise ResponseRefused(
            "answers per line go with accepted_with_changes; accepted and rejected are for the whole order"
        )
    return Order(
        document_type=ORDER_RESPONSE,
        customization_id=PEPPOL_ORDER_RESPONSE,
        profile_id=PEPPOL_ORDERING,
        id=number,
        issue_date=issue_date,
        response_code=RESPONSE_CODES[answer],
        order_reference=order.id,
        notes=[_text(note, "the note")] if note else [],
        currency=order.currency,
        buyer_reference=order.buyer_reference,
        buyer=_response_party(order.buyer),
        seller=_response_party(order.seller),
        lines=[_answered(line, answers.get(line.id or "", LineAnswer())) for line in order.lines] if with_lines else [],
    )


def _response_party(party: Party) -> Party:
    """A T76 party names who it is (endpoint, identifiers, legal name); addresses and contacts are the order's."""
    return Party(
        endpoint=copy.deepcopy(party.endpoint),
        identifiers=copy.deepcopy(party.identifiers),
        name=party.name,
        legal_id=copy.deepcopy(party.legal_id),
    )


def _answered(line: Line, answer: LineAnswer) -> Line:
    """A line of a response with changes: as answered, else accepted as ordered."""
    if answer.status and answer.status not in LINE_STATUSES:
        known = ", ".join(LINE_STATUSES)
        raise ResponseRefused(f"line {line.id}: unknown status {answer.status!r}: use one of {known}")
    quantity = line.quantity
    if answer.quantity:
        try:
            quantity = parse_decimal(answer.quantity)
        except ValueError as exc:
            raise ResponseRefused(f"line {line.id}: quantity {answer.quantity!r}: {exc}") from None
    return Line(
        id=line.id,
        note=_text(answer.note, f"line {line.id}'s note") or None,
        status_code=LINE_STATUSES[answer.status or "accepted"],
        quantity=quantity,
        unit_code=line.unit_code,
        price=line.price,
        order_line_reference=line.id,
        item=copy.deepcopy(line.item),
    )
