"""Mutations of corpus documents for the fuzz suite (tests/formats/test_fuzz.py).

A mutated document is a seed from the shared corpus plus a list of steps. Every step is a plain tuple
holding all of its parameters (positions, inserted bytes, values), so `rebuild(seed, steps)` gives back
the exact bytes of a failing example: the falsifying example printed by hypothesis is a reproducer.

Three families: byte-level damage (any seed), XML structure and values (UBL/CII seeds), and EDIFACT
segments, separators and packages (EDIFACT seeds).
"""

from __future__ import annotations

import codecs
import re
from collections.abc import Callable
from dataclasses import dataclass
from functools import cache

from hypothesis import strategies as st
from lxml import etree

from .corpus import CORPUS, edifact_pairs

# Small corpus documents covering each syntax, document type and customization; kept small so that an
# example runs in milliseconds. EDIFACT: CEN's D14B set (one with a UNO/UNP package), and D93A/D97A/D97B
# interchanges from other projects with their own UNA advice.
XML_SEEDS = (
    "cen-en16931/ubl/examples/ubl-tc434-creditnote1.xml",
    "peppol-bis-billing-3/rules/examples/vat-category-O.xml",
    "xrechnung-testsuite/src/test/technical-cases/cius/01.05_minimal_test_ubl.xml",
    "factur-x/tests/fixtures/xml/factur-x-en16931.xml",
    "factur-x/tests/fixtures/xml/factur-x-minimum.xml",
)
EDIFACT_SEEDS = (
    "pydifact-edifact-samples/tests/data/invoice1.edi",
    "staedi-edifact-samples/src/test/resources/EDIFACT/invoic_d93a_una.edi",
    "staedi-edifact-samples/src/test/resources/EDIFACT/invoic_d97b_una.edi",
)


def _pair_seeds(column: str) -> tuple[str, ...]:
    return tuple(row[column] for row in edifact_pairs())


@cache
def seed_paths(kind: str) -> tuple[str, ...]:
    """Corpus paths of the seeds of one kind (xml, edifact), only those present on this machine."""
    if CORPUS is None:
        return ()
    if kind == "xml":
        paths = _pair_seeds("ubl") + _pair_seeds("cii") + XML_SEEDS
    else:
        paths = _pair_seeds("edifact_d14b_txt") + EDIFACT_SEEDS
    return tuple(p for p in paths if (CORPUS / p).is_file())


@cache
def seed_bytes(path: str) -> bytes:
    return (CORPUS / path).read_bytes()


# -- hostile values --------------------------------------------------------------------------------------

CONTROL = [chr(c) for c in (*range(0, 9), 11, 12, *range(14, 32), 127)] + ["\u0085", "\u2028", "\ufffe", "\ufeff"]
HOSTILE_NUMBERS = [
    "NaN",
    "-NaN",
    "sNaN",
    "Infinity",
    "-Infinity",
    "inf",
    "1E999999",
    "-1E999999",
    "1E-999999",
    "9E+999999999",
    "1e1000000000000000000",
    "-0",
    "-0.00",
    "0E-1000",
    "1" * 5000,
    "0." + "9" * 5000,
    "1,5",
    "1.2.3",
    "1_000",
    "١٢٣",  # Arabic-Indic digits: Decimal() accepts them
    "+",
    "",
]
HOSTILE_DATES = [
    "2026-02-30",
    "2026-13-01",
    "0000-00-00",
    "9999-12-31",
    "2026-01-01Z",
    "2026-01-01+02:00",
    "2026-01-01-14:00",
    "2026-01-01T10:00:00Z",
    "2026-01-01T10:00:00+01:00",
    "20260101",
    "20260230",
    "202601011200+01",
    "20260101Z",
    "-2026-01-01",
    "+12026-01-01",
    "2026-W01-1",
]
HOSTILE_TEXTS = [
    "<b>bold</b>",
    "]]>",
    "&amp;&lt;",
    "'+:?*",
    "x" * 100_000,
    "é" * 20_000,
    "\U0001f600" * 1000,
    " ",
    "\t\n",
    "#SKONTO#TAGE=14#PROZENT=2.00#",
    "A" + "\u0301" * 2000,
    "\u202e" + "reversed",
    *CONTROL[:4],
    "text\x00with nul",
    "text\x1fwith unit separator",
]
HOSTILE_VALUES = HOSTILE_NUMBERS + HOSTILE_DATES + HOSTILE_TEXTS

BOMS = [codecs.BOM_UTF8, codecs.BOM_UTF16_LE, codecs.BOM_UTF16_BE, codecs.BOM_UTF32_LE, codecs.BOM_UTF32_BE]
ENCODINGS = ["utf-16", "utf-16-le", "utf-16-be", "utf-32", "latin-1", "cp1252", "cp500", "shift_jis", "utf-7"]
CONTROL_BYTES = [bytes([c]) for c in (0, 1, 8, 11, 12, 27, 31, 127)] + [b"\xc0\x80", b"\xed\xa0\x80", b"\xff", b"\x80"]


# -- steps: each a tuple (name, *parameters); apply_step gives the mutated bytes --------------------------


def _truncate(data: bytes, at: int) -> bytes:
    return data[:at]


def _flip(data: bytes, at: int, mask: int) -> bytes:
    if not data:
        return data
    at %= len(data)
    return data[:at] + bytes([data[at] ^ mask]) + data[at + 1 :]


def _insert(data: bytes, at: int, chunk: bytes) -> bytes:
    return data[:at] + chunk + data[at:]


def _delete(data: bytes, at: int, length: int) -> bytes:
    return data[:at] + data[at + length :]


def _duplicate(data: bytes, at: int, length: int, times: int) -> bytes:
    piece = data[at : at + length]
    return data[: at + length] + piece * times + data[at + length :]


def _bom(data: bytes, bom: bytes) -> bytes:
    return bom + data


def _encode(data: bytes, encoding: str, declare: bool) -> bytes:
    """The text in another encoding, with the XML declaration changed to name it or left as it was."""
    text = data.decode("utf-8", "replace")
    if declare:
        text = re.sub(r"""encoding=["'][^"']*["']""", f'encoding="{encoding}"', text, count=1)
    return text.encode(encoding, "replace")


# XML: the element at position `index` of the document's elements in document order (modulo their number).


def _elements(root: etree._Element) -> list[etree._Element]:
    return [e for e in root.iter() if isinstance(e.tag, str)]


def _xml(data: bytes, change: Callable[[etree._Element, list[etree._Element]], None]) -> bytes:
    parser = etree.XMLParser(resolve_entities=False, no_network=True, load_dtd=False, remove_blank_text=False)
    root = etree.fromstring(data, parser)
    change(root, _elements(root))
    return etree.tostring(root, xml_declaration=True, encoding="UTF-8")


def _pick(elements: list[etree._Element], index: int, below_root: bool = False) -> etree._Element | None:
    pool = elements[1:] if below_root else elements
    return pool[index % len(pool)] if pool else None


def _xml_delete(data: bytes, index: int) -> bytes:
    def change(root, elements):
        element = _pick(elements, index, below_root=True)
        if element is not None:
            element.getparent().remove(element)

    return _xml(data, change)


def _xml_duplicate(data: bytes, index: int, times: int) -> bytes:
    def change(root, elements):
        element = _pick(elements, index, below_root=True)
        if element is not None:
            for _ in range(times):
                element.addnext(etree.fromstring(etree.tostring(element)))

    return _xml(data, change)


def _xml_swap(data: bytes, first: int, second: int) -> bytes:
    """Two elements exchange places (when neither contains the other)."""

    def change(root, elements):
        a, b = _pick(elements, first, True), _pick(elements, second, True)
        if a is None or b is None or a is b or a in b.iterancestors() or b in a.iterancestors():
            return
        marker = etree.Element("marker")
        a.addprevious(marker)
        b.addprevious(a)
        marker.addprevious(b)
        marker.getparent().remove(marker)

    return _xml(data, change)


def _xml_renest(data: bytes, index: int, into: int) -> bytes:
    """An element moves under another one (never into its own subtree)."""

    def change(root, elements):
        element, target = _pick(elements, index, True), _pick(elements, into)
        if element is None or target is element or element in target.iterancestors():
            return
        target.append(element)

    return _xml(data, change)


def _xml_text(data: bytes, index: int, value: str, leaves_only: bool) -> bytes:
    def change(root, elements):
        pool = [e for e in elements if len(e) == 0] if leaves_only else elements
        element = _pick(pool, index)
        if element is not None:
            element.text = value

    return _xml(data, change)


TYPED = re.compile(r"^\s*(-?\d+(\.\d+)?|\d{4}-\d{2}-\d{2}|\d{8})\s*$")


def _xml_typed_text(data: bytes, index: int, value: str) -> bytes:
    """A leaf that holds a number or a date in the seed (an amount, a quantity, a date) gets `value`."""

    def change(root, elements):
        element = _pick([e for e in elements if len(e) == 0 and e.text and TYPED.match(e.text)], index)
        if element is not None:
            element.text = value

    return _xml(data, change)


def _xml_deep(data: bytes, index: int, depth: int, same_tag: bool) -> bytes:
    """An element wrapped in `depth` levels: unknown wrappers, or copies of its own tag."""

    def change(root, elements):
        element = _pick(elements, index, True)
        if element is None:
            return
        tag = element.tag if same_tag else "{urn:example:fuzz}Wrap"
        outer = etree.Element(tag)
        inner = outer
        for _ in range(depth - 1):
            inner = etree.SubElement(inner, tag)
        element.addprevious(outer)
        inner.append(element)

    return _xml(data, change)


def _xml_unknown(data: bytes, index: int, count: int, with_text: bool) -> bytes:
    """`count` unknown elements (same name, so each gets a position in warning paths) under one element."""

    def change(root, elements):
        parent = _pick(elements, index)
        if parent is None:
            return
        for i in range(count):
            child = etree.SubElement(parent, "{urn:example:fuzz}Unknown")
            if with_text:
                child.text = str(i)

    return _xml(data, change)


ATTRIBUTES = ("currencyID", "unitCode", "schemeID", "mimeCode", "filename", "listID", "format", "schemeAgencyID")


def _xml_attribute(data: bytes, name: str, index: int, value: str | None) -> bytes:
    """The index-th element carrying attribute `name` loses it (value None) or gets `value`."""

    def change(root, elements):
        element = _pick([e for e in elements if name in e.attrib], index)
        if element is None:
            element = _pick(elements, index)  # then add it somewhere it was not
        if value is None:
            element.attrib.pop(name, None)
        else:
            element.set(name, value)

    return _xml(data, change)


# EDIFACT: the interchange as its separators and its segments (raw, escapes kept, without terminators).


@dataclass(frozen=True)
class Interchange:
    una: str | None  # the 6 characters after "UNA", when present
    component: str
    element: str
    release: str
    segment: str
    segments: tuple[str, ...]
    tail: str  # after the last terminator

    @classmethod
    def split(cls, data: bytes) -> Interchange:
        text = data.decode("utf-8", "replace").lstrip("\ufeff \r\n\t")
        una = None
        component, element, release, terminator = ":", "+", "?", "'"
        if text.startswith("UNA") and len(text) >= 9:
            una = text[3:9]
            component, element, release, terminator = una[0], una[1], una[3], una[5]
            text = text[9:]
        segments, current, i = [], [], 0
        while i < len(text):
            ch = text[i]
            if ch == release and release != " ":
                current.append(text[i : i + 2])
                i += 2
                continue
            if ch == terminator:
                segments.append("".join(current).lstrip("\r\n"))  # line breaks between segments
                current = []
            else:
                current.append(ch)
            i += 1
        return cls(una, component, element, release, terminator, tuple(segments), "".join(current))

    def join(self) -> bytes:
        head = f"UNA{self.una}" if self.una is not None else ""
        body = "".join(f"{s}{self.segment}\n" for s in self.segments)
        return (head + body + self.tail).encode("utf-8")

    def escape(self, value: str) -> str:
        specials = {self.component, self.element, self.release, self.segment}
        return "".join(self.release + ch if ch in specials else ch for ch in value)

    def with_segments(self, segments: list[str]) -> Interchange:
        return Interchange(
            self.una, self.component, self.element, self.release, self.segment, tuple(segments), self.tail
        )


def _edi(data: bytes, change: Callable[[Interchange, list[str]], Interchange | None]) -> bytes:
    interchange = Interchange.split(data)
    segments = list(interchange.segments)
    changed = change(interchange, segments)
    return (changed or interchange.with_segments(segments)).join()


def _at(segments: list[str], index: int) -> int | None:
    return index % len(segments) if segments else None


def _edi_delete(data: bytes, index: int) -> bytes:
    def change(interchange, segments):
        at = _at(segments, index)
        if at is not None:
            del segments[at]

    return _edi(data, change)


def _edi_duplicate(data: bytes, index: int, times: int) -> bytes:
    def change(interchange, segments):
        at = _at(segments, index)
        if at is not None:
            segments[at:at] = [segments[at]] * times

    return _edi(data, change)


def _edi_swap(data: bytes, first: int, second: int) -> bytes:
    def change(interchange, segments):
        a, b = _at(segments, first), _at(segments, second)
        if a is not None:
            segments[a], segments[b] = segments[b], segments[a]

    return _edi(data, change)


def _split_unescaped(raw: str, separator: str, release: str) -> list[str]:
    parts, current, i = [], [], 0
    while i < len(raw):
        if raw[i] == release:
            current.append(raw[i : i + 2])
            i += 2
            continue
        if raw[i] == separator:
            parts.append("".join(current))
            current = []
        else:
            current.append(raw[i])
        i += 1
    parts.append("".join(current))
    return parts


def _edi_value(data: bytes, index: int, element: int, component: int, value: str, escaped: bool) -> bytes:
    """One component of one segment replaced (elements and components are added when missing)."""

    def change(interchange, segments):
        at = _at(segments, index)
        if at is None:
            return
        elements = _split_unescaped(segments[at], interchange.element, interchange.release)
        while len(elements) <= element:
            elements.append("")
        components = _split_unescaped(elements[element], interchange.component, interchange.release)
        while len(components) <= component:
            components.append("")
        components[component] = interchange.escape(value) if escaped else value
        elements[element] = interchange.component.join(components)
        segments[at] = interchange.element.join(elements)

    return _edi(data, change)


def _edi_tag_value(data: bytes, tag: str, element: int, component: int, value: str) -> bytes:
    """The first segment with `tag` gets `value` (unescaped) at element/component: e.g. a date format code."""
    for at, raw in enumerate(Interchange.split(data).segments):
        if raw.lstrip().startswith(tag):
            return _edi_value(data, at, element, component, value, False)
    return data


SEPARATOR_SETS = [
    # component, element, decimal, release, repetition, segment
    "|*.\\^~",
    ":+,? '",
    "^~.\\*\n",
    ":+.?*'",
    "++.?*'",  # component and element separators the same
    ":+.:*'",  # release is the component separator
    "'+.?*:",  # component and segment swapped
    ":+.\x00*'",
    "ABCDEF",
    "\u00e9\u00e8.\u00e0*\u00f9",
]


def _edi_separators(data: bytes, una: str, write_una: bool) -> bytes:
    """The interchange rewritten with other separators (escaping with the new release character)."""
    interchange = Interchange.split(data)
    component, element, release, terminator = una[0], una[1], una[3], una[5]
    new = Interchange(una if write_una else None, component, element, release, terminator, (), interchange.tail)
    out = []
    for raw in interchange.segments:
        elements = []
        for raw_element in _split_unescaped(raw, interchange.element, interchange.release):
            parts = _split_unescaped(raw_element, interchange.component, interchange.release)
            unescaped = [re.sub(re.escape(interchange.release) + "(.)", r"\1", p, flags=re.S) for p in parts]
            elements.append(component.join(new.escape(p) for p in unescaped))
        out.append(element.join(elements))
    return new.with_segments(out).join()


UNA_VARIANTS = [
    "UNA",
    "UNA:+",
    "UNA:+.? ",
    "UNA:+.?  '",
    "UNA:+.?*'UNA:+.?*'",
    "UNA\n:+.? '",
    "una:+.? '",
    "UNA" + "\x00" * 6,
    "UNA:::::::",
    "UNA''''''",
    "UNA??????",
    "UNA:+.?*'\ufeff",
]


def _edi_una(data: bytes, variant: str, replace: bool) -> bytes:
    """A UNA header variant in front of the interchange (instead of its own, or before it)."""
    text = data.decode("utf-8", "replace").lstrip("\ufeff \r\n\t")
    if replace and text.startswith("UNA"):
        text = text[9:]
    return (variant + text).encode("utf-8")


def _edi_release(data: bytes, index: int, offset: int, mode: str) -> bytes:
    """Release characters: one before a random character, doubled, or ending a segment."""

    def change(interchange, segments):
        at = _at(segments, index)
        if at is None:
            return
        raw = segments[at]
        where = offset % (len(raw) + 1)
        r = interchange.release
        piece = {"before": r, "double": r + r, "end": None}[mode]
        segments[at] = raw + r if piece is None else raw[:where] + piece + raw[where:]

    return _edi(data, change)


PACKAGE_LENGTHS = ["-1", "-104", "0", "1", "3", "99999999999999999999", "1e3", "", "abc", " 5", "-0", "+7", "٣"]


def _edi_package(data: bytes, length: str, content: str, mode: str) -> bytes:
    """A UNO ... UNP package after UNT with a declared length (odd ones included), or the existing one's changed."""

    def change(interchange, segments):
        uno = next((i for i, s in enumerate(segments) if s.lstrip().startswith("UNO")), None)
        if mode == "change" and uno is not None:
            elements = _split_unescaped(segments[uno], interchange.element, interchange.release)
            elements[-1] = length
            segments[uno] = interchange.element.join(elements)
            return None
        unt = next((i for i, s in enumerate(segments) if s.lstrip().startswith("UNT")), len(segments) - 1)
        e, c = interchange.element, interchange.component
        package = f"UNO{e}P9{e}1{c}fuzz.bin{e}13{c}application/pdf{c}fuzz.pdf{e}{length}"
        segments.insert(unt + 1, package)
        segments.insert(unt + 2, f"{content}UNP{e}{len(content)}{e}P9")
        return None

    return _edi(data, change)


def _edi_counts(data: bytes, tag: str, value: str) -> bytes:
    """UNT/UNZ counts or references wrong (first element of UNZ, first of UNT; second = reference)."""

    def change(interchange, segments):
        for at, raw in enumerate(segments):
            if raw.lstrip().startswith(tag):
                elements = _split_unescaped(raw, interchange.element, interchange.release)
                while len(elements) < 3:
                    elements.append("")
                elements[1] = value
                segments[at] = interchange.element.join(elements)
                return

    return _edi(data, change)


STEPS: dict[str, Callable[..., bytes]] = {
    "truncate": _truncate,
    "flip": _flip,
    "insert": _insert,
    "delete": _delete,
    "duplicate": _duplicate,
    "bom": _bom,
    "encode": _encode,
    "xml-delete": _xml_delete,
    "xml-duplicate": _xml_duplicate,
    "xml-swap": _xml_swap,
    "xml-renest": _xml_renest,
    "xml-text": _xml_text,
    "xml-typed-text": _xml_typed_text,
    "xml-deep": _xml_deep,
    "xml-unknown": _xml_unknown,
    "xml-attribute": _xml_attribute,
    "edi-delete": _edi_delete,
    "edi-duplicate": _edi_duplicate,
    "edi-swap": _edi_swap,
    "edi-value": _edi_value,
    "edi-tag-value": _edi_tag_value,
    "edi-separators": _edi_separators,
    "edi-una": _edi_una,
    "edi-release": _edi_release,
    "edi-package": _edi_package,
    "edi-counts": _edi_counts,
}


def apply_step(data: bytes, step: tuple) -> bytes:
    name, *parameters = step
    try:
        return STEPS[name](data, *parameters)
    except (etree.XMLSyntaxError, ValueError):
        # An earlier byte step broke the XML a structural step needs: the document stays as it is.
        return data


def rebuild(seed: str, steps: list[tuple]) -> bytes:
    """The exact bytes of a mutated example: its seed from the corpus with its steps applied in order."""
    data = seed_bytes(seed)
    for step in steps:
        data = apply_step(data, step)
    return data


def _short(value: object) -> object:
    if isinstance(value, str | bytes) and len(value) > 60:
        return f"<{len(value)} {type(value).__name__}: {value[:40]!r}...>"
    return value


class Mutated:
    """A mutated example; a plain class so that hypothesis prints it through __repr__ (seed and steps)."""

    __slots__ = ("data", "seed", "steps")

    def __init__(self, seed: str, steps: tuple[tuple, ...], data: bytes) -> None:
        self.seed, self.steps, self.data = seed, steps, data

    def __repr__(self) -> str:
        # Steps can hold 100 kB values; the repr stays readable and rebuild() gives the exact bytes.
        steps = [tuple(_short(p) for p in step) for step in self.steps]
        return f"Mutated(seed={self.seed!r}, steps={steps!r}, size={len(self.data)})"


# -- strategies ---------------------------------------------------------------------------------------------

index = st.integers(min_value=0, max_value=10_000)
hostile_value = st.sampled_from(HOSTILE_VALUES) | st.text(max_size=40)


def byte_step(size: int) -> st.SearchStrategy[tuple]:
    position = st.integers(min_value=0, max_value=max(size, 0))
    chunk = st.binary(min_size=1, max_size=16) | st.sampled_from(CONTROL_BYTES)
    return st.one_of(
        st.tuples(st.just("truncate"), position),
        st.tuples(st.just("flip"), position, st.integers(min_value=1, max_value=255)),
        st.tuples(st.just("insert"), position, chunk),
        st.tuples(st.just("delete"), position, st.integers(min_value=1, max_value=64)),
        st.tuples(st.just("duplicate"), position, st.integers(1, 256), st.integers(1, 50)),
        st.tuples(st.just("bom"), st.sampled_from(BOMS)),
        st.tuples(st.just("encode"), st.sampled_from(ENCODINGS), st.booleans()),
    )


xml_step = st.one_of(
    st.tuples(st.just("xml-delete"), index),
    st.tuples(st.just("xml-duplicate"), index, st.integers(1, 20)),
    st.tuples(st.just("xml-swap"), index, index),
    st.tuples(st.just("xml-renest"), index, index),
    st.tuples(st.just("xml-text"), index, hostile_value, st.booleans()),
    st.tuples(st.just("xml-deep"), index, st.sampled_from([2, 50, 99, 100, 101, 150, 250, 255, 300]), st.booleans()),
    st.tuples(st.just("xml-unknown"), index, st.sampled_from([1, 10, 500, 3000, 20_000]), st.booleans()),
    st.tuples(
        st.just("xml-attribute"),
        st.sampled_from(ATTRIBUTES),
        index,
        st.none() | st.sampled_from(["", "XXX", "EUR", "eur", " ", "0088", "x" * 5000, "<b>", "\u202e"]),
    ),
)

edifact_value = hostile_value | st.text(alphabet="0123456789.-+:?'*E", max_size=20)
edifact_step = st.one_of(
    st.tuples(st.just("edi-delete"), index),
    st.tuples(st.just("edi-duplicate"), index, st.integers(1, 20)),
    st.tuples(st.just("edi-swap"), index, index),
    st.tuples(st.just("edi-value"), index, st.integers(0, 6), st.integers(0, 5), edifact_value, st.booleans()),
    st.tuples(
        st.just("edi-tag-value"),
        st.sampled_from(["DTM", "MOA", "QTY", "PRI", "TAX", "PCD", "BGM", "CUX", "UNB", "UNH", "NAD", "FTX"]),
        st.integers(1, 3),
        st.integers(0, 3),
        edifact_value | st.sampled_from(["203", "204", "205", "718", "102", "610", "999", "", "102:102"]),
    ),
    st.tuples(st.just("edi-separators"), st.sampled_from(SEPARATOR_SETS), st.booleans()),
    st.tuples(st.just("edi-una"), st.sampled_from(UNA_VARIANTS), st.booleans()),
    st.tuples(st.just("edi-release"), index, index, st.sampled_from(["before", "double", "end"])),
    st.tuples(
        st.just("edi-package"),
        st.sampled_from(PACKAGE_LENGTHS),
        st.sampled_from(["", "JVBERi0xLjQ=", "x" * 300, "'+:?", "ab'UNT+1+1'"]),
        st.sampled_from(["add", "change"]),
    ),
    st.tuples(
        st.just("edi-counts"),
        st.sampled_from(["UNT", "UNZ"]),
        st.sampled_from(["0", "-1", "1", "999999999999", "", "abc", "2"]),
    ),
)


# Hostile numbers and dates where the seed has numbers and dates: the values readers must check.
typed_value = st.sampled_from(HOSTILE_NUMBERS + HOSTILE_DATES)
xml_typed_step = st.tuples(st.just("xml-typed-text"), index, typed_value)
edifact_typed_step = st.one_of(
    st.tuples(
        st.just("edi-tag-value"),
        st.sampled_from(["MOA", "QTY", "PRI", "PCD", "TAX", "DTM"]),
        st.just(1),
        st.just(1),
        typed_value,
    ),
    # The VAT rate: TAX data element 5 (C243), its fourth component.
    st.tuples(st.just("edi-tag-value"), st.just("TAX"), st.just(5), st.just(3), typed_value),
    st.tuples(
        st.just("edi-tag-value"),
        st.just("DTM"),
        st.just(1),
        st.just(2),
        st.sampled_from(["203", "204", "205", "303", "304", "610", "616", "718", "102", "999", ""]),
    ),
)

# Separator sets (UNA order) an interchange may legitimately declare: rewriting with them must not change
# what is read. The fourth is ISO 9735's for syntax level B (IS1, IS3, IS2 and IS4 with "?" as release).
VALID_SEPARATORS = ["|*.\\^~", ":+,? '", '!"._#%', "\x1f\x1d.?\x1e\x1c", ":+.?*'"]


def with_separators(data: bytes, una: str) -> bytes:
    return _edi_separators(data, una, write_una=True)


@st.composite
def mutated(draw, kind: str, family: str, max_steps: int = 3) -> Mutated:
    """A seed of `kind` (xml, edifact, any) with 1..max_steps steps of `family`: bytes, structure, typed (hostile
    numbers and dates in typed fields), mixed (bytes and structure)."""
    paths = seed_paths("xml") + seed_paths("edifact") if kind == "any" else seed_paths(kind)
    seed = draw(st.sampled_from(paths))
    is_xml = seed in seed_paths("xml")
    if family == "typed":
        structural = xml_typed_step if is_xml else edifact_typed_step
    else:
        structural = xml_step if is_xml else edifact_step
    data, steps = seed_bytes(seed), []
    for _ in range(draw(st.integers(min_value=1, max_value=max_steps))):
        if family == "bytes" or (family == "mixed" and draw(st.booleans())):
            step = draw(byte_step(len(data)))
        else:
            step = draw(structural)
        steps.append(step)
        data = apply_step(data, step)
    return Mutated(seed, tuple(steps), data)
