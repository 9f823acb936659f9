"""The validation report: one verdict, and every finding with rule, severity, message, location and BT."""

from __future__ import annotations

import re
from collections.abc import Iterable
from dataclasses import asdict, dataclass, field

from ..limits import MAX_FINDINGS

TERM = re.compile(r"\b(B[TG]-\d+)\b")


def term_in(message: str) -> str | None:
    match = TERM.search(message)
    return match.group(1) if match else None


@dataclass(frozen=True)
class Finding:
    rule_id: str
    severity: str  # fatal | warning
    message: str
    location: str | None
    term: str | None
    rule_set: str  # xsd | EN16931 | Peppol BIS Billing 3.0 | XRechnung 3.0.2


@dataclass
class ValidationReport:
    """The verdict and the findings. Only the first MAX_FINDINGS findings are kept (a hostile document can fail
    one rule 100,000 times); the others are counted, so the verdict and the totals stay exact."""

    syntax: str
    document_type: str
    customization: str | None
    rule_sets: list[str] = field(default_factory=list)
    findings: list[Finding] = field(default_factory=list)
    notes: list[str] = field(default_factory=list)
    omitted_fatal: int = 0
    omitted_warnings: int = 0

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
        body["valid"] = self.valid
        body["fatal_count"] = self.fatal_count
        body["warning_count"] = self.warning_count
        body["findings_total"] = self.findings_total
        body["truncated"] = self.truncated
        return body
