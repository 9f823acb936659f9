"""KoSIT's XRechnung scenarios: the scenario each document falls in, the severities it sets, KoSIT's recommendation.

Reference verdicts: the XRechnung test suite's business cases (standard and extension) and technical cases, which
KoSIT publishes as valid, and the expected reports of the KoSIT validator configuration's own tests
(src/test/assertions*.xml: scenario name, accept or reject, and the level of named rules).
"""

from __future__ import annotations

import re
from pathlib import Path

import pytest
from lxml import etree

from pagero.formats.conversion import validate_document
from pagero.formats.errors import FormatError
from pagero.formats.validation import rules, scenarios

from .corpus import CORPUS, needs_corpus

CONFIG = CORPUS / "xrechnung-validator-config" if CORPUS else None
TEST_SUITE = CORPUS / "xrechnung-testsuite" / "src" / "test" if CORPUS else None
ASSERTIONS_NS = {"a": "http://www.xoev.de/de/validator/framework/1/assertions"}
# KoSIT's report levels and ours.
LEVEL = {"error": "fatal", "warning": "warning", "information": "information"}


def test_every_scenario_of_the_configuration_is_read() -> None:
    names = [s.name for s in scenarios.scenarios()]
    assert names[:8] == [
        "EN16931 XRechnung (UBL Invoice)",
        "EN16931 XRechnung Extension (UBL Invoice)",
        "EN16931 XRechnung CVD (UBL Invoice)",
        "EN16931 XRechnung (UBL CreditNote)",
        "EN16931 XRechnung CVD (UBL CreditNote)",
        "EN16931 XRechnung (CII)",
        "EN16931 XRechnung Extension (CII)",
        "EN16931 XRechnung CVD (CII)",
    ]
    assert all("@" not in s.customization for s in scenarios.scenarios())
    by_name = {s.name: s for s in scenarios.scenarios()}
    extension = dict(by_name["EN16931 XRechnung Extension (UBL Invoice)"].levels)
    assert extension["BR-CO-16"] == "information" and extension["BR-CL-10"] == "information"
    assert dict(by_name["EN16931 XRechnung (CII)"].levels)["CII-SR-452"] == "fatal"
    assert dict(by_name["EN16931 XRechnung CVD (UBL Invoice)"].levels)["BR-CL-13"] == "information"
    for scenario in scenarios.scenarios():
        if "XRechnung" in scenario.name:
            assert dict(scenario.levels)["BR-CL-23"] == "warning"
            assert dict(scenario.levels)["BR-CL-21"] in {"warning", "information"}


def test_scenario_is_chosen_by_root_and_exact_customization() -> None:
    cius = scenarios.XRECHNUNG_CIUS
    assert scenarios.scenario_for("ubl", "invoice", cius).name == "EN16931 XRechnung (UBL Invoice)"
    assert scenarios.scenario_for("ubl", "credit_note", cius).name == "EN16931 XRechnung (UBL CreditNote)"
    assert scenarios.scenario_for("cii", "invoice", cius).name == "EN16931 XRechnung (CII)"
    extension = scenarios.PLACEHOLDERS["xrechnung.extension.id"]
    assert scenarios.scenario_for("cii", "invoice", extension).name == "EN16931 XRechnung Extension (CII)"
    # KoSIT has no extension scenario for UBL credit notes, and none for Peppol documents.
    assert scenarios.scenario_for("ubl", "credit_note", extension) is None
    assert (
        scenarios.scenario_for(
            "ubl", "invoice", "urn:cen.eu:en16931:2017#compliant#urn:fdc:peppol.eu:2017:poacc:billing:3.0"
        )
        is None
    )
    assert scenarios.scenario_for("ubl", "invoice", cius + " ") is None


def test_rule_sets_carry_the_scenario_levels() -> None:
    extension = scenarios.PLACEHOLDERS["xrechnung.extension.id"]
    sets, _ = rules.rule_sets_for("ubl", "invoice", extension)
    assert [s.name for s in sets] == ["EN16931", "XRechnung 3.0.2"]
    assert all(dict(s.levels).get("BR-CO-16") == "information" for s in sets)
    plain, _ = rules.rule_sets_for("ubl", "invoice", "urn:cen.eu:en16931:2017")
    assert [s.levels for s in plain] == [()]


def _business_cases() -> list[Path]:
    if TEST_SUITE is None:
        return []
    return sorted((TEST_SUITE / "business-cases").rglob("*.xml")) + sorted(
        (TEST_SUITE / "technical-cases").rglob("*.xml")
    )


@needs_corpus
@pytest.mark.corpus  # a sweep over the XRechnung test suite
@pytest.mark.parametrize("path", _business_cases(), ids=lambda p: p.name)
def test_xrechnung_test_suite_is_accepted_in_its_scenario(path: Path) -> None:
    report = validate_document(path.read_bytes())
    expected = "Extension" if "/extension/" in str(path) else None
    assert report.scenario is not None and report.scenario.startswith("EN16931 XRechnung")
    assert (expected in report.scenario) if expected else ("Extension" not in report.scenario)
    assert report.recommendation == "accept", [f"{f.rule_id}: {f.message}" for f in report.fatal]
    body = report.as_dict()
    assert body["scenario"] == report.scenario and body["recommendation"] == "accept" and body["valid"] is True


def _instance(path: Path) -> bytes:
    """The configuration's test instance as its build uses it: the CustomizationID placeholders filled in."""
    return re.sub(rb"@([\w.]+)@", lambda m: scenarios.PLACEHOLDERS[m.group(1).decode()].encode(), path.read_bytes())


def _configuration_cases() -> list[tuple[Path, dict]]:
    """(instance, expected) from the configuration's assertion files: scenario, accept/reject, rule levels."""
    if CONFIG is None:
        return []
    expected: dict[str, dict] = {}
    for name in ("assertions.xml", "assertions-integration-testing.xml"):
        for assertion in (
            etree.parse(str(CONFIG / "src" / "test" / name)).getroot().iterfind("a:assertion", ASSERTIONS_NS)
        ):
            test = " ".join(assertion.get("test", "").split())
            entry = expected.setdefault(assertion.get("report-doc", ""), {"levels": {}})
            if test in {"rep:report/@valid = 'true'", "not(rep:report/@valid = 'true')"}:
                entry["valid"] = not test.startswith("not(")
            if test.startswith("not("):
                continue
            if m := re.search(r"s:scenario/s:name = '([^']+)'", test):
                entry["scenario"] = m.group(1)
            if m := re.search(r"rep:assessment/rep:(accept|reject)", test):
                entry["recommendation"] = m.group(1)
            if m := re.search(r"tr\[@class = '(\w+)'\]/html:td\[text\(\) = '([\w-]+)'\]", test):
                entry["levels"][m.group(2)] = LEVEL[m.group(1)]
    instances = {p.name: p for p in sorted((CONFIG / "src" / "test").rglob("*.xml")) if "assertions" not in p.name}
    cases = []
    for report_doc, entry in sorted(expected.items()):
        if "valid" in entry and "scenario" in entry:
            # KoSIT recommends what its report's validity says. ubl003's "recommends acceptance" assertion
            # contradicts its own report (not valid, an error in the EN 16931 step): the report's validity decides.
            entry["recommendation"] = "accept" if entry["valid"] else "reject"
        path = instances.get(report_doc.removesuffix("-report.xml") + ".xml")
        if path is not None and ("recommendation" in entry or entry["levels"]):
            cases.append((path, entry))
    return cases


@needs_corpus
def test_the_configuration_tests_are_all_found() -> None:
    cases = _configuration_cases()
    assert len(cases) >= 15
    assert {e.get("recommendation") for _, e in cases} >= {"accept", "reject"}


@needs_corpus
@pytest.mark.corpus  # a sweep over KoSIT's configuration tests
@pytest.mark.parametrize("case", _configuration_cases(), ids=lambda c: c[0].name)
def test_kosit_configuration_tests_give_kosit_verdicts(case: tuple[Path, dict]) -> None:
    path, expected = case
    try:
        report = validate_document(_instance(path))
    except FormatError:
        # KoSIT rejects what it cannot read (no scenario matches); so do we, with a FormatError.
        assert expected.get("recommendation") == "reject" and "scenario" not in expected and not expected["levels"]
        return
    if "scenario" in expected:
        assert report.scenario == expected["scenario"]
    elif report.scenario is None:
        # No scenario matches (e.g. no CustomizationID): KoSIT rejects, we name no scenario and no recommendation.
        assert expected.get("recommendation") == "reject" and report.recommendation is None
        return
    if "recommendation" in expected:
        assert report.recommendation == expected["recommendation"], [f"{f.rule_id}: {f.message}" for f in report.fatal]
    levels = {f.rule_id: f.severity for f in report.findings}
    assert {rule: levels.get(rule) for rule in expected["levels"]} == expected["levels"]


@needs_corpus
def test_standard_variant_raises_what_kosit_raises() -> None:
    """CII-SR-454 is a warning in EN 16931 and an error in every XRechnung CII scenario."""
    path = CONFIG / "src" / "test" / "cen-unit-test" / "cii-cii-sr-454-negative-test.xml"
    report = validate_document(_instance(path))
    assert report.scenario == "EN16931 XRechnung (CII)"
    assert "CII-SR-454" in {f.rule_id for f in report.fatal} and report.recommendation == "reject"


def test_no_recommendation_without_the_business_rules() -> None:
    if CORPUS is None:
        pytest.skip("../shared/corpus is not present on this machine")
    path = TEST_SUITE / "business-cases" / "standard" / "01.01a-INVOICE_ubl.xml"
    report = validate_document(path.read_bytes(), business_rules=False)
    assert report.scenario == "EN16931 XRechnung (UBL Invoice)" and report.recommendation is None


@needs_corpus
def test_bytes_handed_to_saxon_give_the_same_findings_as_the_tree() -> None:
    """RUNNER.parse(root, data) builds Saxon's tree from the document's own bytes; the findings must not change,
    whatever the encoding (one document is re-encoded to ISO-8859-1 with a declaration saying so)."""
    from pagero.formats.detect import detect

    paths = _business_cases()[:12]
    sample = re.sub(r"^<\?xml[^>]*\?>", "", paths[0].read_bytes().decode("utf-8"))
    assert any(ord(c) > 127 for c in sample)  # umlauts: the encoding matters
    latin = ('<?xml version="1.0" encoding="ISO-8859-1"?>' + sample).encode("iso-8859-1", errors="xmlcharrefreplace")
    documents = [p.read_bytes() for p in paths] + ["\ufeff".encode() + paths[1].read_bytes(), latin]
    for data in documents:
        detected, root = detect(data)
        sets, _ = rules.rule_sets_for(detected.syntax, detected.document_type, detected.customization)
        from_tree, from_bytes = rules.RUNNER.parse(root), rules.RUNNER.parse(root, data)
        for rule_set in sets:
            assert list(rules.RUNNER.run(rule_set, from_tree)) == list(rules.RUNNER.run(rule_set, from_bytes))
    # The bytes are really used (decoded as declared), not silently replaced by the tree.
    assert "ü" in rules._source_text(detect(latin)[1], latin) or "ä" in rules._source_text(detect(latin)[1], latin)


@pytest.mark.slow  # a Python process of its own, compiling the CII stylesheets from cold
def test_a_stylesheet_is_compiled_only_when_a_document_needs_it() -> None:
    """A process that validates one CII document compiles the CII stylesheets only (the CLI's start-up cost)."""
    import subprocess
    import sys

    from .corpus import ROOT

    if CORPUS is None:
        pytest.skip("../shared/corpus is not present on this machine")
    document = TEST_SUITE / "business-cases" / "standard" / "01.01a-INVOICE_uncefact.xml"
    script = (
        "import sys\n"
        "from pagero.formats.conversion import validate_document\n"
        "from pagero.formats.validation import rules\n"
        "validate_document(open(sys.argv[1], 'rb').read())\n"
        "print(rules.RUNNER.compiled())\n"
    )
    out = subprocess.run(
        [sys.executable, "-c", script, str(document)], cwd=ROOT, capture_output=True, text=True, timeout=300, check=True
    ).stdout
    assert out.strip() == "['EN16931-CII-validation.xslt', 'XRechnung-CII-validation.xslt']"


def _rule_tests() -> list[Path]:
    if CORPUS is None:
        return []
    return sorted((CORPUS / "xrechnung-schematron" / "test" / "instances").rglob("*.xml"))


@needs_corpus
@pytest.mark.corpus  # a sweep over the corpus: every XRechnung rule test instance
def test_xrechnung_rule_tests_fall_in_the_scenario_of_their_variant() -> None:
    """The XRechnung rule tests (fragments built for one rule each; their verdicts are not published) each fall in
    the scenario of their CustomizationID's variant, and those named negative/invalid/wrong are rejected."""
    paths = _rule_tests()
    assert len(paths) >= 300
    wrong = []
    for path in paths:
        report = validate_document(path.read_bytes())
        customization = report.customization or ""
        variant = "Extension" if "extension" in customization else "CVD" if ":cvd_" in customization else None
        root = {"invoice": "UBL Invoice", "credit_note": "UBL CreditNote"}[report.document_type]
        expected = f"EN16931 XRechnung{' ' + variant if variant else ''} ({'CII' if report.syntax == 'cii' else root})"
        if report.scenario != expected:
            wrong.append(f"{path.name}: {report.scenario} (expected {expected})")
        if re.search("negative|invalid|wrong", path.name, re.I) and report.recommendation != "reject":
            wrong.append(f"{path.name}: {report.recommendation}")
    assert wrong == []
