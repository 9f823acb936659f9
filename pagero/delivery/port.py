"""The delivery port: what a channel adapter is given and what it answers."""

from __future__ import annotations

from dataclasses import dataclass
from typing import Protocol


@dataclass(frozen=True)
class DeliveryOutcome:
    delivered: bool
    retryable: bool  # a transient failure: the pipeline tries again (bounded); otherwise the failure is final
    detail: str


@dataclass(frozen=True)
class Parcel:
    document_id: str
    number: str
    sender_name: str
    format: str  # a Syntax value
    content: bytes
    pdf: bytes | None = None
    document_type: str = "invoice"  # a DocumentType value


@dataclass(frozen=True)
class Address:
    """Where a recipient takes delivery: what the channels need from its receive profile."""

    webhook_url: str = ""
    webhook_secret: str = ""
    email: str = ""


class ChannelAdapter(Protocol):
    """One delivery channel. `send` never raises for a delivery failure: it answers with the outcome."""

    def send(self, parcel: Parcel, address: Address, attempt: int) -> DeliveryOutcome: ...
