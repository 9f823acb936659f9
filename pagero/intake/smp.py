"""Our Peppol SMP (SMP 1.x read API), without Django: the service group of a participant and its signed service
metadata per document type, naming our AS4 endpoint and access-point certificate.

Peppol senders find a receiver's access point here (after the SML's DNS): `GET /{participant}` lists the document
types the participant receives, `GET /{participant}/services/{document type}` answers a `SignedServiceMetadata`
whose enveloped XML signature (RSA-SHA256, the SMP certificate in `KeyInfo`) they verify against the SMP CA.
Identifiers are written with their scheme (`iso6523-actorid-upis::0192:987654325`, `busdox-docid-qns::...`).
"""

from __future__ import annotations

import base64
from dataclasses import dataclass
from pathlib import Path
from urllib.parse import quote

from cryptography import x509
from cryptography.hazmat.primitives import serialization
from cryptography.hazmat.primitives.asymmetric.rsa import RSAPrivateKey
from lxml import etree
from signxml import XMLSigner, methods

from .as4_inbound import NotConfigured

SMP_NS = "http://busdox.org/serviceMetadata/publishing/1.0/"
IDS_NS = "http://busdox.org/transport/identifiers/1.0/"
WSA_NS = "http://www.w3.org/2005/08/addressing"
NSMAP = {"smp": SMP_NS, "id": IDS_NS, "wsa": WSA_NS}
PARTICIPANT_SCHEME = "iso6523-actorid-upis"
DOCUMENT_TYPE_SCHEME = "busdox-docid-qns"
PROCESS_SCHEME = "cenbii-procid-ubl"
TRANSPORT_PROFILE = "peppol-transport-as4-v2_0"
# Inclusive C14N, as the Peppol SMP specification signs (and phase4's SMP client expects).
C14N = "http://www.w3.org/TR/2001/REC-xml-c14n-20010315"
MAX_IDENTIFIER_CHARS = 500  # Peppol caps participant ids at 50 and document type ids at 500 characters

BILLING_PROCESS = "urn:fdc:peppol.eu:2017:poacc:billing:01:1.0"


@dataclass(frozen=True)
class Service:
    document_type: str
    process: str


# What every participant of ours receives over Peppol: the BIS Billing 3 invoice and credit note.
BILLING_SERVICES = (
    Service(
        "urn:oasis:names:specification:ubl:schema:xsd:Invoice-2::Invoice"
        "##urn:cen.eu:en16931:2017#compliant#urn:fdc:peppol.eu:2017:poacc:billing:3.0::2.1",
        BILLING_PROCESS,
    ),
    Service(
        "urn:oasis:names:specification:ubl:schema:xsd:CreditNote-2::CreditNote"
        "##urn:cen.eu:en16931:2017#compliant#urn:fdc:peppol.eu:2017:poacc:billing:3.0::2.1",
        BILLING_PROCESS,
    ),
)


@dataclass(frozen=True)
class Publisher:
    """What the SMP publishes and signs with: the SMP key and certificate, our AS4 endpoint URL and AP certificate."""

    certificate: x509.Certificate
    key: RSAPrivateKey
    endpoint_url: str
    ap_certificate: x509.Certificate
    services: tuple[Service, ...] = BILLING_SERVICES
    technical_contact: str = ""

    @classmethod
    def from_files(
        cls, certificate_pem: str | Path, key_pem: str | Path, ap_certificate_pem: str | Path, endpoint_url: str
    ) -> Publisher:
        try:
            certificate = x509.load_pem_x509_certificate(Path(certificate_pem).read_bytes())
            key = serialization.load_pem_private_key(Path(key_pem).read_bytes(), password=None)
            ap_certificate = x509.load_pem_x509_certificate(Path(ap_certificate_pem).read_bytes())
        except (OSError, ValueError) as exc:
            raise NotConfigured(f"the SMP's certificate, key or the AP certificate cannot be read: {exc}") from exc
        if not isinstance(key, RSAPrivateKey):
            raise NotConfigured("the SMP's key is not an RSA key")
        return cls(certificate, key, endpoint_url, ap_certificate)

    def service(self, document_type: str) -> Service | None:
        return next((s for s in self.services if s.document_type == document_type), None)


def identifier_value(text: str, scheme: str) -> str | None:
    """The value of `scheme::value` (the scheme compared case-insensitively), or None when it is not of `scheme`."""
    if len(text) > MAX_IDENTIFIER_CHARS + len(scheme) + 2:
        return None
    given, separator, value = text.partition("::")
    if not separator or given.lower() != scheme or not value.strip() or any(ord(c) < 32 for c in value):
        return None
    return value.strip()


def _identifier(tag: str, scheme: str, value: str) -> etree._Element:
    element = etree.Element(f"{{{IDS_NS}}}{tag}", scheme=scheme, nsmap=NSMAP)
    element.text = value
    return element


def service_group(base_url: str, participant: str, services: tuple[Service, ...]) -> bytes:
    """The participant's service group: one reference per document type, `base_url` being the SMP's root."""
    group = etree.Element(f"{{{SMP_NS}}}ServiceGroup", nsmap=NSMAP)
    group.append(_identifier("ParticipantIdentifier", PARTICIPANT_SCHEME, participant))
    collection = etree.SubElement(group, f"{{{SMP_NS}}}ServiceMetadataReferenceCollection")
    participant_path = quote(f"{PARTICIPANT_SCHEME}::{participant}", safe="")
    for service in services:
        document_path = quote(f"{DOCUMENT_TYPE_SCHEME}::{service.document_type}", safe="")
        etree.SubElement(
            collection,
            f"{{{SMP_NS}}}ServiceMetadataReference",
            href=f"{base_url.rstrip('/')}/{participant_path}/services/{document_path}",
        )
    return etree.tostring(group, xml_declaration=True, encoding="UTF-8")


def signed_service_metadata(publisher: Publisher, participant: str, service: Service) -> bytes:
    """The signed service metadata of one participant and document type: our AS4 endpoint for its process."""
    signed = etree.Element(f"{{{SMP_NS}}}SignedServiceMetadata", nsmap=NSMAP)
    metadata = etree.SubElement(signed, f"{{{SMP_NS}}}ServiceMetadata")
    information = etree.SubElement(metadata, f"{{{SMP_NS}}}ServiceInformation")
    information.append(_identifier("ParticipantIdentifier", PARTICIPANT_SCHEME, participant))
    information.append(_identifier("DocumentIdentifier", DOCUMENT_TYPE_SCHEME, service.document_type))
    process = etree.SubElement(etree.SubElement(information, f"{{{SMP_NS}}}ProcessList"), f"{{{SMP_NS}}}Process")
    process.append(_identifier("ProcessIdentifier", PROCESS_SCHEME, service.process))
    endpoints = etree.SubElement(process, f"{{{SMP_NS}}}ServiceEndpointList")
    endpoint = etree.SubElement(endpoints, f"{{{SMP_NS}}}Endpoint", transportProfile=TRANSPORT_PROFILE)
    reference = etree.SubElement(endpoint, f"{{{WSA_NS}}}EndpointReference")
    etree.SubElement(reference, f"{{{WSA_NS}}}Address").text = publisher.endpoint_url
    etree.SubElement(endpoint, f"{{{SMP_NS}}}RequireBusinessLevelSignature").text = "false"
    der = publisher.ap_certificate.public_bytes(serialization.Encoding.DER)
    etree.SubElement(endpoint, f"{{{SMP_NS}}}Certificate").text = base64.b64encode(der).decode()
    etree.SubElement(endpoint, f"{{{SMP_NS}}}ServiceDescription").text = "Peppol AS4 access point"
    etree.SubElement(endpoint, f"{{{SMP_NS}}}TechnicalContactUrl").text = publisher.technical_contact
    signer = XMLSigner(
        method=methods.enveloped, signature_algorithm="rsa-sha256", digest_algorithm="sha256", c14n_algorithm=C14N
    )
    certificate_pem = publisher.certificate.public_bytes(serialization.Encoding.PEM).decode()
    result = signer.sign(signed, key=publisher.key, cert=[certificate_pem])
    return etree.tostring(result, xml_declaration=True, encoding="UTF-8")
