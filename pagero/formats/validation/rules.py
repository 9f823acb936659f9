"""Business rules: the official Schematron rules compiled to XSLT 2.0, run with Saxon (saxonche).

Each thread has its own Saxon processor and compiles each stylesheet once, on first use; a document is parsed
into Saxon once and that node is given to every rule set that applies to it.
"""

from __future__ import annotations

import threading
from collections.abc import Iterator
from dataclasses import dataclass, field
from pathlib import Path

from lxml import etree

from ..errors import RulesNotRun
from .report import Finding, term_in

RULES = Path(__file__).resolve().parent.parent / "artefacts" / "rules"
SVRL = "http://purl.oclc.org/dsdl/svrl"
FAILED_ASSERT, SUCCESSFUL_REPORT = f"{{{SVRL}}}failed-assert", f"{{{SVRL}}}successful-report"


@dataclass(frozen=True)
class RuleSet:
    name: str
    path: Path


EN16931_UBL = RuleSet("EN16931", RULES / "en16931" / "EN16931-UBL-validation.xslt")
EN16931_CII = RuleSet("EN16931", RULES / "en16931" / "EN16931-CII-validation.xslt")
PEPPOL_UBL = RuleSet("Peppol BIS Billing 3.0", RULES / "peppol" / "PEPPOL-EN16931-UBL.xslt")
XRECHNUNG_UBL = RuleSet("XRechnung 3.0.2", RULES / "xrechnung" / "XRechnung-UBL-validation.xslt")
XRECHNUNG_CII = RuleSet("XRechnung 3.0.2", RULES / "xrechnung" / "XRechnung-CII-validation.xslt")

PEPPOL_BILLING = "urn:fdc:peppol.eu:2017:poacc:billing:3.0"
XRECHNUNG = "urn:xeinkauf.de:kosit:xrechnung"
# Factur-X / ZUGFeRD profiles below EN 16931: the EN 16931 rules do not apply to them by design.
NOT_EN16931 = (
    "urn:factur-x.eu:1p0:minimum",
    "urn:factur-x.eu:1p0:basicwl",
    "urn:zugferd.de:2p0:minimum",
    "urn:zugferd.de:2p0:basicwl",
)


def rule_sets_for(syntax: str, document_type: str, customization: str | None) -> tuple[list[RuleSet], list[str]]:
    """The rule sets that apply, and notes about rule sets that would apply but are not available."""
    if document_type not in {"invoice", "credit_note"}:
        return [], [f"no business rules are applied to {document_type} documents, only the schema"]
    customization = customization or ""
    if customization.startswith(NOT_EN16931):
        return [], [f"{customization} is a profile below EN 16931: its business rules are not applied"]
    notes: list[str] = []
    if syntax == "ubl":
        sets = [EN16931_UBL]
        if PEPPOL_BILLING in customization:
            sets.append(PEPPOL_UBL)
        if XRECHNUNG in customization:
            sets.append(XRECHNUNG_UBL)
        return sets, notes
    sets = [EN16931_CII]
    if XRECHNUNG in customization:
        sets.append(XRECHNUNG_CII)
    if PEPPOL_BILLING in customization:
        notes.append("Peppol rules for CII are published only as Schematron; they are not applied")
    return sets, notes


class SaxonRunner:
    """A Saxon processor and its compiled stylesheets per thread, created on the thread's first use.

    Threads never share a processor, so validations run in parallel without a lock; each thread compiles a
    stylesheet the first time it needs it. A node from parse() belongs to the calling thread's processor: run()
    it on the same thread.
    """

    def __init__(self) -> None:
        self._local = threading.local()

    def _state(self) -> _ThreadSaxon:
        state = getattr(self._local, "saxon", None)
        if state is None:
            from saxonche import PySaxonProcessor

            state = self._local.saxon = _ThreadSaxon(PySaxonProcessor(license=False))
        return state

    def processor(self):
        return self._state().processor

    def executable(self, rule_set: RuleSet):
        state = self._state()
        executable = state.compiled.get(rule_set.path)
        if executable is None:
            compiler = state.processor.new_xslt30_processor()
            executable = state.compiled[rule_set.path] = compiler.compile_stylesheet(stylesheet_file=str(rule_set.path))
        return executable

    def parse(self, root: etree._Element):
        """Hand the already parsed document to Saxon (as text: whatever the source encoding was)."""
        from saxonche import PySaxonApiError

        text = etree.tostring(root, encoding="unicode")
        try:
            return self.processor().parse_xml(xml_text=text)
        except PySaxonApiError as exc:
            raise RulesNotRun(f"the business rules could not read the document: {_first_line(exc)}") from None

    def run(self, rule_set: RuleSet, node) -> Iterator[Finding]:
        """Runs the rule set now; its findings are made as they are consumed (the report keeps the first ones and
        counts the others)."""
        from saxonche import PySaxonApiError

        executable = self.executable(rule_set)
        try:
            svrl = executable.transform_to_string(xdm_node=node)
        except PySaxonApiError as exc:
            raise RulesNotRun(
                f"the {rule_set.name} rules could not be run on the document: {_first_line(exc)}"
            ) from None
        return parse_svrl(svrl.encode("utf-8"), rule_set.name)


@dataclass
class _ThreadSaxon:
    processor: object
    compiled: dict[Path, object] = field(default_factory=dict)


def _first_line(exc: Exception) -> str:
    return (str(exc).strip().splitlines() or ["unknown error"])[0][:300]


def parse_svrl(svrl: bytes, rule_set: str) -> Iterator[Finding]:
    """The findings of an SVRL report: parsed now, each Finding made as it is consumed (see ValidationReport.add)."""
    root = etree.fromstring(svrl)
    return (_finding(element, rule_set) for element in root.iter(FAILED_ASSERT, SUCCESSFUL_REPORT))


def _finding(element: etree._Element, rule_set: str) -> Finding:
    flag = (element.get("flag") or "fatal").lower()
    text = " ".join("".join(element.findtext(f"{{{SVRL}}}text") or "").split())
    return Finding(
        rule_id=element.get("id") or "?",
        severity="warning" if flag in {"warning", "information", "info"} else "fatal",
        message=text,
        location=element.get("location"),
        term=term_in(text),
        rule_set=rule_set,
    )


RUNNER = SaxonRunner()
