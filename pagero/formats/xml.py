"""Safe XML parsing, and the source the UBL and CII readers read through, which keeps account of what they consumed.

Parsing never resolves entities, never loads a DTD, never touches the network, and refuses any
document that carries a DOCTYPE at all (no e-invoice syntax uses one; it is only ever an attack).
"""

from __future__ import annotations

import base64
import binascii
import re
from collections.abc import Iterator
from datetime import date
from decimal import Decimal
from typing import TypeAlias, cast

from lxml import etree

from .errors import (
    ConversionWarning,
    DocumentTooComplex,
    EmptyDocument,
    ForbiddenXmlFeature,
    InvalidValue,
    MalformedXml,
)
from .limits import MAX_UNUSED_WARNINGS, MAX_XML_DEPTH, MAX_XML_ELEMENTS
from .model import BinaryObject
from .values import parse_decimal, parse_iso_date

DEFAULT_MAX_BYTES = 20 * 1024 * 1024
MAX_DEPTH = MAX_XML_DEPTH
NOT_HELD = "not held by the EN 16931 model; it would be lost in conversion"  # not_held() of EN 16931
PREFIXED = re.compile(r"\b([a-z]+):(?=[A-Za-z])")
_CLARK_CACHES: dict[tuple[tuple[str, str], ...], dict[str, tuple[str, ...]]] = {}
NOTHING: list[etree._Element] = []


# What a reader step is given: an element, or None where the document has none (every read of None finds nothing).
Node: TypeAlias = "etree._Element | None"


def _clark_cache(namespaces: dict[str, str]) -> dict[str, tuple[str, ...]]:
    return _CLARK_CACHES.setdefault(tuple(sorted(namespaces.items())), {})


DECLARED_ENCODING = re.compile(rb"""encoding=["']([A-Za-z0-9._-]+)["']""")

_PARSER = etree.XMLParser(
    resolve_entities=False,
    no_network=True,
    load_dtd=False,
    dtd_validation=False,
    huge_tree=False,
    remove_blank_text=False,
    collect_ids=False,
)
# True when an element sits deeper than MAX_DEPTH: evaluated in libxml2, one step per level (~10 µs per invoice).
_TOO_DEEP = etree.XPath("boolean(/*" + "/*" * MAX_DEPTH + ")")
_ELEMENT_COUNT = etree.XPath("count(//*)")
# The shortest element is 4 bytes (<a/>): a smaller document cannot exceed the element budget, so it is not counted.
_SMALLEST_ELEMENT_BYTES = 4


def parse_xml(data: bytes) -> etree._Element:
    if not data or not data.strip():
        raise EmptyDocument("the document is empty")
    try:
        root = etree.fromstring(data, _PARSER)
    except etree.XMLSyntaxError as exc:
        if "Excessive depth" in exc.msg:  # libxml2 stops at 256 levels, before our own (lower) limit is checked
            raise DocumentTooComplex(
                f"the document nests elements more than 256 levels deep; the limit is {MAX_DEPTH} levels"
            ) from None
        message = exc.msg if "line" in exc.msg else f"{exc.msg} (line {exc.lineno}, column {exc.offset})"
        if "encoding" in exc.msg.lower():
            declared = DECLARED_ENCODING.search(data[:200])
            name = declared.group(1).decode("ascii", "replace") if declared else "UTF-8"
            raise MalformedXml(
                f"the document's bytes are not valid {name} (its declared encoding): {message}"
            ) from None
        raise MalformedXml(f"the document is not well-formed XML: {message}") from None
    except (ValueError, etree.LxmlError) as exc:  # e.g. unicode strings with an encoding declaration
        raise MalformedXml(f"the document could not be read as XML: {exc}") from None
    docinfo = root.getroottree().docinfo
    if docinfo.doctype or docinfo.internalDTD is not None:  # type: ignore[union-attr]  # not in lxml-stubs 0.5
        raise ForbiddenXmlFeature("XML with a DOCTYPE (DTD) is not accepted")
    check_budget(root, len(data))
    return root


def check_budget(root: etree._Element, size: int) -> None:
    """The nesting depth and element count limits, checked once per parse so that detection, reading, the schema
    and the business rules all see the same verdict (libxml2 alone accepts 256 levels, which Saxon cannot)."""
    if _TOO_DEEP(root):
        raise DocumentTooComplex(
            f"the document nests elements {nesting_depth(root)} levels deep; the limit is {MAX_DEPTH} levels"
        )
    if size >= MAX_XML_ELEMENTS * _SMALLEST_ELEMENT_BYTES:
        count = int(cast(float, _ELEMENT_COUNT(root)))  # XPath count() is a number
        if count > MAX_XML_ELEMENTS:
            raise DocumentTooComplex(f"the document has {count} elements; the limit is {MAX_XML_ELEMENTS} elements")


def nesting_depth(root: etree._Element) -> int:
    """The deepest element's level (the root is level 1), in one pass over the tree."""
    depth = deepest = 0
    for event, _ in etree.iterwalk(root, events=("start", "end")):
        if event == "start":
            depth += 1
            deepest = max(deepest, depth)
        else:
            depth -= 1
    return deepest


def local_name(element: etree._Element) -> str:
    return etree.QName(element).localname


class XmlSource:
    """Reads a parsed document through namespace-prefixed paths and keeps account of what was read.

    Reading is recording: every read (`first`, `all`, `text`, `free_text`, `decimal`, `iso_date`) returns what
    it found and records that element, with its ancestors, as consumed, so that `unread()` can name what the
    model does not hold. Three calls change that account without reading a value:
    - `consume(node, path)`: an element whose presence is syntax, not content (a schema-required name, the VAT
      type code), so that it is not reported as lost;
    - `consume_subtree(node, path)`: the same for an element and everything in it (a second value, which is
      reported as such rather than as unknown elements);
    - `release(node, path)`: an element a reader looked at only to decide that the model has no place for it,
      so that it is reported, with its path.
    """

    def __init__(self, root: etree._Element, namespaces: dict[str, str], *, model: str = "EN 16931") -> None:
        """`model` names what the reader reads into (EN 16931, or the order model) in the warnings."""
        self.root = root
        self.ns = namespaces
        self.model = model
        self.not_held = not_held(model)
        self._consumed: set[etree._Element] = {root}
        self._warnings: list[ConversionWarning] = []  # about values read with a change (a dropped time zone)
        self._clark = _clark_cache(namespaces)
        self._children: dict[etree._Element, dict[str, list[etree._Element]]] = {}

    def _record(self, element: etree._Element | None) -> None:
        """Records `element` and its ancestors (stopping at the first one already recorded)."""
        consumed = self._consumed
        while element is not None and element not in consumed:
            consumed.add(element)
            element = element.getparent()

    def clark(self, path: str) -> tuple[str, ...]:
        """cac:Party/cbc:Name -> ("{urn...}Party", "{urn...}Name"), computed once per path."""
        steps = self._clark.get(path)
        if steps is None:
            steps = tuple(PREFIXED.sub(lambda m: "{" + self.ns[m.group(1)] + "}", path).split("/"))
            self._clark[path] = steps
        return steps

    def _index(self, node: etree._Element) -> dict[str, list[etree._Element]]:
        index = self._children.get(node)
        if index is None:
            index = {}
            for child in node:
                index.setdefault(child.tag, []).append(child)
            self._children[node] = index
        return index

    def _find(self, node: etree._Element | None, path: str) -> list[etree._Element]:
        """Child paths (a/b/c) resolved over an index of each visited node's children by tag; nothing is recorded.

        lxml's find() runs multi-step paths through its Python ElementPath; readers ask ~150 paths per
        invoice, so indexing children once per node makes parsing several times faster.
        """
        if node is None:  # an absent parent (a document without, say, its transaction) has no children
            return []
        if path == ".":
            return [node]
        steps = self.clark(path)
        if len(steps) == 1:
            return self._index(node).get(steps[0], NOTHING)
        nodes = [node]
        for tag in steps:
            found: list[etree._Element] = []
            for current in nodes:
                found.extend(self._index(current).get(tag, NOTHING))
            nodes = found
            if not nodes:
                break
        return nodes

    def _find_first(self, node: etree._Element | None, path: str) -> etree._Element | None:
        found = self._find(node, path)
        return found[0] if found else None

    # -- reads: each returns what it found and records it as consumed -----------------------------
    def all(self, node: etree._Element | None, path: str) -> list[etree._Element]:
        found = self._find(node, path)
        for element in found:
            self._record(element)
        return found

    def first(self, node: etree._Element | None, path: str) -> etree._Element | None:
        element = self._find_first(node, path)
        self._record(element)
        return element

    def text(self, node: etree._Element | None, path: str) -> str | None:
        return element_text(self.first(node, path))

    def free_text(self, node: etree._Element | None, path: str) -> str | None:
        """Free text (notes, payment terms) exactly as written: line breaks can carry meaning (XRechnung Skonto)."""
        element = self.first(node, path)
        if element is None or element.text is None or not element.text.strip():
            return None
        return element.text

    def attr(self, node: etree._Element | None, path: str, name: str) -> str | None:
        """An attribute of the element at `path`; the element itself is recorded by the read of its value."""
        element = self._find_first(node, path)
        if element is None:
            return None
        value = element.get(name)
        return value.strip() if value and value.strip() else None

    def decimal(self, node: etree._Element | None, path: str, term: str) -> Decimal | None:
        element = self.first(node, path)
        raw = element_text(element)
        if element is None or raw is None:
            return None
        try:
            return parse_decimal(raw)
        except ValueError as exc:
            raise InvalidValue(refused(term, raw, exc), path=self.path_of(element), term=term) from None

    def iso_date(self, node: etree._Element | None, path: str, term: str) -> date | None:
        """An xsd:date. A time zone (which xsd:date allows and EN 16931 does not) is dropped with a warning."""
        element = self.first(node, path)
        raw = element_text(element)
        if element is None or raw is None:
            return None
        try:
            value, zone = parse_iso_date(raw)
        except ValueError as exc:
            raise InvalidValue(refused(term, raw, exc), path=self.path_of(element), term=term) from None
        if zone is not None:
            self.warn(ConversionWarning(self.path_of(element), zone_dropped(raw, zone, self.model), term))
        return value

    def attachment(self, binary: etree._Element) -> BinaryObject:
        """BT-125: a base64 binary object element with its mimeCode and filename attributes."""
        try:
            content = base64.b64decode("".join((binary.text or "").split()), validate=True)
        except (binascii.Error, ValueError):
            raise InvalidValue(
                "BT-125 attached document is not valid base64", path=self.path_of(binary), term="BT-125"
            ) from None
        return BinaryObject(content, binary.get("mimeCode", ""), binary.get("filename", ""))

    # -- the account of what was read, changed without reading a value ----------------------------
    def consume(self, node: etree._Element | None, path: str) -> None:
        """Records the element at `path` as consumed although no value is taken from it: its presence is syntax
        (the schema requires it, or it restates what EN 16931 implies), so converting it loses nothing."""
        self._record(self._find_first(node, path))

    def consume_subtree(self, node: etree._Element | None, path: str = ".") -> None:
        """Records the element at `path` and everything in it as consumed: syntax boilerplate with children
        (cac:TaxScheme VAT), or a second value the reader reports as such rather than as unknown elements."""
        element = self._find_first(node, path)
        if element is None:
            return
        self._consumed.update(element.iter())
        self._record(element)

    def release(self, node: etree._Element | None, path: str = ".") -> None:
        """Takes the element at `path` (not its ancestors) out of what was consumed: a reader that read it only to
        decide that the model has no place for it leaves it to `unread()`, which reports it with its path."""
        element = self._find_first(node, path)
        if element is not None:
            self._consumed.discard(element)

    def warn(self, warning: ConversionWarning) -> None:
        """A warning about a value read with a change or not read (a second value, an untyped reference)."""
        self._warnings.append(warning)

    def path_of(self, element: etree._Element) -> str:
        return readable_path(element, self.ns)

    def unread(self) -> Iterator[etree._Element]:
        """Leaf elements with content that no read consumed: what the model cannot hold."""
        consumed = self._consumed
        for element in self.root.iter():
            if not isinstance(element.tag, str) or element in consumed:
                continue
            if len(element) == 0 and ((element.text and element.text.strip()) or element.attrib):
                yield element

    def conversion_warnings(self) -> list[ConversionWarning]:
        """The reader's warnings, then everything the model did not take, with paths: the first
        MAX_UNUSED_WARNINGS of those, and one warning with the count of the rest."""
        warnings = list(self._warnings)
        paths = PathBuilder(self.ns)
        count = 0
        for element in self.unread():
            count += 1
            if count <= MAX_UNUSED_WARNINGS:
                warnings.append(ConversionWarning(path=paths.of(element), message=self.not_held))
        if count > MAX_UNUSED_WARNINGS:
            more = more_not_held(count - MAX_UNUSED_WARNINGS, model=self.model)
            warnings.append(ConversionWarning(path=paths.of(self.root), message=more))
        return warnings


def not_held(model: str = "EN 16931") -> str:
    """What a reader reports about source content that has no place in the model it reads into."""
    return f"not held by the {model} model; it would be lost in conversion"


def more_not_held(count: int, what: str = "elements", model: str = "EN 16931") -> str:
    return f"{count} more {what} are {not_held(model)} (only the first {MAX_UNUSED_WARNINGS} are listed)"


def refused(term: str, raw: str, reason: object) -> str:
    """The message for a value a reader refuses: the term, why, and the value (shortened)."""
    shown = raw if len(raw) <= 40 else raw[:40] + "…"
    return f"{term} is {reason}: {shown!r}"


def zone_dropped(raw: str, zone: str, model: str = "EN 16931") -> str:
    return f"the date {raw!r} is read as {raw[: -len(zone)]}: {model} dates carry no time zone ({zone} dropped)"


def element_text(element: etree._Element | None) -> str | None:
    if element is None or element.text is None:
        return None
    text = element.text.strip()
    return text or None


def readable_path(element: etree._Element, namespaces: dict[str, str]) -> str:
    """/Invoice/cac:InvoiceLine[2]/cbc:ID: prefixes from `namespaces`, positions only where needed."""
    return PathBuilder(namespaces).of(element)


class PathBuilder:
    """Readable paths of many elements of one tree in linear time: each parent's children are numbered once
    (numbering the siblings again for every element made thousands of unknown elements cost minutes)."""

    def __init__(self, namespaces: dict[str, str]) -> None:
        self.prefixes = {uri: prefix for prefix, uri in namespaces.items()}
        self._positions: dict[etree._Element, dict[etree._Element, int]] = {}

    def position(self, parent: etree._Element, element: etree._Element) -> int | None:
        """1-based position among the siblings with the same tag; None when it is the only one."""
        positions = self._positions.get(parent)
        if positions is None:
            seen: dict[object, int] = {}
            positions = {}
            for child in parent:
                seen[child.tag] = seen.get(child.tag, 0) + 1
                positions[child] = seen[child.tag]
            for child in parent:
                if seen[child.tag] == 1:
                    del positions[child]
            self._positions[parent] = positions
        return positions.get(element)

    def of(self, element: etree._Element) -> str:
        steps = []
        node: etree._Element | None = element
        while node is not None:
            if isinstance(node.tag, str):
                qname = etree.QName(node)
                prefix = self.prefixes.get(qname.namespace)
                name = f"{prefix}:{qname.localname}" if prefix else qname.localname
            else:
                name = "comment()"
            parent = node.getparent()
            if parent is not None:
                position = self.position(parent, node)
                if position is not None:
                    name += f"[{position}]"
            steps.append(name)
            node = parent
        return "/" + "/".join(reversed(steps))
