"""A formats port that answers from a table of canned documents: for unit-testing the pipeline's own decisions
(reject on a fatal finding, fail on a refusal, keep the rendition, ...) without running readers, writers, the XSD
and the Schematron rules.

Each canned document has its validation report and a rendition per target syntax, or the FormatError it is refused
with. It computes only what needs no reading: an empty document is refused as the real port refuses it, and an
unknown target syntax is refused naming the target. A document nobody canned is a mistake in the test, not a verdict
on the document: it raises NotCanned (an AssertionError), never a FormatError the pipeline would act on.
Every call is recorded with its CallContext, so a test can check what was asked for whom.

It passes the formats port contract (tests/contracts/test_formats_port_contract.py) with the contract's documents
canned; it holds nothing beyond what it was given.
"""

from __future__ import annotations

import hashlib
from dataclasses import dataclass, field

from pagero.documents import public as documents
from pagero.formats import public as formats


class NotCanned(AssertionError):
    """The fake was asked about a document (or a target) the test did not can."""


@dataclass(frozen=True)
class Canned:
    source: formats.Detected
    report: formats.ValidationReport
    renditions: dict[str, bytes] = field(default_factory=dict)
    warnings: dict[str, list[formats.ConversionWarning]] = field(default_factory=dict)


@dataclass(frozen=True)
class Call:
    method: str  # validate | convert:<target>
    document: bytes
    context: documents.CallContext


def format_error(code: str, message: str) -> formats.FormatError:
    """The FormatError subclass with this stable code. The formats context exports the base class and a few
    subclasses; the others are found by their code, as the strangler's codec finds them for replies."""
    pending: list[type[formats.FormatError]] = [formats.FormatError]
    while pending:
        cls = pending.pop()
        if cls.code == code:
            return cls(message)
        pending.extend(cls.__subclasses__())
    raise LookupError(f"no FormatError has the code {code!r}")


def _key(document: bytes) -> str:
    return hashlib.sha256(document).hexdigest()


class CannedFormats:
    def __init__(self) -> None:
        self._canned: dict[str, Canned] = {}
        self._refused: dict[str, formats.FormatError] = {}
        self.calls: list[Call] = []

    # -- the table -------------------------------------------------------------------------------------------
    def can(
        self,
        document: bytes,
        *,
        source: formats.Detected,
        report: formats.ValidationReport,
        renditions: dict[str, bytes] | None = None,
        warnings: dict[str, list[formats.ConversionWarning]] | None = None,
    ) -> None:
        """Answer `report` when `document` is validated and `renditions[target]` when it is converted."""
        self._canned[_key(document)] = Canned(source, report, dict(renditions or {}), dict(warnings or {}))

    def refuse(self, document: bytes, error: formats.FormatError) -> None:
        """Raise `error` (its own class, code, path and term) whenever `document` is validated or converted."""
        self._refused[_key(document)] = error

    # -- the port --------------------------------------------------------------------------------------------
    def validate(self, document: bytes, context: documents.CallContext) -> formats.ValidationReport:
        self.calls.append(Call("validate", document, context))
        return self._entry(document).report

    def convert(self, document: bytes, target: str, context: documents.CallContext) -> formats.Conversion:
        self.calls.append(Call(f"convert:{target}", document, context))
        if target not in formats.SYNTAXES:
            raise format_error(
                "unsupported_format", f"unknown target syntax {target!r}; use one of {', '.join(formats.SYNTAXES)}"
            )
        entry = self._entry(document)
        if target not in entry.renditions:
            raise NotCanned(f"no {target} rendition canned for document {_key(document)[:12]}")
        return formats.Conversion(entry.source, target, entry.renditions[target], list(entry.warnings.get(target, [])))

    def _entry(self, document: bytes) -> Canned:
        if not document:
            raise formats.EmptyDocument("the document is empty")
        key = _key(document)
        if key in self._refused:
            raise self._refused[key]
        if key not in self._canned:
            raise NotCanned(f"document {key[:12]} ({len(document)} bytes) is not canned in this CannedFormats")
        return self._canned[key]
