"""Invoice values are text in the PDF, never reportlab markup: no embedded files, no links, no crash."""

from __future__ import annotations

import base64
import re
import zlib

import pytest

from pagero.delivery.public import render_pdf
from tests.exchange.factory import invoice

HOSTILE = {
    "bold": "<b>x",
    "image": '<img src="/etc/passwd" width="100" height="100"/>',
    "link": '<a href="javascript:alert(1)">pay here</a>',
    "font": '<font size="200" color="red">BIG',
    "entity": "&lt;&amp; AT&T; 5 < 6 > 4",
}


def pdf_objects(pdf: bytes) -> tuple[bytes, bytes]:
    """(the object dictionaries, the decoded content streams) of a reportlab PDF, without a PDF library."""
    dictionaries, contents = [], []
    for match in re.finditer(rb"(<<.*?>>)\s*stream\r?\n(.*?)endstream", pdf, re.S):
        header, data = match.group(1), match.group(2).strip()
        dictionaries.append(header)
        if b"/ASCII85Decode" in header:
            data = base64.a85decode(data.removeprefix(b"<~").removesuffix(b"~>"))
        if b"/FlateDecode" in header:
            data = zlib.decompress(data)
        contents.append(data)
    outside_streams = re.sub(rb"stream\r?\n.*?endstream", b"", pdf, flags=re.S)
    return outside_streams + b"".join(dictionaries), b"\n".join(contents)


def shown_text(content: bytes) -> str:
    """The text the content streams draw, one line per text object (BT ... ET), its strings joined."""
    lines = []
    for block in re.findall(rb"BT(.*?)ET", content, re.S):
        strings = re.findall(rb"\(((?:\\.|[^\\)])*)\)\s*Tj", block, re.S)
        lines.append(b"".join(re.sub(rb"\\(.)", rb"\1", part, flags=re.S) for part in strings).decode("latin-1"))
    return "\n".join(lines)


@pytest.mark.parametrize("field", ["number", "seller_name", "item_name", "terms", "address", "remittance"])
@pytest.mark.parametrize("value", list(HOSTILE.values()), ids=list(HOSTILE))
def test_hostile_values_are_shown_as_text(field, value):
    model = invoice(number="SAFE-1")
    if field == "number":
        model.number = value
    elif field == "seller_name":
        model.seller.name = value
    elif field == "item_name":
        model.lines[0].item.name = value
    elif field == "terms":
        model.payment_terms = value
    elif field == "address":
        model.buyer.address.line1 = value
    else:
        model.payment.remittance_information = value
    pdf = render_pdf(model)
    assert pdf.startswith(b"%PDF")
    structure, content = pdf_objects(pdf)
    assert b"/Link" not in structure and b"/Annots" not in structure and b"/URI" not in structure
    assert b"/JavaScript" not in structure and b"/XObject" not in structure
    assert not re.search(rb"/Subtype\s*/Image", structure)  # (/ImageB etc. in /ProcSet are only capabilities)
    # The value is drawn literally (a long one may wrap: every word of it is there).
    text = shown_text(content)
    for word in value.split():
        assert word in text, (word, text)


def test_an_ordinary_invoice_still_renders_its_values():
    pdf = render_pdf(invoice(number="INV-77"))
    text = shown_text(pdf_objects(pdf)[1])
    for value in ("Invoice INV-77", "Acme Supplies AB", "Nordic Retail AS", "Consulting hour 1", "Storgatan 1"):
        assert value in text
