"""Conformance on the shared corpus: conversions are valid by the official rules and lose nothing."""

from __future__ import annotations

import pytest

from pagero.formats import conversion
from pagero.formats.errors import InvalidOutput
from pagero.formats.model import diff_models

from .corpus import (
    BELOW_EN16931,
    CORPUS,
    EDIFACT_UPSTREAM_DIFFERENCES,
    NOT_CONVERTIBLE,
    PEPPOL_NEWER_RULES,
    UPSTREAM_INVALID,
    edifact_pairs,
    manifest_invoices,
    needs_corpus,
)

pytestmark = needs_corpus
INVOICES = manifest_invoices()
OTHER = {"ubl": "cii", "cii": "ubl"}


def read(path: str) -> bytes:
    return (CORPUS / path).read_bytes()


def fatal_ids(report) -> set[str]:
    return {finding.rule_id for finding in report.fatal}


def test_peppol_newer_rules_only_concern_peppol_rule_sets():
    """The tolerated upstream findings come from the Peppol release, never from EN 16931 or the schema."""
    data = read("cen-en16931/test/testfiles/Invoice-Max_content.xml")
    findings = conversion.validate_document(data).fatal
    assert findings and {f.rule_set for f in findings} == {"Peppol BIS Billing 3.0"}


def test_the_corpus_is_there_and_large():
    assert len(INVOICES) >= 100


@pytest.mark.parametrize("path", INVOICES)
def test_conversion_to_the_other_xml_syntax_passes_schema_and_business_rules(path):
    data = read(path)
    source = conversion.validate_document(data)
    if path in UPSTREAM_INVALID:
        assert fatal_ids(source) == UPSTREAM_INVALID[path], "the upstream findings changed"
        pytest.skip(f"invalid upstream: {sorted(UPSTREAM_INVALID[path])}")
    unexpected = [f"{f.rule_id}: {f.message}" for f in source.fatal if f.rule_id not in PEPPOL_NEWER_RULES]
    assert unexpected == []
    if path in BELOW_EN16931:
        pytest.skip("a Factur-X profile below EN 16931 cannot become an EN 16931 invoice")
    target = OTHER[source.syntax]
    if path in NOT_CONVERTIBLE:
        # The output would be invalid: the converter refuses it rather than return it.
        with pytest.raises(InvalidOutput) as refused:
            conversion.convert_document(data, target)
        assert NOT_CONVERTIBLE[path] <= {f.rule_id for f in refused.value.findings}
        return
    converted = conversion.convert_document(data, target)
    report = conversion.validate_document(converted.data)
    assert report.syntax == target
    assert "xsd" in report.rule_sets and "EN16931" in report.rule_sets
    assert report.valid, [f"{f.rule_id} [{f.term}] {f.message} at {f.location}" for f in report.fatal]


@pytest.mark.parametrize("target", ["ubl", "cii", "edifact"])
@pytest.mark.parametrize("path", INVOICES)
def test_round_trip_preserves_the_model(path, target):
    """parse(A) == parse(write(parse(A))) field by field; only what the writer reported may differ."""
    parsed = conversion.parse_document(read(path))
    output, write_warnings = conversion.write_document(parsed.invoice, target)
    again = conversion.parse_document(output)
    assert again.detected.syntax == target
    assert again.warnings == [], "the written document holds something its own reader does not place"
    reported = {w.term for w in write_warnings}
    unexplained = [d for d in diff_models(parsed.invoice, again.invoice) if d[1] not in reported]
    assert unexplained == []


@pytest.mark.parametrize("pair", edifact_pairs(), ids=lambda row: row["pair"])
def test_cen_edifact_examples_carry_the_business_content_of_their_cii_counterparts(pair):
    edifact = conversion.parse_document(read(pair["edifact_d14b_txt"]))
    cii = conversion.parse_document(read(pair["cii"]))
    differing = {path for path, *_ in diff_models(cii.invoice, edifact.invoice)}
    assert differing == EDIFACT_UPSTREAM_DIFFERENCES.get(pair["pair"], set())
    # CEN's EDIFACT examples 5 and 6 are invalid upstream (BR-CL-24, CII-SR-470, BR-CO-09): read, not judged valid.
    converted = conversion.convert_document(read(pair["edifact_d14b_txt"]), "cii", check="none")
    assert conversion.parse_document(converted.data).invoice == edifact.invoice


@pytest.mark.parametrize("name", ["EDIFACT_EXAMPLE0.TXT", "EDIFACT_EXAMPLE0a.TXT"])
def test_unpaired_cen_edifact_examples_read_completely(name):
    parsed = conversion.parse_document(read(f"cen-en16931/edifact/examples/{name}"))
    assert parsed.warnings == []
    assert parsed.invoice.number and parsed.invoice.lines and parsed.invoice.totals.payable is not None


def test_factur_x_extended_reports_what_the_model_cannot_hold():
    parsed = conversion.parse_document(read("factur-x/tests/fixtures/xml/factur-x-extended.xml"))
    assert parsed.warnings
    assert all(w.path.startswith("/rsm:CrossIndustryInvoice/") for w in parsed.warnings)
    assert any("IncludedNote" in w.path for w in parsed.warnings)


def test_xrechnung_sub_invoice_lines_are_reported_not_dropped():
    parsed = conversion.parse_document(
        read("xrechnung-testsuite/src/test/business-cases/extension/04.01a-INVOICE_ubl.xml")
    )
    assert any("cac:SubInvoiceLine" in w.path for w in parsed.warnings)
