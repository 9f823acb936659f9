"""The validation report: one verdict, and every finding with rule, severity, message, location and BT."""

from __future__ import annotations

import re
from dataclasses import asdict, dataclass, field

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
    syntax: str
    document_type: str
    customization: str | None
    rule_sets: list[str] = field(default_factory=list)
    findings: list[Finding] = field(default_factory=list)
    notes: list[str] = field(default_factory=list)

    @property
    def valid(self) -> bool:
        return not any(f.severity == "fatal" for f in self.findings)

    @property
    def fatal(self) -> list[Finding]:
        return [f for f in self.findings if f.severity == "fatal"]

    def as_dict(self) -> dict[str, object]:
        body = asdict(self)
        body["valid"] = self.valid
        body["fatal_count"] = len(self.fatal)
        body["warning_count"] = len(self.findings) - len(self.fatal)
        return body
