"""Hybrid invoices (Factur-X / ZUGFeRD 2 / XRechnung in a PDF): the embedded XML is found, read with its profile,
and the PDF travels with a conversion as an additional supporting document (BG-24); every bound holds."""

from __future__ import annotations

import io
import zlib
from pathlib import Path

import pytest
from pypdf import PdfWriter
from pypdf.generic import DecodedStreamObject, DictionaryObject, NameObject, NumberObject

from pagero.formats import hybrid
from pagero.formats.errors import DocumentTooComplex, DocumentTooLarge, UnsupportedFormat

ROOT = Path(__file__).resolve().parents[2]
CII = (ROOT / "samples" / "invoice-cii.xml").read_bytes()
LIMIT = 20_000_000


def pdf_with(files: dict[str, bytes], encrypt: bool = False) -> bytes:
    writer = PdfWriter()
    writer.add_blank_page(width=595, height=842)
    for name, content in files.items():
        writer.add_attachment(name, content)
    if encrypt:
        writer.encrypt("secret")
    out = io.BytesIO()
    writer.write(out)
    return out.getvalue()


def test_embedded_factur_x_xml_is_extracted_and_read_with_its_profile() -> None:
    pdf = pdf_with({"factur-x.xml": CII})
    assert hybrid.is_pdf(pdf)
    read = hybrid.read_hybrid(pdf, LIMIT)
    assert read.embedded == hybrid.EmbeddedXml("factur-x.xml", CII, None)
    assert read.detected.syntax == "facturx"
    assert read.detected.document_type == "invoice"
    assert read.detected.customization == "urn:cen.eu:en16931:2017#compliant#urn:fdc:peppol.eu:2017:poacc:billing:3.0"
    assert read.xml_detected.syntax == "cii"
    assert read.invoice.number == "ACME-2002"


@pytest.mark.parametrize("name", ["zugferd-invoice.xml", "ZUGFeRD-invoice.xml", "xrechnung.xml"])
def test_every_hybrid_file_name_is_found_beside_other_attachments(name: str) -> None:
    pdf = pdf_with({"timesheet.pdf": b"%PDF-1.4 not read", name: CII})
    assert hybrid.extract_invoice_xml(pdf, LIMIT).name == name


def test_pdf_without_embedded_xml_is_refused_naming_what_it_embeds() -> None:
    with pytest.raises(UnsupportedFormat, match=r"no structured invoice.*it embeds notes\.txt"):
        hybrid.extract_invoice_xml(pdf_with({"notes.txt": b"hello"}), LIMIT)
    with pytest.raises(UnsupportedFormat, match="it embeds no file"):
        hybrid.extract_invoice_xml(pdf_with({}), LIMIT)


def test_encrypted_pdf_is_refused_as_encrypted() -> None:
    with pytest.raises(UnsupportedFormat, match="the PDF is encrypted"):
        hybrid.extract_invoice_xml(pdf_with({"factur-x.xml": CII}, encrypt=True), LIMIT)


@pytest.mark.parametrize("data", [b"%PDF-1.7\n...", b"%PDF-1.4\n1 0 obj <<>> endobj\ntrailer <<>>\n%%EOF\n"])
def test_unreadable_pdf_is_refused_naming_the_pdf(data: bytes) -> None:
    with pytest.raises(UnsupportedFormat, match="PDF"):
        hybrid.extract_invoice_xml(data, LIMIT)


def test_too_many_embedded_files_are_refused() -> None:
    files = {f"f{i}.txt": b"x" for i in range(hybrid.MAX_EMBEDDED_FILES + 1)}
    with pytest.raises(DocumentTooComplex, match=f"more than {hybrid.MAX_EMBEDDED_FILES} files"):
        hybrid.extract_invoice_xml(pdf_with(files), LIMIT)


def test_embedded_xml_beyond_the_limit_is_refused() -> None:
    big = CII.replace(b"</rsm:CrossIndustryInvoice>", b"<!--" + b" " * 200_000 + b"--></rsm:CrossIndustryInvoice>")
    # pypdf stores the attachment uncompressed: its stream's declared length is over the cap before it is read.
    with pytest.raises((DocumentTooLarge, DocumentTooComplex), match="limit of 100000 bytes"):
        hybrid.extract_invoice_xml(pdf_with({"factur-x.xml": big}), 100_000)


def bomb_pdf(expanded: int) -> bytes:
    """A factur-x.xml stream that inflates from ~1 kB per MB to `expanded` bytes, declaring no /Size."""
    writer = PdfWriter()
    writer.add_blank_page(width=595, height=842)
    writer.add_attachment("factur-x.xml", b"<x/>")
    spec = writer._root_object["/Names"]["/EmbeddedFiles"]["/Names"][1].get_object()
    stream = spec["/EF"]["/F"].get_object()
    compressed = zlib.compress(b"<" + b" " * expanded, 9)
    bomb = DecodedStreamObject()
    bomb.set_data(compressed)
    bomb[NameObject("/Filter")] = NameObject("/FlateDecode")
    bomb[NameObject("/Type")] = NameObject("/EmbeddedFile")
    bomb[NameObject("/Params")] = DictionaryObject()
    spec["/EF"][NameObject("/F")] = writer._add_object(bomb)
    assert "/Length" not in stream or stream["/Length"] != NumberObject(len(compressed))
    out = io.BytesIO()
    writer.write(out)
    data = out.getvalue()
    assert len(data) < expanded // 100  # what makes it a bomb
    return data


def test_decompression_bomb_is_stopped_at_the_extraction_cap() -> None:
    with pytest.raises((DocumentTooComplex, DocumentTooLarge), match="limit"):
        hybrid.extract_invoice_xml(bomb_pdf(30_000_000), LIMIT)


def test_attach_pdf_adds_a_bg24_document_with_the_pdf() -> None:
    pdf = pdf_with({"factur-x.xml": CII})
    read = hybrid.read_hybrid(pdf, LIMIT)
    before = len(read.invoice.supporting_documents)
    attached = hybrid.attach_pdf(read.invoice, pdf, read.detected.version)
    document = attached.supporting_documents[-1]
    assert len(attached.supporting_documents) == before + 1
    assert document.reference == "original-pdf"
    assert document.description == "Invoice as issued by the seller (Factur-X/ZUGFeRD PDF)"  # Peppol BIS: no profile
    assert document.attachment is not None
    assert document.attachment.content == pdf
    assert document.attachment.mime_code == "application/pdf"
    assert document.attachment.filename == "ACME-2002.pdf"


@pytest.mark.parametrize(
    ("guideline", "profile"),
    [
        ("urn:factur-x.eu:1p0:minimum", "MINIMUM"),
        ("urn:zugferd.de:2p0:basicwl", "BASIC WL"),
        ("urn:cen.eu:en16931:2017", "EN 16931"),
        ("urn:cen.eu:en16931:2017#conformant#urn:factur-x.eu:1p0:extended", "EXTENDED"),
        ("urn:cen.eu:en16931:2017#compliant#urn:xeinkauf.de:kosit:xrechnung_3.0", "XRECHNUNG"),
        ("urn:example:other", None),
        (None, None),
    ],
)
def test_profile_names(guideline: str | None, profile: str | None) -> None:
    assert hybrid.profile_of(guideline) == profile
