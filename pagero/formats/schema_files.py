"""XSD checks: the compiled schemas, lent to one validation at a time, and the schemas the hybrid and older formats
bring (artefacts/facturx): Factur-X profiles, CII D22B and ZUGFeRD 1.0.

An lxml XMLSchema keeps the errors of its last validation on itself, so two threads must not validate with one at the
same time; and compiling one costs far more than a validation (UBL's, with its imports: ~40 ms against well under a
millisecond for an invoice; bench/xsd_threads.py). A validation borrows a compiled schema from the
pool and gives it back, so concurrent validations each have their own while a thread that ends (a threaded server
starts one per request) leaves its schema to the next instead of every thread compiling its own.
"""

from __future__ import annotations

import itertools
import threading
from collections import defaultdict
from collections.abc import Sequence
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


class SchemaPool:
    """Compiled schemas by path, each lent to one validation at a time."""

    def __init__(self) -> None:
        self._lock = threading.Lock()
        self._free: defaultdict[Path, list[etree.XMLSchema]] = defaultdict(list)
        self.compiled = 0

    def errors(self, root: etree._Element, path: Path) -> Sequence[_LogEntry]:
        """The schema's errors on the document: none when it is valid. A copy, the schema's own log is not kept."""
        schema = self._borrow(path)
        try:
            return () if schema.validate(root) else cast("Sequence[_LogEntry]", schema.error_log)
        finally:
            with self._lock:
                self._free[path].append(schema)

    def _borrow(self, path: Path) -> etree.XMLSchema:
        with self._lock:
            if self._free[path]:
                return self._free[path].pop()
            self.compiled += 1
        # Compiled outside the lock: another validation need not wait for it. Imports are resolved from the files
        # next to the schema; no network access.
        parser = etree.XMLParser(no_network=True, resolve_entities=False)
        return etree.XMLSchema(etree.parse(str(path), parser))


SCHEMA_POOL = SchemaPool()


def xsd_findings(root: etree._Element, path: Path, rule_set: str) -> list[Finding]:
    """The document against the schema at `path`: a finding per error (the first MAX_FINDINGS)."""
    errors = itertools.islice(SCHEMA_POOL.errors(root, path), MAX_FINDINGS)
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
