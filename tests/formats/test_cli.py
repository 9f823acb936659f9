"""manage.py convert and validate: outputs, messages and exit codes (0 ok, 1 invalid/lossy, 2 usage)."""

from __future__ import annotations

import json
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


def test_invalid_input_exits_1_naming_the_rule_and_bt():
    result = manage(
        "convert", corpus("xrechnung-testsuite/src/test/business-cases/extension/05.01a-INVOICE_ubl.xml"), "--to", "cii"
    )
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


def test_validate_text_report_for_an_invalid_document():
    result = manage("validate", corpus("xrechnung-testsuite/src/test/business-cases/extension/05.01a-INVOICE_ubl.xml"))
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
