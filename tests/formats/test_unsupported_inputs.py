"""Unsupported inputs are named for what they are, before any rule runs, by detect, validate and convert."""

from __future__ import annotations

import re
import zlib

import pytest

from pagero.formats import conversion
from pagero.formats.errors import UnsupportedFormat

from .corpus import CORPUS, needs_corpus

pytestmark = needs_corpus


def embedded_xml(pdf: str, marker: bytes) -> bytes:
    """The XML a ZUGFeRD PDF embeds (a file stream, Flate-compressed or not), found by its root element."""
    data = (CORPUS / pdf).read_bytes()
    for start in re.finditer(rb"(?<!end)stream(?:\r\n|\n|\r)", data):
        raw = data[start.end() : data.index(b"endstream", start.end())]
        try:
            content = zlib.decompressobj().decompress(raw)
        except zlib.error:
            content = raw
        if marker in content:
            return content[content.index(b"<") : content.rindex(b">") + 1]
    raise AssertionError(f"{pdf} embeds no {marker!r}")


def zugferd_1() -> bytes:
    return embedded_xml(
        "zugferd-corpus/ZUGFeRDv1/correct/Konik/acme_invoice-42_ZUGFeRD.pdf", b"<rsm:CrossIndustryDocument"
    )


def ubl_2_0() -> bytes:
    """A CEN example declaring UBL 2.0, as OIOUBL documents do (OASIS's own 2.0-declared example is a quotation)."""
    data = (CORPUS / "cen-en16931/ubl/examples/ubl-tc434-example1.xml").read_bytes()
    assert b"<cbc:UBLVersionID>" not in data
    return data.replace(b"<cbc:CustomizationID>", b"<cbc:UBLVersionID>2.0</cbc:UBLVersionID><cbc:CustomizationID>", 1)


SAMPLES = {
    "zugferd-1.0": (zugferd_1, r"ZUGFeRD 1\.0 \(CrossIndustryDocument, urn:ferd:CrossIndustryDocument:invoice:1p0\)"),
    "fatturapa": (
        lambda: (CORPUS / "zugferd-corpus/fatturaPA/official/valid/IT01234567890_FPR02.xml").read_bytes(),
        r"FatturaPA FPR12 ",
    ),
    "ubl-2.0": (ubl_2_0, r"UBL 2\.0 \(e\.g\. OIOUBL\)"),
    "edifact-d93a": (
        lambda: (CORPUS / "staedi-edifact-samples/src/test/resources/EDIFACT/invoic_d93a_una.edi").read_bytes(),
        r"EDIFACT INVOIC D93A is not supported",
    ),
    "edifact-d97a": (
        lambda: (CORPUS / "pydifact-edifact-samples/tests/data/invoice1.edi").read_bytes(),
        r"EDIFACT INVOIC D97A is not supported",
    ),
    "edifact-d97b": (
        lambda: (CORPUS / "staedi-edifact-samples/src/test/resources/EDIFACT/invoic_d97b.edi").read_bytes(),
        r"EDIFACT INVOIC D97B is not supported",
    ),
    "edifact-d96a": (
        # The corpus has no D96A invoice: its D97A one under the D96A directory (only UNH names the directory).
        lambda: (CORPUS / "pydifact-edifact-samples/tests/data/invoice1.edi").read_bytes().replace(b":97A:", b":96A:"),
        r"EDIFACT INVOIC D96A is not supported",
    ),
}


@pytest.mark.parametrize("name", SAMPLES)
def test_unsupported_input_is_named_by_every_entry_point(name):
    sample, message = SAMPLES[name]
    data = sample()
    calls = {
        "detect": conversion.detect_document,
        "parse": conversion.parse_document,
        "validate": conversion.validate_document,  # refused before any rule finding, not with 20-39 of them
        "convert": lambda d: conversion.convert_document(d, "cii"),
    }
    for label, call in calls.items():
        with pytest.raises(UnsupportedFormat, match=message) as refused:
            call(data)
        assert refused.value.code == "unsupported_format", label


def test_d14b_and_ubl_2_1_are_still_read_and_declared_versions_kept():
    edifact = (CORPUS / "cen-en16931/edifact/examples/EDIFACT_EXAMPLE1.TXT").read_bytes()
    assert conversion.detect_document(edifact).version == "D:14B"
    ubl = ubl_2_0().replace(b"<cbc:UBLVersionID>2.0<", b"<cbc:UBLVersionID>2.1<")
    assert conversion.detect_document(ubl).version == "2.1"
    assert conversion.validate_document(ubl).valid


@pytest.mark.parametrize(
    ("path", "profile"),
    [
        ("factur-x/tests/fixtures/xml/factur-x-minimum.xml", "Factur-X MINIMUM"),
        ("factur-x/tests/fixtures/xml/factur-x-basicwl.xml", "Factur-X BASIC WL"),
    ],
)
def test_factur_x_profiles_below_en16931_are_refused_naming_the_profile(path, profile):
    data = (CORPUS / path).read_bytes()
    for target in ("ubl", "cii", "edifact"):
        with pytest.raises(UnsupportedFormat, match=f"{profile} .* below EN 16931"):
            conversion.convert_document(data, target, check="none")
    assert conversion.validate_document(data).customization.startswith("urn:factur-x.eu:1p0:")
