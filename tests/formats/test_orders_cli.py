"""manage.py convert/validate on orders (--to ubl|orderx|edifact), and the formats port's order functions."""

from __future__ import annotations

import subprocess
import sys
from pathlib import Path

import pytest

from pagero.formats import public
from pagero.formats.orders import parse_order

from .corpus import CORPUS, needs_corpus

ROOT = Path(__file__).resolve().parents[2]
pytestmark = needs_corpus


def manage(*args: str, stdin: bytes | None = None) -> subprocess.CompletedProcess[bytes]:
    return subprocess.run(
        [sys.executable, "manage.py", *args],
        cwd=ROOT,
        capture_output=True,
        input=stdin,
        timeout=120,
        env={"PATH": "/usr/bin:/bin", "PAGERO_VAR_DIR": "/tmp/pagero-cli-test"},
    )


def example(name: str) -> Path:
    return CORPUS / "peppol-bis-ordering-3" / "rules" / "examples" / name  # type: ignore[operator]


@pytest.mark.slow  # manage.py in a process of its own, seconds each: run by make test
def test_lossy_order_conversion_exits_1_naming_paths_then_force_writes_valid_edifact(tmp_path: Path) -> None:
    out = tmp_path / "order.edi"
    refused = manage("convert", str(example("Order_Example.xml")), "--to", "edifact", "-o", str(out))
    assert refused.returncode == 1 and not out.exists()
    assert b"not lossless: /Order/cac:DeliveryTerms/cbc:ID" in refused.stderr
    forced = manage("convert", str(example("Order_Example.xml")), "--to", "edifact", "-o", str(out), "--force")
    assert forced.returncode == 0, forced.stderr
    assert parse_order(out.read_bytes()).detected.version == "D:96A"
    validated = manage("validate", str(out))
    assert validated.returncode == 0 and b"Peppol BIS Order T01" in validated.stdout


@pytest.mark.slow  # manage.py in a process of its own, seconds each: run by make test
def test_order_response_converts_to_orderx_on_stdout_and_back(tmp_path: Path) -> None:
    data = example("Order-response use cases/UC5_Order_response.xml").read_bytes()
    # no lines, no totals: Order-X requires a line total and a tax basis, so the output is refused
    refused = manage("convert", "-", "--to", "orderx", stdin=data)
    assert refused.returncode == 1 and b"invalid output" in refused.stderr
    edifact = manage("convert", "-", "--to", "edifact", "--force", stdin=data)
    assert edifact.returncode == 0 and b"ORDRSP:D:96A:UN:EAN005" in edifact.stdout
    back = manage("convert", "-", "--to", "ubl", "--force", stdin=edifact.stdout)
    assert back.returncode == 0 and b"<cbc:OrderResponseCode>AP</cbc:OrderResponseCode>" in back.stdout
    assert parse_order(back.stdout).order.response_code == "AP"


@pytest.mark.slow  # manage.py in a process of its own, seconds each: run by make test
def test_unknown_order_target_is_a_clear_refusal() -> None:
    result = manage("convert", str(example("Order_Example.xml")), "--to", "cii")
    assert result.returncode == 1 and b"unknown target syntax 'cii' for orders" in result.stderr
    assert b"Traceback" not in result.stderr


def test_port_functions_detect_parse_convert_validate() -> None:
    data = example("Order use cases/UC6_Order.xml").read_bytes()
    assert public.detect_order(data).label == "ubl order (urn:fdc:peppol.eu:poacc:trns:order:3)"
    assert public.parse_order(data).order.id == "1"
    assert public.validate_order(data).valid
    result = public.convert_order(data, "edifact")
    assert result.report is not None and result.report.valid
    again, _ = public.write_order(public.parse_order(result.data).order, "ubl")
    assert public.validate_order(again).valid
