"""Errors of the formats context. Each has a stable `code` for API bodies and CLI messages."""

from __future__ import annotations

from dataclasses import dataclass
from typing import TYPE_CHECKING, Any

if TYPE_CHECKING:
    from .validation.report import Finding


class FormatError(Exception):
    """Input that cannot be read: the message names the problem (and the BT and path when known)."""

    code = "invalid_document"

    def __init__(self, message: str, *, path: str | None = None, term: str | None = None) -> None:
        super().__init__(message)
        self.message, self.path, self.term = message, path, term

    def as_dict(self) -> dict[str, str]:
        body = {"error": self.code, "message": self.message}
        if self.path:
            body["path"] = self.path
        if self.term:
            body["term"] = self.term
        return body


class EmptyDocument(FormatError):
    code = "empty_document"


class DocumentTooLarge(FormatError):
    code = "document_too_large"


class DocumentTooComplex(FormatError):
    """Within the size limit but beyond the parsing budget (nesting depth, element or segment count)."""

    code = "document_too_complex"


class MalformedXml(FormatError):
    code = "malformed_xml"


class ForbiddenXmlFeature(FormatError):
    code = "forbidden_xml_feature"


class UnsupportedFormat(FormatError):
    code = "unsupported_format"


class InvalidValue(FormatError):
    code = "invalid_value"


class UnreadableDocument(FormatError):
    """A reader or writer failed in a way no specific check foresaw; the message names the failure."""

    code = "unreadable_document"


class RulesNotRun(FormatError):
    """The business rules could not be run on a document that passed parsing (Saxon refused it)."""

    code = "rules_not_run"


class NotLossless(FormatError):
    """Converting would lose information; the warnings say what and where."""

    code = "not_lossless"


@dataclass(frozen=True)
class ConversionWarning:
    """Something in the source (or the model) that the target cannot hold."""

    path: str
    message: str
    term: str | None = None

    def __str__(self) -> str:
        where = f"{self.term} at {self.path}" if self.term else self.path
        return f"{where}: {self.message}"


@dataclass(frozen=True)
class ConversionNote(ConversionWarning):
    """Something in the source that has no EN 16931 term and that no other syntax holds either: reported, but
    the conversion loses nothing a recipient could read, so it does not make the conversion lossy."""


class InvalidOutput(FormatError):
    """A conversion's output fails its schema or the rules it declares: it is never returned. `findings` says why."""

    code = "invalid_output"

    def __init__(self, message: str, *, findings: list[Finding] | None = None) -> None:
        super().__init__(message)
        self.findings = list(findings or [])

    def as_dict(self) -> dict[str, Any]:
        body: dict[str, Any] = dict(super().as_dict())
        body["findings"] = [
            {"rule_id": f.rule_id, "severity": f.severity, "message": f.message, "location": f.location, "term": f.term}
            for f in self.findings
        ]
        return body


def second_value(path: str, term: str, value: str | None) -> ConversionWarning:
    """A source that states a single-valued term twice (CII DepartmentName beside PersonName, ProprietaryID beside
    IBANID, ...): the first value is kept, this one cannot be carried over."""
    shown = "" if value is None else f" {value if len(value) <= 40 else value[:40] + '…'!r}"
    return ConversionWarning(
        path=path,
        message=f"second value for {term}{shown}: EN 16931 holds one value, the first is kept and this one is lost",
        term=term,
    )
