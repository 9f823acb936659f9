"""Format detection from the bytes alone: syntax, document type and customization."""

from __future__ import annotations

import functools
import re
from dataclasses import dataclass

from lxml import etree

from .cii.d22b import is_d22b
from .cii.names import NS as CII_NS
from .cii.names import RSM
from .cii.zugferd1 import NS as ZUGFERD1_NS
from .cii.zugferd1 import is_zugferd1
from .edifact.d96a import LEGACY_DIRECTORIES, unwrap
from .edifact.syntax import UNA_LENGTH, Separators, separators
from .errors import EmptyDocument, UnsupportedFormat
from .model import CREDIT_NOTE_TYPE_CODES
from .ubl.names import CREDIT_NOTE_NS, INVOICE_NS, ORDER_NS
from .ubl.names import NS as UBL_NS
from .xml import DEFAULT_MAX_BYTES, element_text, parse_xml

UBL_ROOTS = {
    (INVOICE_NS, "Invoice"): "invoice",
    (CREDIT_NOTE_NS, "CreditNote"): "credit_note",
    (ORDER_NS, "Order"): "order",
}


@dataclass(frozen=True)
class Detected:
    syntax: str  # ubl | cii | edifact (D14B) | edifact-d96a, -d93a, ... | zugferd1 | facturx (a hybrid PDF) | orderx
    document_type: str  # invoice | credit_note | order
    customization: str | None = None
    version: str | None = None

    @property
    def label(self) -> str:
        return f"{self.syntax} {self.document_type}" + (f" ({self.customization})" if self.customization else "")


def detect(data: bytes) -> tuple[Detected, etree._Element | None]:
    """Detect the format; for XML also return the parsed root so that it is parsed only once."""
    head = data.lstrip(b"\xef\xbb\xbf \t\r\n")[:16]
    if not head:
        raise EmptyDocument("the document is empty")
    if head.startswith((b"UNA", b"UNB")):
        return detect_edifact(data), None
    if head.startswith(b"%PDF"):
        from .hybrid import detect_hybrid  # hybrid builds on this module

        # A hybrid PDF (Factur-X, ZUGFeRD, XRechnung in PDF): detected by its embedded XML, whose root is returned.
        detected, _, _, embedded_root = detect_hybrid(data, DEFAULT_MAX_BYTES)
        return detected, embedded_root
    if not head.startswith(b"<") and not data.startswith((b"\xff\xfe", b"\xfe\xff")):
        raise UnsupportedFormat("unsupported format: the document is neither XML nor EDIFACT")
    root = parse_xml(data)
    from .orders.detect import detect_xml_order  # the orders package builds on this module

    order = detect_xml_order(root)
    if order is not None:
        return order.as_detected(), root
    qname = etree.QName(root)
    kind = UBL_ROOTS.get((qname.namespace, qname.localname))
    if kind is not None:
        customization = element_text(root.find("cbc:CustomizationID", UBL_NS))
        return Detected("ubl", kind, customization, ubl_version(root, customization)), root
    refuse_known_unsupported(qname, root)
    if qname.namespace == RSM and qname.localname == "CrossIndustryInvoice":
        type_code = element_text(root.find("rsm:ExchangedDocument/ram:TypeCode", CII_NS))
        customization = element_text(
            root.find("rsm:ExchangedDocumentContext/ram:GuidelineSpecifiedDocumentContextParameter/ram:ID", CII_NS)
        )
        kind = "credit_note" if type_code in CREDIT_NOTE_TYPE_CODES else "invoice"
        return Detected("cii", kind, customization, "D22B" if is_d22b(root) else "D16B"), root
    if is_zugferd1(root):
        return detect_zugferd1(root), root
    where = f" in namespace {qname.namespace}" if qname.namespace else " (no namespace)"
    raise UnsupportedFormat(
        f"unsupported format: root element {qname.localname}{where} is not UBL 2.1 "
        "Invoice/CreditNote/Order or UN/CEFACT CrossIndustryInvoice"
    )


# XML documents of formats that are not supported, recognised by their root element so that they are named (and
# refused before any rule runs) rather than reported as an unknown root.
FATTURAPA_NS_PREFIX = "http://ivaservizi.agenziaentrate.gov.it/docs/xsd/fatture/"
SUPPORTED_HINT = (
    "send UBL 2.1 (e.g. Peppol BIS 3), CII D16B/D22B (Factur-X/ZUGFeRD 2, XRechnung, also as a PDF), ZUGFeRD 1.0 or "
    "EDIFACT INVOIC (D93A, D96A, D97A, D97B, D01B, D14B)"
)


def refuse_known_unsupported(qname: etree.QName, root: etree._Element) -> None:
    if qname.localname == "FatturaElettronica" and (qname.namespace or "").startswith(FATTURAPA_NS_PREFIX):
        version = root.get("versione")
        named = f"FatturaPA{f' {version}' if version else ''}"
        raise UnsupportedFormat(f"unsupported format: {named} (Italian SdI format) is not supported: {SUPPORTED_HINT}")


def ubl_version(root: etree._Element, customization: str | None) -> str:
    """The UBL version the document declares (2.1 when it declares none, as Peppol BIS 3 documents often do).
    UBL 2.0 (OIOUBL, older national formats) shares 2.1's namespaces but not its schema or EN 16931 binding."""
    declared = element_text(root.find("cbc:UBLVersionID", UBL_NS))
    version = (declared or "2.1").strip()
    if not version.startswith("2.") or version == "2.0":
        example = " (e.g. OIOUBL)" if version == "2.0" else ""
        named = f"{customization}, " if customization else ""
        raise UnsupportedFormat(
            f"unsupported format: UBL {version}{example} ({named}cbc:UBLVersionID {version}) is not supported: "
            f"{SUPPORTED_HINT}"
        )
    return version


def detect_zugferd1(root: etree._Element) -> Detected:
    """ZUGFeRD 1.0: syntax zugferd1, its guideline (BT-24) as customization, the version 1.0."""
    type_code = element_text(root.find("rsm:HeaderExchangedDocument/ram:TypeCode", ZUGFERD1_NS))
    customization = element_text(
        root.find(
            "rsm:SpecifiedExchangedDocumentContext/ram:GuidelineSpecifiedDocumentContextParameter/ram:ID", ZUGFERD1_NS
        )
    )
    kind = "credit_note" if type_code in CREDIT_NOTE_TYPE_CODES else "invoice"
    return Detected("zugferd1", kind, customization, "1.0")


def detect_edifact(data: bytes) -> Detected:
    data = unwrap(data)  # an interchange wrapped at a fixed width is detected (and read) without its line breaks
    head = data.lstrip(b"\xef\xbb\xbf \t\r\n")[:4096]
    seps = separators(head[:UNA_LENGTH].decode("iso-8859-1")) if head.startswith(b"UNA") else Separators()
    match = unh_pattern(seps).search(head)
    if match is None:
        raise UnsupportedFormat("EDIFACT interchange without a readable UNH message header")
    message, version, release = (g.decode() for g in match.groups()[:3])
    if message == "INVOIC":
        if (version, release) != SUPPORTED_INVOIC and (version, release) not in LEGACY_DIRECTORIES:
            # Other directories bind the terms differently (or not at all): refused before any rule runs.
            raise UnsupportedFormat(
                f"unsupported format: EDIFACT INVOIC {directory(version, release)} is not supported; "
                "INVOIC D14B (the CEN EN 16931 binding) and D93A, D96A, D97A, D97B, D01B (the retail message) are"
            )
        # Each directory is its own syntax (edifact is D14B, the CEN binding): a recipient of one is never handed
        # another as it was received.
        syntax = (
            "edifact" if (version, release) == SUPPORTED_INVOIC else f"edifact-{directory(version, release).lower()}"
        )
        return Detected(syntax, "invoice", None, f"{version}:{release}")
    if message in {"ORDERS", "ORDRSP"}:
        from .orders.detect import detect_edifact_order  # the orders package builds on this module

        order = detect_edifact_order(data)
        if order is not None:
            return order.as_detected()
    raise UnsupportedFormat(f"unsupported EDIFACT message {message} (INVOIC, ORDERS and ORDRSP are supported)")


SUPPORTED_INVOIC = ("D", "14B")


def directory(version: str, release: str) -> str:
    """D:96A is written D96A, as the directories are named."""
    return f"{version}{release}" if version == "D" else f"{version}:{release}"


@functools.lru_cache(maxsize=64)
def unh_pattern(seps: Separators) -> re.Pattern[bytes]:
    """UNH, the message reference, then the message identifier (type:version:release:agency) written with the
    interchange's own separators (its UNA), as bytes: the identifier is plain ASCII in every repertoire."""

    def byte(ch: str) -> bytes:
        return re.escape(ch.encode("iso-8859-1", "replace"))

    element, component, segment = byte(seps.element), byte(seps.component), byte(seps.segment)
    release = byte(seps.release) if seps.release else b""
    reference = b"(?:[^" + element + segment + release + b"]" + (b"|" + release + b"." if release else b"") + b")*"
    code = b"([A-Z0-9]+)"
    return re.compile(
        b"UNH" + element + reference + element + b"([A-Z]{6})" + component + code + component + code + component + code
    )
