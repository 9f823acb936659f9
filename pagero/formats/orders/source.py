"""Reading an order XML tree through prefixed paths while keeping account of what was read.

The order readers report every element with content that the model does not hold (a ConversionWarning with its
path). This is the part of that account the order readers need, on top of the shared value parsers.
"""

from __future__ import annotations

from collections.abc import Iterator
from datetime import date
from decimal import Decimal

from lxml import etree

from ..errors import ConversionWarning, InvalidValue
from ..limits import MAX_UNUSED_WARNINGS
from ..values import parse_decimal, parse_iso_date
from ..xml import PathBuilder, element_text, readable_path, refused
from .names import NOT_HELD


class Source:
    def __init__(self, root: etree._Element, namespaces: dict[str, str]) -> None:
        self.root = root
        self.ns = namespaces
        self.consumed: set[etree._Element] = {root}
        self.warnings: list[ConversionWarning] = []

    def _record(self, element: etree._Element | None) -> None:
        while element is not None and element not in self.consumed:
            self.consumed.add(element)
            element = element.getparent()

    def all(self, node: etree._Element | None, path: str) -> list[etree._Element]:
        if node is None:
            return []
        found: list[etree._Element] = node.findall(path, self.ns)
        for element in found:
            self._record(element)
        return found

    def first(self, node: etree._Element | None, path: str) -> etree._Element | None:
        if node is None:
            return None
        element: etree._Element | None = node.find(path, self.ns)
        self._record(element)
        return element

    def text(self, node: etree._Element | None, path: str) -> str | None:
        return element_text(self.first(node, path))

    def free_text(self, node: etree._Element | None, path: str) -> str | None:
        """Free text exactly as written (line breaks can carry meaning)."""
        element = self.first(node, path)
        if element is None or element.text is None or not element.text.strip():
            return None
        return str(element.text)

    def attr(self, node: etree._Element | None, path: str, name: str) -> str | None:
        element = node.find(path, self.ns) if node is not None else None
        value = element.get(name) if element is not None else None
        return value.strip() if value and value.strip() else None

    def path_of(self, element: etree._Element) -> str:
        return readable_path(element, self.ns)

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
        element = self.first(node, path)
        raw = element_text(element)
        if element is None or raw is None:
            return None
        try:
            value, zone = parse_iso_date(raw)
        except ValueError as exc:
            raise InvalidValue(refused(term, raw, exc), path=self.path_of(element), term=term) from None
        if zone is not None:
            message = f"the date {raw!r} is read as {raw[: -len(zone)]}: the time zone {zone} is dropped"
            self.warnings.append(ConversionWarning(self.path_of(element), message, term))
        return value

    def consume_subtree(self, element: etree._Element) -> None:
        """Syntax boilerplate with children (cac:TaxScheme VAT): consumed without a value being taken."""
        self.consumed.update(element.iter())
        self._record(element)

    def unread(self) -> Iterator[etree._Element]:
        for element in self.root.iter():
            if not isinstance(element.tag, str) or element in self.consumed:
                continue
            if len(element) == 0 and ((element.text and element.text.strip()) or element.attrib):
                yield element

    def conversion_warnings(self) -> list[ConversionWarning]:
        """The reader's warnings, then the first MAX_UNUSED_WARNINGS elements the model did not take, with
        paths, and one warning with the count of the rest."""
        warnings = list(self.warnings)
        paths = PathBuilder(self.ns)  # one builder: each parent's children are numbered once
        count = 0
        for element in self.unread():
            count += 1
            if count <= MAX_UNUSED_WARNINGS:
                warnings.append(ConversionWarning(path=paths.of(element), message=NOT_HELD))
        if count > MAX_UNUSED_WARNINGS:
            extra = count - MAX_UNUSED_WARNINGS
            more = f"{extra} more elements are {NOT_HELD} (only the first {MAX_UNUSED_WARNINGS} are listed)"
            warnings.append(ConversionWarning(path=self.path_of(self.root), message=more))
        return warnings
