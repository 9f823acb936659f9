"""Business rules: the official Schematron rules compiled to XSLT 2.0, run with Saxon (saxonche).

Each stylesheet is compiled once per process and reused; a document is parsed into Saxon once and
that node is given to every rule set that applies to it.
"""

from __future__ import annotations

import threading
from dataclasses import dataclass
from pathlib import Path

from lxml import etree

from .report import Finding, term_in

RULES = Path(__file__).resolve().parent.parent / "artefacts" / "rules"
SVRL = "http://purl.oclc.org/dsdl/svrl"


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
    """One Saxon processor per process; compiled stylesheets cached by path."""

    def __init__(self) -> None:
        self._lock = threading.Lock()
        self._processor = None
        self._compiled: dict[Path, object] = {}

    def processor(self):
        if self._processor is None:
            from saxonche import PySaxonProcessor

            self._processor = PySaxonProcessor(license=False)
        return self._processor

    def executable(self, rule_set: RuleSet):
        with self._lock:
            if rule_set.path not in self._compiled:
                compiler = self.processor().new_xslt30_processor()
                self._compiled[rule_set.path] = compiler.compile_stylesheet(stylesheet_file=str(rule_set.path))
            return self._compiled[rule_set.path]

    def parse(self, root: etree._Element):
        """Hand the already parsed document to Saxon (as text: whatever the source encoding was)."""
        text = etree.tostring(root, encoding="unicode")
        with self._lock:
            return self.processor().parse_xml(xml_text=text)

    def run(self, rule_set: RuleSet, node) -> list[Finding]:
        executable = self.executable(rule_set)
        with self._lock:
            svrl = executable.transform_to_string(xdm_node=node)
        return parse_svrl(svrl.encode("utf-8"), rule_set.name)


def parse_svrl(svrl: bytes, rule_set: str) -> list[Finding]:
    root = etree.fromstring(svrl)
    findings = []
    for element in root.iter(f"{{{SVRL}}}failed-assert", f"{{{SVRL}}}successful-report"):
        flag = (element.get("flag") or "fatal").lower()
        text = " ".join("".join(element.findtext(f"{{{SVRL}}}text") or "").split())
        findings.append(
            Finding(
                rule_id=element.get("id") or "?",
                severity="warning" if flag in {"warning", "information", "info"} else "fatal",
                message=text,
                location=element.get("location"),
                term=term_in(text),
                rule_set=rule_set,
            )
        )
    return findings


RUNNER = SaxonRunner()
