"""The document timeline in plain language, for the side that looks at it.

The pipeline records events with technical details (pagero.kernel.vocabulary.EventKind, TimelineEvent.detail).
Here each becomes a sentence ("Delivered to Nordic Retail AS by webhook", "Delivery failed, next try at 14:05 UTC")
and, for the recipient only, what belongs to the recipient: its channel's address and the answer of its endpoint.
The sender never sees the recipient's webhook URL, e-mail address or raw connection errors.
"""

from __future__ import annotations

import re
from collections.abc import Iterable
from dataclasses import dataclass
from datetime import datetime, timedelta

from django.conf import settings
from django.utils.dateparse import parse_datetime
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy, ngettext

from pagero.kernel.vocabulary import EventKind, Status

from . import labels
from .templatetags.portal_format import clock, day, when

SENT, RECEIVED = "sent", "received"
STEP_NAMES = {
    "validate": gettext_lazy("checking"),
    "route": gettext_lazy("addressing"),
    "convert": gettext_lazy("converting"),
    "deliver": gettext_lazy("delivering"),
}
TONES = {
    EventKind.REJECTED: "bad",
    EventKind.VALIDATION_FAILED: "bad",
    EventKind.ROUTING_FAILED: "bad",
    EventKind.UNDELIVERABLE: "bad",
    EventKind.CONVERSION_FAILED: "bad",
    EventKind.DELIVERY_FAILED: "bad",
    EventKind.STUCK: "bad",
    EventKind.DELIVERY_ATTEMPT_FAILED: "warn",
    EventKind.STEP_RETRY_SCHEDULED: "warn",
    EventKind.NATIONAL_RULES_ACCEPTED: "warn",
    EventKind.ORIGINAL_NOT_ATTACHED: "warn",
    EventKind.DELIVERED: "good",
    EventKind.ACKNOWLEDGED: "good",
    EventKind.DUPLICATE_SUSPECTED: "warn",
    EventKind.DUPLICATE_NOT_CONFIRMED: "bad",
    EventKind.APPROVED: "good",
    EventKind.DISPUTED: "bad",
}


@dataclass(frozen=True)
class Entry:
    """One line of the timeline: a sentence, when, an optional explanation and, for its owner only, details."""

    kind: str
    title: str
    at: datetime
    note: str = ""
    technical: str = ""  # shown smaller; only ever the viewer's own business
    tone: str = ""  # good | warn | bad | "" (drives the marker colour)


def plain_delivery_problem(detail: str, own: bool = True) -> str:
    """What a delivery failure means, without exception names, errno or addresses: for people. `own` is False for
    the sender, who learns that the recipient's channel failed but nothing of that channel."""
    text = (detail or "").strip()
    status = re.search(r"\bHTTP (\d{3})\b", text)
    if status:
        code = int(status.group(1))
        if code >= 500:
            return _("the receiving server had an error (HTTP %(code)d)") % {"code": code}
        if code in {401, 403}:
            return _("the receiving server refused the request (HTTP %(code)d): check the signature secret") % {
                "code": code
            }
        if 300 <= code < 400:
            return _("the receiving server redirected the request (HTTP %(code)d); redirects are not followed") % {
                "code": code
            }
        return _("the receiving server refused the document (HTTP %(code)d)") % {"code": code}
    sftp = re.match(r"(?:unusable )?SFTP (?:server )?\S+:\s+(.*)", text)
    if sftp:
        # The SFTP channel's details name the recipient's server and folder: the recipient's alone.
        if not own:
            return _("the recipient's SFTP server could not take the document")
        return _("the SFTP server could not take the document: %(why)s") % {"why": sftp.group(1)}
    if "unusable webhook URL:" in text:
        if not own:
            return _("the recipient's webhook address cannot be used")
        return _("the webhook URL cannot be used: %(why)s") % {"why": text.split("unusable webhook URL:", 1)[1].strip()}
    if "does not resolve" in text:
        return _("the webhook's host name was not found")
    if re.search(r"timed? ?out|Timeout", text, re.IGNORECASE):
        return _("the receiving server did not answer in time")
    if re.search(r"SMTP|mail", text, re.IGNORECASE):
        return _("the e-mail could not be sent")
    return _("the receiving server could not be reached")


def visible_reason(status: str, reason: str, side: str) -> str:
    """A document's status reason as `side` may read it: the raw answer of a failed delivery is the recipient's."""
    if status == Status.DELIVERY_FAILED:
        return (
            plain_delivery_problem(reason, own=False)
            if side == SENT
            else f"{plain_delivery_problem(reason)} ({reason})"
        )
    return reason


def _next_try(event_at: datetime, detail: dict) -> datetime | None:
    """When the next delivery attempt is due: as recorded, else estimated from the retry policy (no jitter)."""
    recorded = detail.get("next_attempt_at")
    if isinstance(recorded, str):
        parsed = parse_datetime(recorded)
        if parsed is not None:
            return parsed
    attempt = detail.get("attempt")
    if not isinstance(attempt, int) or attempt < 1:
        return None
    return event_at + timedelta(seconds=settings.DELIVERY_RETRY_BASE_SECONDS * 2 ** (attempt - 1))


def describe(kind: str, detail: dict, at: datetime, side: str, partner: str, document_type: str = "") -> Entry:
    """One event as `side` (sent | received) sees it; `partner` is the other organisation's name."""
    mine = side == RECEIVED  # the recipient owns the channel: its address and its endpoint's answers
    reason = str(detail.get("reason") or "")
    channel = labels.channel_label(str(detail.get("channel") or ""))
    tone = TONES.get(kind, "")  # type: ignore[call-overload]
    answer = _answer_entry(kind, detail, at, mine, partner, document_type) or _duplicate_entry(kind, detail, at, mine)
    if answer is not None:
        return answer
    if kind == EventKind.RECEIVED:
        return Entry(kind, _("Received by the network"), at, tone=tone)
    if kind == EventKind.REJECTED:
        return Entry(kind, _("Rejected"), at, reason if not mine else "", tone=tone)
    if kind == EventKind.VALIDATED:
        rule_sets = detail.get("rule_sets") or []
        note = _("Checked against %(rules)s") % {"rules": ", ".join(map(str, rule_sets))} if rule_sets else ""
        return Entry(kind, _("Checked: valid"), at, note, tone=tone)
    if kind == EventKind.NATIONAL_RULES_ACCEPTED:
        return Entry(
            kind,
            _("Accepted although national rules are not met (the recipient accepts such documents)"),
            at,
            reason,
            tone=tone,
        )
    if kind == EventKind.VALIDATION_FAILED:
        return Entry(kind, _("Could not be checked"), at, reason if not mine else "", tone=tone)
    if kind == EventKind.ROUTED:
        fmt = labels.format_label(str(detail.get("format") or ""))
        if mine:
            title = _("Addressed to you, as %(format)s, by %(channel)s") % {"format": fmt, "channel": channel}
        else:
            title = _("Addressed to %(partner)s, as %(format)s, by %(channel)s") % {
                "partner": partner,
                "format": fmt,
                "channel": channel,
            }
        matched = str(detail.get("matched") or "")
        return Entry(kind, title, at, _("Found by %(identifier)s") % {"identifier": matched} if matched else "")
    if kind == EventKind.ROUTING_FAILED:
        return Entry(kind, _("Could not be addressed"), at, reason if not mine else "", tone=tone)
    if kind == EventKind.UNDELIVERABLE:
        return Entry(kind, _("Nobody on the network receives this document"), at, reason, tone=tone)
    if kind == EventKind.CONVERTED:
        fmt = labels.format_label(str(detail.get("format") or ""))
        dropped = detail.get("dropped") or []
        note = (
            ngettext(
                "%(n)d part of the original has no place in this format",
                "%(n)d parts of the original have no place in this format",
                len(dropped),
            )
            % {"n": len(dropped)}
            if dropped
            else ""
        )
        return Entry(kind, _("Converted to %(format)s") % {"format": fmt}, at, note, tone=tone)
    if kind == EventKind.CONVERSION_FAILED:
        return Entry(kind, _("Could not be converted"), at, reason, tone=tone)
    if kind == EventKind.ORIGINAL_ATTACHED:
        return Entry(kind, _("The original is attached to the converted document"), at, tone=tone)
    if kind == EventKind.ORIGINAL_NOT_ATTACHED:
        return Entry(kind, _("The original could not be attached"), at, reason, tone=tone)
    if kind == EventKind.DELIVERED:
        if mine:
            title = _("Delivered to you by %(channel)s") % {"channel": channel}
            return Entry(kind, title, at, technical=str(detail.get("detail") or ""), tone=tone)
        return Entry(
            kind, _("Delivered to %(partner)s by %(channel)s") % {"partner": partner, "channel": channel}, at, tone=tone
        )
    if kind == EventKind.DELIVERY_ATTEMPT_FAILED:
        due = _next_try(at, detail)
        title = (
            _("Delivery failed, next try at %(time)s") % {"time": clock(due)}
            if due
            else _("Delivery failed, will try again")
        )
        if mine:
            return Entry(kind, title, at, plain_delivery_problem(reason), technical=reason, tone=tone)
        return Entry(kind, title, at, _("%(partner)s could not be reached yet.") % {"partner": partner}, tone=tone)
    if kind == EventKind.DELIVERY_FAILED:
        attempts = detail.get("attempt")
        title = (
            ngettext("Delivery failed after %(n)d attempt", "Delivery failed after %(n)d attempts", attempts)
            % {"n": attempts}
            if isinstance(attempts, int)
            else _("Delivery failed")
        )
        if mine:
            return Entry(kind, title, at, plain_delivery_problem(reason), technical=reason, tone=tone)
        return Entry(kind, title, at, _("%(partner)s could not be reached.") % {"partner": partner}, tone=tone)
    if kind == EventKind.ACKNOWLEDGED:
        title = _("Fetched by you") if mine else _("Fetched by %(partner)s") % {"partner": partner}
        return Entry(kind, title, at, tone=tone)
    if kind == EventKind.STEP_RETRY_SCHEDULED:
        step = str(STEP_NAMES.get(str(detail.get("step")), _("processing")))
        delay = detail.get("delay_seconds")
        due = at + timedelta(seconds=float(delay)) if isinstance(delay, int | float) else None
        title = _("A temporary problem while %(step)s") % {"step": step}
        note = _("Next try at %(time)s") % {"time": clock(due)} if due else ""
        return Entry(kind, title, at, note, tone=tone)
    if kind == EventKind.REQUEUED:
        return Entry(kind, _("Taken up again after a delay"), at, tone=tone)
    if kind == EventKind.STUCK:
        return Entry(kind, _("Stopped: it took too long"), at, reason, tone=tone)
    if kind == EventKind.REPROCESSING_REQUESTED:
        return Entry(kind, _("Processed again by the network operator"), at, tone=tone)
    if kind == EventKind.REDELIVERY_REQUESTED:
        return Entry(kind, _("Delivered again by the network operator"), at, tone=tone)
    return _order_entry(kind, detail, at) or Entry(kind, kind.replace("_", " ").capitalize(), at, tone=tone)


def entries(events: Iterable, side: str, partner: str | None, document_type: str = "") -> list[Entry]:
    """The timeline of a document (TimelineEvent items, oldest first) as `side` sees it."""
    name = partner or _("the recipient")
    return [
        describe(e.kind, e.detail if isinstance(e.detail, dict) else {}, e.at, side, name, document_type)
        for e in events
    ]


def _answer_entry(kind: str, detail: dict, at: datetime, mine: bool, partner: str, document_type: str) -> Entry | None:
    """The recipient's answers: read, approved, disputed (with its reason, escaped where it is shown)."""
    what = labels.type_label(document_type) if document_type else _("document")
    reason = str(detail.get("reason") or "")
    tone = TONES.get(kind, "")  # type: ignore[call-overload]
    names = {"partner": partner, "what": what, "reason": reason}
    if kind == EventKind.READ:
        return Entry(kind, _("Read by you") if mine else _("Read by %(partner)s") % names, at, tone=tone)
    if kind == EventKind.APPROVED:
        title = _("You approved this %(what)s") % names if mine else _("%(partner)s approved this %(what)s") % names
        return Entry(kind, title, at, reason, tone=tone)
    if kind == EventKind.DISPUTED:
        title = (
            _("You disputed this %(what)s: %(reason)s") % names
            if mine
            else _("%(partner)s disputed this %(what)s: %(reason)s") % names
        )
        return Entry(kind, title, at, tone=tone)
    return None


def _duplicate_entry(kind: str, detail: dict, at: datetime, mine: bool) -> Entry | None:
    """Duplicate detection: held for the sender, confirmed as a resend, or ended unconfirmed."""
    tone = TONES.get(kind, "")  # type: ignore[call-overload]
    if kind == EventKind.DUPLICATE_SUSPECTED:
        sent_at = parse_datetime(str(detail.get("sent_at") or ""))
        values = {"number": detail.get("number", ""), "date": day(str(detail.get("issue_date") or ""))}
        if mine:
            return Entry(kind, _("Flagged as a possible duplicate of %(number)s of %(date)s") % values, at, tone=tone)
        title = _("Held: possibly a duplicate of %(number)s of %(date)s, sent before") % values
        note = _(
            "It is not delivered unless you confirm that it is a deliberate resend; unconfirmed, it ends rejected "
            "after %(days)s days."
        ) % {"days": detail.get("hold_days", "")}
        if sent_at is not None:
            note = _("The earlier one was sent at %(when)s.") % {"when": when(sent_at)} + " " + note
        return Entry(kind, title, at, note, tone=tone)
    if kind == EventKind.RESEND_CONFIRMED:
        title = _("The sender confirmed it as a deliberate resend") if mine else _("You confirmed a deliberate resend")
        return Entry(kind, title, at, tone=tone)
    if kind == EventKind.DUPLICATE_NOT_CONFIRMED:
        return Entry(
            kind, _("Not delivered: the duplicate was not confirmed"), at, str(detail.get("reason") or ""), tone=tone
        )
    return None


ANSWERS = {"AP": gettext_lazy("accepted"), "RE": gettext_lazy("rejected"), "CA": gettext_lazy("accepted with changes")}


def _order_entry(kind: str, detail: dict, at: datetime) -> Entry | None:
    """Events of orders: answered, invoiced, linked to the order they follow, an answer overdue."""
    if kind == EventKind.ORDER_RESPONDED:
        answer = ANSWERS.get(str(detail.get("code")), "")
        title = _("Answered by the supplier: %(answer)s") % {"answer": answer} if answer else _("Answered")
        return Entry(kind, title, at)
    if kind == EventKind.ORDER_INVOICED:
        notes = detail.get("notes") or []
        note = "; ".join(str(n) for n in notes[:5])
        title = _("Invoiced: %(number)s") % {"number": detail.get("number", "")}
        return Entry(kind, title, at, note, tone="warn" if notes else "good")
    if kind == EventKind.LINKED_TO_ORDER:
        notes = detail.get("notes") or []
        note = "; ".join(str(n) for n in notes[:5])
        return Entry(kind, _("Follows order %(number)s") % {"number": detail.get("number", "")}, at, note)
    if kind == EventKind.ORDER_RESPONSE_OVERDUE:
        return Entry(kind, _("No answer from the supplier in time"), at, tone="warn")
    return None
