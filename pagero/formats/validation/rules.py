"""Business rules: the official Schematron rules compiled to XSLT 2.0, run with Saxon (saxonche).

Each thread has its own Saxon processor and compiles each stylesheet once, on first use (a process that validates
only CII never compiles the UBL stylesheets); a document is parsed into Saxon once, from its own bytes when they are
given, and that node is given to every rule set that applies to it. The KoSIT scenario the document falls in
(scenarios.py) sets the severity of some rules; each rule set carries those overrides.
"""

from __future__ import annotations

import itertools
import os
import threading
import time
from collections.abc import Callable, Iterator
from concurrent.futures import ThreadPoolExecutor
from dataclasses import dataclass, replace
from pathlib import Path
from typing import TYPE_CHECKING, TypeVar

from lxml import etree

from ..errors import RulesNotRun
from .report import Finding, term_in
from .scenarios import scenario_for

if TYPE_CHECKING:  # at run time saxonche is imported only where the rules first run
    from saxonche import PySaxonProcessor, PyXdmNode, PyXsltExecutable

_T = TypeVar("_T")
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


class _SaxonThread:
    """One long-lived thread with its own Saxon processor and the stylesheets it compiled, created on first use."""

    def __init__(self, index: int) -> None:
        self.index = index
        self._executor = ThreadPoolExecutor(max_workers=1, thread_name_prefix=f"saxon-{index}")
        self.processor: PySaxonProcessor | None = None
        self.compiled: dict[Path, PyXsltExecutable] = {}

    def call(self, work: Callable[[], _T]) -> _T:
        """Run `work` on this thread and wait for it."""
        return self._executor.submit(work).result()

    def saxon(self) -> PySaxonProcessor:
        if self.processor is None:
            from saxonche import PySaxonProcessor

            self.processor = PySaxonProcessor(license=False)
        return self.processor

    def executable(self, rule_set: RuleSet) -> PyXsltExecutable:
        executable = self.compiled.get(rule_set.path)
        if executable is None:
            compiler = self.saxon().new_xslt30_processor()
            executable = self.compiled[rule_set.path] = compiler.compile_stylesheet(stylesheet_file=str(rule_set.path))
        return executable


@dataclass(frozen=True)
class SaxonDocument:
    """A document parsed by Saxon: it belongs to the Saxon thread whose processor built it."""

    thread: _SaxonThread
    node: PyXdmNode


def _thread_count() -> int:
    configured = int(os.environ.get("SAXON_THREADS", "0") or 0)
    return max(1, configured or min(4, os.cpu_count() or 2))


class SaxonRunner:
    """A fixed set of long-lived threads, each with its own Saxon processor and compiled stylesheets.

    Callers hand their work to one of these threads and wait for it: a caller's thread never creates a processor.
    Saxon's native runtime does not survive processors made and dropped by short-lived threads (a threaded server
    starts one per request), and each new processor would compile the rules again. Threads never share a processor,
    so validations run in parallel without a lock, up to the number of Saxon threads (SAXON_THREADS, default: the
    cores, at most 4).
    """

    def __init__(self, threads: int | None = None) -> None:
        self._size = threads or _thread_count()
        self._start()
        os.register_at_fork(after_in_child=self._start)  # a forked worker has none of its parent's threads

    def _start(self) -> None:
        self._threads = [_SaxonThread(index) for index in range(self._size)]
        self._turn = itertools.count()

    def _next_thread(self) -> _SaxonThread:
        return self._threads[next(self._turn) % len(self._threads)]

    def parse(self, root: etree._Element, data: bytes | None = None) -> SaxonDocument:
        """Hand the document to Saxon: its own bytes when given (decoded with the encoding lxml found, so Saxon
        builds its tree from the source text without the tree being serialised again), else the parsed tree as text.
        """
        from saxonche import PySaxonApiError

        text = saxon_text(root, data)
        thread = self._next_thread()
        try:
            return SaxonDocument(thread, thread.call(lambda: thread.saxon().parse_xml(xml_text=text)))
        except PySaxonApiError as exc:
            raise RulesNotRun(f"the business rules could not read the document: {_first_line(exc)}") from None

    def run(self, rule_set: RuleSet, document: SaxonDocument) -> Iterator[Finding]:
        """Runs the rule set now, on the document's Saxon thread; its findings are made as they are consumed (the
        report keeps the first ones and counts the others)."""
        return parse_svrl(self.svrl(rule_set, document).encode("utf-8"), rule_set.name, dict(rule_set.levels))

    def svrl(self, rule_set: RuleSet, document: SaxonDocument) -> str:
        """The rule set's SVRL report on the document (RulesNotRun when Saxon cannot run it)."""
        from saxonche import PySaxonApiError

        thread = document.thread
        started = time.perf_counter()
        try:
            svrl: str = thread.call(lambda: thread.executable(rule_set).transform_to_string(xdm_node=document.node))
        except PySaxonApiError as exc:
            raise RulesNotRun(
                f"the {rule_set.name} rules could not be run on the document: {_first_line(exc)}"
            ) from None
        finally:
            TIMINGS.add(rule_set.path.name, time.perf_counter() - started)
        return svrl

    def processors(self) -> list[PySaxonProcessor]:
        """The Saxon processors made so far in this process (one at most per Saxon thread)."""
        return [thread.processor for thread in self._threads if thread.processor is not None]

    def compiled(self) -> list[str]:
        """The stylesheets compiled so far in this process, by file name."""
        return sorted({path.name for thread in self._threads for path in thread.compiled})


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


def saxon_text(root: etree._Element, data: bytes | None = None) -> str:
    """The text Saxon reads a document from: its own bytes decoded, else the parsed tree serialised."""
    text = _source_text(root, data) if data is not None else None
    return etree.tostring(root, encoding="unicode") if text is None else text


def _source_text(root: etree._Element, data: bytes) -> str | None:
    """The document's text from its bytes, or None when they cannot be decoded the way lxml read them."""
    encoding = root.getroottree().docinfo.encoding or "utf-8"
    try:
        text = data.decode("utf-8-sig" if encoding.lower().replace("_", "-") in {"utf-8", "utf8"} else encoding)
    except (LookupError, UnicodeDecodeError):
        return None
    # Saxon reads a string as characters: an encoding declaration in it is ignored, a BOM would not be.
    return text.lstrip("\ufeff")


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
