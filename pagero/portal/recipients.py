"""Who will receive a file, and how, before it is sent: detected, parsed and resolved like the pipeline does, but
nothing is stored and nothing is queued."""

from __future__ import annotations

from dataclasses import asdict, dataclass

from django.utils.translation import gettext as _

from pagero.formats import public as formats
from pagero.kernel.vocabulary import BILLING_TYPES, ORDER_TYPES, ORIGINAL
from pagero.partners import public as partners
from pagero.routing import public as routing

from . import labels


@dataclass(frozen=True)
class Preview:
    found: bool
    text: str  # "to Nordic Retail AS, as CII, by inbox", or why nobody will receive it
    recipient: str = ""
    format: str = ""
    channel: str = ""
    syntax: str = ""
    document_type: str = ""
    warning: str = ""  # set when the network will not be able to deliver it

    def as_dict(self) -> dict:
        return asdict(self)


def _decision(data: bytes, document_type: str) -> routing.RoutingDecision | None:
    if document_type in BILLING_TYPES:
        return routing.resolve_recipient(formats.parse(data).invoice)
    if document_type in ORDER_TYPES:
        return routing.resolve_order_recipient(formats.parse_order(data).order)
    return None


def preview(sender_id: int, data: bytes) -> Preview:
    """The recipient of `data` as the network would route it now. Raises formats.FormatError for a file that is not
    a readable document."""
    detected = formats.detect(data)
    decision = _decision(data, detected.document_type)
    if decision is None:
        warning = _("Documents of this type cannot be addressed on the network yet.")
        return Preview(False, warning, syntax=detected.syntax, document_type=detected.document_type, warning=warning)
    if not decision.found:
        warning = (
            _("Nobody on the network receives this document: no organisation is registered for %(ids)s.")
            % {"ids": ", ".join(decision.tried)}
            if decision.tried
            else _("Nobody on the network receives this document: it names no identifier of its recipient.")
        )
        return Preview(False, warning, syntax=detected.syntax, document_type=detected.document_type, warning=warning)
    assert decision.organisation_id is not None  # found
    names = partners.organisation_names({decision.organisation_id})
    name = names.get(decision.organisation_id, decision.organisation_name or "")
    profile = partners.receive_profile(decision.organisation_id)
    chosen = profile.format_for(detected.document_type)
    fmt = labels.format_label(detected.syntax if chosen == ORIGINAL else chosen)
    channel = labels.channel_label(profile.channel)
    text = _("to %(name)s, as %(format)s, by %(channel)s") % {"name": name, "format": fmt, "channel": channel}
    warning = _("This document is addressed to your own organisation.") if decision.organisation_id == sender_id else ""
    return Preview(True, text, name, fmt, channel, detected.syntax, detected.document_type, warning)
