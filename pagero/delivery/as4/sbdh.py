"""The Peppol Standard Business Document: the SBDH written around the business document's own bytes.

Peppol identifies what travels by the SBDH: sender and receiver participant ids (`iso6523-actorid-upis`), the
document type id (`busdox-docid-qns`: root namespace, local name, customization id, syntax version), the process id
(`cenbii-procid-ubl`), an instance id and the country of the original sender (C1). The document type, the process,
the sender and C1 are read from the document itself, where Peppol BIS puts them; the receiver is the recipient's
participant id on file. The document is not parsed and written again: its bytes (XML declaration and byte-order
mark dropped) go inside unchanged, so what the receiver stores is exactly what we converted.
"""

from __future__ import annotations

import datetime
import re
from dataclasses import dataclass
from xml.sax.saxutils import escape, quoteattr

from lxml import etree

SBDH_NS = "http://www.unece.org/cefact/namespaces/StandardBusinessDocumentHeader"
PARTICIPANT_SCHEME = "iso6523-actorid-upis"
DOCUMENT_TYPE_SCHEME = "busdox-docid-qns"
PROCESS_SCHEME = "cenbii-procid-ubl"
MAX_DOCUMENT_BYTES = 50 * 1024 * 1024  # what one Peppol message may carry here; larger documents are refused

CBC = "urn:oasis:names:specification:ubl:schema:xsd:CommonBasicComponents-2"
CAC = "urn:oasis:names:specification:ubl:schema:xsd:CommonAggregateComponents-2"
CII_ROOT = "{urn:un:unece:uncefact:data:standard:CrossIndustryInvoice:100}CrossIndustryInvoice"
RSM = "urn:un:unece:uncefact:data:standard:CrossIndustryInvoice:100"
RAM = "urn:un:unece:uncefact:data:standard:ReusableAggregateBusinessInformationEntity:100"
UBL_ROOT_PREFIX = "urn:oasis:names:specification:ubl:schema:xsd:"
# The party that sends each UBL document type (its EndpointID is the SBDH sender, its country C1).
UBL_SENDER_PARTY = {
    "Invoice": "AccountingSupplierParty",
    "CreditNote": "AccountingSupplierParty",
    "Order": "BuyerCustomerParty",
    "OrderResponse": "SellerSupplierParty",
}
_PARTICIPANT = re.compile(r"^[0-9]{4}:[^\s:]{1,135}$")
_COUNTRY = re.compile(r"^[A-Z]{2}$")
_DECLARATION = re.compile(rb"^<\?xml[^>]*\?>\s*")
_ENCODING = re.compile(rb"""encoding\s*=\s*["']([A-Za-z0-9._-]+)["']""")


class DocumentNotSendable(ValueError):
    """The document cannot travel over Peppol as it is; the message names what is missing or wrong."""


@dataclass(frozen=True)
class PeppolIds:
    """What the SBDH and the AS4 user message say about one document (identifier values without their scheme)."""

    sender: str  # e.g. 0088:7300010000001
    receiver: str
    document_type: str  # e.g. urn:oasis:…:Invoice-2::Invoice##urn:cen.eu:en16931:2017#…::2.1
    process: str
    country_c1: str
    standard: str  # the root element's namespace
    type: str  # the root element's local name
    type_version: str


def _hardened() -> etree.XMLParser:
    return etree.XMLParser(resolve_entities=False, no_network=True, load_dtd=False, huge_tree=False)


def _text(root: etree._Element, path: str, namespaces: dict[str, str]) -> str:
    found = root.find(path, namespaces)
    return (found.text or "").strip() if found is not None else ""


def _participant(element: etree._Element | None, what: str) -> str:
    if element is None or not (element.text or "").strip():
        raise DocumentNotSendable(f"the document names no {what} endpoint id (Peppol BIS requires one)")
    scheme = (element.get("schemeID") or "").strip()
    if not scheme:
        raise DocumentNotSendable(f"the {what} endpoint id has no schemeID")
    return f"{scheme}:{(element.text or '').strip()}"


def read_ids(document: bytes, receiver: str) -> PeppolIds:
    """The Peppol identifiers of a UBL 2.1 or CII D16B document addressed to `receiver`. Raises DocumentNotSendable."""
    try:
        root = etree.fromstring(document, _hardened())
    except etree.XMLSyntaxError as exc:
        raise DocumentNotSendable(f"the document is not well-formed XML: {exc}") from None
    qname = etree.QName(root)
    if root.tag == CII_ROOT:
        ns = {"rsm": RSM, "ram": RAM}
        customization = _text(
            root, "rsm:ExchangedDocumentContext/ram:GuidelineSpecifiedDocumentContextParameter/ram:ID", ns
        )
        process = _text(
            root, "rsm:ExchangedDocumentContext/ram:BusinessProcessSpecifiedDocumentContextParameter/ram:ID", ns
        )
        seller = "rsm:SupplyChainTradeTransaction/ram:ApplicableHeaderTradeAgreement/ram:SellerTradeParty"
        sender = _participant(root.find(f"{seller}/ram:URIUniversalCommunication/ram:URIID", ns), "seller")
        country = _text(root, f"{seller}/ram:PostalTradeAddress/ram:CountryID", ns)
        version = "D16B"
    elif (qname.namespace or "").startswith(UBL_ROOT_PREFIX):
        ns = {"cbc": CBC, "cac": CAC}
        customization = _text(root, "cbc:CustomizationID", ns)
        process = _text(root, "cbc:ProfileID", ns)
        party_name = UBL_SENDER_PARTY.get(qname.localname)
        if party_name is None:
            raise DocumentNotSendable(f"UBL {qname.localname} is not a document type sent over Peppol here")
        party = f"cac:{party_name}/cac:Party"
        sender = _participant(root.find(f"{party}/cbc:EndpointID", ns), "sender")
        country = _text(root, f"{party}/cac:PostalAddress/cac:Country/cbc:IdentificationCode", ns)
        version = _text(root, "cbc:UBLVersionID", ns) or "2.1"
    else:
        raise DocumentNotSendable(
            f"{qname.localname} ({qname.namespace}) is neither UBL nor CII: not sendable over Peppol"
        )
    if not customization:
        raise DocumentNotSendable(
            "the document has no customization id (CustomizationID): its Peppol document type is unknown"
        )
    if not process:
        raise DocumentNotSendable("the document has no process id (ProfileID)")
    if not _COUNTRY.match(country):
        raise DocumentNotSendable(f"the sender's country code {country!r} is not a two-letter code (SBDH COUNTRY_C1)")
    for what, value in (("sender", sender), ("receiver", receiver)):
        if not _PARTICIPANT.match(value):
            raise DocumentNotSendable(
                f"the {what} participant id {value!r} is not of the form <scheme>:<id> (e.g. 0088:…)"
            )
    return PeppolIds(
        sender=sender,
        receiver=receiver,
        document_type=f"{qname.namespace}::{qname.localname}##{customization}::{version}",
        process=process,
        country_c1=country,
        standard=qname.namespace or "",
        type=qname.localname,
        type_version=version,
    )


def document_body(document: bytes) -> bytes:
    """The document's bytes as they go inside the SBD: UTF-8 only, without byte-order mark and XML declaration."""
    if len(document) > MAX_DOCUMENT_BYTES:
        raise DocumentNotSendable(f"the document is larger than {MAX_DOCUMENT_BYTES} bytes")
    body = document.removeprefix(b"\xef\xbb\xbf")
    declaration = _DECLARATION.match(body)
    if declaration:
        encoding = _ENCODING.search(declaration.group(0))
        if encoding and encoding.group(1).decode().lower().replace("_", "-") not in {"utf-8", "utf8"}:
            raise DocumentNotSendable(f"the document is encoded in {encoding.group(1).decode()}; an SBD carries UTF-8")
        body = body[declaration.end() :]
    if b"<!DOCTYPE" in body[:1024]:
        raise DocumentNotSendable("the document has a DOCTYPE, which cannot stand inside an SBD")
    return body


def build_sbd(document: bytes, ids: PeppolIds, instance_id: str, created: datetime.datetime | None = None) -> bytes:
    """The Standard Business Document: the Peppol SBDH, then the document's own bytes unchanged."""
    body = document_body(document)
    created = (created or datetime.datetime.now(datetime.UTC)).astimezone(datetime.UTC)
    stamp = created.strftime("%Y-%m-%dT%H:%M:%SZ")
    header = f"""<?xml version="1.0" encoding="UTF-8"?>
<StandardBusinessDocument xmlns="{SBDH_NS}">
  <StandardBusinessDocumentHeader>
    <HeaderVersion>1.0</HeaderVersion>
    <Sender><Identifier Authority={quoteattr(PARTICIPANT_SCHEME)}>{escape(ids.sender)}</Identifier></Sender>
    <Receiver><Identifier Authority={quoteattr(PARTICIPANT_SCHEME)}>{escape(ids.receiver)}</Identifier></Receiver>
    <DocumentIdentification>
      <Standard>{escape(ids.standard)}</Standard>
      <TypeVersion>{escape(ids.type_version)}</TypeVersion>
      <InstanceIdentifier>{escape(instance_id)}</InstanceIdentifier>
      <Type>{escape(ids.type)}</Type>
      <CreationDateAndTime>{stamp}</CreationDateAndTime>
    </DocumentIdentification>
    <BusinessScope>
      <Scope><Type>DOCUMENTID</Type><InstanceIdentifier>{escape(ids.document_type)}</InstanceIdentifier><Identifier>{DOCUMENT_TYPE_SCHEME}</Identifier></Scope>
      <Scope><Type>PROCESSID</Type><InstanceIdentifier>{escape(ids.process)}</InstanceIdentifier><Identifier>{PROCESS_SCHEME}</Identifier></Scope>
      <Scope><Type>COUNTRY_C1</Type><InstanceIdentifier>{escape(ids.country_c1)}</InstanceIdentifier></Scope>
    </BusinessScope>
  </StandardBusinessDocumentHeader>
"""
    return header.encode() + body + b"\n</StandardBusinessDocument>\n"
