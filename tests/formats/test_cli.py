"""manage.py convert and validate: outputs, messages and exit codes (0 ok, 1 invalid/lossy, 2 usage)."""

from __future__ import annotations

import json
import re
import subprocess
import sys
from pathlib import Path

import pytest

from pagero.formats import conversion

from .corpus import CORPUS, needs_corpus

ROOT = Path(__file__).resolve().parents[2]
pytestmark = needs_corpus


def manage(*args: str, stdin: bytes | None = None) -> subprocess.CompletedProcess:
    return subprocess.run(
        [sys.executable, "manage.py", *args],
        cwd=ROOT,
        capture_output=True,
        input=stdin,
        timeout=120,
        env={"PATH": "/usr/bin:/bin", "PAGERO_VAR_DIR": "/tmp/pagero-cli-test"},
    )


def corpus(path: str) -> str:
    return str(CORPUS / path)


def wrong_total(tmp_path: Path) -> str:
    """A CEN example whose amount due does not add up (BR-CO-16): valid against the schema, not the rules."""
    data = Path(corpus("cen-en16931/ubl/examples/ubl-tc434-example1.xml")).read_bytes()
    path = tmp_path / "wrong-total.xml"
    path.write_bytes(data.replace(b'<cbc:PayableAmount currencyID="EUR">', b'<cbc:PayableAmount currencyID="EUR">9', 1))
    return str(path)


def test_convert_ubl_to_cii_file_is_valid(tmp_path):
    out = tmp_path / "out.xml"
    result = manage("convert", corpus("cen-en16931/ubl/examples/ubl-tc434-example1.xml"), "--to", "cii", "-o", str(out))
    assert result.returncode == 0, result.stderr
    report = conversion.validate_document(out.read_bytes())
    assert report.syntax == "cii" and report.valid


def test_convert_to_stdout_from_stdin():
    data = Path(corpus("cen-en16931/cii/examples/CII_example4.xml")).read_bytes()
    result = manage("convert", "-", "--to", "edifact", stdin=data)
    assert result.returncode == 0, result.stderr
    assert result.stdout.startswith(b"UNA:+.? '") and b"INVOIC:D:14B:UN" in result.stdout


def test_lossy_conversion_exits_1_naming_the_path_unless_forced(tmp_path):
    source = corpus("xrechnung-testsuite/src/test/business-cases/extension/04.02a-INVOICE_ubl.xml")
    out = tmp_path / "out.xml"
    refused = manage("convert", source, "--to", "cii", "-o", str(out))
    assert refused.returncode == 1
    assert b"not lossless: /Invoice/cac:InvoiceLine/cac:SubInvoiceLine" in refused.stderr
    assert b"Traceback" not in refused.stderr and not out.exists()
    forced = manage("convert", source, "--to", "cii", "-o", str(out), "--force")
    assert forced.returncode == 0 and out.exists()
    assert b"not lossless" in forced.stderr


def test_invalid_input_exits_1_naming_the_rule_and_bt(tmp_path):
    result = manage("convert", wrong_total(tmp_path), "--to", "cii")
    assert result.returncode == 1
    assert b"BR-CO-16" in result.stderr and b"BT-115" in result.stderr


def test_usage_errors_exit_2(tmp_path):
    assert manage("convert", str(tmp_path / "missing.xml"), "--to", "cii").returncode == 2
    assert manage("convert", corpus("cen-en16931/cii/examples/CII_example4.xml"), "--to", "pdf").returncode == 2
    assert manage("convert", corpus("cen-en16931/cii/examples/CII_example4.xml")).returncode == 2


def test_garbage_input_exits_1_with_a_message(tmp_path):
    bad = tmp_path / "bad.bin"
    bad.write_bytes(b"\x00\x01garbage")
    result = manage("validate", str(bad))
    assert result.returncode == 1
    assert b"neither XML nor EDIFACT" in result.stderr and b"Traceback" not in result.stderr


def test_validate_json_report():
    valid = manage("validate", corpus("peppol-bis-billing-3/rules/examples/base-example.xml"), "--json")
    assert valid.returncode == 0
    report = json.loads(valid.stdout)
    assert report["valid"] is True and report["rule_sets"] == ["xsd", "EN16931", "Peppol BIS Billing 3.0"]


def test_validate_text_report_for_an_invalid_document(tmp_path):
    # (XRechnung's extension scenario lowers BR-CO-16 to information: a plain EN 16931 invoice keeps it fatal)
    result = manage("validate", wrong_total(tmp_path))
    assert result.returncode == 1
    assert b"result:    INVALID: 1 fatal" in result.stdout
    assert b"FATAL    BR-CO-16 [BT-115]" in result.stdout


@pytest.mark.parametrize("target", ["ubl", "cii", "edifact"])
def test_every_target_from_edifact(target, tmp_path):
    out = tmp_path / f"out.{target}"
    result = manage(
        "convert", corpus("cen-en16931/edifact/examples/EDIFACT_EXAMPLE4.TXT"), "--to", target, "-o", str(out)
    )
    assert result.returncode == 0, result.stderr
    assert conversion.parse_document(out.read_bytes()).detected.syntax == target


def test_input_is_read_only_one_byte_beyond_the_size_limit(tmp_path, settings):
    """A huge file is not read whole: one byte beyond the limit is enough for the size check to refuse it."""
    from pagero.formats import public
    from pagero.formats.management.commands._io import read_input

    settings.MAX_DOCUMENT_BYTES = 100
    big = tmp_path / "big.xml"
    big.write_bytes(b"<a>" + b"x" * 10_000 + b"</a>")
    data = read_input(str(big))
    assert len(data) == 101
    with pytest.raises(public.DocumentTooLarge, match="the limit is 100 bytes"):
        public.validate(data)


def test_output_failing_the_rules_is_not_written_unless_forced(tmp_path):
    out = tmp_path / "out.xml"
    refused = manage("convert", wrong_total(tmp_path), "--to", "cii", "-o", str(out))
    assert refused.returncode == 1 and not out.exists()
    assert b"invalid input: BR-CO-16 [BT-115]" in refused.stderr
    assert b"invalid output: BR-CO-16 [BT-115]" in refused.stderr
    forced = manage("convert", wrong_total(tmp_path), "--to", "cii", "-o", str(out), "--force")
    assert forced.returncode == 0 and out.exists()
    assert b"invalid output: BR-CO-16" in forced.stderr
    assert not conversion.validate_document(out.read_bytes()).valid


def test_no_rules_checks_the_schema_only(tmp_path):
    out = tmp_path / "out.xml"
    result = manage("convert", wrong_total(tmp_path), "--to", "cii", "-o", str(out), "--no-rules")
    assert result.returncode == 0, result.stderr
    report = conversion.validate_document(out.read_bytes(), business_rules=False)
    assert report.syntax == "cii" and report.valid and report.rule_sets == ["xsd"]


def test_lenient_reports_national_rules_without_failing(tmp_path):
    data = Path(corpus("xrechnung-testsuite/src/test/technical-cases/cius/01.05_minimal_test_ubl.xml")).read_bytes()
    source = tmp_path / "no-leitweg-id.xml"
    source.write_bytes(re.sub(rb"<cbc:BuyerReference>[^<]*</cbc:BuyerReference>", b"", data))
    out = tmp_path / "out.xml"
    strict = manage("convert", str(source), "--to", "cii", "-o", str(out))
    assert strict.returncode == 1 and b"invalid input: BR-DE-15" in strict.stderr and not out.exists()
    lenient = manage("convert", str(source), "--to", "cii", "-o", str(out), "--lenient")
    assert lenient.returncode == 0, lenient.stderr
    assert b"note: national rule (lenient): BR-DE-15" in lenient.stderr and out.exists()


def test_a_note_does_not_fail_the_conversion(tmp_path):
    data = Path(corpus("cen-en16931/edifact/examples/EDIFACT_EXAMPLE1.TXT")).read_bytes()
    source = tmp_path / "p2.edi"
    source.write_bytes(data.replace(b"FTX+DOC++P1+", b"FTX+DOC++P2+"))
    result = manage("convert", str(source), "--to", "ubl", "-o", str(tmp_path / "out.xml"))
    assert result.returncode == 0, result.stderr
    assert b"note: " in result.stderr and b"document profile code P2" in result.stderr


def test_unsupported_input_is_named(tmp_path):
    # A directory the network does not read: the corpus's D97A invoice under D95B.
    source = tmp_path / "invoic_d95b.edi"
    d97a = Path(corpus("pydifact-edifact-samples/tests/data/invoice1.edi")).read_bytes()
    source.write_bytes(d97a.replace(b":97A:", b":95B:"))
    result = manage("validate", str(source))
    assert result.returncode == 1
    assert b"EDIFACT INVOIC D95B is not supported" in result.stderr and b"BR-" not in result.stdout


def test_convert_without_rules_starts_neither_django_nor_saxon(tmp_path):
    """What makes the call fast: only the formats domain and the settings module are imported."""
    out = str(tmp_path / "out.xml")
    source = corpus("cen-en16931/ubl/examples/ubl-tc434-example1.xml")
    result = subprocess.run(
        [
            sys.executable,
            "-X",
            "importtime",
            "manage.py",
            "convert",
            source,
            "--to",
            "cii",
            "-o",
            str(out),
            "--no-rules",
        ],
        cwd=ROOT,
        capture_output=True,
        timeout=120,
        env={"PATH": "/usr/bin:/bin", "PAGERO_VAR_DIR": "/tmp/pagero-cli-test"},
    )
    assert result.returncode == 0, result.stderr[-2000:]
    imported = {line.split("|")[-1].strip() for line in result.stderr.decode().splitlines() if "import time:" in line}
    assert "pagero.formats.conversion" in imported
    assert not {"django.apps", "django.db", "celery", "saxonche", "pagero.celery"} & imported
    assert conversion.validate_document(Path(out).read_bytes()).valid


@pytest.mark.parametrize("how", ["standalone", "django"])
def test_both_paths_print_the_same_and_exit_the_same(how, tmp_path):
    """A Django option (here --verbosity) runs the command under Django: same lines, same exit code."""
    extra = ("--verbosity", "1") if how == "django" else ()
    result = manage("convert", wrong_total(tmp_path), "--to", "cii", "--no-rules", *extra)
    assert result.returncode == 0 and result.stdout.startswith(b"<?xml")
    refused = manage("convert", wrong_total(tmp_path), "--to", "cii", *extra)
    assert refused.returncode == 1
    assert refused.stderr.decode().splitlines()[-1] == (
        "CommandError: 2 problem(s): nothing written (use --force to write the cii output anyway)"
    )
    assert manage("validate", str(tmp_path / "missing.xml"), *extra).returncode == 2
