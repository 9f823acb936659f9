"""The delivery context's facade: push a document to a recipient over its channel.

The port is `ChannelAdapter` (port.py): one adapter per channel, chosen by name from the DELIVERY_CHANNELS setting
(channels/__init__.py), as Django chooses its e-mail or storage backend. Adapters: inbox (nothing to send: the
recipient pulls over the API), webhook (HMAC-signed POST), e-mail (SMTP, the document and a PDF rendering attached).
"""

from __future__ import annotations

import logging
import time

from django.conf import settings

from . import channels
from .pdf import render_pdf
from .port import Address, ChannelAdapter, DeliveryOutcome, Parcel
from .webhook import WebhookResult, WebhookUrlRefused, check_url, post, signature

log = logging.getLogger(__name__)

__all__ = [
    "Address",
    "ChannelAdapter",
    "DeliveryOutcome",
    "Parcel",
    "WebhookResult",
    "WebhookUrlRefused",
    "check_webhook_url",
    "deliver",
    "render_pdf",
    "send_test_event",
    "signature",
]


def deliver(
    channel: str,
    parcel: Parcel,
    *,
    address: Address | None = None,
    webhook_url: str = "",
    webhook_secret: str = "",
    email: str = "",
    attempt: int = 1,
) -> DeliveryOutcome:
    """Send a parcel over the named channel to the recipient's address (`address`, or the webhook and e-mail
    fields alone); never raises for a delivery failure."""
    adapter = channels.adapter(channel)
    if adapter is None:
        return DeliveryOutcome(False, False, f"unknown channel {channel!r}")
    return adapter.send(parcel, address or Address(webhook_url, webhook_secret, email), attempt)


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
