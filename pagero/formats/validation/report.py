"""The validation report: one verdict, and every finding with rule, severity, message, location and BT."""

from __future__ import annotations

import re
from collections.abc import Iterable
from dataclasses import asdict, dataclass, field

from ..limits import MAX_FINDINGS
from .scenarios import scenario_for

TERM = re.compile(r"\b(B[TG]-\d+)\b")


def term_in(message: str) -> str | None:
    match = TERM.search(message)
    return match.group(1) if match else None


@dataclass(frozen=True)
class Finding:
    rule_id: str
    severity: str  # fatal | warning | information (only fatal fails the document)
    message: str
    location: str | None
    term: str | None
    rule_set: str  # xsd | Pagero | EN16931 | Peppol BIS Billing 3.0 | XRechnung 3.0.2


@dataclass
class ValidationReport:
    """The verdict and the findings. Only the first MAX_FINDINGS findings are kept (a hostile document can fail
    one rule 100,000 times); the others are counted, so the verdict and the totals stay exact.

    `scenario` is the KoSIT validator scenario the document falls in (None when KoSIT's XRechnung configuration has
    none for it); `recommendation` is KoSIT's "accept" or "reject" for it, None when no scenario applies or the
    business rules were not run."""

    syntax: str
    document_type: str
    customization: str | None
    rule_sets: list[str] = field(default_factory=list)
    findings: list[Finding] = field(default_factory=list)
    notes: list[str] = field(default_factory=list)
    omitted_fatal: int = 0
    omitted_warnings: int = 0
    scenario: str | None = field(init=False, default=None)

    def __post_init__(self) -> None:
        found = scenario_for(self.syntax, self.document_type, self.customization)
        self.scenario = found.name if found else None
        self._schematron_steps = found.schematron_steps if found else 0

    @property
    def recommendation(self) -> str | None:
        """KoSIT's recommendation: accept when the scenario's schema and Schematron steps found no error (after the
        scenario's severity overrides), else reject. Our own findings (rule set "Pagero") count too: KoSIT cannot
        see an impossible calendar date, but a document with one cannot be processed."""
        ran = [name for name in self.rule_sets if name != "xsd"]
        if self.scenario is None or "xsd" not in self.rule_sets or len(ran) < self._schematron_steps:
            return None
        return "accept" if self.valid else "reject"

    def add(self, findings: Iterable[Finding]) -> None:
        for finding in findings:
            if len(self.findings) < MAX_FINDINGS:
                self.findings.append(finding)
            elif finding.severity == "fatal":
                self.omitted_fatal += 1
            else:
                self.omitted_warnings += 1

    @property
    def valid(self) -> bool:
        return not self.omitted_fatal and not any(f.severity == "fatal" for f in self.findings)

    @property
    def fatal(self) -> list[Finding]:
        """The fatal findings kept in the report (fatal_count in as_dict() counts all)."""
        return [f for f in self.findings if f.severity == "fatal"]

    @property
    def fatal_count(self) -> int:
        return len(self.fatal) + self.omitted_fatal

    @property
    def warning_count(self) -> int:
        return self.findings_total - self.fatal_count

    @property
    def findings_total(self) -> int:
        return len(self.findings) + self.omitted_fatal + self.omitted_warnings

    @property
    def truncated(self) -> bool:
        return self.findings_total > len(self.findings)

    def as_dict(self) -> dict[str, object]:
        body = asdict(self)
        body["recommendation"] = self.recommendation
        body["valid"] = self.valid
        body["fatal_count"] = self.fatal_count
        body["warning_count"] = self.warning_count
        body["findings_total"] = self.findings_total
        body["truncated"] = self.truncated
        return body
