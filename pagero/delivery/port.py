"""The delivery port: what a channel adapter is given and what it answers."""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import Protocol


@dataclass(frozen=True)
class DeliveryOutcome:
    delivered: bool
    retryable: bool  # a transient failure: the pipeline tries again (bounded); otherwise the failure is final
    detail: str
    # What the receiving side gave as proof of delivery (a Peppol AS4 signed receipt), kept with the document, and
    # the channel's own id of the message (the AS4 message id).
    evidence: bytes = b""
    reference: str = ""


@dataclass(frozen=True)
class Parcel:
    document_id: str
    number: str
    sender_name: str
    format: str  # a Syntax value
    content: bytes
    pdf: bytes | None = None
    document_type: str = "invoice"  # a DocumentType value
    pdf_from_seller: bool = False  # the PDF is the seller's own (a Factur-X/ZUGFeRD original), not our rendering


@dataclass(frozen=True)
class Address:
    """Where a recipient takes delivery: what the channels need from its receive profile."""

    webhook_url: str = ""
    webhook_secret: str = ""
    email: str = ""
    # SFTP: the recipient's server, the folder documents are written to, its host key as a known_hosts line (the
    # only key accepted) and our client key for it (OpenSSH private key; the recipient authorises its public part).
    sftp_host: str = ""
    sftp_port: int = 22
    sftp_user: str = ""
    sftp_directory: str = ""
    sftp_host_key: str = ""
    sftp_client_key: str = field(default="", repr=False)  # a secret: never in logs
    # Peppol: the recipient's participant id, `<ICD scheme>:<id>` as in the SMP (e.g. 0088:7300010000002).
    peppol_participant: str = ""


class ChannelAdapter(Protocol):
    """One delivery channel. `send` never raises for a delivery failure: it answers with the outcome."""

    def send(self, parcel: Parcel, address: Address, attempt: int) -> DeliveryOutcome: ...
