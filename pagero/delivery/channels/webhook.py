"""The webhook channel: an HMAC-signed POST of the document to the recipient's URL (see ..webhook)."""

from __future__ import annotations

from django.conf import settings

from pagero.kernel.vocabulary import media_type

from ..port import Address, DeliveryOutcome, Parcel
from ..webhook import post


class WebhookChannel:
    def send(self, parcel: Parcel, address: Address, attempt: int) -> DeliveryOutcome:
        result = post(
            address.webhook_url,
            address.webhook_secret,
            parcel.content,
            {
                "Content-Type": media_type(parcel.format),
                "X-Document-Id": parcel.document_id,
                "X-Event": "document.delivered",
                "X-Delivery-Attempt": str(attempt),
            },
            timeout=settings.WEBHOOK_TIMEOUT_SECONDS,
        )
        return DeliveryOutcome(result.ok, result.retryable, f"webhook {address.webhook_url}: {result.detail}")
