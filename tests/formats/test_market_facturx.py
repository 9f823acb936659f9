"""Factur-X out: the invoice as a PDF/A-3 with its CII XML embedded and the Factur-X XMP, checked with the Factur-X
XSD and Schematron of its profile and the EN 16931 rules; the PDF reads back into the same invoice."""

from __future__ import annotations

import dataclasses
import io
from pathlib import Path

import pytest
from pypdf import PdfReader

from pagero.formats import conversion, facturx, hybrid
from pagero.formats.errors import UnsupportedFormat
from pagero.formats.model import Invoice, diff_models

ROOT = Path(__file__).resolve().parents[2]
LIMIT = 20_000_000


def render(invoice: Invoice) -> bytes:
    from pagero.formats.render.pdf import render_pdf

    return render_pdf(invoice, syntax="facturx")


def sample(name: str) -> Invoice:
    return conversion.parse_document((ROOT / "samples" / name).read_bytes()).invoice


@pytest.mark.parametrize("name", ["invoice-ubl.xml", "invoice-cii.xml", "invoice-edifact.edi"])
def test_factur_x_output_passes_its_checks_and_reads_back(name: str) -> None:
    invoice = sample(name)
    pdf, warnings = facturx.write_facturx(invoice, render)
    report = facturx.check_facturx(pdf, LIMIT)
    assert report.fatal == [], report.fatal
    assert report.rule_sets == ["Factur-X en16931 XSD", "Factur-X EN 16931", "EN16931"]
    read = hybrid.read_hybrid(pdf, LIMIT)
    assert read.embedded.name == "factur-x.xml"
    assert read.embedded.relationship == "Data"
    assert read.detected.version == "EN 16931"
    # Only BT-24 changes: Factur-X declares its own profile (the samples declare Peppol BIS 3).
    assert [w.term for w in warnings] == ["BT-24"]
    expected = dataclasses.replace(
        invoice, process=dataclasses.replace(invoice.process, specification_id="urn:cen.eu:en16931:2017")
    )
    assert diff_models(expected, read.invoice) == []
    # The visible part is our rendering of the invoice, with the sRGB output intent PDF/A asks for.
    reader = PdfReader(io.BytesIO(pdf))
    [intent] = reader.root_object["/OutputIntents"]
    assert intent.get_object()["/S"] == "/GTS_PDFA1"
    assert intent.get_object()["/DestOutputProfile"].get_object().get_data()[36:40] == b"acsp"  # an ICC profile
    for page in reader.pages:  # every font embedded (PDF/A): the Vera TrueType subsets
        for font in page["/Resources"]["/Font"].values():
            descriptor = font.get_object()["/FontDescriptor"].get_object()
            assert "/FontFile2" in descriptor, font.get_object()["/BaseFont"]
    text = "".join(page.extract_text() for page in reader.pages)
    assert invoice.number is not None and invoice.number in text


@pytest.mark.slow  # compiles the EXTENDED rules (2 MB of XSLT) that no other fast test needs
def test_extended_profile_is_kept_and_checked_as_extended() -> None:
    invoice = sample("invoice-cii.xml")
    extended = "urn:cen.eu:en16931:2017#conformant#urn:factur-x.eu:1p0:extended"
    invoice = dataclasses.replace(invoice, process=dataclasses.replace(invoice.process, specification_id=extended))
    pdf, warnings = facturx.write_facturx(invoice, render)
    assert warnings == []
    report = facturx.check_facturx(pdf, LIMIT)
    assert report.fatal == []
    assert "Factur-X EXTENDED" in report.rule_sets


@pytest.mark.parametrize("guideline", ["urn:factur-x.eu:1p0:minimum", "urn:zugferd.de:2p0:basicwl"])
def test_profiles_below_en16931_are_not_written(guideline: str) -> None:
    invoice = sample("invoice-cii.xml")
    invoice = dataclasses.replace(invoice, process=dataclasses.replace(invoice.process, specification_id=guideline))
    with pytest.raises(UnsupportedFormat, match="below EN 16931"):
        facturx.write_facturx(invoice, render)


def test_check_fails_a_pdf_whose_xmp_names_another_profile() -> None:
    from facturx import generate_from_binary

    invoice = sample("invoice-cii.xml")
    pdf, _ = facturx.write_facturx(invoice, render)
    xml = hybrid.extract_invoice_xml(pdf, LIMIT).data
    # The same XML embedded by the library as BASIC: the XMP then contradicts the XML's EN 16931 profile.
    wrong = generate_from_binary(render(invoice), xml, flavor="factur-x", level="basic", check_xsd=False)
    report = facturx.check_facturx(wrong, LIMIT, business_rules=False)
    assert [(f.rule_id, f.location) for f in report.fatal] == [("FACTURX-XMP", "/Metadata/ConformanceLevel")]


def test_check_fails_an_embedded_xml_outside_the_profile_schema() -> None:
    from facturx import generate_from_binary

    invoice = sample("invoice-cii.xml")
    pdf, _ = facturx.write_facturx(invoice, render)
    xml = hybrid.extract_invoice_xml(pdf, LIMIT).data
    broken = xml.replace(b"<ram:TypeCode>380</ram:TypeCode>", b"<ram:TypeCode>380</ram:TypeCode><ram:Bogus/>", 1)
    assert broken != xml
    bad = generate_from_binary(render(invoice), broken, flavor="factur-x", level="en16931", check_xsd=False)
    report = facturx.check_facturx(bad, LIMIT, business_rules=False)
    assert {f.rule_id for f in report.fatal} == {"XSD"}
