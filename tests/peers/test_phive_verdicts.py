"""Our validator against phive, document by document, on the shared corpus.

For the CEN, Peppol BIS Billing and XRechnung test-suite invoices and credit notes, phive chooses its rule set by
root element and CustomizationID (EN 16931 only, + Peppol, + XRechnung); our `formats.validate` chooses its own,
and both must have applied the same family. Then the verdict (valid or not) and the set of failed fatal rule ids
must be equal. CEN's unit-test documents (fragments built to trigger one rule, not schema-valid) are compared on
the EN 16931 business rules only. Disagreements must be listed in phive_known_differences.py, and every listed one
must still occur.
"""

from __future__ import annotations

import fnmatch
from dataclasses import dataclass

import pytest

from pagero.formats import public as formats

from .conftest import (
    CORPUS,
    Document,
    PhiveResult,
    example_documents,
    run_harness,
    unit_test_documents,
)
from .phive_known_differences import KNOWN_DIFFERENCES, KnownDifference

pytestmark = [
    pytest.mark.slow,
    pytest.mark.skipif(CORPUS is None, reason="../shared/corpus is not present on this machine"),
]

# phive's rule-set groups and the rule sets our report names for the same family.
FAMILIES = {
    "eu.cen.en16931": ("EN16931",),
    "eu.peppol.bis3": ("EN16931", "Peppol"),
    "de.xrechnung": ("EN16931", "XRechnung"),
    "de.xrechnung.extension": ("EN16931", "XRechnung"),
}


@dataclass
class Comparison:
    document: Document
    phive: PhiveResult
    ours_valid: bool | None
    ours_fatal: set[str]
    ours_rule_sets: list[str]
    ours_error: str | None = None

    def _compared(self, fatal: set[str]) -> set[str]:
        if self.document.rules_only:
            return fatal - {"XSD"}
        if self.phive.skipped:
            # phive stops at a schema error (its business-rule layers are skipped): only the schema compares.
            return fatal & {"XSD"}
        return fatal

    @property
    def compared_phive(self) -> set[str]:
        return self._compared(self.phive.errors)

    @property
    def compared_ours(self) -> set[str]:
        return self._compared(self.ours_fatal)

    def differences(self) -> set[tuple[str, str]]:
        """(rule id, side reporting it) for every fatal rule only one side reports."""
        return {(rule, "ours") for rule in self.compared_ours - self.compared_phive} | {
            (rule, "phive") for rule in self.compared_phive - self.compared_ours
        }

    def verdicts(self) -> tuple[bool | None, bool | None]:
        if self.document.rules_only:
            return not self.compared_ours, not self.compared_phive
        return self.ours_valid, self.phive.valid


def ours(document: Document) -> tuple[bool | None, set[str], list[str], str | None]:
    try:
        report = formats.validate(document.path.read_bytes())
    except formats.FormatError as exc:
        return None, set(), [], f"{exc.code}: {exc}"
    # A truncated report would hide fatal rule ids: the comparison needs all of them.
    assert report.omitted_fatal == 0, f"{document.name}: the report omitted {report.omitted_fatal} fatal findings"
    return report.valid, {f.rule_id for f in report.fatal}, list(report.rule_sets), None


@pytest.fixture(scope="session")
def comparisons(phive_classpath: str, tmp_path_factory: pytest.TempPathFactory) -> list[Comparison]:
    documents = example_documents() + unit_test_documents(tmp_path_factory.mktemp("cen-unit-tests"))
    phive = run_harness(phive_classpath, documents)
    result = []
    for document in documents:
        valid, fatal, rule_sets, error = ours(document)
        result.append(Comparison(document, phive[document.name], valid, fatal, rule_sets, error))
    return result


def known(name: str, rule: str, side: str) -> KnownDifference | None:
    return next(
        (
            k
            for k in KNOWN_DIFFERENCES
            if k.rule_id == rule and k.side == side and fnmatch.fnmatchcase(name, k.documents)
        ),
        None,
    )


def test_the_whole_corpus_is_compared(comparisons: list[Comparison]) -> None:
    examples = [c for c in comparisons if not c.document.rules_only]
    fragments = [c for c in comparisons if c.document.rules_only]
    assert len(examples) >= 100 and len(fragments) >= 800
    unread = [
        f"{c.document.name}: phive: {c.phive.error}; ours: {c.ours_error}"
        for c in comparisons
        if c.phive.error or c.ours_error
    ]
    assert unread == []


def test_phive_and_ours_do_what_cen_unit_tests_expect(comparisons: list[Comparison]) -> None:
    """The reference is not vacuous: on every CEN unit-test document, the rule it must fail fails and the rule
    it must pass passes, for phive and for us. And the standard XRechnung business cases are valid for phive."""
    wrong = []
    checked = 0
    for c in comparisons:
        for side, fatal in (("phive", c.compared_phive), ("ours", c.compared_ours)):
            checked += len(c.document.expected_errors) + len(c.document.expected_passes)
            wrong += [f"{c.document.name}: {side} does not fail {r}" for r in c.document.expected_errors - fatal]
            wrong += [f"{c.document.name}: {side} fails {r}" for r in c.document.expected_passes & fatal]
    assert checked >= 1000 and wrong == []
    standard = [c for c in comparisons if "/business-cases/standard/" in c.document.name]
    assert standard and all(c.phive.valid for c in standard)


def test_both_sides_apply_the_same_rule_sets(comparisons: list[Comparison]) -> None:
    mismatched = []
    for c in comparisons:
        if c.document.rules_only:
            continue
        groups = {vesid.rsplit(":", 2)[0] for vesid in c.phive.vesid.split(",")}
        expected = {family for group in groups for family in FAMILIES[group]}
        applied = {
            family
            for family in ("EN16931", "Peppol", "XRechnung")
            if any(name.startswith(family) for name in c.ours_rule_sets)
        }
        if "xsd" not in c.ours_rule_sets or applied != expected:
            mismatched.append(f"{c.document.name}: phive {c.phive.vesid}, ours {c.ours_rule_sets}")
    assert mismatched == []


def test_verdicts_and_fatal_rules_agree(comparisons: list[Comparison]) -> None:
    new = []
    for c in comparisons:
        unexplained = sorted(
            (rule, side) for rule, side in c.differences() if known(c.document.name, rule, side) is None
        )
        ours_valid, phive_valid = c.verdicts()
        if unexplained or (ours_valid != phive_valid and not c.differences()):
            new.append(
                f"{c.document.name} [{c.phive.vesid}]: ours valid={ours_valid} {sorted(c.compared_ours)}, "
                f"phive valid={phive_valid} {sorted(c.compared_phive)}; unexplained: {unexplained}"
            )
    agreed = sum(1 for c in comparisons if not c.differences() and c.verdicts()[0] == c.verdicts()[1])
    assert new == [], f"{len(new)} new disagreement(s) with phive ({agreed}/{len(comparisons)} agree):\n" + "\n".join(
        new
    )


def test_every_known_difference_still_occurs(comparisons: list[Comparison]) -> None:
    occurring = {known(c.document.name, rule, side) for c in comparisons for rule, side in c.differences()}
    gone = [f"{k.documents} {k.rule_id} ({k.side})" for k in KNOWN_DIFFERENCES if k not in occurring]
    assert gone == [], "no longer a difference, remove from phive_known_differences.py:\n" + "\n".join(gone)
