"""Bad input gets a clear error that names the problem; XML is parsed without entities, DTDs or network."""

from __future__ import annotations

import pytest

from pagero.formats import conversion, errors, public
from pagero.formats.detect import detect

UBL_HEAD = (
    b'<Invoice xmlns="urn:oasis:names:specification:ubl:schema:xsd:Invoice-2" '
    b'xmlns:cbc="urn:oasis:names:specification:ubl:schema:xsd:CommonBasicComponents-2" '
    b'xmlns:cac="urn:oasis:names:specification:ubl:schema:xsd:CommonAggregateComponents-2">'
)


@pytest.mark.parametrize("data", [b"", b"   \n\t ", b"\xef\xbb\xbf"])
def test_empty_input(data):
    with pytest.raises(errors.EmptyDocument, match="empty"):
        conversion.parse_document(data)


def test_too_large():
    with pytest.raises(errors.DocumentTooLarge, match="the limit is 100 bytes"):
        conversion.parse_document(b"<a>" + b"x" * 200 + b"</a>", max_bytes=100)


@pytest.mark.parametrize("data", [b"\x00\x01\x02\xff\xfe garbage", b"hello, world", b'{"invoice": 1}'])
def test_binary_garbage_and_unknown_text(data):
    with pytest.raises(errors.UnsupportedFormat, match="neither XML nor EDIFACT"):
        detect(data)


def test_pdf_is_refused_with_advice():
    with pytest.raises(errors.UnsupportedFormat, match="PDF"):
        detect(b"%PDF-1.7\n...")


def test_malformed_xml_names_line_and_column():
    with pytest.raises(errors.MalformedXml, match=r"not well-formed.*line 1"):
        conversion.parse_document(UBL_HEAD + b"<cbc:ID>1</cbc:IDD></Invoice>")


def test_wrong_encoding():
    data = (
        b'<?xml version="1.0" encoding="UTF-8"?>'
        + UBL_HEAD
        + "<cbc:Note>Sm\xf8rrebr\xf8d</cbc:Note>".encode("latin-1")
        + b"</Invoice>"
    )
    with pytest.raises(errors.MalformedXml, match="UTF-8"):
        conversion.parse_document(data)


def test_unknown_xml_root_is_named():
    with pytest.raises(errors.UnsupportedFormat, match="root element Catalogue in namespace urn:example"):
        detect(b'<Catalogue xmlns="urn:example"/>')


def test_external_entity_is_never_resolved(tmp_path):
    secret = tmp_path / "secret.txt"
    secret.write_text("TOP-SECRET")
    data = (
        f'<?xml version="1.0"?><!DOCTYPE Invoice [<!ENTITY xxe SYSTEM "file://{secret}">]>'.encode()
        + UBL_HEAD
        + b"<cbc:ID>&xxe;</cbc:ID></Invoice>"
    )
    with pytest.raises(errors.ForbiddenXmlFeature, match="DOCTYPE"):
        conversion.parse_document(data)


def test_entity_expansion_bomb_is_refused():
    bomb = (
        b'<?xml version="1.0"?><!DOCTYPE lolz [<!ENTITY lol "lol"><!ENTITY lol2 "&lol;&lol;&lol;&lol;">]>'
        b"<lolz>&lol2;</lolz>"
    )
    with pytest.raises(errors.ForbiddenXmlFeature):
        conversion.parse_document(bomb)


def test_invalid_amount_names_bt_and_path():
    data = (
        UBL_HEAD + b"<cbc:ID>1</cbc:ID><cac:LegalMonetaryTotal><cbc:PayableAmount>12,5O"
        b"</cbc:PayableAmount></cac:LegalMonetaryTotal></Invoice>"
    )
    with pytest.raises(errors.InvalidValue) as caught:
        conversion.parse_document(data)
    assert caught.value.term == "BT-115"
    assert caught.value.path == "/Invoice/cac:LegalMonetaryTotal/cbc:PayableAmount"
    assert caught.value.as_dict()["error"] == "invalid_value"


def test_invalid_date_names_bt():
    with pytest.raises(errors.InvalidValue, match="BT-2 is not a date"):
        conversion.parse_document(UBL_HEAD + b"<cbc:IssueDate>01.02.2026</cbc:IssueDate></Invoice>")


def test_edifact_other_messages_are_unsupported():
    with pytest.raises(errors.UnsupportedFormat, match="DESADV"):
        detect(b"UNA:+.? 'UNB+UNOW:4+A+B+260101:1200+1'UNH+1+DESADV:D:14B:UN'")


def test_edifact_bad_number_names_bt():
    data = b"UNA:+.? 'UNB+UNOW:4+A+B+260101:1200+1'UNH+1+INVOIC:D:14B:UN'BGM+380+X'UNS+S'MOA+9:abc'UNT+4+1'UNZ+1+1'"
    with pytest.raises(errors.InvalidValue, match="not a number"):
        conversion.parse_document(data)


def test_edifact_truncated_interchange():
    with pytest.raises(errors.InvalidValue, match="segment terminator"):
        conversion.parse_document(b"UNA:+.? 'UNB+UNOW:4+A+B+260101:1200+1'UNH+1+INVOIC:D:14B:UN'BGM+380+X")


def test_an_order_is_not_read_as_an_invoice():
    order = b'<Order xmlns="urn:oasis:names:specification:ubl:schema:xsd:Order-2"/>'
    assert detect(order)[0].document_type == "order"
    with pytest.raises(errors.UnsupportedFormat, match="order model, not the invoice model"):
        conversion.convert_document(order, "cii")


def test_unknown_target_syntax():
    with pytest.raises(errors.UnsupportedFormat, match="unknown target syntax 'pdf'"):
        conversion.convert_document(UBL_HEAD + b"</Invoice>", "pdf")


# -- hostile input through the port: always a FormatError with a message, never another exception --------------

CII_HEAD = (
    b'<rsm:CrossIndustryInvoice xmlns:rsm="urn:un:unece:uncefact:data:standard:CrossIndustryInvoice:100" '
    b'xmlns:ram="urn:un:unece:uncefact:data:standard:ReusableAggregateBusinessInformationEntity:100">'
)
EDIFACT_HEAD = b"UNA:+.? 'UNB+UNOW:4+A+B+260101:1200+1'UNH+1+INVOIC:D:14B:UN'"


def test_cii_without_its_transaction_is_read_not_crashed_on():
    """A CII invoice without SupplyChainTradeTransaction used to raise TypeError in the reader."""
    data = CII_HEAD + b"<rsm:ExchangedDocument><ram:ID>7</ram:ID></rsm:ExchangedDocument></rsm:CrossIndustryInvoice>"
    parsed = public.parse(data)
    assert parsed.invoice.number == "7" and parsed.invoice.lines == []
    assert public.convert(data, "ubl", check="none").data.startswith(b"<?xml")  # read, not valid


@pytest.mark.parametrize(
    "data",
    [
        EDIFACT_HEAD + b"UNO+-8'",  # a package length that moved the tokenizer backwards
        EDIFACT_HEAD + b"BGM+380+A\x0bB'UNT+3+1'UNZ+1+1'",  # a control character the XML writers cannot hold
        EDIFACT_HEAD + b"BGM+380+\xc3\x28'UNT+3+1'UNZ+1+1'",  # invalid UTF-8 under UNOW
        EDIFACT_HEAD + b"BGM+380+1'UNS+S'MOA+9:-Infinity'UNT+3+1'UNZ+1+1'",
        EDIFACT_HEAD + b"BGM+380+1'DTM+137:201500:616'UNT+3+1'UNZ+1+1'",
        b"UNA:+",  # a truncated service string advice
        UBL_HEAD + b"<cac:LegalMonetaryTotal><cbc:PayableAmount>sNaN</cbc:PayableAmount></cac:LegalMonetaryTotal>"
        b"</Invoice>",
        b"<a>" * 120 + b"</a>" * 120,
    ],
)
@pytest.mark.parametrize("call", ["parse", "validate", "convert"])
def test_hostile_input_gets_a_format_error_from_every_port_function(data, call):
    functions = {"parse": public.parse, "validate": public.validate, "convert": lambda d: public.convert(d, "cii")}
    with pytest.raises(errors.FormatError) as caught:
        functions[call](data)
    assert type(caught.value) is not errors.UnreadableDocument  # each of these has its own check and message
    assert caught.value.message and caught.value.code != "invalid_document"


def test_an_unforeseen_reader_failure_is_a_format_error(monkeypatch):
    """Any failure no check foresees still reaches the caller as a FormatError naming it (and is logged)."""

    def failing_reader(root):
        return {}["no such key"]

    monkeypatch.setattr(conversion, "read_ubl", failing_reader)
    with pytest.raises(errors.UnreadableDocument, match=r"could not be read \(KeyError: 'no such key'\)"):
        public.parse(UBL_HEAD + b"</Invoice>")


def test_a_date_with_an_impossible_zone_is_refused_by_the_reader_and_the_schema():
    data = UBL_HEAD + b"<cbc:IssueDate>2015-04-01+15:00</cbc:IssueDate></Invoice>"
    with pytest.raises(errors.InvalidValue, match=r"BT-2 is not a date \(YYYY-MM-DD\): '2015-04-01\+15:00'"):
        public.parse(data)
    report = public.validate(data)
    assert not report.valid and any("IssueDate" in f.message for f in report.findings if f.rule_set == "xsd")
