"""The receiver's access point from its SMP (Peppol SMP 1.x): endpoint URL and certificate, signature verified.

The SMP is configured directly (no SML/DNS lookup): `GET {smp}/{participant}/services/{document type}`, both
identifiers with their scheme and percent-encoded. The answer is a `SignedServiceMetadata` whose XML signature
(enveloped, X.509) must verify with a certificate chaining to the configured SMP trust; only what the signature
covers is read. From it we take the endpoint of transport profile `peppol-transport-as4-v2_0` for our process:
its URL and the receiver's AP certificate. A `Redirect` to another SMP is not followed (refused, named).
"""

from __future__ import annotations

import base64
import binascii
import datetime
import http.client
from collections.abc import Callable
from dataclasses import dataclass
from pathlib import Path
from urllib.parse import quote

import signxml
from cryptography import x509
from lxml import etree
from signxml import SignatureConfiguration, XMLVerifier

from .sbdh import DOCUMENT_TYPE_SCHEME, PARTICIPANT_SCHEME, PROCESS_SCHEME
from .transport import Target, request

TRANSPORT_PROFILE = "peppol-transport-as4-v2_0"
SMP_NS = "http://busdox.org/serviceMetadata/publishing/1.0/"
IDS_NS = "http://busdox.org/transport/identifiers/1.0/"
WSA_NS = "http://www.w3.org/2005/08/addressing"
MAX_METADATA_BYTES = 512 * 1024  # a service metadata document with a few endpoints and certificates is far smaller
NS = {"smp": SMP_NS, "id": IDS_NS, "wsa": WSA_NS}


class SmpLookupFailed(Exception):
    """The receiver's endpoint could not be found; `retryable` says whether asking again later may help."""

    def __init__(self, reason: str, retryable: bool) -> None:
        super().__init__(reason)
        self.retryable = retryable


@dataclass(frozen=True)
class Endpoint:
    url: str
    certificate: x509.Certificate


def metadata_url(smp_base: str, participant: str, document_type: str) -> str:
    """The service metadata URL of one participant and document type (Peppol SMP 1.x REST binding)."""
    participant_id = quote(f"{PARTICIPANT_SCHEME}::{participant}", safe="")
    document_id = quote(f"{DOCUMENT_TYPE_SCHEME}::{document_type}", safe="")
    return f"{smp_base.rstrip('/')}/{participant_id}/services/{document_id}"


def _when(text: str | None) -> datetime.datetime | None:
    if not text or not text.strip():
        return None
    value = datetime.datetime.fromisoformat(text.strip().replace("Z", "+00:00"))
    return value if value.tzinfo else value.replace(tzinfo=datetime.UTC)


def read_signed_metadata(
    document: bytes, smp_trust_pem: Path, participant: str, document_type: str, process: str
) -> Endpoint:
    """The AS4 endpoint in a SignedServiceMetadata whose signature verifies under `smp_trust_pem` (a PEM file of CA
    certificates). Raises SmpLookupFailed (final) naming what is wrong or missing."""
    try:
        verified = XMLVerifier().verify(
            document,
            ca_pem_file=str(smp_trust_pem),
            expect_config=SignatureConfiguration(require_x509=True, expect_references=1),
        )
    except signxml.exceptions.InvalidCertificate as exc:
        raise SmpLookupFailed(f"the SMP's signing certificate is not trusted: {exc}", retryable=False) from None
    except (signxml.exceptions.InvalidInput, signxml.exceptions.InvalidSignature, etree.XMLSyntaxError) as exc:
        raise SmpLookupFailed(f"the SMP's answer is not validly signed: {exc}", retryable=False) from None
    # Only the signed content is read (no signature wrapping), and it must be the whole document (URI="").
    root = verified.signed_xml if not isinstance(verified, list) else None
    if not isinstance(root, etree._Element) or root.tag != f"{{{SMP_NS}}}SignedServiceMetadata":
        raise SmpLookupFailed("the SMP's signature does not cover the SignedServiceMetadata", retryable=False)
    metadata = root.find("smp:ServiceMetadata", NS)
    if metadata is None:
        raise SmpLookupFailed("the SMP's answer has no ServiceMetadata", retryable=False)
    if metadata.find("smp:Redirect", NS) is not None:
        raise SmpLookupFailed("the SMP redirects to another SMP, which is not followed", retryable=False)
    information = metadata.find("smp:ServiceInformation", NS)
    if information is None:
        raise SmpLookupFailed("the SMP's answer has no ServiceInformation", retryable=False)
    named_participant = (information.findtext("id:ParticipantIdentifier", "", NS) or "").strip()
    named_document = (information.findtext("id:DocumentIdentifier", "", NS) or "").strip()
    if named_participant.lower() != participant.lower() or named_document != document_type:
        raise SmpLookupFailed(
            f"the SMP answered for {named_participant!r} / {named_document!r}, not for what was asked", retryable=False
        )
    processes = [
        p
        for p in information.iterfind("smp:ProcessList/smp:Process", NS)
        if (p.findtext("id:ProcessIdentifier", "", NS) or "").strip() == process
        and (p.find("id:ProcessIdentifier", NS).get("scheme") or PROCESS_SCHEME) == PROCESS_SCHEME  # type: ignore[union-attr]
    ]
    if not processes:
        raise SmpLookupFailed(
            f"participant {participant} is not registered in the SMP for process {process}", retryable=False
        )
    now = datetime.datetime.now(datetime.UTC)
    for endpoint in processes[0].iterfind("smp:ServiceEndpointList/smp:Endpoint", NS):
        if endpoint.get("transportProfile") != TRANSPORT_PROFILE:
            continue
        try:
            activation = _when(endpoint.findtext("smp:ServiceActivationDate", None, NS))
            expiration = _when(endpoint.findtext("smp:ServiceExpirationDate", None, NS))
        except ValueError:
            raise SmpLookupFailed("the SMP endpoint's activation or expiration date is unreadable", False) from None
        if (activation and now < activation) or (expiration and now > expiration):
            raise SmpLookupFailed(f"the receiver's {TRANSPORT_PROFILE} endpoint is not active now", retryable=False)
        url = (endpoint.findtext("wsa:EndpointReference/wsa:Address", "", NS) or "").strip()
        encoded = "".join((endpoint.findtext("smp:Certificate", "", NS) or "").split())
        try:
            certificate = x509.load_der_x509_certificate(base64.b64decode(encoded, validate=True))
        except (binascii.Error, ValueError):
            raise SmpLookupFailed("the SMP endpoint's certificate is unreadable", retryable=False) from None
        if not url:
            raise SmpLookupFailed("the SMP endpoint names no URL", retryable=False)
        return Endpoint(url, certificate)
    raise SmpLookupFailed(
        f"participant {participant} has no {TRANSPORT_PROFILE} endpoint in the SMP for this document type",
        retryable=False,
    )


def lookup(
    smp_base: str,
    participant: str,
    document_type: str,
    process: str,
    smp_trust_pem: Path,
    vet: Callable[[str], Target],
    *,
    timeout: float,
    deadline: float,
) -> Endpoint:
    """Ask the SMP for the receiver's AS4 endpoint. `vet` checks the URL and resolves its host once (raises
    ValueError when refused, OSError when it does not resolve). Raises SmpLookupFailed."""
    url = metadata_url(smp_base, participant, document_type)
    try:
        target = vet(url)
    except ValueError as exc:
        raise SmpLookupFailed(f"the SMP URL is refused: {exc}", retryable=False) from None
    except OSError as exc:
        raise SmpLookupFailed(f"the SMP host does not resolve ({type(exc).__name__})", retryable=True) from None
    try:
        answer = request(
            target, "GET", None, {"Accept": "application/xml", "User-Agent": "e-document-network/1.0"},
            timeout=timeout, deadline=deadline, max_answer_bytes=MAX_METADATA_BYTES,
        )  # fmt: skip
    except TimeoutError:
        raise SmpLookupFailed("the SMP did not answer in time", retryable=True) from None
    except OSError as exc:
        raise SmpLookupFailed(f"the SMP could not be reached: {type(exc).__name__}: {exc}", retryable=True) from None
    except http.client.HTTPException as exc:  # not HTTP, or cut off
        raise SmpLookupFailed(f"the SMP's answer is broken: {type(exc).__name__}", retryable=True) from None
    if answer.status == 404:
        raise SmpLookupFailed(
            f"participant {participant} is not in the SMP for document type {document_type}", retryable=False
        )
    if answer.status >= 500 or answer.status in {408, 429}:
        raise SmpLookupFailed(f"the SMP answered HTTP {answer.status}", retryable=True)
    if answer.status != 200:
        raise SmpLookupFailed(f"the SMP answered HTTP {answer.status}", retryable=False)
    return read_signed_metadata(answer.body, smp_trust_pem, participant, document_type, process)
