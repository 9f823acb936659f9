"""UN/EDIFACT syntax: split an interchange into segments, and serialise segments back (syntax 4, UNOW).

Small and strict on purpose: the service string advice (UNA) is honoured, the release character
escapes separators, and a segment is a tag followed by data elements made of components.
"""

from __future__ import annotations

from dataclasses import dataclass

from ..errors import InvalidValue, UnsupportedFormat


@dataclass(frozen=True)
class Separators:
    component: str = ":"
    element: str = "+"
    decimal: str = "."
    release: str = "?"
    segment: str = "'"


@dataclass
class Segment:
    tag: str
    elements: list[list[str]]
    position: int  # 1-based segment number in the interchange, for error messages

    def get(self, element: int, component: int = 0) -> str | None:
        """Element and component by 1-based element index and 0-based component index; None if empty."""
        if element > len(self.elements):
            return None
        components = self.elements[element - 1]
        if component >= len(components):
            return None
        value = components[component].strip()  # fixed-width habits pad EDIFACT values with blanks
        return value or None


def tokenize(data: bytes) -> list[Segment]:
    try:
        text = data.decode("utf-8")
    except UnicodeDecodeError:
        try:
            text = data.decode("iso-8859-1")
        except UnicodeDecodeError:  # pragma: no cover - latin-1 decodes any byte
            raise InvalidValue("EDIFACT interchange is not UTF-8 or ISO 8859-1 text") from None
    text = text.lstrip("\ufeff \r\n\t")
    seps = Separators()
    if text.startswith("UNA"):
        if len(text) < 9:
            raise UnsupportedFormat("EDIFACT service string advice (UNA) is truncated")
        seps = Separators(text[3], text[4], text[5], text[6], text[8])
        text = text[9:]
    segments: list[Segment] = []
    elements: list[list[str]] = []
    components: list[str] = []
    buffer: list[str] = []
    position = 1
    i, n = 0, len(text)
    while i < n:
        ch = text[i]
        if ch == seps.release:
            if i + 1 >= n:
                raise InvalidValue("EDIFACT release character at the end of the interchange")
            buffer.append(text[i + 1])
            i += 2
            continue
        if ch == seps.component:
            components.append("".join(buffer))
            buffer = []
        elif ch == seps.element:
            components.append("".join(buffer))
            elements.append(components)
            components, buffer = [], []
        elif ch == seps.segment:
            components.append("".join(buffer))
            elements.append(components)
            tag = elements[0][0].strip()
            if tag:
                segments.append(Segment(tag, elements[1:], position))
                position += 1
            elements, components, buffer = [], [], []
            if tag == "UNO":
                # A package object (UNO ... UNP) carries raw content of a declared length, not segments.
                try:
                    length = int(segments[-1].elements[-1][0])
                except (ValueError, IndexError):
                    raise InvalidValue("EDIFACT UNO segment without a readable object length") from None
                segments.append(Segment("UNO-CONTENT", [[text[i + 1 : i + 1 + length]]], position))
                i += 1 + length
                continue
        elif ch in "\r\n" and not buffer and not components and not elements:
            pass  # line breaks between segments
        else:
            buffer.append(ch)
        i += 1
    if "".join(buffer).strip() or elements:
        raise InvalidValue("EDIFACT interchange does not end with a segment terminator")
    return segments


def escape(value: str, seps: Separators = Separators()) -> str:
    out = []
    for ch in value:
        if ch in (seps.component, seps.element, seps.release, seps.segment):
            out.append(seps.release)
        out.append(ch)
    return "".join(out)


def serialise(segments: list[tuple[str, list]]) -> bytes:
    """Segments as (tag, elements); an element is a string, None or a list of components."""
    lines = ["UNA:+.? '"]
    for tag, elements in segments:
        parts = [tag]
        for element in elements:
            if element is None:
                parts.append("")
            elif isinstance(element, list | tuple):
                components = ["" if c is None else escape(str(c)) for c in element]
                while components and components[-1] == "":  # trailing empty components, never an escaped ':'
                    components.pop()
                parts.append(":".join(components))
            else:
                parts.append(escape(str(element)))
        while len(parts) > 1 and parts[-1] == "":
            parts.pop()
        lines.append("+".join(parts) + "'")
    return "\n".join(lines).encode("utf-8") + b"\n"
