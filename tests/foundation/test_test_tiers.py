"""The two tiers of the suite (docs/testing.md): `services` follows the fixtures a test requests, and a run without
the services refuses any connection to them. Each case runs pytest itself, with tests/conftest.py as a plugin, on
a few tests written for it, with the services unset as `make test-fast` leaves them."""

from __future__ import annotations

import os
import subprocess
import sys
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parents[2]
pytestmark = pytest.mark.slow  # three pytest processes, each setting up Django

CASES = """
import socket

import pytest


def test_swallows_a_rabbitmq_connection():
    try:
        socket.create_connection(("127.0.0.1", 5672), timeout=1).close()
    except Exception:
        pass


def test_needs_nothing():
    assert sum([1, 1]) == 2


def test_uses_the_services(real_services):
    pass
"""


def run_pytest(tmp_path: Path, source: str, *args: str) -> subprocess.CompletedProcess[str]:
    (tmp_path / "test_cases.py").write_text(source)
    env = {k: v for k, v in os.environ.items() if k not in {"DATABASE_URL", "CELERY_BROKER_URL", "CASSANDRA_HOSTS"}}
    env.update(PYTHONPATH=str(ROOT), DJANGO_SETTINGS_MODULE="pagero.settings", PAGERO_VAR_DIR=str(tmp_path))
    env.pop("PYTEST_XDIST_WORKER", None)
    command = [sys.executable, "-m", "pytest", "-p", "no:cacheprovider", "-p", "tests.conftest", "-c", os.devnull]
    return subprocess.run(
        [*command, "--rootdir", str(tmp_path), "-rfE", "-W", "ignore::pytest.PytestUnknownMarkWarning", *args],
        cwd=tmp_path,
        env=env,
        capture_output=True,
        text=True,
        timeout=300,
    )


def test_a_connection_to_an_unset_service_fails_the_test_even_when_caught(tmp_path):
    result = run_pytest(tmp_path, CASES)
    out = result.stdout
    assert result.returncode == 1, out
    assert "1 failed, 1 passed" in out and "1 error" in out, out
    assert "FAILED test_cases.py::test_swallows_a_rabbitmq_connection" in out
    assert "RabbitMQ is not configured in this run, yet the test connected to it (127.0.0.1:5672)" in out
    # real_services itself still fails loudly, as it does without the guard.
    assert "ERROR test_cases.py::test_uses_the_services" in out
    assert "this test needs PostgreSQL, RabbitMQ and Cassandra" in out


def test_a_test_requesting_a_service_fixture_is_marked_services(tmp_path):
    result = run_pytest(tmp_path, CASES, "--collect-only", "-q", "-m", "not services")
    assert result.returncode == 0, result.stdout
    collected = [line for line in result.stdout.splitlines() if line.startswith("test_cases.py::")]
    assert collected == ["test_cases.py::test_swallows_a_rabbitmq_connection", "test_cases.py::test_needs_nothing"]
    assert "2/3 tests collected (1 deselected)" in result.stdout


def test_a_services_marker_without_a_service_fixture_is_refused(tmp_path):
    unbacked = "import pytest\n\n\n@pytest.mark.services\ndef test_claims_services():\n    pass\n"
    result = run_pytest(tmp_path, unbacked, "--collect-only", "-q")
    assert result.returncode == pytest.ExitCode.USAGE_ERROR, result.stdout + result.stderr
    assert "marked `services` but requesting none of the fixtures" in result.stderr
    assert "test_cases.py::test_claims_services" in result.stderr
