"""Peppol AS4 inbound, without Django: parse one HTTP request into a verified Standard Business Document or an ebMS
error, and answer it.

The message layer (MIME, WS-Security signature and its coverage, attachment decryption and decompression, the SBDH
and its agreement with the ebMS properties, the signed non-repudiation receipt or ebMS error) is the `as4`
library's (docs/as4.md). What this module adds: our access point's credentials and trust anchors from PEM files, a
bound on every size, no exception escaping for hostile input (every failure is an ebMS error signal), and the
business document taken out of the SBD for the pipeline.
"""

from __future__ import annotations

import copy
import logging
from collections.abc import Callable, Mapping
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from as4 import AS4InternalParty, AS4LocalPrivateKey, ParticipantNotServicedError
from as4.errors import BaseAS4ReceiptableError, BaseProfileLevelException, BaseValueInconsistentException
from as4.peppol import create_peppol_internal_party, parse_peppol_message, peppol_security_policy
from as4.profiles.peppol.receipt import PeppolAS4Receipt
from cryptography import x509
from cryptography.hazmat.primitives import serialization
from cryptography.hazmat.primitives.asymmetric.rsa import RSAPrivateKey
from cryptography.x509.oid import NameOID
from lxml import etree

from .limits import MAX_MESSAGE_ID_CHARS

log = logging.getLogger(__name__)

SBDH_NS = "http://www.unece.org/cefact/namespaces/StandardBusinessDocumentHeader"
SIGNAL_CONTENT_TYPE = "application/soap+xml;charset=utf-8"
# The SBDH around a business document is a few kilobytes; this much is allowed on top of the document's own limit
# when the attachment is decompressed.
SBDH_OVERHEAD_BYTES = 64 * 1024
# Headers taken from the HTTP request into the MIME message the library parses: the others say nothing about it.
MIME_HEADERS = ("Content-Type", "MIME-Version")


class NotConfigured(Exception):
    """The access point's certificate, key or trust anchors are missing or unreadable."""


class RequestTooLarge(Exception):
    """The request body is over the limit; nothing beyond the limit was read."""

    def __init__(self, length: int, limit: int) -> None:
        super().__init__(f"the AS4 message is {length} bytes; the limit is {limit} bytes")
        self.length = length
        self.limit = limit


class MalformedRequest(BaseValueInconsistentException):
    """A request the message layer could not take apart (answered EBMS:0003, never a server error)."""

    description = "The request is not an AS4 message"


class DocumentRefused(BaseProfileLevelException):
    """The SBD arrived intact but its business document cannot be taken in (EBMS:0004)."""

    description = "The business document cannot be accepted"


@dataclass(frozen=True)
class AccessPoint:
    """Our access point: its seat id (the certificate's CN, the AS4 party id), certificate and key, and the CAs
    whose access-point certificates it trusts (OpenPeppol's in production, a test CA in tests)."""

    seat_id: str
    certificate: x509.Certificate
    key: RSAPrivateKey
    trust_anchors: tuple[x509.Certificate, ...]

    @classmethod
    def from_files(cls, certificate_pem: str | Path, key_pem: str | Path, anchors_pem: str | Path) -> AccessPoint:
        try:
            certificate = x509.load_pem_x509_certificate(Path(certificate_pem).read_bytes())
            key = serialization.load_pem_private_key(Path(key_pem).read_bytes(), password=None)
            anchors = tuple(x509.load_pem_x509_certificates(Path(anchors_pem).read_bytes()))
        except (OSError, ValueError) as exc:
            raise NotConfigured(f"the access point's certificate, key or trust anchors cannot be read: {exc}") from exc
        if not isinstance(key, RSAPrivateKey):
            raise NotConfigured("the access point's key is not an RSA key (the Peppol AS4 profile signs with RSA)")
        return cls(common_name(certificate), certificate, key, anchors)

    def party(self) -> AS4InternalParty:
        return create_peppol_internal_party(self.seat_id, self.certificate, AS4LocalPrivateKey(self.key))


@dataclass(frozen=True)
class Inbound:
    """One request's outcome. `accepted`: a verified message whose SBD is in `sbd`; otherwise `error_code` and
    `reason` say why, and `signal` (the ebMS error) is the answer. For an accepted message `signal` is the signed
    receipt, to be sent (and kept for duplicates) once the document is taken in."""

    accepted: bool
    message_id: str
    signal: bytes
    error_code: str = ""
    reason: str = ""
    sbd: bytes = b""
    sender: str = ""  # the SBDH sender and receiver participant ids, "scheme:value"
    receiver: str = ""
    document_type: str = ""
    process: str = ""
    sending_ap: str = ""  # the CN of the certificate that signed the message (the sending AP's seat id)


def common_name(certificate: x509.Certificate) -> str:
    names = certificate.subject.get_attributes_for_oid(NameOID.COMMON_NAME)
    return str(names[0].value) if names else ""


def check_length(content_length: str | None, limit: int) -> int:
    """The declared body length, refused (RequestTooLarge) over `limit` so that nothing is read; a missing or bad
    header counts as over the limit: AS4 senders always frame their POST."""
    try:
        length = int(content_length or "")
    except ValueError:
        length = -1
    if length < 0:
        raise RequestTooLarge(-1, limit)
    if length > limit:
        raise RequestTooLarge(length, limit)
    return length


class _Signals(PeppolAS4Receipt):
    """ebMS 3's schema requires `xml:lang` on `eb:Description`; `as4` 0.2.0 leaves it out and phase4 then refuses the
    whole error signal (EBMS:0009), so the sender never learns why. Set before the signal is signed."""

    @classmethod
    def get_error_signal_message(cls, builder_args: Any, references: Any) -> Any:
        signal = super().get_error_signal_message(builder_args, references)
        errors = [
            error.model_copy(update={"description": error.description.model_copy(update={"lang": "en"})})
            if error.description is not None and not error.description.lang
            else error
            for error in signal.errors
        ]
        return signal.model_copy(update={"errors": errors})


def error_signal(
    ours: AccessPoint, error: BaseAS4ReceiptableError, message_id: str = "", messaging_id: str = ""
) -> bytes:
    receipt = _Signals.create_error_signal_from_exception(
        exception=error,
        local_party=ours.party(),
        referenced_message_id=message_id,
        referenced_messaging_id=messaging_id,
    )
    return receipt.get_request_data()[1]


def refusal(ours: AccessPoint, error: BaseAS4ReceiptableError, message_id: str = "", messaging_id: str = "") -> Inbound:
    return Inbound(
        accepted=False,
        message_id=message_id,
        signal=error_signal(ours, error, message_id, messaging_id),
        error_code=error.error_code,
        reason=f"{error.description}: {error.detail}" if error.detail else error.description,
    )


def receive(
    headers: Mapping[str, str],
    body: bytes,
    ours: AccessPoint,
    *,
    is_participant: Callable[[str], bool],
    max_sbd_bytes: int,
) -> Inbound:
    """Verify, decrypt and decompress one AS4 user message sent to us, and check its SBDH.

    `is_participant(participant_id)` says whether we serve the SBDH receiver; when it does not, the answer is
    EBMS:0004 with PEPPOL:NOT_SERVICED as the Peppol AS4 profile requires. The attachment is decompressed to at
    most `max_sbd_bytes` (EBMS:0303 beyond: a gzip bomb stops there). Hostile input of any shape gives an
    ebMS error, never an exception."""

    lookup_failures: list[Exception] = []

    def accept_participant(participant_id: str) -> None:
        try:
            serviced = is_participant(participant_id)
        except Exception as exc:
            lookup_failures.append(exc)
            raise
        if not serviced:
            raise ParticipantNotServicedError(participant_id)

    mime_headers = {name: headers[name] for name in MIME_HEADERS if headers.get(name)}
    try:
        exchange = parse_peppol_message(
            mime_headers,
            body,
            ours.party(),
            accept_participant=accept_participant,
            security_policy=peppol_security_policy(*ours.trust_anchors).model_copy(
                update={"maximum_decompressed_size": max_sbd_bytes}
            ),
        )
    except Exception as exc:  # the library's parser on input nobody foresaw: still an ebMS error, never a 500
        if lookup_failures:  # our directory failed, not the message: the sender should retry later (5xx)
            raise lookup_failures[0] from None
        log.warning("an AS4 request could not be parsed: %r", exc)
        return refusal(ours, MalformedRequest(detail="the request could not be parsed as an AS4 message"))
    message = exchange.message
    assert message is not None  # receive() always sets it
    if message.parse_error is not None:
        error = message.parse_error
        if not isinstance(error, BaseAS4ReceiptableError):  # the library keeps its own errors only; be sure
            error = MalformedRequest(detail=str(error))
        return refusal(ours, error, message.message_id, message.messaging_id)
    if len(message.message_id) > MAX_MESSAGE_ID_CHARS:
        detail = f"the eb:MessageId is {len(message.message_id)} characters; at most {MAX_MESSAGE_ID_CHARS} are taken"
        return refusal(ours, MalformedRequest(detail=detail), message.message_id, message.messaging_id)
    sbd = next(iter(message.decrypted_data.values()), b"")
    _, signal = exchange.build_signal()
    signer = message.signer_certificate
    return Inbound(
        accepted=True,
        message_id=message.message_id,
        signal=signal,
        sbd=bytes(sbd),
        sender=message.sender or "",
        receiver=message.recipient or "",
        document_type=message.document_type_identifier_value or "",
        process=message.process_identifier or "",
        sending_ap=common_name(signer) if signer is not None else "",
    )


def business_document(sbd: bytes) -> bytes:
    """The business document inside a Standard Business Document: the element after the header, as its own XML
    document (namespaces declared on the SBD that it uses are carried over by the serialiser)."""
    parser = etree.XMLParser(resolve_entities=False, no_network=True, huge_tree=False)
    root = etree.fromstring(sbd, parser)
    payload = [child for child in root if isinstance(child.tag, str) and not child.tag.startswith(f"{{{SBDH_NS}}}")]
    if len(payload) != 1:
        raise DocumentRefused(detail=f"the SBD carries {len(payload)} business documents; exactly one is expected")
    element = copy.deepcopy(payload[0])  # a root of its own, so that the SBD's unused namespaces can be dropped
    etree.cleanup_namespaces(element)
    return etree.tostring(element, xml_declaration=True, encoding="UTF-8")
