"""KoSIT's validation scenarios for XRechnung: which scenario a document falls in, and the rule severities it sets.

The KoSIT validator configuration (`artefacts/kosit/scenarios.xml`, vendored unchanged) names a scenario per root
element and CustomizationID: the standard XRechnung CIUS, the Extension and the CVD variant of each, and plain
EN 16931. Each scenario overrides the severity of some rules (`customLevel`): the Extension lowers the code-list and
total rules its BR-DEX rules replace to information, the CVD variant lowers BR-CL-13, the standard variant raises
CII-SR-452..454 and UBL-CR-646 to errors. KoSIT recommends accepting a document when the scenario's XSD and
Schematron steps report no error after those overrides, and rejecting it otherwise.

The file is a build template: its `@...@` placeholders are filled here with the identifiers of the XRechnung release
whose rules we run (3.0.2, CVD 0.9; the same values as the variables in the XRechnung stylesheets).
"""

from __future__ import annotations

import re
from dataclasses import dataclass
from functools import cache
from pathlib import Path

from lxml import etree

SCENARIOS = Path(__file__).resolve().parent.parent / "artefacts" / "kosit" / "scenarios.xml"
_NS = {"s": "http://www.xoev.de/de/validator/framework/1/scenarios"}

XRECHNUNG_CIUS = "urn:cen.eu:en16931:2017#compliant#urn:xeinkauf.de:kosit:xrechnung_3.0"
PLACEHOLDERS = {
    "xrechnung.spec.id": XRECHNUNG_CIUS,
    "xrechnung.extension.id": XRECHNUNG_CIUS + "#conformant#urn:xeinkauf.de:kosit:extension:xrechnung_3.0",
    "xrechnung.cvd.id": XRECHNUNG_CIUS + "#compliant#urn:xeinkauf.de:kosit:xrechnung:cvd_0.9",
}
# The scenario match expressions test the root element (by the prefix the file declares) and one literal.
_ROOTS = {"invoice:Invoice": ("ubl", "invoice"), "creditnote:CreditNote": ("ubl", "credit_note")}
_CII_ROOT = "rsm:CrossIndustryInvoice"
_MATCH = re.compile(r"^exists\(/(\w+:\w+)\b.*'([^']*)'\s*\]\s*\)\s*$", re.S)
# KoSIT's levels and ours: an error fails the document, a warning or an information does not.
LEVELS = {"error": "fatal", "warning": "warning", "information": "information"}


@dataclass(frozen=True)
class Scenario:
    name: str
    syntax: str
    document_types: tuple[str, ...]
    customization: str
    levels: tuple[tuple[str, str], ...]  # (rule id, our severity) in the file's order
    schematron_steps: int  # how many Schematron rule sets the scenario runs (EN 16931, + XRechnung)

    def severity(self, rule_id: str, default: str) -> str:
        return dict(self.levels).get(rule_id, default)


def _fill(text: str) -> str:
    def value(match: re.Match[str]) -> str:
        key = match.group(1)
        if key not in PLACEHOLDERS:
            raise ValueError(f"{SCENARIOS.name}: no value for the placeholder @{key}@")
        return PLACEHOLDERS[key]

    return re.sub(r"@([\w.]+)@", value, text)


@cache
def scenarios() -> tuple[Scenario, ...]:
    """Every scenario of the configuration, in its order (KoSIT applies the first one that matches)."""
    root = etree.parse(str(SCENARIOS), etree.XMLParser(no_network=True, resolve_entities=False)).getroot()
    result = []
    for element in root.iterfind("s:scenario", _NS):
        name = " ".join((element.findtext("s:name", namespaces=_NS) or "").split())
        match = _MATCH.match(" ".join((element.findtext("s:match", namespaces=_NS) or "").split()))
        if match is None:
            raise ValueError(f"{SCENARIOS.name}: unexpected match expression in scenario {name!r}")
        root_name, literal = match.groups()
        types: tuple[str, ...]
        if root_name == _CII_ROOT:
            syntax, types = "cii", ("invoice", "credit_note")
        else:
            syntax, document_type = _ROOTS[root_name]
            types = (document_type,)
        levels = tuple(
            (level.text.strip(), LEVELS[level.get("level", "error")])
            for level in element.iterfind("s:createReport/s:customLevel", _NS)
            if level.text
        )
        result.append(
            Scenario(
                name=name,
                syntax=syntax,
                document_types=types,
                customization=_fill(literal),
                levels=levels,
                schematron_steps=len(element.findall("s:validateWithSchematron", _NS)),
            )
        )
    return tuple(result)


def scenario_for(syntax: str, document_type: str, customization: str | None) -> Scenario | None:
    """The KoSIT scenario the document falls in, or None (KoSIT has no scenario for it and would reject it)."""
    if customization is None:
        return None
    return next(
        (
            s
            for s in scenarios()
            if s.syntax == syntax and document_type in s.document_types and s.customization == customization
        ),
        None,
    )
