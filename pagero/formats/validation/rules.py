"""Business rules: the official Schematron rules compiled to XSLT 2.0, run with Saxon (saxonche).

Each thread has its own Saxon processor and compiles each stylesheet once, on first use (a process that validates
only CII never compiles the UBL stylesheets); a document is parsed into Saxon once, from its own bytes when they are
given, and that node is given to every rule set that applies to it. The KoSIT scenario the document falls in
(scenarios.py) sets the severity of some rules; each rule set carries those overrides.
"""

from __future__ import annotations

import threading
import time
from collections.abc import Iterator
from dataclasses import dataclass, field, replace
from pathlib import Path
from typing import TYPE_CHECKING

from lxml import etree

from ..errors import RulesNotRun
from .report import Finding, term_in
from .scenarios import scenario_for

if TYPE_CHECKING:  # at run time saxonche is imported only where the rules first run
    from saxonche import PySaxonProcessor, PyXdmNode, PyXsltExecutable

RULES = Path(__file__).resolve().parent.parent / "artefacts" / "rules"
SVRL = "http://purl.oclc.org/dsdl/svrl"
FAILED_ASSERT, SUCCESSFUL_REPORT = f"{{{SVRL}}}failed-assert", f"{{{SVRL}}}successful-report"


@dataclass(frozen=True)
class RuleSet:
    name: str
    path: Path
    # (rule id, severity) overriding the stylesheet's flag: the KoSIT scenario's custom levels.
    levels: tuple[tuple[str, str], ...] = ()


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
    else:
        sets = [EN16931_CII]
        if XRECHNUNG in customization:
            sets.append(XRECHNUNG_CII)
        if PEPPOL_BILLING in customization:
            notes.append("Peppol rules for CII are published only as Schematron; they are not applied")
    scenario = scenario_for(syntax, document_type, customization)
    if scenario is not None and scenario.levels:
        # KoSIT applies a scenario's levels to the findings of all its steps, the EN 16931 rules included.
        sets = [replace(rule_set, levels=scenario.levels) for rule_set in sets]
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

    def processor(self) -> PySaxonProcessor:
        return self._state().processor

    def executable(self, rule_set: RuleSet) -> PyXsltExecutable:
        state = self._state()
        executable = state.compiled.get(rule_set.path)
        if executable is None:
            compiler = state.processor.new_xslt30_processor()
            executable = state.compiled[rule_set.path] = compiler.compile_stylesheet(stylesheet_file=str(rule_set.path))
        return executable

    def parse(self, root: etree._Element, data: bytes | None = None) -> PyXdmNode:
        """Hand the document to Saxon: its own bytes when given (decoded with the encoding lxml found, so Saxon
        builds its tree from the source text without the tree being serialised again), else the parsed tree as text.
        """
        from saxonche import PySaxonApiError

        text = _source_text(root, data) if data is not None else None
        if text is None:
            text = etree.tostring(root, encoding="unicode")
        try:
            return self.processor().parse_xml(xml_text=text)
        except PySaxonApiError as exc:
            raise RulesNotRun(f"the business rules could not read the document: {_first_line(exc)}") from None

    def run(self, rule_set: RuleSet, node: PyXdmNode) -> Iterator[Finding]:
        """Runs the rule set now; its findings are made as they are consumed (the report keeps the first ones and
        counts the others)."""
        from saxonche import PySaxonApiError

        executable = self.executable(rule_set)
        started = time.perf_counter()
        try:
            svrl = executable.transform_to_string(xdm_node=node)
        except PySaxonApiError as exc:
            raise RulesNotRun(
                f"the {rule_set.name} rules could not be run on the document: {_first_line(exc)}"
            ) from None
        finally:
            TIMINGS.add(rule_set.path.name, time.perf_counter() - started)
        return parse_svrl(svrl.encode("utf-8"), rule_set.name, dict(rule_set.levels))


class RuleSetTimings:
    """Time spent and documents run per stylesheet in this process (for the benchmark and operators)."""

    def __init__(self) -> None:
        self._lock = threading.Lock()
        self.seconds: dict[str, float] = {}
        self.runs: dict[str, int] = {}

    def add(self, stylesheet: str, seconds: float) -> None:
        with self._lock:
            self.seconds[stylesheet] = self.seconds.get(stylesheet, 0.0) + seconds
            self.runs[stylesheet] = self.runs.get(stylesheet, 0) + 1

    def reset(self) -> None:
        with self._lock:
            self.seconds.clear()
            self.runs.clear()


TIMINGS = RuleSetTimings()


def _source_text(root: etree._Element, data: bytes) -> str | None:
    """The document's text from its bytes, or None when they cannot be decoded the way lxml read them."""
    encoding = root.getroottree().docinfo.encoding or "utf-8"
    try:
        text = data.decode("utf-8-sig" if encoding.lower().replace("_", "-") in {"utf-8", "utf8"} else encoding)
    except (LookupError, UnicodeDecodeError):
        return None
    # Saxon reads a string as characters: an encoding declaration in it is ignored, a BOM would not be.
    return text.lstrip("\ufeff")


@dataclass
class _ThreadSaxon:
    processor: PySaxonProcessor
    compiled: dict[Path, PyXsltExecutable] = field(default_factory=dict)


def _first_line(exc: Exception) -> str:
    return (str(exc).strip().splitlines() or ["unknown error"])[0][:300]


def parse_svrl(svrl: bytes, rule_set: str, levels: dict[str, str] | None = None) -> Iterator[Finding]:
    """The findings of an SVRL report: parsed now, each Finding made as it is consumed (see ValidationReport.add).
    `levels` overrides the severity of the rules it names (a KoSIT scenario's custom levels)."""
    root = etree.fromstring(svrl)
    return (_finding(element, rule_set, levels or {}) for element in root.iter(FAILED_ASSERT, SUCCESSFUL_REPORT))


def _finding(element: etree._Element, rule_set: str, levels: dict[str, str]) -> Finding:
    flag = (element.get("flag") or "fatal").lower()
    text = " ".join("".join(element.findtext(f"{{{SVRL}}}text") or "").split())
    rule_id = element.get("id") or "?"
    default = "warning" if flag in {"warning", "information", "info"} else "fatal"
    return Finding(
        rule_id=rule_id,
        severity=levels.get(rule_id, default),
        message=text,
        location=element.get("location"),
        term=term_in(text),
        rule_set=rule_set,
    )


RUNNER = SaxonRunner()
