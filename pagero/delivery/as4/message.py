"""The ebMS 3 user message of the Peppol AS4 profile around a ready SBD, and the check of the receiver's answer.

The `as4` library builds the message: SOAP 1.2 with the ebMS headers, the SBD gzip-compressed, AES-128-GCM
encrypted to the receiver's certificate (key under RSA-OAEP), signed with our key over eb:Messaging, the body and
the attachment. Its own builder writes the SBDH itself around a parsed document; ours is written by `sbdh` around
the document's bytes, so `_ReadySbdMessage` takes the SBD as it is and leaves everything else to the library.

The answer is a signal: a receipt signed by the receiver's certificate, naming our message id and acknowledging the
digests we signed (non-repudiation), or an ebMS error.
"""

from __future__ import annotations

import datetime
import gzip
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from as4 import AS4LocalPrivateKey, AS4References, ReceiptVerificationError
from as4.const import ISO6523_ACTOR_ID
from as4.core.trust import path_to_anchor
from as4.errors import UntrustedSignerError
from as4.models.dsig.reference import ComparableReferenceFields
from as4.peppol import (
    BusdoxDocidQnsDocumentIdentifier,
    PeppolAS4MessageBuilderArgs,
    create_peppol_external_party,
    create_peppol_internal_party,
    parse_peppol_receipt,
)
from as4.profiles.peppol.message import PeppolAS4Message
from as4.utils.cipher_handler import CipherHandler
from cryptography import x509
from cryptography.hazmat.primitives import hashes, serialization
from cryptography.hazmat.primitives.asymmetric import padding, rsa
from cryptography.x509.oid import NameOID
from lxml import etree

from .sbdh import PeppolIds

EB_NS = "http://docs.oasis-open.org/ebxml-msg/ebms/v3.0/ns/core/200704/"


class ReceiverRefused(Exception):
    """The receiving access point refused the message, or its answer proves nothing; the message says which."""


class CertificateNotTrusted(ValueError):
    """A certificate does not chain to a configured trust anchor (or is outside its validity)."""


def common_name(certificate: x509.Certificate) -> str:
    names = certificate.subject.get_attributes_for_oid(NameOID.COMMON_NAME)
    return str(names[0].value) if names else certificate.subject.rfc4514_string()


@dataclass(frozen=True)
class Credentials:
    """Our access point: its certificate (whose CN, the seat id, is our AS4 party id) and its private key."""

    certificate: x509.Certificate
    key: rsa.RSAPrivateKey

    @property
    def seat_id(self) -> str:
        return common_name(self.certificate)

    @classmethod
    def from_pem_files(cls, certificate: Path | str, key: Path | str) -> Credentials:
        cert = x509.load_pem_x509_certificate(Path(certificate).read_bytes())
        private = serialization.load_pem_private_key(Path(key).read_bytes(), password=None)
        if not isinstance(private, rsa.RSAPrivateKey):
            raise ValueError("the access point key must be an RSA key (Peppol AS4)")
        return cls(cert, private)


def load_certificates(pem: bytes) -> list[x509.Certificate]:
    return x509.load_pem_x509_certificates(pem)


def check_trusted(certificate: x509.Certificate, anchors: list[x509.Certificate]) -> None:
    """Raise CertificateNotTrusted unless the certificate chains to one of `anchors` (CA certificates; others given
    there serve as intermediates) and every certificate on the path is within its validity period."""
    roots = [cert for cert in anchors if cert.issuer == cert.subject]
    intermediates = [cert for cert in anchors if cert.issuer != cert.subject]
    try:
        path = path_to_anchor(certificate, roots or anchors, intermediates)
    except UntrustedSignerError as exc:
        raise CertificateNotTrusted(str(exc)) from None
    now = datetime.datetime.now(datetime.UTC)
    for cert in path:
        if not cert.not_valid_before_utc <= now <= cert.not_valid_after_utc:
            raise CertificateNotTrusted(f"{cert.subject.rfc4514_string()} is outside its validity period")


class _ReadySbdMessage(PeppolAS4Message):
    """The library's Peppol message with our SBD carried byte for byte (its builder would write its own SBDH)."""

    @classmethod
    def build_message(  # type: ignore[override]
        cls,
        payload: bytes,
        *,
        local_party: Any,
        remote_party: Any,
        builder_args: PeppolAS4MessageBuilderArgs,
        references: AS4References,
    ) -> _ReadySbdMessage:
        compressed = gzip.compress(payload)
        session_key, encrypted = CipherHandler.encrypt_payload(compressed)
        encrypted_key = remote_party.credentials.rsa_public_key.encrypt(
            session_key,
            padding.OAEP(mgf=padding.MGF1(algorithm=hashes.SHA256()), algorithm=hashes.SHA256(), label=b""),
        )
        attachment_id, _ = references.encrypted_data_attachment_mapping()
        envelope = cls.get_soap_envelope(
            local_party,
            remote_party,
            builder_args,
            references,
            encrypted_key,
            compressed_payloads={attachment_id: compressed},
        )
        return cls(
            soap_envelope=envelope,
            message_id=references.message_id,
            messaging_id=references.messaging_id,
            mime_attachments={attachment_id: encrypted},
            decrypted_data={attachment_id: payload},
            sender=builder_args.sender,
            recipient=builder_args.recipient,
            document_type_identifier_value=builder_args.document_type_identifier.identifier_value,
            document_type_identifier_scheme=builder_args.document_type_identifier.scheme,
            process_identifier=builder_args.process_identifier,
        )


@dataclass(frozen=True)
class UserMessage:
    message_id: str
    headers: dict[str, str]
    body: bytes
    signed_references: list[ComparableReferenceFields]


def build_user_message(
    sbd: bytes, ids: PeppolIds, ours: Credentials, receiver_certificate: x509.Certificate
) -> UserMessage:
    """The HTTP request (headers, MIME body) of one Peppol AS4 user message carrying `sbd` to the receiver."""
    try:
        document_type = BusdoxDocidQnsDocumentIdentifier.from_identifier_value(ids.document_type)
    except ValueError:
        raise ValueError(f"{ids.document_type!r} is not a busdox-docid-qns document type id") from None
    local = create_peppol_internal_party(ours.seat_id, ours.certificate, AS4LocalPrivateKey(ours.key))
    remote = create_peppol_external_party(common_name(receiver_certificate), receiver_certificate)
    args = PeppolAS4MessageBuilderArgs(
        sender=ids.sender,
        recipient=ids.receiver,
        document_type_identifier=document_type,
        document_identification_instance_identifier="",  # the SBD is ours: the library does not write one
        process_identifier=ids.process,
        c1_country_id=ids.country_c1,
    )
    message = _ReadySbdMessage.build_message(
        sbd, local_party=local, remote_party=remote, builder_args=args, references=AS4References()
    )
    body, boundary = message.get_request_data()
    headers = message.get_http_headers(boundary, user_agent="e-document-network/1.0")
    return UserMessage(message.message_id, headers, body, list(message.signed_references))


def _error_of(signal: bytes) -> str | None:
    """The first eb:Error of a signal, read without trusting it (an unsigned error is still a refusal)."""
    try:
        root = etree.fromstring(signal, etree.XMLParser(resolve_entities=False, no_network=True, load_dtd=False))
    except etree.XMLSyntaxError:
        return None
    error = root.find(f".//{{{EB_NS}}}SignalMessage/{{{EB_NS}}}Error")
    if error is None:
        return None
    return _describe(error.get("errorCode"), error.get("shortDescription"), error.findtext(f"{{{EB_NS}}}ErrorDetail"))


def _describe(code: str | None, short: str | None, detail: str | None) -> str:
    text = f"ebMS error {code or '(no code)'}"
    if short:
        text += f" ({short})"
    if detail and detail.strip():
        text += f": {detail.strip()[:300]}"
    return text


def verify_answer(answer: bytes, message: UserMessage, receiver_certificate: x509.Certificate) -> bytes:
    """The receipt, once it is proven: signed by the receiver's certificate, for our message id, acknowledging what
    we signed. Raises ReceiverRefused naming an ebMS error or what the receipt fails to prove."""
    try:
        receipt = parse_peppol_receipt(answer, receiver_certificate)
    except ReceiptVerificationError as exc:
        error = _error_of(answer)
        if error is not None:
            raise ReceiverRefused(f"{error} (unsigned)") from None
        raise ReceiverRefused(f"the receipt could not be verified: {exc}") from None
    if receipt.error is not None:
        error_detail = receipt.error.error_detail
        raise ReceiverRefused(
            _describe(
                receipt.error.error_code,
                receipt.error.short_description,
                getattr(error_detail, "value", None) or (str(error_detail) if error_detail else None),
            )
        )
    if receipt.original_message_id != message.message_id:
        raise ReceiverRefused(
            f"the receipt names message {receipt.original_message_id!r}, not ours ({message.message_id!r})"
        )
    try:
        receipt.verify_non_repudiation(message.signed_references)
    except ReceiptVerificationError as exc:
        raise ReceiverRefused(f"the receipt does not acknowledge what we sent: {exc}") from None
    return answer


__all__ = [
    "ISO6523_ACTOR_ID",
    "CertificateNotTrusted",
    "Credentials",
    "ReceiverRefused",
    "UserMessage",
    "build_user_message",
    "check_trusted",
    "common_name",
    "load_certificates",
    "verify_answer",
]
