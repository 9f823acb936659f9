"""EDIFACT INVOIC beyond D14B: D96A (the EANCOM-style retail message) read and written; D93A, D97A, D97B and D01B
read; the directory is detected from UNH and named in every report."""

from __future__ import annotations

from pathlib import Path

import pytest

from pagero.formats import conversion
from pagero.formats.edifact import d96a
from pagero.formats.errors import InvalidValue, UnsupportedFormat
from pagero.formats.model import diff_models
from pagero.formats.values import text

from .corpus import CORPUS, manifest_invoices, needs_corpus

ROOT = Path(__file__).resolve().parents[2]
STAEDI = "staedi-edifact-samples/src/test/resources/EDIFACT"
PYDIFACT = "pydifact-edifact-samples/tests/data"
# Every INVOIC of the EDIFACT sample corpora: (path, directory, invoice number, seller, buyer, lines, BT-112).
SAMPLES = [
    (f"{STAEDI}/invoic_d93a_una.edi", "D93A", "9908001", "Fahrradhandel Pedal", "Huber GmbH", 3, "901.78"),
    (
        f"{STAEDI}/invoic_d97b.edi",
        "D97B",
        "342459",
        "BÜTTNER WIDGET COMPANY",
        "CUMMINS MID-RANGE ENGINE PLANT",
        2,
        "2137.58",
    ),
    (
        f"{STAEDI}/invoic_d97b_una.edi",
        "D97B",
        "342459",
        "GENERAL WIDGET COMPANY",
        "CUMMINS MID-RANGE ENGINE PLANT",
        2,
        "2137.58",
    ),
    (
        f"{STAEDI}/issue128/wrapped_invoic_d97b.edi",
        "D97B",
        "342459",
        "BÜTTNER WIDGET COMPANY",
        "CUMMINS MID-RANGE ENGINE PLANT",
        2,
        "2137.58",
    ),
    (
        f"{STAEDI}/issue128/wrapped_invoic_d97b_una.edi",
        "D97B",
        "342459",
        "GENERAL WIDGET COMPANY",
        "CUMMINS MID-RANGE ENGINE PLANT",
        2,
        "2137.58",
    ),
    (f"{PYDIFACT}/invoice1.edi", "D97A", "1060113800026", None, None, 1, "1960.29"),
    (f"{PYDIFACT}/invoice_with_colon_at_end.edi", "D97A", "1060113800026", None, None, 1, "1960.29"),
]
# Terms a D96A interchange (syntax version 3) cannot carry: written D96A and read back, only these may differ.
NOT_CARRIED_BY_D96A = {"BG-24"}  # the attached document's content (BT-125) of a supporting document


@needs_corpus
@pytest.mark.parametrize(("path", "directory", "number", "seller", "buyer", "lines", "total"), SAMPLES)
def test_every_invoic_sample_reads_naming_its_directory(path, directory, number, seller, buyer, lines, total):
    read = d96a.read_legacy_invoic((CORPUS / path).read_bytes())
    assert read.directory == directory
    invoice = read.invoice
    assert (invoice.number, invoice.seller.name, invoice.buyer.name) == (number, seller, buyer)
    assert len(invoice.lines) == lines
    assert text(invoice.totals.tax_inclusive) == total
    assert all(w.message.startswith(f"INVOIC {directory}: ") for w in read.warnings)


@needs_corpus
def test_the_broken_d97b_sample_is_refused_naming_the_segment():
    with pytest.raises(InvalidValue, match=r"'1020A' \(segment 11, QTY\)"):
        d96a.read_legacy_invoic((CORPUS / f"{STAEDI}/invoic_d97b_bad.edi").read_bytes())


def test_a_directory_not_read_is_refused_naming_it():
    data = b"UNB+UNOC:3+A+B+260101:1200+1'UNH+1+INVOIC:D:95B:UN'BGM+380+1'UNT+3+1'UNZ+1+1'"
    with pytest.raises(UnsupportedFormat, match="INVOIC D95B is not read"):
        d96a.read_legacy_invoic(data)


def sample(name: str):
    return conversion.parse_document((ROOT / "samples" / name).read_bytes()).invoice


def test_d96a_output_is_the_retail_message_in_syntax_3():
    data, warnings = d96a.write_d96a(sample("invoice-ubl.xml"))
    assert warnings == []
    segments = data.decode("iso-8859-1").split("'\n")
    assert segments[1].startswith("UNB+UNOC:3+")
    assert segments[2].endswith("+INVOIC:D:96A:UN:EAN008")
    tags = {segment.split("+", 1)[0] for segment in segments}
    assert "PYT" not in tags and "UNO" not in tags
    assert any(segment.startswith("NAD+SU+") for segment in segments)
    assert not any(segment.startswith("NAD+SE+") for segment in segments)


def test_text_beyond_latin_1_is_written_in_utf8_syntax_4():
    invoice = sample("invoice-ubl.xml")
    invoice.seller.name = "Αθήνα Supplies"
    data, _ = d96a.write_d96a(invoice)
    assert b"UNB+UNOW:4+" in data
    assert d96a.read_legacy_invoic(data).invoice.seller.name == "Αθήνα Supplies"


@pytest.mark.parametrize("name", ["invoice-ubl.xml", "invoice-cii.xml", "invoice-edifact.edi"])
def test_d96a_output_passes_the_en16931_rules_on_its_cii_rendering(name):
    data, _ = d96a.write_d96a(sample(name))
    read = d96a.read_legacy_invoic(data)
    assert read.warnings == []
    rendering, _ = conversion.write_document(read.invoice, "cii")
    report = conversion.check_output(rendering, "cii", business_rules=True)
    assert report.fatal == []


@needs_corpus
@pytest.mark.parametrize("path", manifest_invoices())
def test_round_trip_through_d96a_keeps_every_term_d96a_carries(path):
    parsed = conversion.parse_document((CORPUS / path).read_bytes())
    data, warnings = d96a.write_d96a(parsed.invoice)
    again = d96a.read_legacy_invoic(data)
    assert again.directory == "D96A"
    assert again.warnings == [], "the written interchange holds something its own reader does not place"
    differences = diff_models(parsed.invoice, again.invoice)
    reported = {w.term for w in warnings}
    unexplained = [d for d in differences if d[1] not in reported and d[1] not in NOT_CARRIED_BY_D96A]
    assert unexplained == []
    # What is lost is reported: an attachment is named in a BT-125 warning.
    lost = {d[0] for d in differences}
    attachments = [i for i, doc in enumerate(parsed.invoice.supporting_documents) if doc.attachment]
    assert lost <= {f"supporting_documents[{i}].attachment" for i in attachments}
    assert len([w for w in warnings if w.term == "BT-125"]) == len(attachments)
