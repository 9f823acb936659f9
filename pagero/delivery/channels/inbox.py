"""The inbox channel: nothing to send, the recipient pulls its documents over the API."""

from __future__ import annotations

from ..port import Address, DeliveryOutcome, Parcel


class InboxChannel:
    def send(self, parcel: Parcel, address: Address, attempt: int) -> DeliveryOutcome:
        return DeliveryOutcome(True, False, "available in the recipient's API inbox")
