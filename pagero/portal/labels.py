"""Plain-language names of the network's words (statuses, document types, channels, formats) for the portal."""

from __future__ import annotations

from django.utils.translation import gettext_lazy as _
from django.utils.translation import gettext_noop, pgettext_lazy

from pagero.kernel.vocabulary import ORIGINAL, Channel, DocumentType, Status, Syntax

STATUS_LABELS = {
    Status.RECEIVED: pgettext_lazy("document status", "received"),
    Status.VALIDATED: pgettext_lazy("document status", "validated"),
    Status.REJECTED: pgettext_lazy("document status", "rejected"),
    Status.ROUTED: pgettext_lazy("document status", "addressed"),
    Status.UNDELIVERABLE: pgettext_lazy("document status", "no recipient"),
    Status.CONVERTED: pgettext_lazy("document status", "converted"),
    Status.FAILED: pgettext_lazy("document status", "failed"),
    Status.DELIVERED: pgettext_lazy("document status", "delivered"),
    Status.DELIVERY_FAILED: pgettext_lazy("document status", "delivery failed"),
    Status.ACKNOWLEDGED: pgettext_lazy("document status", "fetched"),
}

TYPE_LABELS = {
    DocumentType.INVOICE: _("invoice"),
    DocumentType.CREDIT_NOTE: _("credit note"),
    DocumentType.ORDER: _("order"),
    DocumentType.ORDER_RESPONSE: _("order response"),
}

# Short forms for sentences ("as CII, by inbox"); the settings page has the long ones (CHANNEL_LABELS).
CHANNEL_SHORT = {
    Channel.INBOX: _("inbox"),
    Channel.WEBHOOK: _("webhook"),
    Channel.EMAIL: _("e-mail"),
    Channel.SFTP: _("SFTP"),
    Channel.PEPPOL: _("Peppol"),
}
FORMAT_SHORT = {
    Syntax.UBL: "UBL",
    Syntax.CII: "CII",
    Syntax.EDIFACT: "EDIFACT",
    Syntax.EDIFACT_D96A: "EDIFACT D96A",
    Syntax.FACTURX: "Factur-X",
    Syntax.CII_D22B: "CII D22B",
    ORIGINAL: _("the original format"),
}


RECIPIENT_STATE_LABELS = {
    "new": pgettext_lazy("answer of the recipient", "new"),
    "read": pgettext_lazy("answer of the recipient", "read"),
    "approved": pgettext_lazy("answer of the recipient", "approved"),
    "disputed": pgettext_lazy("answer of the recipient", "disputed"),
}
DUPLICATE_LABELS = {
    "held": _("held: possible duplicate"),
    "resend": _("deliberate resend"),
    "repeated": _("sent again"),
}


def recipient_state_label(state: str) -> str:
    return str(RECIPIENT_STATE_LABELS.get(state, state))


def duplicate_label(flag: str) -> str:
    return str(DUPLICATE_LABELS.get(flag, flag))


def status_label(status: str) -> str:
    return str(STATUS_LABELS.get(status, status))  # type: ignore[call-overload]


def type_label(document_type: str) -> str:
    return str(TYPE_LABELS.get(document_type, document_type))  # type: ignore[call-overload]


def channel_label(channel: str) -> str:
    return str(CHANNEL_SHORT.get(channel, channel))  # type: ignore[call-overload]


def format_label(fmt: str) -> str:
    return str(FORMAT_SHORT.get(fmt, fmt.upper()))  # type: ignore[call-overload]


# The shared vocabulary marks its labels with gettext_noop (pagero/kernel has no Django); marked again here so that
# the portal's catalogue carries them: the settings page translates them when it shows them.
VOCABULARY_LABELS = (
    gettext_noop("as received"),
    gettext_noop("API inbox"),
    gettext_noop("signed webhook"),
    gettext_noop("e-mail with PDF"),
    gettext_noop("SFTP to your server"),
    gettext_noop("Peppol (AS4 to your access point)"),
)
