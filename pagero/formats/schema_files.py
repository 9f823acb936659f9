"""XSD checks against the schemas the hybrid and older formats bring (artefacts/facturx): Factur-X profiles, CII
D22B and ZUGFeRD 1.0. Each schema is loaded once, on first use; findings are reported as the XSD step reports them."""

from __future__ import annotations

import itertools
import threading
from collections.abc import Iterable
from pathlib import Path
from typing import TYPE_CHECKING, cast

from lxml import etree

from .limits import MAX_FINDINGS
from .validation.report import Finding

if TYPE_CHECKING:
    from lxml.etree import _LogEntry

FACTURX_ARTEFACTS = Path(__file__).resolve().parent / "artefacts" / "facturx"
ZUGFERD1_XSD = FACTURX_ARTEFACTS / "zugferd1" / "ZUGFeRD1p0.xsd"
D22B_XSD = FACTURX_ARTEFACTS / "extended" / "Factur-X_EXTENDED.xsd"

_lock = threading.Lock()
_schemas: dict[Path, etree.XMLSchema] = {}


def schema(path: Path) -> etree.XMLSchema:
    with _lock:
        loaded = _schemas.get(path)
        if loaded is None:
            loaded = _schemas[path] = etree.XMLSchema(etree.parse(str(path)))
    return loaded


def xsd_findings(root: etree._Element, path: Path, rule_set: str) -> list[Finding]:
    """The document against the schema at `path`: a finding per error (the first MAX_FINDINGS)."""
    checker = schema(path)
    with _lock:  # an XMLSchema's error log belongs to its last validation
        if checker.validate(root):
            return []
        errors = list(itertools.islice(cast("Iterable[_LogEntry]", checker.error_log), MAX_FINDINGS))
    return [
        Finding(
            rule_id="XSD",
            severity="fatal",
            message=error.message,
            location=error.path or f"line {error.line}",
            term=None,
            rule_set=rule_set,
        )
        for error in errors
    ]
