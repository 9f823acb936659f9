"""XML Schema validation with lxml (the vendored UBL 2.1 and CII D16B schemas), schemas loaded once, followed by
the value checks the schemas leave out (dates.py: calendar dates that do not exist)."""

from __future__ import annotations

import itertools
import threading
from collections.abc import Iterable, Iterator
from pathlib import Path
from typing import Protocol, cast

from lxml import etree

from .dates import check_dates
from .report import Finding, term_in

ARTEFACTS = Path(__file__).resolve().parent.parent / "artefacts"
SCHEMAS = {
    ("ubl", "invoice"): ARTEFACTS / "ubl-2.1" / "maindoc" / "UBL-Invoice-2.1.xsd",
    ("ubl", "credit_note"): ARTEFACTS / "ubl-2.1" / "maindoc" / "UBL-CreditNote-2.1.xsd",
    ("ubl", "order"): ARTEFACTS / "ubl-2.1" / "maindoc" / "UBL-Order-2.1.xsd",
    ("cii", "invoice"): ARTEFACTS / "cii-d16b" / "CrossIndustryInvoice_100pD16B.xsd",
    ("cii", "credit_note"): ARTEFACTS / "cii-d16b" / "CrossIndustryInvoice_100pD16B.xsd",
}


class _LogEntry(Protocol):
    """What a schema finding is read from: an entry of lxml's error log."""

    message: str
    path: str | None
    line: int


# One compiled schema per thread: an lxml XMLSchema keeps the errors of its last validation on itself, so two
# threads validating with the same object read each other's errors.
_local = threading.local()


def schema_for(syntax: str, document_type: str) -> etree.XMLSchema | None:
    path = SCHEMAS.get((syntax, document_type))
    if path is None:
        return None
    loaded: dict[Path, etree.XMLSchema] = _local.__dict__.setdefault("schemas", {})
    if path not in loaded:
        # Imports are resolved from the local files next to the schema; no network access.
        parser = etree.XMLParser(no_network=True, resolve_entities=False)
        loaded[path] = etree.XMLSchema(etree.parse(str(path), parser))
    return loaded[path]


def validate_xsd(root: etree._Element, syntax: str, document_type: str) -> Iterator[Finding]:
    """Validates now; the findings are made as they are consumed (the report keeps the first MAX_FINDINGS and only
    counts the rest, so a document with a million errors does not become a million objects). Impossible calendar
    dates follow the schema's findings (rule set "Pagero")."""
    return itertools.chain(_schema_findings(root, syntax, document_type), check_dates(root, syntax))


def _schema_findings(root: etree._Element, syntax: str, document_type: str) -> Iterator[Finding]:
    schema = schema_for(syntax, document_type)
    if schema is None or schema.validate(root):
        return iter(())
    # A copy, taken now: the findings are made later, as they are consumed. (lxml-stubs declares no entries on it.)
    errors = cast("Iterable[_LogEntry]", schema.error_log)
    return (
        Finding(
            rule_id="XSD",
            severity="fatal",
            message=error.message,
            location=error.path or f"line {error.line}",
            term=term_in(error.message),
            rule_set="xsd",
        )
        for error in errors
    )
