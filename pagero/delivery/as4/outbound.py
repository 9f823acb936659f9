"""One Peppol delivery: SBD, SMP lookup, certificate check, AS4 user message, POST, receipt verified.

Every failure is a `Refused` with a reason and whether trying again later may help: timeouts, connection errors and
HTTP 5xx may pass; an ebMS error (PEPPOL:NOT_SERVICED among them), a participant the SMP does not list, an untrusted
SMP or access-point certificate and a receipt that proves nothing do not.
"""

from __future__ import annotations

import http.client
import uuid
from collections.abc import Callable
from dataclasses import dataclass
from pathlib import Path

from cryptography import x509
from cryptography.hazmat.primitives.asymmetric import rsa

from .message import (
    CertificateNotTrusted,
    Credentials,
    ReceiverRefused,
    build_user_message,
    check_trusted,
    common_name,
    verify_answer,
)
from .sbdh import DocumentNotSendable, build_sbd, read_ids
from .smp import SmpLookupFailed, lookup
from .transport import Target, request

MAX_RECEIPT_BYTES = 1024 * 1024  # a signed receipt is a few kB; an error signal less


@dataclass(frozen=True)
class Settings:
    smp_url: str
    smp_trust_pem: Path  # CA certificates the SMP's signing certificate must chain to
    ap_trust: list[x509.Certificate]  # CA certificates a receiving access point's certificate must chain to
    credentials: Credentials
    connect_timeout: float = 10.0
    timeout: float = 60.0


@dataclass(frozen=True)
class Delivered:
    access_point: str  # the receiving AP's certificate CN (its seat id)
    endpoint: str
    message_id: str  # our eb:MessageId
    instance_id: str  # the SBDH instance identifier
    receipt: bytes  # the signed receipt as received: the proof of delivery to keep


class Refused(Exception):
    def __init__(self, reason: str, retryable: bool) -> None:
        super().__init__(reason)
        self.reason = reason
        self.retryable = retryable


def send(document: bytes, receiver: str, settings: Settings, vet: Callable[[str], Target]) -> Delivered:
    """Deliver one business document to Peppol participant `receiver`. Raises Refused."""
    try:
        ids = read_ids(document, receiver)
        instance_id = str(uuid.uuid4())
        sbd = build_sbd(document, ids, instance_id)
    except DocumentNotSendable as exc:
        raise Refused(f"not sendable over Peppol: {exc}", retryable=False) from None
    try:
        endpoint = lookup(
            settings.smp_url, receiver, ids.document_type, ids.process, settings.smp_trust_pem, vet,
            timeout=settings.connect_timeout, deadline=settings.timeout,
        )  # fmt: skip
    except SmpLookupFailed as exc:
        raise Refused(f"SMP lookup: {exc}", exc.retryable) from None
    access_point = common_name(endpoint.certificate)
    try:
        check_trusted(endpoint.certificate, settings.ap_trust)
    except CertificateNotTrusted as exc:
        raise Refused(
            f"the receiver's access point certificate ({access_point}) is not trusted: {exc}", False
        ) from None
    try:
        target = vet(endpoint.url)
    except ValueError as exc:
        raise Refused(f"the access point URL {endpoint.url} is refused: {exc}", retryable=False) from None
    except OSError as exc:
        raise Refused(f"the access point host does not resolve ({type(exc).__name__})", retryable=True) from None
    if not isinstance(endpoint.certificate.public_key(), rsa.RSAPublicKey):  # the profile encrypts with RSA-OAEP
        raise Refused(f"the receiver's access point certificate ({access_point}) has no RSA key", retryable=False)
    try:
        message = build_user_message(sbd, ids, settings.credentials, endpoint.certificate)
    except ValueError as exc:
        raise Refused(f"the AS4 message could not be built: {exc}", retryable=False) from None
    where = f"access point {access_point} at {endpoint.url}"
    try:
        answer = request(
            target, "POST", message.body, message.headers,
            timeout=settings.timeout, deadline=settings.timeout, max_answer_bytes=MAX_RECEIPT_BYTES,
        )  # fmt: skip
    except TimeoutError:
        raise Refused(f"{where}: timed out", retryable=True) from None
    except OSError as exc:
        raise Refused(f"{where}: {type(exc).__name__}: {getattr(exc, 'strerror', None) or exc}", True) from None
    except http.client.HTTPException as exc:
        raise Refused(f"{where}: broken HTTP answer ({type(exc).__name__})", retryable=True) from None
    if answer.status >= 500 and b"SignalMessage" not in answer.body:
        raise Refused(f"{where}: HTTP {answer.status}", retryable=True)
    if answer.status in {408, 429}:
        raise Refused(f"{where}: HTTP {answer.status}", retryable=True)
    try:
        receipt = verify_answer(answer.body, message, endpoint.certificate)
    except ReceiverRefused as exc:
        raise Refused(f"{where} (HTTP {answer.status}): {exc}", retryable=False) from None
    return Delivered(access_point, endpoint.url, message.message_id, instance_id, receipt)
