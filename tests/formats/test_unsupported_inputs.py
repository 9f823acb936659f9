"""Unsupported inputs are named for what they are, before any rule runs, by detect, validate and convert."""

from __future__ import annotations

import pytest

from pagero.formats import conversion
from pagero.formats.errors import UnsupportedFormat

from .corpus import CORPUS, needs_corpus

pytestmark = needs_corpus


def ubl_2_0() -> bytes:
    """A CEN example declaring UBL 2.0, as OIOUBL documents do (OASIS's own 2.0-declared example is a quotation)."""
    data = (CORPUS / "cen-en16931/ubl/examples/ubl-tc434-example1.xml").read_bytes()
    assert b"<cbc:UBLVersionID>" not in data
    return data.replace(b"<cbc:CustomizationID>", b"<cbc:UBLVersionID>2.0</cbc:UBLVersionID><cbc:CustomizationID>", 1)


SAMPLES = {
    "fatturapa": (
        lambda: (CORPUS / "zugferd-corpus/fatturaPA/official/valid/IT01234567890_FPR02.xml").read_bytes(),
        r"FatturaPA FPR12 ",
    ),
    "ubl-2.0": (ubl_2_0, r"UBL 2\.0 \(e\.g\. OIOUBL\)"),
    "edifact-d95b": (
        # A directory the network does not read: the corpus's D97A invoice under D95B (only UNH names it).
        lambda: (CORPUS / "pydifact-edifact-samples/tests/data/invoice1.edi").read_bytes().replace(b":97A:", b":95B:"),
        r"EDIFACT INVOIC D95B is not supported",
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
