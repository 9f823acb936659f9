"""XML Schema validation with lxml (the vendored UBL 2.1 and CII D16B schemas, compiled by schema_files.py),
followed by the value checks the schemas leave out (dates.py: calendar dates that do not exist)."""

from __future__ import annotations

import itertools
from collections.abc import Iterator
from pathlib import Path

from lxml import etree

from ..schema_files import SCHEMA_POOL
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


def validate_xsd(root: etree._Element, syntax: str, document_type: str) -> Iterator[Finding]:
    """Validates now; the findings are made as they are consumed (the report keeps the first MAX_FINDINGS and only
    counts the rest, so a document with a million errors does not become a million objects). Impossible calendar
    dates follow the schema's findings (rule set "Pagero")."""
    return itertools.chain(_schema_findings(root, syntax, document_type), check_dates(root, syntax))


def _schema_findings(root: etree._Element, syntax: str, document_type: str) -> Iterator[Finding]:
    path = SCHEMAS.get((syntax, document_type))
    if path is None:
        return iter(())
    errors = SCHEMA_POOL.errors(root, path)  # a copy, taken now: the findings are made later, as they are consumed
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
