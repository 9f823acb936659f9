"""A conversion's output is checked (schema, EN 16931, the CIUS it declares) before it is returned: output that
fails is never returned, and the caller learns why. Callers that run the rules themselves ask for less."""

from __future__ import annotations

import re

import pytest

from pagero.formats import conversion, public
from pagero.formats.errors import FormatError, InvalidOutput

from .corpus import CORPUS, needs_corpus

pytestmark = needs_corpus
XRECHNUNG = "xrechnung-testsuite/src/test/technical-cases/cius/01.05_minimal_test_ubl.xml"


def read(path: str) -> bytes:
    return (CORPUS / path).read_bytes()


def wrong_total() -> bytes:
    """A valid CEN example whose amount due no longer adds up (BR-CO-16): the converted output fails EN 16931."""
    data = read("cen-en16931/ubl/examples/ubl-tc434-example1.xml")
    payable = re.search(rb'<cbc:PayableAmount currencyID="(\w+)">([\d.]+)<', data)
    assert payable is not None
    return data.replace(payable.group(0), payable.group(0).replace(payable.group(2), b"1.00"))


def without_leitweg_id() -> bytes:
    """An XRechnung invoice without its buyer reference: valid EN 16931, but XRechnung's BR-DE-15 fails."""
    data = read(XRECHNUNG)
    stripped = re.sub(rb"<cbc:BuyerReference>[^<]*</cbc:BuyerReference>", b"", data)
    assert stripped != data
    return stripped


@pytest.mark.parametrize("target", ["ubl", "cii", "edifact"])
def test_output_failing_en16931_is_never_returned(target):
    with pytest.raises(InvalidOutput) as refused:
        conversion.convert_document(wrong_total(), target)
    assert isinstance(refused.value, FormatError) and refused.value.code == "invalid_output"
    assert "BR-CO-16" in {f.rule_id for f in refused.value.findings}
    assert "BR-CO-16" in refused.value.message and "is not returned" in refused.value.message
    assert refused.value.as_dict()["findings"][0]["rule_id"] == refused.value.findings[0].rule_id


def test_valid_output_is_returned_with_the_check_it_passed():
    converted = conversion.convert_document(read("cen-en16931/ubl/examples/ubl-tc434-example1.xml"), "cii")
    assert converted.report is not None and converted.report.valid
    assert converted.report.rule_sets == ["xsd", "EN16931"]


def test_the_cius_the_output_declares_is_checked_too():
    with pytest.raises(InvalidOutput) as refused:
        conversion.convert_document(without_leitweg_id(), "cii")
    assert {f.rule_id for f in refused.value.findings} == {"BR-DE-15"}
    assert {f.rule_set for f in refused.value.findings} == {"XRechnung 3.0.2"}


def test_lenient_reports_national_rules_without_failing():
    converted = conversion.convert_document(without_leitweg_id(), "cii", lenient=True)
    assert [f.rule_id for f in converted.report.fatal] == ["BR-DE-15"]
    # Peppol national rules: Swedish organisation number (SE-R-013) and identifier checks (PEPPOL-COMMON-R049)
    peppol = read("cen-en16931/test/testfiles/Invoice-Max_content.xml")
    with pytest.raises(InvalidOutput):
        conversion.convert_document(peppol, "ubl")
    lenient = conversion.convert_document(peppol, "ubl", lenient=True)
    assert {f.rule_id for f in lenient.report.fatal} == {"PEPPOL-COMMON-R049", "SE-R-013"}
    # EN 16931 itself is never lenient
    with pytest.raises(InvalidOutput, match="BR-CO-16"):
        conversion.convert_document(wrong_total(), "cii", lenient=True)


@pytest.mark.parametrize(
    ("rule_id", "national"),
    [
        ("SE-R-013", True),
        ("DK-R-002", True),
        ("PEPPOL-COMMON-R041", True),
        ("PEPPOL-COMMON-R057", True),
        ("PEPPOL-COMMON-R040", False),
        ("PEPPOL-COMMON-R058", False),
        ("BR-DE-15", True),
        ("BR-DE-TMP-32", False),
        ("BR-CO-16", False),
        ("PEPPOL-EN16931-R001", False),
    ],
)
def test_which_rules_are_national(rule_id, national):
    assert conversion.is_national_rule(rule_id) is national


def test_callers_that_validate_separately_can_skip_the_rules_or_every_check():
    schema_only = conversion.convert_document(wrong_total(), "cii", check="schema")
    assert schema_only.report.rule_sets == ["xsd"] and schema_only.report.valid
    unchecked = conversion.convert_document(wrong_total(), "cii", check="none")
    assert unchecked.report is None and unchecked.data == schema_only.data
    with pytest.raises(ValueError, match="check must be one of"):
        conversion.convert_document(wrong_total(), "cii", check="some")


def test_the_port_checks_by_default(settings):
    with pytest.raises(public.InvalidOutput):
        public.convert(wrong_total(), "ubl")
    assert public.convert(wrong_total(), "ubl", check="none").data.startswith(b"<?xml")
