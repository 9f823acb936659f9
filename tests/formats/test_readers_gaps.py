"""Reader refusals a sender meets: a broken attachment, a broken EDIFACT envelope. Each is a clear format error
naming the problem, never a crash and never a silently wrong document."""

from __future__ import annotations

import pytest

from pagero.formats import conversion, errors
from tests.formats.test_values import UBL

ATTACHMENT = (
    "<cac:AdditionalDocumentReference><cbc:ID>A1</cbc:ID><cac:Attachment>"
    '<cbc:EmbeddedDocumentBinaryObject mimeCode="application/pdf" filename="a.pdf">{}'
    "</cbc:EmbeddedDocumentBinaryObject></cac:Attachment></cac:AdditionalDocumentReference>"
)
HEADER = b"UNA:+.? 'UNB+UNOC:3+A+B+200101:0000+1'"
MESSAGE = b"UNH+1+INVOIC:D:14B:UN'BGM+380+X'UNT+4+1'UNZ+1+1'"


@pytest.mark.parametrize("content", ["not*base64", "QUJDRA=", "QUJD RA==?"])
def test_an_attachment_that_is_not_base64_is_refused_naming_bt_125_and_where(content):
    with pytest.raises(errors.InvalidValue) as caught:
        conversion.parse_document(UBL.format(body=ATTACHMENT.format(content)).encode())
    assert caught.value.term == "BT-125"
    assert "not valid base64" in caught.value.message
    assert caught.value.path.endswith("cac:Attachment/cbc:EmbeddedDocumentBinaryObject")


def test_base64_broken_over_lines_is_read_whole():
    parsed = conversion.parse_document(UBL.format(body=ATTACHMENT.format("QUJD\n  RA==")).encode())
    [document] = parsed.invoice.supporting_documents
    assert document.attachment.content == b"ABCD"
    assert (document.attachment.mime_code, document.attachment.filename) == ("application/pdf", "a.pdf")


def test_a_release_character_releases_the_segment_terminator():
    data = HEADER + MESSAGE.replace(b"BGM+380+X'", b"BGM+380+X?'Y'")
    assert conversion.parse_document(data).invoice.number == "X'Y"


def test_a_release_character_with_nothing_after_it_is_refused():
    with pytest.raises(errors.InvalidValue, match="EDIFACT release character at the end of the interchange"):
        conversion.parse_document(HEADER + MESSAGE + b"?")


@pytest.mark.parametrize("una", [b"UNA", b"UNA:+.", b"UNA:+.? "])
def test_a_truncated_una_is_refused(una):
    with pytest.raises(errors.UnsupportedFormat, match=r"EDIFACT service string advice \(UNA\) is truncated"):
        conversion.parse_document(una)


def test_an_interchange_without_unh_is_refused_naming_the_missing_header():
    data = HEADER + b"BGM+380+X'UNZ+1+1'"
    with pytest.raises(errors.UnsupportedFormat, match="EDIFACT interchange without a readable UNH message header"):
        conversion.parse_document(data)


def test_an_interchange_cut_off_mid_segment_is_refused():
    with pytest.raises(errors.InvalidValue, match="EDIFACT interchange does not end with a segment terminator"):
        conversion.parse_document(HEADER + MESSAGE[:-1])


def test_a_utf8_syntax_with_bytes_that_are_not_utf8_names_the_byte_and_offset():
    data = HEADER.replace(b"UNOC:3", b"UNOW:4") + MESSAGE.replace(b"BGM+380+X", b"BGM+380+X\xff")
    offset = data.index(b"\xff")
    with pytest.raises(errors.InvalidValue) as caught:
        conversion.parse_document(data)
    assert f"declares syntax UNOW (UTF-8), but byte 0xff at offset {offset} is not valid UTF-8" in str(caught.value)


def test_the_same_byte_under_an_iso_8859_syntax_is_a_letter():
    data = HEADER + MESSAGE.replace(b"BGM+380+X", b"BGM+380+X\xe9")
    assert conversion.parse_document(data).invoice.number == "X\u00e9"
