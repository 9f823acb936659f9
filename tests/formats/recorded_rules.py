"""The business rules' reports, replayed from a store keyed by what they depend on: for the fast tier.

A Schematron report (SVRL) depends only on the stylesheet (with the files beside it, such as Factur-X's code
database), the text of the document and the Saxon release. RecordedRules answers a run from its store when exactly
that stylesheet, text and release were run before, and runs the real SaxonRunner when they were not, recording the
report, or its refusal (RulesNotRun, replayed with the same message). Every answer in the store came from Saxon; a
change to a rule file, a document or Saxon is a new key, so nothing recorded can answer for it.

`make test-fast` installs it (tests/conftest.py, TEST_RULES_STORE) and keeps the store in var/test-cache/rules/, so
runs after the first compile and run no stylesheet whose files did not change. `make test` runs Saxon every time.
The replay gives what the real runner gives: tests/formats/test_recorded_rules.py.
"""

from __future__ import annotations

import hashlib
import os
import threading
from collections.abc import Iterator
from dataclasses import dataclass, field
from importlib.metadata import version
from pathlib import Path

from lxml import etree

from pagero.formats.validation import rules
from pagero.formats.validation.report import Finding

REPORT = ".svrl"  # the SVRL report Saxon gave
REFUSAL = ".refused"  # the message of the RulesNotRun Saxon's refusal gave (it cannot read the text or run the rules)


@dataclass
class PendingDocument:
    """A document handed to the rules: read by Saxon only if a rule set's report is not in the store."""

    root: etree._Element
    data: bytes | None
    digest: str
    parsed: rules.SaxonDocument | None = field(default=None, repr=False)


class RecordedRules:
    """SaxonRunner's parse and run, answered from a content-addressed store where it can be."""

    def __init__(self, store: Path, real: rules.SaxonRunner) -> None:
        self.store = store
        self.real = real
        self.replayed = 0
        self.recorded = 0
        self._stylesheets: dict[Path, str] = {}
        self._lock = threading.Lock()

    def parse(self, root: etree._Element, data: bytes | None = None) -> PendingDocument:
        digest = hashlib.sha256(rules.saxon_text(root, data).encode("utf-8")).hexdigest()
        return PendingDocument(root, data, digest)

    def run(self, rule_set: rules.RuleSet, document: PendingDocument) -> Iterator[Finding]:
        return rules.parse_svrl(self.svrl(rule_set, document).encode("utf-8"), rule_set.name, dict(rule_set.levels))

    def svrl(self, rule_set: rules.RuleSet, document: PendingDocument) -> str:
        key = hashlib.sha256(f"{self._stylesheet(rule_set.path)}:{document.digest}".encode()).hexdigest()
        path = self.store / key[:2] / key
        for kind in (REPORT, REFUSAL):
            try:
                recorded = path.with_suffix(kind).read_text(encoding="utf-8")
            except FileNotFoundError:
                continue
            with self._lock:
                self.replayed += 1
            if kind == REFUSAL:
                raise rules.RulesNotRun(recorded)
            return recorded
        try:
            if document.parsed is None:
                document.parsed = self.real.parse(document.root, document.data)
            report = self.real.svrl(rule_set, document.parsed)
        except rules.RulesNotRun as refusal:
            self._record(path.with_suffix(REFUSAL), str(refusal))
            raise
        self._record(path.with_suffix(REPORT), report)
        return report

    def _record(self, path: Path, text: str) -> None:
        path.parent.mkdir(parents=True, exist_ok=True)
        partial = path.with_name(f"{path.name}.{os.getpid()}.{threading.get_ident()}")
        partial.write_text(text, encoding="utf-8")
        os.replace(partial, path)  # another test worker may record the same answer at the same time: both are whole
        with self._lock:
            self.recorded += 1

    def _stylesheet(self, stylesheet: Path) -> str:
        """The digest of a stylesheet, the files of its folder (what it reads with document()) and Saxon's release."""
        digest = self._stylesheets.get(stylesheet)
        if digest is None:
            hasher = hashlib.sha256(f"saxonche {version('saxonche')}:{stylesheet.name}".encode())
            for file in sorted(p for p in stylesheet.parent.iterdir() if p.is_file()):
                hasher.update(file.name.encode() + b"\0" + file.read_bytes())
            digest = self._stylesheets[stylesheet] = hasher.hexdigest()
        return digest


def replay_from(store: Path) -> None:
    """Business rules run from now on in this process are answered from `store` where they can be."""
    rules.RUNNER = RecordedRules(store, rules.RUNNER)  # type: ignore[assignment]
