"""Hybrid invoices: a PDF (PDF/A-3) that carries the structured invoice as an embedded file.

Factur-X and ZUGFeRD 2.x embed CII D16B as `factur-x.xml` (`zugferd-invoice.xml` in ZUGFeRD 2.0), XRechnung in a
PDF embeds it as `xrechnung.xml`, ZUGFeRD 1.0 embeds `ZUGFeRD-invoice.xml`. The XML is the invoice; the PDF is the
invoice as the seller issued it, so a conversion carries the PDF along as an additional supporting document (BG-24).

Every step is bounded: the PDF is within the document size limit (checked by the caller), at most
MAX_EMBEDDED_FILES embedded files are looked at, and no stream is decompressed beyond the extraction cap, so that
a small PDF cannot expand into gigabytes (pypdf's own decoding limits are lowered to the cap while it reads).
"""

from __future__ import annotations

import dataclasses
import logging
from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import dataclass
from io import BytesIO
from typing import Any

from lxml import etree

from .detect import Detected, detect
from .errors import (
    ConversionWarning,
    DocumentTooComplex,
    DocumentTooLarge,
    FormatError,
    UnsupportedFormat,
)
from .model import BinaryObject, Invoice, SupportingDocument

# The syntax a hybrid PDF is detected as, and the syntaxes its embedded XML may be in.
HYBRID_SYNTAX = "facturx"
ZUGFERD1_SYNTAX = "zugferd1"
HYBRID_XML_SYNTAXES = frozenset({"cii", ZUGFERD1_SYNTAX})

# The names the hybrid formats give their XML, lower-cased (ZUGFeRD 1.0 writes `ZUGFeRD-invoice.xml`).
INVOICE_XML_NAMES = ("factur-x.xml", "zugferd-invoice.xml", "xrechnung.xml")
# Embedded files looked at in one PDF: a hybrid invoice has its XML and a few supporting documents.
MAX_EMBEDDED_FILES = 50
# Bytes one decoded stream may expand to while the PDF is read, whatever the document size limit: an invoice XML
# of the corpus is below 100 kB, the largest real ones a few MB.
MAX_EXTRACTED_BYTES = 20_000_000
# Parsing budget handed to pypdf (its defaults allow 75 MB per stream and 300 MB of decoding work per stream).
PDF_OUTPUT_LIMITS = (
    "zlib_maximum_output_length",
    "lzw_maximum_output_length",
    "run_length_maximum_output_length",
    "brotli_maximum_output_length",
    "jbig2_maximum_output_length",
    "array_based_stream_maximum_output_length",
    "maximum_declared_stream_length",
    "stream_decoding_work_maximum_length",
    "image_maximum_buffer_size",
    "xmp_maximum_input_length",
)

PDF_MIME_CODE = "application/pdf"
# BT-122 of the hybrid PDF carried with a conversion, and its BT-123.
PDF_REFERENCE = "original-pdf"
PDF_DESCRIPTION = "Invoice as issued by the seller (Factur-X/ZUGFeRD PDF{profile})"

# Profiles of the hybrid formats, by the guideline (BT-24) their XML declares: named in detection and refusals.
PROFILES = {
    "urn:factur-x.eu:1p0:minimum": "MINIMUM",
    "urn:zugferd.de:2p0:minimum": "MINIMUM",
    "urn:factur-x.eu:1p0:basicwl": "BASIC WL",
    "urn:zugferd.de:2p0:basicwl": "BASIC WL",
    "urn:cen.eu:en16931:2017#compliant#urn:factur-x.eu:1p0:basic": "BASIC",
    "urn:cen.eu:en16931:2017:compliant:factur-x.eu:1p0:basic": "BASIC",
    "urn:cen.eu:en16931:2017#compliant#urn:zugferd.de:2p0:basic": "BASIC",
    "urn:cen.eu:en16931:2017": "EN 16931",
    "urn:cen.eu:en16931:2017#conformant#urn:factur-x.eu:1p0:extended": "EXTENDED",
    "urn:cen.eu:en16931:2017:compliant:factur-x.eu:1p0:extended": "EXTENDED",
    "urn:cen.eu:en16931:2017#conformant#urn:zugferd.de:2p0:extended": "EXTENDED",
    "urn:ferd:CrossIndustryDocument:invoice:1p0:basic": "ZUGFeRD 1.0 BASIC",
    "urn:ferd:CrossIndustryDocument:invoice:1p0:comfort": "ZUGFeRD 1.0 COMFORT",
    "urn:ferd:CrossIndustryDocument:invoice:1p0:extended": "ZUGFeRD 1.0 EXTENDED",
}


def profile_of(guideline: str | None) -> str | None:
    """The profile's name (MINIMUM, BASIC WL, BASIC, EN 16931, EXTENDED, XRECHNUNG), None when none is known."""
    if guideline is None:
        return None
    if guideline in PROFILES:
        return PROFILES[guideline]
    return "XRECHNUNG" if "xrechnung" in guideline.lower() else None


@dataclass(frozen=True)
class EmbeddedXml:
    """The invoice XML found in a hybrid PDF: its file name in the PDF and its bytes."""

    name: str
    data: bytes
    # /AFRelationship of the file specification (Data, Alternative, Source; Factur-X requires Data or Alternative).
    relationship: str | None = None


def is_pdf(data: bytes) -> bool:
    return data.lstrip(b"\xef\xbb\xbf \t\r\n")[:5] == b"%PDF-"


def _limits(cap: int) -> dict[str, Any]:
    return dict.fromkeys(PDF_OUTPUT_LIMITS, cap)


@contextmanager
def _bounded(cap: int) -> Iterator[None]:
    """pypdf's decoding limits lowered to `cap` while a PDF is read; its log (malformed-PDF chatter) quietened."""
    from pypdf import apply_configuration, get_configuration

    pypdf_log = logging.getLogger("pypdf")
    level = pypdf_log.level
    pypdf_log.setLevel(logging.ERROR)
    try:
        with apply_configuration(dataclasses.replace(get_configuration(), **_limits(cap))):
            yield
    finally:
        pypdf_log.setLevel(level)


def extract_invoice_xml(data: bytes, max_bytes: int) -> EmbeddedXml:
    """The invoice XML embedded in a PDF, or a refusal that names why there is none to read.

    `max_bytes`: the document size limit; the extracted XML is held to it (and to MAX_EXTRACTED_BYTES).
    """
    from pypdf import PdfReader
    from pypdf.errors import FileNotDecryptedError, LimitReachedError, PdfReadError, PdfStreamError

    cap = min(max_bytes, MAX_EXTRACTED_BYTES)
    try:
        with _bounded(cap):
            reader = PdfReader(BytesIO(data), strict=False)
            if reader.is_encrypted:
                raise UnsupportedFormat(
                    "the PDF is encrypted: an encrypted hybrid invoice cannot be read; send it unencrypted "
                    "(PDF/A-3 forbids encryption) or send the XML alone"
                )
            return _find_invoice_xml(reader, cap)
    except LimitReachedError as exc:
        raise DocumentTooComplex(f"the PDF expands beyond the extraction limit of {cap} bytes ({exc})") from None
    except FileNotDecryptedError:
        raise UnsupportedFormat("the PDF is encrypted: send it unencrypted or send the XML alone") from None
    except (
        PdfReadError,
        PdfStreamError,
        ValueError,
        KeyError,
        TypeError,
        AttributeError,
        IndexError,
        RecursionError,
        OSError,
    ) as exc:
        # A PDF pypdf cannot read (or a malformed object graph): refused as an unsupported document, the code every
        # PDF refusal has had, naming pypdf's complaint.
        raise UnsupportedFormat(
            f"the PDF cannot be read ({type(exc).__name__}: {str(exc)[:200]}): send a well-formed Factur-X/ZUGFeRD "
            "PDF or the XML alone"
        ) from None


def _find_invoice_xml(reader: Any, cap: int) -> EmbeddedXml:
    from pypdf.generic import EmbeddedFile

    seen: list[str] = []
    candidates: list[Any] = []
    # The embedded files name tree, then the PDF/A-3 associated files of the catalog (/AF), which some writers
    # fill without a name tree entry.
    for entry in _bounded_iter(reader.attachment_list, seen):
        candidates.append(entry)
    associated = reader.root_object.get("/AF")
    if associated is not None:
        for spec in _bounded_iter(iter(associated.get_object()), seen, named=False):
            spec = spec.get_object()
            name = spec.get("/UF") or spec.get("/F")
            if name is not None:
                candidates.append(EmbeddedFile(str(name), spec))
                if len(candidates) > 2 * MAX_EMBEDDED_FILES:
                    break
    for entry in candidates:
        if entry.name.lower() in INVOICE_XML_NAMES:
            declared = entry.size
            if declared is not None and declared > cap:
                raise DocumentTooLarge(f"the embedded {entry.name} declares {declared} bytes; the limit is {cap} bytes")
            content = entry.content
            if len(content) > cap:
                raise DocumentTooLarge(f"the embedded {entry.name} is {len(content)} bytes; the limit is {cap} bytes")
            relationship = entry.associated_file_relationship if "/AFRelationship" in entry.pdf_object else None
            return EmbeddedXml(entry.name, content, relationship and relationship.lstrip("/"))
    names = sorted({c.name for c in candidates})
    found = f"it embeds {', '.join(names[:10])}" if names else "it embeds no file"
    raise UnsupportedFormat(
        "the PDF carries no structured invoice: a hybrid invoice (Factur-X, ZUGFeRD, XRechnung in PDF) embeds "
        f"{' or '.join(INVOICE_XML_NAMES)}, and {found}; a PDF alone is not accepted: send the XML "
        "(UBL, CII) or a Factur-X/ZUGFeRD PDF"
    )


def _bounded_iter(entries: Iterator[Any], seen: list[str], named: bool = True) -> Iterator[Any]:
    for entry in entries:
        seen.append(entry.name if named else "")
        if len(seen) > MAX_EMBEDDED_FILES:
            raise DocumentTooComplex(
                f"the PDF embeds more than {MAX_EMBEDDED_FILES} files; a hybrid invoice embeds its XML and a few "
                "supporting documents"
            )
        yield entry


def attach_pdf(invoice: Invoice, pdf: bytes, profile: str | None, filename: str | None = None) -> Invoice:
    """The invoice with its hybrid PDF added as an additional supporting document (BG-24): BT-122 `original-pdf`,
    BT-123 naming the hybrid format's profile, BT-125 the PDF (application/pdf, one of the MIME codes BR-CL-24
    allows)."""
    number = invoice.number or "invoice"
    document = SupportingDocument(
        reference=PDF_REFERENCE,
        description=PDF_DESCRIPTION.format(profile=f", profile {profile}" if profile else ""),
        attachment=BinaryObject(content=pdf, mime_code=PDF_MIME_CODE, filename=filename or f"{number}.pdf"),
    )
    return dataclasses.replace(invoice, supporting_documents=[*invoice.supporting_documents, document])


@dataclass
class HybridInvoice:
    """A hybrid PDF read: its detection, the invoice of its XML (without the PDF) and what reading it reported."""

    detected: Detected
    embedded: EmbeddedXml
    invoice: Invoice
    warnings: list[ConversionWarning]
    # The embedded XML's own detection (syntax cii, its customization), for validating the XML as such.
    xml_detected: Detected
    xml_root: etree._Element


def detect_hybrid(data: bytes, max_bytes: int) -> tuple[Detected, Detected, EmbeddedXml, etree._Element]:
    """Detected("facturx", invoice|credit_note, the XML's guideline (BT-24), the profile's name), the XML's own
    detection, the embedded XML and its parsed root. The XML goes through the same detection as any XML document,
    so that what is refused there (ZUGFeRD 1.0 when not read, unknown roots) is refused here, naming the file."""
    embedded = extract_invoice_xml(data, max_bytes)
    try:
        xml_detected, root = detect(embedded.data)
    except FormatError as exc:
        raise type(exc)(f"the PDF's embedded {embedded.name}: {exc.message}", path=exc.path, term=exc.term) from None
    if xml_detected.syntax not in HYBRID_XML_SYNTAXES or root is None:
        raise UnsupportedFormat(
            f"the PDF's embedded {embedded.name} is {xml_detected.label}, not a CII invoice: a hybrid invoice "
            "embeds UN/CEFACT CII (Factur-X, ZUGFeRD, XRechnung)"
        )
    profile = profile_of(xml_detected.customization)
    detected = Detected(HYBRID_SYNTAX, xml_detected.document_type, xml_detected.customization, profile)
    return detected, xml_detected, embedded, root


def read_hybrid(data: bytes, max_bytes: int) -> HybridInvoice:
    """The invoice of a hybrid PDF, read from its embedded XML by the reader of the XML's syntax."""
    from .cii.reader import read_cii

    detected, xml_detected, embedded, root = detect_hybrid(data, max_bytes)
    if xml_detected.syntax == ZUGFERD1_SYNTAX:
        from .cii.zugferd1 import read_zugferd1

        invoice, warnings = read_zugferd1(root)
    else:
        invoice, warnings = read_cii(root)
    return HybridInvoice(detected, embedded, invoice, warnings, xml_detected, root)
