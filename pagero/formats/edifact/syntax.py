"""UN/EDIFACT syntax: split an interchange into segments, and serialise segments back (syntax 4, UNOW).

Small and strict on purpose: the service string advice (UNA) is honoured, the release character
escapes separators, and a segment is a tag followed by data elements made of components.
"""

from __future__ import annotations

import re
from collections.abc import Sequence
from dataclasses import dataclass

from ..errors import DocumentTooComplex, InvalidValue, UnsupportedFormat
from ..limits import MAX_EDIFACT_ELEMENTS, MAX_EDIFACT_SEGMENTS


@dataclass(frozen=True)
class Separators:
    component: str = ":"
    element: str = "+"
    decimal: str = "."
    release: str = "?"  # empty: the interchange has no release character
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


# Characters that no EDIFACT text may hold: C0 controls except tab, CR and LF, DEL, C1 controls (what ISO 8859-1
# makes of stray bytes) and the Unicode non-characters. The XML syntaxes cannot carry them, so a conversion would
# fail later; they are refused here, naming the segment.
CONTROL = re.compile("[\x00-\x08\x0b\x0c\x0e-\x1f\x7f-\x9f\ufffe\uffff]")
# Syntax identifiers (UNB S001) whose repertoire is UTF-8 / ISO 10646: their bytes must be valid UTF-8.
UTF8_SYNTAXES = frozenset({"UNOW", "UNOY"})
DIGITS = re.compile(r"[0-9]+")
UNA_LENGTH = 9


def separators(head: str) -> Separators:
    """The service string advice: UNA, then component, element, decimal, release, reserved and segment characters.

    A blank release character means the interchange uses none (ISO 9735).
    """
    if len(head) < UNA_LENGTH:
        raise UnsupportedFormat("EDIFACT service string advice (UNA) is truncated")
    component, element, decimal, release, segment = head[3], head[4], head[5], head[6], head[8]
    release = "" if release == " " else release
    used = [component, element, segment] + ([release] if release else [])
    if len(set(used)) != len(used) or any(ch.isalnum() or ch in " \r\n" for ch in used):
        raise UnsupportedFormat(
            f"EDIFACT service string advice {head[:UNA_LENGTH]!r} does not declare distinct separator characters"
        )
    return Separators(component, element, decimal, release, segment)


def syntax_identifier(data: bytes) -> str | None:
    """The UNB syntax identifier (UNOA ... UNOW, UNOY), read from the bytes before they are decoded."""
    head = data.lstrip(b"\xef\xbb\xbf \t\r\n")[:512]
    element = b"+"
    if head.startswith(b"UNA") and len(head) >= UNA_LENGTH:
        element, head = head[4:5], head[UNA_LENGTH:].lstrip(b" \t\r\n")
    if not head.startswith(b"UNB" + element):
        return None
    return head[4:8].decode("ascii", "replace").upper()


def decode(data: bytes) -> str:
    syntax = syntax_identifier(data)
    if syntax in UTF8_SYNTAXES:
        try:
            return data.decode("utf-8")
        except UnicodeDecodeError as exc:
            raise InvalidValue(
                f"EDIFACT interchange declares syntax {syntax} (UTF-8), but byte 0x{data[exc.start]:02x} at "
                f"offset {exc.start} is not valid UTF-8"
            ) from None
    try:
        return data.decode("utf-8")
    except UnicodeDecodeError:
        # The ISO 8859 repertoires (UNOC...): ISO 8859-1 decodes any byte; stray bytes become C1 controls, which
        # the control character check refuses.
        return data.decode("iso-8859-1")


def tokenize(data: bytes) -> list[Segment]:
    """The interchange's segments. Always moves forward through the input and refuses, with a message naming
    the segment, anything it cannot read: a bad package length, control characters, an exceeded budget."""
    text = decode(data).lstrip("\ufeff \r\n\t")
    seps = Separators()
    if text.startswith("UNA"):
        seps = separators(text[:UNA_LENGTH])
        text = text[UNA_LENGTH:]
    check_controls = CONTROL.search(text) is not None  # the common case pays one scan, not one per segment
    segments = _split_plain(text, seps, check_controls)
    return segments if segments is not None else _scan(text, seps, check_controls)


def _split_plain(text: str, seps: Separators, check_controls: bool) -> list[Segment] | None:
    """The segments of an interchange without released characters or package objects, split by the separators
    (str.split runs in C: an order of magnitude faster than `_scan` on big interchanges). None when the text needs
    `_scan`: a release character, a UNO package, or anything but blanks after the last terminator (whose reading
    `_scan` decides)."""
    if seps.release and seps.release in text:
        return None
    *raw_segments, tail = text.split(seps.segment)
    if tail.strip():
        return None
    segments: list[Segment] = []
    position = 1
    element_count = 0
    for raw in raw_segments:
        elements = [value.split(seps.component) for value in raw.lstrip("\r\n").split(seps.element)]
        element_count += len(elements) - 1
        if element_count > MAX_EDIFACT_ELEMENTS:
            raise DocumentTooComplex(
                f"the EDIFACT interchange has more than {MAX_EDIFACT_ELEMENTS} data elements (the limit)"
            )
        tag = elements[0][0].strip()
        if check_controls:
            _refuse_controls(elements, position, tag)
        if not tag:
            continue
        if tag == "UNO":
            return None
        if position > MAX_EDIFACT_SEGMENTS:
            raise DocumentTooComplex(
                f"the EDIFACT interchange has more than {MAX_EDIFACT_SEGMENTS} segments (the limit)"
            )
        segments.append(Segment(tag, elements[1:], position))
        position += 1
    return segments


def _scan(text: str, seps: Separators, check_controls: bool) -> list[Segment]:
    """The segments, read character by character: released characters and package objects of declared length."""
    release, component, element, terminator = seps.release or None, seps.component, seps.element, seps.segment
    segments: list[Segment] = []
    elements: list[list[str]] = []
    components: list[str] = []
    buffer: list[str] = []
    position = 1
    element_count = 0
    i, n = 0, len(text)
    while i < n:
        ch = text[i]
        if ch == release:
            if i + 1 >= n:
                raise InvalidValue("EDIFACT release character at the end of the interchange")
            buffer.append(text[i + 1])
            i += 2
            continue
        if ch == component:
            components.append("".join(buffer))
            buffer = []
        elif ch == element:
            components.append("".join(buffer))
            elements.append(components)
            components, buffer = [], []
            element_count += 1
            if element_count > MAX_EDIFACT_ELEMENTS:
                raise DocumentTooComplex(
                    f"the EDIFACT interchange has more than {MAX_EDIFACT_ELEMENTS} data elements (the limit)"
                )
        elif ch == terminator:
            components.append("".join(buffer))
            elements.append(components)
            tag = elements[0][0].strip()
            if check_controls:
                _refuse_controls(elements, position, tag)
            if tag:
                if position > MAX_EDIFACT_SEGMENTS:
                    raise DocumentTooComplex(
                        f"the EDIFACT interchange has more than {MAX_EDIFACT_SEGMENTS} segments (the limit)"
                    )
                segments.append(Segment(tag, elements[1:], position))
                position += 1
            elements, components, buffer = [], [], []
            if tag == "UNO":
                # A package object (UNO ... UNP) carries raw content of a declared length, not segments.
                length = _package_length(segments[-1], n - (i + 1))
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


def _package_length(segment: Segment, remaining: int) -> int:
    """The object length of a UNO segment (its last data element): digits, and no more than what remains."""
    raw = segment.elements[-1][0].strip() if segment.elements else ""
    where = f"(segment {segment.position}, UNO)"
    if DIGITS.fullmatch(raw) is None:
        raise InvalidValue(f"EDIFACT package object length {raw[:20]!r} is not a non-negative integer {where}")
    digits = raw.lstrip("0") or "0"
    # Compared as text first: int() of thousands of digits is refused by Python itself.
    if len(digits) > len(str(remaining)) or int(digits) > remaining:
        shown = digits if len(digits) <= 20 else f"a {len(digits)}-digit number of"
        raise InvalidValue(f"EDIFACT package object declares {shown} characters but only {remaining} follow {where}")
    return int(digits)


def _refuse_controls(elements: list[list[str]], position: int, tag: str) -> None:
    """Control characters in the segment's values. The separators themselves may be control characters (syntax
    level B uses IS1-IS4), so the values are checked, not the raw text: a released one is refused too."""
    for components in elements:
        for value in components:
            found = CONTROL.search(value)
            if found is not None:
                raise InvalidValue(
                    f"EDIFACT segment {position} ({tag or 'without tag'}) contains the control character "
                    f"U+{ord(found.group()):04X}, which no EDIFACT text may hold",
                    path=f"segment {position}",
                )


def escape(value: str, seps: Separators = Separators()) -> str:
    """A value as EDIFACT text, separators released. A control character (which XML 1.0 allows from U+007F on)
    is refused here as the reader refuses it, so that no interchange is written that could not be read back."""
    found = CONTROL.search(value)
    if found is not None:
        raise InvalidValue(
            f"the value {value[:40]!r} contains the control character U+{ord(found.group()):04X}, "
            "which no EDIFACT text may hold"
        )
    out = []
    for ch in value:
        if ch in (seps.component, seps.element, seps.release, seps.segment):
            out.append(seps.release)
        out.append(ch)
    return "".join(out)


def serialise(segments: Sequence[tuple[str, Sequence[object]]]) -> bytes:
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
