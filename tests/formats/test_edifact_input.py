"""EDIFACT input: the tokenizer always moves forward, honours the UNA, refuses control characters and invalid
UTF-8, and stays within its budget; detection reads the separators the UNA declares."""

from __future__ import annotations

from decimal import Decimal

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from pagero.formats import conversion, errors, public
from pagero.formats.detect import detect
from pagero.formats.edifact import syntax
from pagero.formats.edifact.syntax import CONTROL, Separators, tokenize
from pagero.formats.limits import MAX_EDIFACT_ELEMENTS, MAX_EDIFACT_SEGMENTS

from .examples import examples

HEAD = b"UNA:+.? 'UNB+UNOW:4+A+B+200101:0000+1'UNH+1+INVOIC:D:14B:UN'"
TAIL = b"UNT+4+1'UNZ+1+1'"


def test_negative_package_length_is_refused_not_looped_on():
    """The reported input: a UNO length of -8 used to move the tokenizer backwards forever."""
    data = HEAD + b"UNO+-8'"
    with pytest.raises(errors.InvalidValue, match=r"package object length '-8' is not a non-negative integer"):
        tokenize(data)
    with pytest.raises(errors.FormatError, match="segment 3, UNO"):
        public.parse(data)
    with pytest.raises(errors.FormatError, match="non-negative"):
        public.validate(data)


@pytest.mark.parametrize(
    ("package", "message"),
    [
        (b"UNO+x'", "'x' is not a non-negative integer"),
        (b"UNO+1.5'", "'1.5' is not a non-negative integer"),
        (b"UNO'", "'' is not a non-negative integer"),
        (b"UNO+99'abc", "declares 99 characters but only 3 follow"),
        (b"UNO+100000000000000000000'abc", "but only 3 follow"),
        (b"UNO+" + b"9" * 5000 + b"'abc", "declares a 5000-digit number of characters but only 3 follow"),
    ],
)
def test_package_length_must_lie_within_the_input(package, message):
    with pytest.raises(errors.InvalidValue, match=message):
        conversion.parse_document(HEAD + package)


def test_package_content_of_the_declared_length_is_kept_whole():
    segments = tokenize(HEAD + b"UNO+P1+1:D1+13:text/plain:a.txt+6'a'b+c?UNP+1+P1'")
    content = next(s for s in segments if s.tag == "UNO-CONTENT")
    assert content.elements == [["a'b+c?"]]
    assert segments[-1].tag == "UNP"


@pytest.mark.parametrize("control", ["\x00", "\x0b", "\x0c", "\x1b", "\x7f", "\x85"])
@pytest.mark.parametrize("target", ["ubl", "cii"])
def test_control_characters_are_refused_naming_the_segment(control, target):
    """A vertical tab in a name used to crash the XML writers; it is refused when the interchange is read."""
    data = HEAD + b"BGM+380+X'" + f"NAD+SE+++Acme{control}AB'".encode() + TAIL
    with pytest.raises(errors.InvalidValue) as caught:
        public.convert(data, target)
    assert f"segment 4 (NAD) contains the control character U+{ord(control):04X}" in caught.value.message
    assert caught.value.path == "segment 4"


def test_tab_and_line_breaks_are_not_control_characters_here():
    data = HEAD + b"BGM+380+X'\r\nFTX+AAI+++Line one\tand two'\n" + TAIL
    parsed = conversion.parse_document(data)
    assert parsed.invoice.notes[0].text == "Line one\tand two"


def test_invalid_utf8_under_unow_is_reported_with_its_offset():
    data = HEAD + b"BGM+380+X\xff\xfeY'" + TAIL
    with pytest.raises(
        errors.InvalidValue, match=rf"declares syntax UNOW \(UTF-8\), but byte 0xff at offset {len(HEAD) + 9}"
    ):
        public.parse(data)


def test_iso_8859_1_under_unoc_is_still_read():
    data = HEAD.replace(b"UNOW", b"UNOC") + "BGM+380+Sm\xf8rrebr\xf8d'".encode("latin-1") + TAIL
    assert conversion.parse_document(data).invoice.number == "Smørrebrød"


def test_stray_bytes_that_iso_8859_1_makes_control_characters_are_refused():
    data = HEAD.replace(b"UNOW", b"UNOC") + b"BGM+380+X\x85Y'" + TAIL
    with pytest.raises(errors.InvalidValue, match="segment 3 \\(BGM\\) contains the control character U\\+0085"):
        conversion.parse_document(data)


OTHER_SEPARATORS = (
    b"UNA|^.? ~UNB^UNOW|4^A^B^200101|0000^1~UNH^1^INVOIC|D|14B|UN~BGM^380^INV?^1~"
    b"DTM^137|20200101|102~UNS^S~MOA^9|12.50~UNT^6^1~UNZ^1^1~"
)


def test_detection_uses_the_separators_the_una_declares():
    detected = public.detect(OTHER_SEPARATORS)
    assert (detected.syntax, detected.document_type, detected.version) == ("edifact", "invoice", "D:14B")
    with pytest.raises(errors.UnsupportedFormat, match="DESADV"):
        detect(OTHER_SEPARATORS.replace(b"INVOIC", b"DESADV"))


def test_an_interchange_with_other_separators_is_read_and_converted():
    parsed = public.parse(OTHER_SEPARATORS)
    assert parsed.invoice.number == "INV^1"  # ?^ is a released element separator
    assert parsed.invoice.totals.payable == Decimal("12.50")
    assert b"INV^1" in public.convert(OTHER_SEPARATORS, "ubl", check="none").data


def test_control_characters_as_separators_are_separators():
    """Syntax level B separates with IS1 (component), IS3 (element) and IS4 (segment): control characters that are
    separators, not text. Released into a value, one is text again, and refused."""
    level_b = OTHER_SEPARATORS.replace(b"|", b"\x1f").replace(b"^", b"\x1d").replace(b"~", b"\x1c")
    readable = level_b.replace(b"INV?\x1d1", b"INV1")
    assert public.detect(readable).document_type == "invoice"
    parsed = public.parse(readable)
    assert parsed.invoice.number == "INV1" and parsed.invoice.totals.payable == Decimal("12.50")
    with pytest.raises(errors.InvalidValue, match=r"segment 3 \(BGM\) contains the control character U\+001D"):
        public.parse(level_b)


def test_a_blank_release_character_means_none():
    data = b"UNA:+.  'UNB+UNOW:4+A+B+200101:0000+1'UNH+1+INVOIC:D:14B:UN'BGM+380+WHY?'" + TAIL
    assert public.detect(data).document_type == "invoice"
    assert conversion.parse_document(data).invoice.number == "WHY?"


@pytest.mark.parametrize("una", [b"UNA::.? '", b"UNA:+.' '", b"UNA:+.? +", b"UNA:A.? '"])
def test_una_without_distinct_separators_is_refused(una):
    data = una + b"UNB+UNOW:4+A+B+200101:0000+1'UNH+1+INVOIC:D:14B:UN'"
    with pytest.raises(errors.UnsupportedFormat, match="distinct separator"):
        public.detect(data)
    with pytest.raises(errors.UnsupportedFormat, match="distinct separator"):
        tokenize(data)


# The tokenizer splits an interchange without released characters in C and scans one that has them character by
# character: each budget is checked on both readings.
READINGS = pytest.mark.parametrize(
    "head", [HEAD, HEAD[:-1] + b"+a?'b'"], ids=["split", "scanned (a released character)"]
)


@pytest.mark.slow  # a million segments, twice
@READINGS
def test_segment_budget(head):
    """One more segment than the budget is refused (the interchange is 2 MB, well within the size limit)."""
    assert len(tokenize(head + b"X'" * (MAX_EDIFACT_SEGMENTS - 2))) == MAX_EDIFACT_SEGMENTS
    with pytest.raises(errors.DocumentTooComplex, match=f"more than {MAX_EDIFACT_SEGMENTS} segments"):
        tokenize(head + b"X'" * (MAX_EDIFACT_SEGMENTS - 1))


@pytest.mark.slow  # an interchange of the budget's size, on each reading
@READINGS
def test_data_element_budget(head):
    with pytest.raises(errors.DocumentTooComplex, match=f"more than {MAX_EDIFACT_ELEMENTS} data elements"):
        public.parse(head + b"FTX" + b"+" * (MAX_EDIFACT_ELEMENTS + 1) + b"'")


def _reading(read, text: str):
    try:
        segments = read(text, Separators(), CONTROL.search(text) is not None)
    except errors.FormatError as exc:
        return (type(exc), exc.message)
    return None if segments is None else [(s.tag, s.elements, s.position) for s in segments]


@settings(max_examples=examples(300), deadline=None)
@given(text=st.text(alphabet="AB +:'?\r\n\x01\x85", max_size=60))
def test_splitting_reads_what_scanning_reads(text):
    """The fast reading of an interchange without released characters gives the same segments, or the same
    refusal, as the character scanner (or leaves the text to it)."""
    split = _reading(syntax._split_plain, text)
    if split is not None:
        assert split == _reading(syntax._scan, text)


def test_unplaced_segment_warnings_are_capped():
    data = HEAD + b"BGM+380+X'" + b"XYZ+1'" * 1000 + TAIL
    warnings = conversion.parse_document(data).warnings
    assert len(warnings) == 201
    assert warnings[0].path.startswith("segment 4 (XYZ+1)")
    assert warnings[-1].message.startswith("800 more segments are not held by the EN 16931 model")


def test_a_control_character_xml_allows_is_refused_when_writing_edifact():
    """XML 1.0 allows U+007F..U+009F in text; EDIFACT text may not hold them, and the reader refuses them: the
    writer refuses them too rather than write an interchange it could not read back."""
    ubl = (
        b'<Invoice xmlns="urn:oasis:names:specification:ubl:schema:xsd:Invoice-2" '
        b'xmlns:cbc="urn:oasis:names:specification:ubl:schema:xsd:CommonBasicComponents-2">'
        b"<cbc:ID>1</cbc:ID><cbc:Note>a\x7fb</cbc:Note></Invoice>"
    )
    with pytest.raises(public.FormatError, match="control character U\\+007F"):
        public.convert(ubl, "edifact", check="none")
