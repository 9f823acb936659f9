"""Safe XML parsing and a reader helper that remembers which elements the model consumed.

Parsing never resolves entities, never loads a DTD, never touches the network, and refuses any
document that carries a DOCTYPE at all (no e-invoice syntax uses one; it is only ever an attack).
"""

from __future__ import annotations

import base64
import binascii
import re
from datetime import date
from decimal import Decimal, InvalidOperation

from lxml import etree

from .errors import EmptyDocument, ForbiddenXmlFeature, InvalidValue, MalformedXml

DEFAULT_MAX_BYTES = 20 * 1024 * 1024
NOT_HELD = "not held by the EN 16931 model; it would be lost in conversion"
PREFIXED = re.compile(r"\b([a-z]+):(?=[A-Za-z])")
_CLARK_CACHES: dict[tuple, dict[str, tuple[str, ...]]] = {}
NOTHING: list = []


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


def parse_xml(data: bytes) -> etree._Element:
    if not data or not data.strip():
        raise EmptyDocument("the document is empty")
    try:
        root = etree.fromstring(data, _PARSER)
    except etree.XMLSyntaxError as exc:
        message = exc.msg if "line" in exc.msg else f"{exc.msg} (line {exc.lineno}, column {exc.offset})"
        if "encoding" in exc.msg.lower():
            declared = DECLARED_ENCODING.search(data[:200])
            name = declared.group(1).decode("ascii", "replace") if declared else "UTF-8"
            raise MalformedXml(
                f"the document's bytes are not valid {name} (its declared encoding): {message}"
            ) from None
        raise MalformedXml(f"the document is not well-formed XML: {message}") from None
    except ValueError as exc:  # e.g. unicode strings with an encoding declaration
        raise MalformedXml(f"the document could not be read as XML: {exc}") from None
    docinfo = root.getroottree().docinfo
    if docinfo.doctype or docinfo.internalDTD is not None:
        raise ForbiddenXmlFeature("XML with a DOCTYPE (DTD) is not accepted")
    return root


def local_name(element: etree._Element) -> str:
    return etree.QName(element).localname


class XmlSource:
    """Reads a parsed document through namespace-prefixed paths and records what was consumed."""

    def __init__(self, root: etree._Element, namespaces: dict[str, str]) -> None:
        self.root = root
        self.ns = namespaces
        self.used: set[etree._Element] = {root}
        self._clark = _clark_cache(namespaces)
        self._children: dict[etree._Element, dict[str, list[etree._Element]]] = {}

    def _mark(self, element: etree._Element) -> None:
        used = self.used
        while element is not None and element not in used:
            used.add(element)
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

    def _find(self, node: etree._Element, path: str) -> list[etree._Element]:
        """Child paths (a/b/c) resolved over an index of each visited node's children by tag.

        lxml's find() runs multi-step paths through its Python ElementPath; readers ask ~150 paths per
        invoice, so indexing children once per node makes parsing several times faster.
        """
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

    def all(self, node: etree._Element, path: str) -> list[etree._Element]:
        found = self._find(node, path)
        for element in found:
            self._mark(element)
        return found

    def first(self, node: etree._Element | None, path: str) -> etree._Element | None:
        if node is None:
            return None
        found = self._find(node, path)
        if not found:
            return None
        element = found[0]
        self._mark(element)
        return element

    def mark_subtree(self, element: etree._Element) -> None:
        """Syntax boilerplate (e.g. TaxScheme VAT) that carries no business information."""
        for sub in element.iter():
            self.used.add(sub)
        self._mark(element)

    def text(self, node: etree._Element | None, path: str) -> str | None:
        element = self.first(node, path)
        return element_text(element)

    def free_text(self, node: etree._Element | None, path: str) -> str | None:
        """Free text (notes, payment terms) exactly as written: line breaks can carry meaning (XRechnung Skonto)."""
        element = self.first(node, path)
        if element is None or element.text is None or not element.text.strip():
            return None
        return element.text

    def attr(self, node: etree._Element | None, path: str, name: str) -> str | None:
        found = self._find(node, path) if node is not None else []
        if not found:
            return None
        value = found[0].get(name)
        return value.strip() if value and value.strip() else None

    def path_of(self, element: etree._Element) -> str:
        return readable_path(element, self.ns)

    def decimal(self, node: etree._Element | None, path: str, term: str) -> Decimal | None:
        element = self.first(node, path)
        raw = element_text(element)
        if raw is None:
            return None
        try:
            value = Decimal(raw)
        except InvalidOperation:
            raise InvalidValue(f"{term} is not a number: {raw!r}", path=self.path_of(element), term=term) from None
        if not value.is_finite():
            raise InvalidValue(f"{term} is not a finite number: {raw!r}", path=self.path_of(element), term=term)
        return value

    def iso_date(self, node: etree._Element | None, path: str, term: str) -> date | None:
        element = self.first(node, path)
        raw = element_text(element)
        if raw is None:
            return None
        try:
            return date.fromisoformat(raw)
        except ValueError:
            raise InvalidValue(
                f"{term} is not a date (YYYY-MM-DD): {raw!r}", path=self.path_of(element), term=term
            ) from None

    def attachment(self, binary: etree._Element):
        """BT-125: a base64 binary object element with its mimeCode and filename attributes."""
        from .model import BinaryObject

        try:
            content = base64.b64decode("".join((binary.text or "").split()), validate=True)
        except (binascii.Error, ValueError):
            raise InvalidValue(
                "BT-125 attached document is not valid base64", path=self.path_of(binary), term="BT-125"
            ) from None
        return BinaryObject(content, binary.get("mimeCode", ""), binary.get("filename", ""))

    def unused_warnings(self) -> list:
        """Everything the model did not take, as conversion warnings with their paths."""
        from .errors import ConversionWarning

        return [ConversionWarning(path=path, message=NOT_HELD) for path in self.unused_paths()]

    def unused_paths(self) -> list[str]:
        """Leaf elements with content that no reader step consumed: what the model cannot hold."""
        out = []
        for element in self.root.iter():
            if not isinstance(element.tag, str) or element in self.used:
                continue
            if len(element) == 0 and ((element.text and element.text.strip()) or element.attrib):
                out.append(self.path_of(element))
        return out


def element_text(element: etree._Element | None) -> str | None:
    if element is None or element.text is None:
        return None
    text = element.text.strip()
    return text or None


def readable_path(element: etree._Element, namespaces: dict[str, str]) -> str:
    """/Invoice/cac:InvoiceLine[2]/cbc:ID: prefixes from `namespaces`, positions only where needed."""
    prefixes = {uri: prefix for prefix, uri in namespaces.items()}
    steps = []
    while element is not None:
        qname = etree.QName(element)
        prefix = prefixes.get(qname.namespace)
        name = f"{prefix}:{qname.localname}" if prefix else qname.localname
        parent = element.getparent()
        if parent is not None:
            same = [sibling for sibling in parent if sibling.tag == element.tag]
            if len(same) > 1:
                name += f"[{same.index(element) + 1}]"
        steps.append(name)
        element = parent
    return "/" + "/".join(reversed(steps))
