"""The delivery context's port: push a document to a recipient over its channel.

Channels: inbox (nothing to send: the recipient pulls over the API), webhook (HMAC-signed POST),
e-mail (SMTP, the document and a PDF rendering attached).
"""

from __future__ import annotations

import logging
import re
import smtplib
import time
from dataclasses import dataclass

from django.conf import settings
from django.core.mail import EmailMessage

from .pdf import render_pdf
from .webhook import WebhookResult, WebhookUrlRefused, check_url, post, signature

log = logging.getLogger(__name__)

__all__ = [
    "DeliveryOutcome",
    "Parcel",
    "WebhookResult",
    "WebhookUrlRefused",
    "check_webhook_url",
    "content_type",
    "deliver",
    "extension",
    "render_pdf",
    "send_test_event",
    "signature",
]

CONTENT_TYPES = {
    "ubl": "application/xml",
    "cii": "application/xml",
    "edifact": "application/edifact",
    "pdf": "application/pdf",
}
EXTENSIONS = {"ubl": "xml", "cii": "xml", "edifact": "edi", "pdf": "pdf"}


def content_type(fmt: str) -> str:
    """The media type of a document in a format (ubl, cii, edifact, pdf)."""
    return CONTENT_TYPES.get(fmt, "application/octet-stream")


def extension(fmt: str) -> str:
    return EXTENSIONS.get(fmt, "bin")


@dataclass(frozen=True)
class DeliveryOutcome:
    delivered: bool
    retryable: bool
    detail: str


@dataclass(frozen=True)
class Parcel:
    document_id: str
    number: str
    sender_name: str
    format: str  # ubl | cii | edifact
    content: bytes
    pdf: bytes | None = None


def _one_line(text: str) -> str:
    """Header text from document values: control characters (CR/LF would start a new header) become spaces."""
    return re.sub(r"[\x00-\x1f\x7f]+", " ", text)[:200]


def _smtp_permanent(exc: OSError) -> bool:
    if isinstance(exc, smtplib.SMTPRecipientsRefused):
        codes = [code for code, _ in exc.recipients.values()]
        return bool(codes) and all(code >= 500 for code in codes)
    return isinstance(exc, smtplib.SMTPResponseException) and exc.smtp_code >= 500


def _file_stem(number: str) -> str:
    """An attachment name from the invoice number: letters, digits, '.', '_' and '-' only."""
    return re.sub(r"[^\w.-]+", "-", number).strip("-._")[:100]


def deliver(
    channel: str, parcel: Parcel, *, webhook_url: str = "", webhook_secret: str = "", email: str = "", attempt: int = 1
) -> DeliveryOutcome:
    if channel == "inbox":
        return DeliveryOutcome(True, False, "available in the recipient's API inbox")
    if channel == "webhook":
        result = post(
            webhook_url,
            webhook_secret,
            parcel.content,
            {
                "Content-Type": content_type(parcel.format),
                "X-Document-Id": parcel.document_id,
                "X-Event": "document.delivered",
                "X-Delivery-Attempt": str(attempt),
            },
            timeout=settings.WEBHOOK_TIMEOUT_SECONDS,
        )
        return DeliveryOutcome(result.ok, result.retryable, f"webhook {webhook_url}: {result.detail}")
    if channel == "email":
        message = EmailMessage(
            subject=_one_line(f"Invoice {parcel.number} from {parcel.sender_name}"),
            body=f"Attached: invoice {parcel.number} from {parcel.sender_name} ({parcel.format.upper()}) and a "
            f"PDF rendering for reading.\n\nDocument id: {parcel.document_id}\n",
            from_email=settings.DEFAULT_FROM_EMAIL,
            to=[email],
        )
        name = _file_stem(parcel.number) or parcel.document_id
        message.attach(f"{name}.{extension(parcel.format)}", parcel.content, content_type(parcel.format))
        if parcel.pdf is not None:
            message.attach(f"{name}.pdf", parcel.pdf, content_type("pdf"))
        try:
            message.send(fail_silently=False)
        except OSError as exc:  # SMTP server down or refusing
            # RFC 5321: a 5yz reply is permanent (no such user, content refused): trying again changes nothing.
            # 4yz replies and connection failures are transient.
            return DeliveryOutcome(False, not _smtp_permanent(exc), f"e-mail to {email}: {type(exc).__name__}: {exc}")
        return DeliveryOutcome(True, False, f"e-mailed to {email}")
    return DeliveryOutcome(False, False, f"unknown channel {channel!r}")


def check_webhook_url(url: str) -> None:
    """Refuse (WebhookUrlRefused, with the reason) a URL that may not be a webhook target: not https (http
    only with WEBHOOK_ALLOW_HTTP), credentials, control characters, an internal name or an address inside
    our network. A host that does not resolve yet is accepted: every delivery checks the URL again."""
    check_url(url)


COULD_NOT_CONNECT = "could not connect to the webhook URL"


def send_test_event(url: str, secret: str) -> DeliveryOutcome:
    """A signed `test` event, so a recipient can check its endpoint and signature verification.

    The answer shown to the user is the HTTP status, a refused URL, or one "could not connect" for
    every other failure, given only after the full timeout: a closed port, a filtered one, a TLS or a
    DNS failure all look and take the same, so the button cannot map someone's network. The details
    go to the server log."""
    body = b'{"event": "test", "message": "webhook test from the e-document network"}'
    started = time.monotonic()
    timeout = settings.WEBHOOK_TIMEOUT_SECONDS
    result = post(url, secret, body, {"Content-Type": "application/json", "X-Event": "test"}, timeout=timeout)
    if result.status is not None or not result.retryable:
        return DeliveryOutcome(result.ok, result.retryable, result.detail)
    log.info("webhook test event to %r failed: %s", url, result.detail)
    time.sleep(max(0.0, timeout - (time.monotonic() - started)))
    return DeliveryOutcome(False, True, COULD_NOT_CONNECT)
