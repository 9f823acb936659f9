"""Document-aware comparison of a control's and a candidate's output (no database, no framework state).

XML is compared after canonicalisation: namespace prefixes, attribute order and insignificant
whitespace do not matter, and numbers compare by value (`100.00` equals `100.0`). Differences are
reported by XPath (namespace-free local names) and, when both outputs are invoices the formats
context can read, by the EN 16931 business term they concern. JSON and plain values are compared
structurally.
"""

from __future__ import annotations

import json
import math
import re
from dataclasses import asdict, dataclass
from decimal import Decimal, InvalidOperation
from hashlib import sha1
from typing import overload

from lxml import etree

NUMBER = re.compile(r"^[+-]?(\d+\.?\d*|\.\d+)$")
_PARSER = etree.XMLParser(resolve_entities=False, no_network=True, load_dtd=False, remove_blank_text=True)


@dataclass(frozen=True)
class Difference:
    path: str  # XPath-like for XML, $.a.b[0] for JSON
    control: str | None
    candidate: str | None
    term: str | None = None  # the EN 16931 BT/BG id when known

    def as_dict(self) -> dict:
        return asdict(self)


@overload
def _value(text: str) -> str: ...


@overload
def _value(text: None) -> None: ...


def _value(text: str | None) -> str | None:
    if text is None:
        return None
    text = " ".join(text.split())
    if NUMBER.match(text):
        try:
            number = Decimal(text)
            return format(number.normalize(), "f") if number != 0 else "0"
        except InvalidOperation:
            return text
    return text


def canonical_xml(data: bytes) -> dict[str, str]:
    """{path: value} for every element text and attribute, paths by local name with positions when repeated."""
    root = etree.fromstring(data, _PARSER)
    out: dict[str, str] = {}

    def walk(element: etree._Element, path: str) -> None:
        for name, value in sorted(element.attrib.items()):
            local = etree.QName(name).localname
            out[f"{path}/@{local}"] = _value(str(value)) or ""
        text = _value(element.text)
        if text:
            out[path] = text
        counts: dict[str, int] = {}
        children = [c for c in element if isinstance(c.tag, str)]
        for child in children:
            name = etree.QName(child).localname
            counts[name] = counts.get(name, 0) + 1
        seen: dict[str, int] = {}
        for child in children:
            name = etree.QName(child).localname
            seen[name] = seen.get(name, 0) + 1
            step = f"{name}[{seen[name]}]" if counts[name] > 1 else name
            walk(child, f"{path}/{step}")

    walk(root, "/" + etree.QName(root).localname)
    return out


def diff_flat(control: dict[str, str], candidate: dict[str, str]) -> list[Difference]:
    return [
        Difference(path, control.get(path), candidate.get(path))
        for path in sorted(set(control) | set(candidate))
        if control.get(path) != candidate.get(path)
    ]


def diff_xml(control: bytes, candidate: bytes) -> list[Difference]:
    return diff_flat(canonical_xml(control), canonical_xml(candidate))


def flatten_json(value, path: str = "$") -> dict[str, str]:
    if isinstance(value, dict):
        out: dict[str, str] = {}
        for key in sorted(value):
            out.update(flatten_json(value[key], f"{path}.{key}"))
        return out
    if isinstance(value, list):
        out = {}
        for index, item in enumerate(value):
            out.update(flatten_json(item, f"{path}[{index}]"))
        return out
    if isinstance(value, int | float | Decimal) and not isinstance(value, bool):
        return {path: _value(str(value))}
    return {path: json.dumps(value)}


def diff_json(control, candidate) -> list[Difference]:
    return diff_flat(flatten_json(control), flatten_json(candidate))


def with_terms(differences: list[Difference], control: bytes, candidate: bytes) -> list[Difference]:
    """Add the business term (BT) to each difference when both outputs read as invoices."""
    try:
        from pagero.formats import public as formats

        model_diffs = formats.diff_models(formats.parse(control).invoice, formats.parse(candidate).invoice)
    except Exception:  # not invoices (or unreadable): XPath alone must do
        return differences
    by_value: dict[tuple, str] = {}
    for _path, bt, a, b in model_diffs:
        by_value[(_value(str(a)) if a is not None else None, _value(str(b)) if b is not None else None)] = bt
    terms = [t for _, t, _, _ in model_diffs]
    out = []
    for difference in differences:
        term = by_value.get((difference.control, difference.candidate))
        if term is None and len(set(terms)) == 1:
            term = terms[0]
        out.append(Difference(difference.path, difference.control, difference.candidate, term))
    return out


def compare_outputs(control, candidate, kind: str = "xml") -> list[Difference]:
    """Differences between two outputs: `xml` (bytes), `json` (JSON-able values) or `value`."""
    if kind == "xml":
        differences = diff_xml(control, candidate)
        # Naming the BT needs both outputs read as invoices: only worth it when something differs.
        return with_terms(differences, control, candidate) if differences else []
    if kind == "json":
        return diff_json(control, candidate)
    return [] if control == candidate else [Difference("$", repr(control), repr(candidate))]


def matches(path: str, patterns: list[str]) -> bool:
    """Ignore rules and learned noise: exact paths, or patterns with * for one step and [*] for any position."""
    for pattern in patterns:
        regex = "^" + re.escape(pattern).replace(r"\[\*\]", r"(\[\d+\])?").replace(r"\*", r"[^/]*") + "$"
        if re.match(regex, path):
            return True
    return False


def generalise(path: str) -> str:
    """A path without positions: what a learned noise path or a mismatch signature is made of."""
    return re.sub(r"\[\d+\]", "[*]", path)


def signature(differences: list[Difference]) -> str:
    """Mismatches that differ in the same places share a signature."""
    paths = sorted({generalise(d.path) for d in differences})
    return sha1("\n".join(paths).encode()).hexdigest()[:16]


def wilson_interval(failures: int, trials: int, z: float = 1.96) -> tuple[float, float]:
    """The Wilson score interval of a failure rate (95 % by default); (0, 1) when nothing was tried."""
    if trials == 0:
        return 0.0, 1.0
    p = failures / trials
    denominator = 1 + z * z / trials
    centre = p + z * z / (2 * trials)
    margin = z * math.sqrt(p * (1 - p) / trials + z * z / (4 * trials * trials))
    return max(0.0, (centre - margin) / denominator), min(1.0, (centre + margin) / denominator)


def wilson_upper(failures: int, trials: int, z: float = 1.96) -> float:
    return wilson_interval(failures, trials, z)[1]


def wilson_lower(failures: int, trials: int, z: float = 1.96) -> float:
    return wilson_interval(failures, trials, z)[0]
