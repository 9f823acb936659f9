"""phive, the reference validator: its build, one harness run per test run, and the corpus it is compared on.

The harness (tests/peers/phive, Java) is built by ops/peers/build-phive.sh into .services/peers/phive/ and runs
as one JVM over the whole document list. In CI (`CI` set) a failing build fails the tests; elsewhere, a machine
without Java 17 or Maven skips them and says why.
"""

from __future__ import annotations

import csv
import json
import os
import shutil
import subprocess
import tempfile
from collections.abc import Iterator
from dataclasses import dataclass, field
from pathlib import Path

import pytest
from lxml import etree

ROOT = Path(__file__).resolve().parents[2]
BUILD_SCRIPT = ROOT / "ops" / "peers" / "build-phive.sh"
CORPUS = next((p for p in (ROOT.parent / "shared" / "corpus", ROOT / "shared" / "corpus") if p.is_dir()), None)
HEAP = "-Xmx512m"
BUILD_TIMEOUT = 1800  # a cold build downloads about 60 MB from Maven Central
RUN_TIMEOUT = 1800

# The example instances compared (the EDIFACT ISO 20625 XML has no phive rule set, so /edifact/ is left out).
SOURCES = ("cen-en16931", "peppol-bis-billing-3", "xrechnung-testsuite")
# CEN's unit tests: testSet files, each with several small documents built to trigger (or not) one rule.
UNIT_TEST_FOLDERS = (
    "cen-en16931/test/Invoice-unit-UBL",
    "cen-en16931/test/CreditNote-unit-UBL",
    "cen-en16931/test/cii",
)
VEFA = "http://difi.no/xsd/vefa/validator/1.0"
EN16931_VES = {
    "ubl": "eu.cen.en16931:ubl:1.3.16",
    "creditnote": "eu.cen.en16931:ubl-creditnote:1.3.16",
    "cii": "eu.cen.en16931:cii:1.3.16",
}
ROOTS = {
    "{urn:oasis:names:specification:ubl:schema:xsd:Invoice-2}Invoice": "ubl",
    "{urn:oasis:names:specification:ubl:schema:xsd:CreditNote-2}CreditNote": "creditnote",
    "{urn:un:unece:uncefact:data:standard:CrossIndustryInvoice:100}CrossIndustryInvoice": "cii",
}


class HarnessUnavailable(Exception):
    """The harness could not be built or run."""


class ToolsMissing(HarnessUnavailable):
    """Java 17 or Maven is not installed and cannot be installed here (not root)."""


@dataclass(frozen=True)
class Document:
    """One document to compare: `name` is its corpus path (with `#n` for the n-th document of a unit-test file)."""

    name: str
    path: Path
    vesid: str = "auto"  # auto: phive chooses by root element and CustomizationID
    rules_only: bool = False  # unit-test fragments are not schema-valid by design: compare the business rules
    # What a CEN unit test says of its document: rules it must fail, rules it must pass.
    expected_errors: frozenset[str] = frozenset()
    expected_passes: frozenset[str] = frozenset()


@dataclass
class PhiveResult:
    vesid: str
    valid: bool | None
    errors: set[str]
    warnings: set[str]
    ms: float
    error: str | None = None
    skipped: set[str] = field(default_factory=set)


def in_ci() -> bool:
    return bool(os.environ.get("CI"))


def build() -> str:
    """Build the harness when needed (incremental) and return its Java classpath."""
    if not (shutil.which("java") and shutil.which("mvn")) and os.geteuid() != 0:
        raise ToolsMissing("Java 17 and Maven are not installed (ops/peers/build-phive.sh installs them as root)")
    try:
        done = subprocess.run(
            ["bash", str(BUILD_SCRIPT)],
            capture_output=True,
            text=True,
            timeout=BUILD_TIMEOUT,
        )
    except subprocess.TimeoutExpired:
        raise HarnessUnavailable(f"{BUILD_SCRIPT.name} did not finish within {BUILD_TIMEOUT}s") from None
    if done.returncode != 0:
        raise HarnessUnavailable(f"{BUILD_SCRIPT.name} failed:\n{done.stderr[-4000:]}")
    return done.stdout.strip().splitlines()[-1]


def java_command(classpath: str, *args: str) -> list[str]:
    return [
        "java",
        HEAP,
        "-XX:+UseSerialGC",
        "-Dorg.slf4j.simpleLogger.defaultLogLevel=warn",
        "-cp",
        classpath,
        "network.peers.phive.PhiveHarness",
        *args,
    ]


def job_lines(documents: list[Document]) -> str:
    """The harness's input: path, VES ids, and `rules` when only the business rules are to run."""
    rows = ([str(d.path), d.vesid, "rules"] if d.rules_only else [str(d.path), d.vesid] for d in documents)
    return "".join("\t".join(row) + "\n" for row in rows)


def run_harness(classpath: str, documents: list[Document]) -> dict[str, PhiveResult]:
    """Validate every document in one JVM; results by document name."""
    with tempfile.NamedTemporaryFile("w", suffix=".tsv", encoding="utf-8") as listing:
        listing.write(job_lines(documents))
        listing.flush()
        done = subprocess.run(
            java_command(classpath, "--list", listing.name), capture_output=True, text=True, timeout=RUN_TIMEOUT
        )
    if done.returncode != 0:
        raise HarnessUnavailable(f"the phive harness exited with {done.returncode}:\n{done.stderr[-4000:]}")
    by_path = {str(d.path): d.name for d in documents}
    results: dict[str, PhiveResult] = {}
    for line in done.stdout.splitlines():
        row = json.loads(line)
        warnings = set(row["warnings"])
        skipped = {w for w in warnings if w.startswith("SKIPPED:")}
        results[by_path[row["path"]]] = PhiveResult(
            vesid=row["vesid"],
            valid=row["valid"],
            errors=set(row["errors"]),
            warnings=warnings - skipped,
            ms=row["ms"],
            error=row.get("error"),
            skipped=skipped,
        )
    return results


def manifest_examples() -> list[str]:
    """The corpus invoices and credit notes of CEN, Peppol BIS Billing and the XRechnung test suite."""
    if CORPUS is None:
        return []
    with open(CORPUS / "MANIFEST.tsv", newline="") as handle:
        rows = list(csv.DictReader(handle, delimiter="\t"))
    return sorted(
        r["path"]
        for r in rows
        if r["source"] in SOURCES
        and r["signatures"].startswith("INV|")
        and r["path"].lower().endswith(".xml")
        and "/edifact/" not in r["path"]
    )


def example_documents() -> list[Document]:
    assert CORPUS is not None
    return [Document(path, CORPUS / path) for path in manifest_examples()]


def unit_test_files() -> list[str]:
    if CORPUS is None:
        return []
    return sorted(str(p.relative_to(CORPUS)) for folder in UNIT_TEST_FOLDERS for p in (CORPUS / folder).glob("*.xml"))


def unit_test_documents(target: Path) -> list[Document]:
    """Every document of CEN's unit-test files, written out one per file under `target`."""
    assert CORPUS is not None
    documents = []
    for relative in unit_test_files():
        tree = etree.parse(str(CORPUS / relative), etree.XMLParser(resolve_entities=False, no_network=True))
        for index, test in enumerate(tree.getroot().iter(f"{{{VEFA}}}test")):
            payload = next((c for c in test if isinstance(c.tag, str) and c.tag in ROOTS), None)
            if payload is None:
                continue
            path = target / f"{relative.replace('/', '__')}__{index}.xml"
            path.write_bytes(etree.tostring(payload, xml_declaration=True, encoding="UTF-8"))
            documents.append(
                Document(
                    f"{relative}#{index}",
                    path,
                    EN16931_VES[ROOTS[payload.tag]],
                    rules_only=True,
                    expected_errors=_assertions(test, "error"),
                    expected_passes=_assertions(test, "success"),
                )
            )
    return documents


def _assertions(test: etree._Element, kind: str) -> frozenset[str]:
    return frozenset((e.text or "").strip() for e in test.iter(f"{{{VEFA}}}{kind}") if (e.text or "").strip())


def xrechnung_test_suite() -> list[Document]:
    """The XRechnung test-suite documents of the corpus (the benchmark set)."""
    return [d for d in example_documents() if d.name.startswith("xrechnung-testsuite/")]


@pytest.fixture(scope="session")
def phive_classpath() -> Iterator[str]:
    try:
        yield build()
    except ToolsMissing as exc:
        if in_ci():
            pytest.fail(f"the phive reference validator could not be built: {exc}")
        pytest.skip(f"the phive reference validator is not available here: {exc}")
    except HarnessUnavailable as exc:
        # Java and Maven are there: a failing build is a broken harness, never a reason to skip.
        pytest.fail(f"the phive reference validator could not be built: {exc}")
