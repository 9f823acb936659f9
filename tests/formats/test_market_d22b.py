"""CII D22B (Factur-X 1.07+, ZUGFeRD 2.3 EXTENDED): detected by its D22B-only elements, validated against the D22B
schema, read by the D16B reader (which reports what has no EN 16931 term); the product writes D16B."""

from __future__ import annotations

import pytest

from pagero.formats import conversion
from pagero.formats.cii import d22b
from pagero.formats.validation import xsd
from pagero.formats.xml import parse_xml

from .corpus import CORPUS, needs_corpus

pytestmark = needs_corpus
EXTENDED = "factur-x/tests/fixtures/xml/factur-x-extended.xml"


def d22b_document() -> bytes:
    """Factur-X's EXTENDED example with a product model ID, an element D22B has and D16B has not."""
    data = (CORPUS / EXTENDED).read_bytes()
    marker = b"<ram:SpecifiedTradeProduct>"
    start = data.index(marker)
    name = data.index(b"<ram:Name>", start)
    return data[:name] + b"<ram:ModelID>MODEL-7</ram:ModelID>" + data[name:]


def test_d16b_document_is_not_d22b():
    root = parse_xml((CORPUS / EXTENDED).read_bytes())
    assert not d22b.is_d22b(root)
    assert conversion.detect_document((CORPUS / EXTENDED).read_bytes()).version == "D16B"


def test_d22b_is_detected_and_valid_against_the_d22b_schema_not_d16b():
    data = d22b_document()
    root = parse_xml(data)
    assert d22b.is_d22b(root)
    assert [f.rule_id for f in xsd.validate_xsd(root, "cii", "invoice")] == ["XSD"]  # D16B has no ModelID
    assert d22b.d22b_xsd_findings(root) == []
    detected = conversion.detect_document(data)
    assert (detected.syntax, detected.version) == ("cii", "D22B")
    report = conversion.validate_document(data, business_rules=False)
    assert report.fatal == []
    assert any("D22B" in note for note in report.notes)


def test_d22b_reads_reporting_what_has_no_en16931_term_and_writes_d16b():
    data = d22b_document()
    parsed = conversion.parse_document(data)
    assert [w.path for w in parsed.warnings if w.path.endswith("ram:ModelID")]
    reference = conversion.parse_document((CORPUS / EXTENDED).read_bytes())
    assert parsed.invoice == reference.invoice
    output, _ = conversion.write_document(parsed.invoice, "cii")
    assert conversion.detect_document(output).version == "D16B"


@pytest.mark.parametrize("target", ["ubl", "cii"])
def test_d22b_converts_to_checked_output(target):
    conversion.convert_document(d22b_document(), target, check="schema")
