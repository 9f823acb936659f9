"""Numbers and dates: one parser for every reader, so that UBL, CII and EDIFACT accept and refuse the same values."""

from __future__ import annotations

from datetime import date
from decimal import Decimal

import pytest

from pagero.formats import conversion, errors
from pagero.formats.limits import MAX_FRACTION_DIGITS, MAX_INTEGER_DIGITS
from pagero.formats.values import ccyymmdd, parse_coded_date, parse_decimal, parse_iso_date

UBL = (
    '<Invoice xmlns="urn:oasis:names:specification:ubl:schema:xsd:Invoice-2" '
    'xmlns:cbc="urn:oasis:names:specification:ubl:schema:xsd:CommonBasicComponents-2" '
    'xmlns:cac="urn:oasis:names:specification:ubl:schema:xsd:CommonAggregateComponents-2">'
    "<cbc:ID>1</cbc:ID>{body}</Invoice>"
)
CII = (
    '<rsm:CrossIndustryInvoice xmlns:rsm="urn:un:unece:uncefact:data:standard:CrossIndustryInvoice:100" '
    'xmlns:ram="urn:un:unece:uncefact:data:standard:ReusableAggregateBusinessInformationEntity:100" '
    'xmlns:udt="urn:un:unece:uncefact:data:standard:UnqualifiedDataType:100">'
    "<rsm:ExchangedDocument><ram:ID>1</ram:ID>{document}</rsm:ExchangedDocument>"
    "<rsm:SupplyChainTradeTransaction><ram:ApplicableHeaderTradeSettlement>"
    "<ram:SpecifiedTradeSettlementHeaderMonetarySummation>{totals}"
    "</ram:SpecifiedTradeSettlementHeaderMonetarySummation>"
    "</ram:ApplicableHeaderTradeSettlement></rsm:SupplyChainTradeTransaction></rsm:CrossIndustryInvoice>"
)
EDIFACT = "UNA:+.? 'UNB+UNOW:4+A+B+200101:0000+1'UNH+1+INVOIC:D:14B:UN'BGM+380+X'{segments}UNT+4+1'UNZ+1+1'"


def ubl_payable(value: str) -> bytes:
    return UBL.format(
        body=f"<cac:LegalMonetaryTotal><cbc:PayableAmount>{value}</cbc:PayableAmount></cac:LegalMonetaryTotal>"
    ).encode()


def cii_payable(value: str) -> bytes:
    return CII.format(document="", totals=f"<ram:DuePayableAmount>{value}</ram:DuePayableAmount>").encode()


def edifact_payable(value: str) -> bytes:
    return EDIFACT.format(segments=f"UNS+S'MOA+9:{value}'").encode()


def edifact_quantity(value: str) -> bytes:
    return EDIFACT.format(segments=f"LIN+1'QTY+47:{value}:C62'").encode()


READERS = {"ubl": ubl_payable, "cii": cii_payable, "edifact": edifact_payable}


@pytest.mark.parametrize("syntax", READERS)
@pytest.mark.parametrize("value", ["3E1000000000", "NaN", "sNaN", "-Infinity", "Infinity", "1e5", "0x10", "1_000"])
def test_every_reader_refuses_non_finite_and_exponent_numbers(syntax, value):
    with pytest.raises(errors.InvalidValue) as caught:
        conversion.parse_document(READERS[syntax](value))
    assert caught.value.term in {"BT-115", "BG-22"}
    assert "not a number" in caught.value.message and repr(value) in caught.value.message
    assert caught.value.path  # where it was found: an XML path or the EDIFACT segment


def test_edifact_quantity_with_a_huge_exponent_is_refused_without_expanding_it():
    with pytest.raises(errors.InvalidValue, match=r"BT-129 is not a number.*'3E1000000000' \(segment 5, QTY\)"):
        conversion.parse_document(edifact_quantity("3E1000000000"))


@pytest.mark.parametrize("syntax", READERS)
def test_every_reader_refuses_absurd_magnitude_and_precision(syntax):
    with pytest.raises(errors.InvalidValue, match=f"too large: more than {MAX_INTEGER_DIGITS} digits"):
        conversion.parse_document(READERS[syntax]("1" * (MAX_INTEGER_DIGITS + 1)))
    with pytest.raises(errors.InvalidValue, match=f"too precise: more than {MAX_FRACTION_DIGITS} digits"):
        conversion.parse_document(READERS[syntax]("1." + "5" * (MAX_FRACTION_DIGITS + 1)))
    assert conversion.parse_document(READERS[syntax]("1." + "5" * MAX_FRACTION_DIGITS + "000")).invoice.totals.payable


@pytest.mark.parametrize("syntax", READERS)
@pytest.mark.parametrize("value", ["1234567890123456.78", "999999999999999999.9999999999", "-1000000000000000"])
def test_amounts_of_ten_to_the_fifteen_and_beyond_are_read_exactly(syntax, value):
    parsed = conversion.parse_document(READERS[syntax](value))
    assert parsed.invoice.totals.payable == Decimal(value)


@pytest.mark.parametrize(
    ("raw", "expected"),
    [
        ("1", Decimal(1)),
        ("-1.5", Decimal("-1.5")),
        ("+.5", Decimal("0.5")),
        ("5.", Decimal(5)),
        ("007.10", Decimal("7.10")),
        ("10.000000000000000000", Decimal("10.000000000000000000")),  # as written in a corpus invoice
    ],
)
def test_parse_decimal_reads_xsd_decimal_forms(raw, expected):
    value = parse_decimal(raw)
    assert value == expected and str(value) == str(expected)


@pytest.mark.parametrize("raw", ["", ".", "-", "1.2.3", "\uff11", "\u0663", "1,5", " 1", "0" * 65])
def test_parse_decimal_refuses_what_is_not_a_plain_decimal(raw):
    with pytest.raises(ValueError):
        parse_decimal(raw)


def test_parse_decimal_takes_the_edifact_decimal_comma_when_asked():
    assert parse_decimal("12,50", decimal_mark=",") == Decimal("12.50")


# -- dates ---------------------------------------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("raw", "zone"),
    [("2015-04-01", None), ("2015-04-01Z", "Z"), ("2015-04-01+14:00", "+14:00"), ("2015-04-01-05:30", "-05:30")],
)
def test_parse_iso_date_returns_the_zone_it_drops(raw, zone):
    assert parse_iso_date(raw) == (date(2015, 4, 1), zone)


@pytest.mark.parametrize(
    "raw", ["2015-04-01+15:00", "2015-02-30", "0000-01-01", "20150401", "2015-W14-3", "\uff12015-04-01"]
)
def test_parse_iso_date_refuses_non_xsd_dates(raw):
    with pytest.raises(ValueError, match="not a date"):
        parse_iso_date(raw)


@pytest.mark.parametrize("zone", ["Z", "+14:00", "-12:00"])
def test_ubl_dates_with_a_zone_are_read_with_a_warning(zone):
    data = UBL.format(
        body=f"<cbc:IssueDate>2015-04-01{zone}</cbc:IssueDate><cac:InvoicePeriod><cbc:StartDate>2015-03-01{zone}"
        "</cbc:StartDate></cac:InvoicePeriod>"
    ).encode()
    parsed = conversion.parse_document(data)
    assert parsed.invoice.issue_date == date(2015, 4, 1)
    assert parsed.invoice.delivery.invoicing_period.start == date(2015, 3, 1)
    dropped = [w for w in parsed.warnings if "time zone" in w.message]
    assert [(w.term, w.path) for w in dropped] == [
        ("BT-2", "/Invoice/cbc:IssueDate"),
        ("BT-73", "/Invoice/cac:InvoicePeriod/cbc:StartDate"),
    ]
    assert f"({zone} dropped)" in dropped[0].message
    converted = conversion.convert_document(data, "cii", check="none")  # the writers get a plain date
    assert b">20150401<" in converted.data


@pytest.mark.parametrize(
    ("raw", "code", "expected"),
    [
        ("20150401", "102", date(2015, 4, 1)),
        ("201504011259", "203", date(2015, 4, 1)),
        ("201504", "610", date(2015, 4, 1)),
        ("201514", "616", date(2015, 3, 30)),  # ISO week 14 of 2015 starts on Monday 30 March
        ("201553", "616", date(2015, 12, 28)),
    ],
)
def test_parse_coded_date(raw, code, expected):
    assert parse_coded_date(raw, code) == expected


@pytest.mark.parametrize(
    ("raw", "code"),
    [
        ("00000101", "102"),
        ("20150230", "102"),
        ("\uff12\uff10\uff11\uff150401", "102"),  # fullwidth digits
        ("2015-04-01", "102"),
        ("201504012460", "203"),
        ("000001", "610"),
        ("201500", "616"),
        ("201453", "616"),  # 2014 has 52 ISO weeks
        ("999953", "616"),
        ("20150401", "718"),
    ],
)
def test_parse_coded_date_refuses_what_is_not_a_date(raw, code):
    with pytest.raises(ValueError):
        parse_coded_date(raw, code)


@pytest.mark.parametrize("value", ["20150401Z", "2015-04-01", "20150230", "20151301"])
def test_cii_dates_in_format_102_are_refused_with_their_term(value):
    document = f'<ram:IssueDateTime><udt:DateTimeString format="102">{value}</udt:DateTimeString></ram:IssueDateTime>'
    with pytest.raises(errors.InvalidValue, match=f"BT-2 is not a date in format 102.*{value}") as caught:
        conversion.parse_document(CII.format(document=document, totals="").encode())
    assert caught.value.path == "/rsm:CrossIndustryInvoice/rsm:ExchangedDocument/ram:IssueDateTime/udt:DateTimeString"


def test_cii_dates_in_other_formats():
    document = '<ram:IssueDateTime><udt:DateTimeString format="616">201514</udt:DateTimeString></ram:IssueDateTime>'
    assert conversion.parse_document(CII.format(document=document, totals="").encode()).invoice.issue_date == date(
        2015, 3, 30
    )
    document = document.replace("616", "999")
    with pytest.raises(errors.InvalidValue, match="format 999 is not supported"):
        conversion.parse_document(CII.format(document=document, totals="").encode())


@pytest.mark.parametrize(
    "dtm",
    ["DTM+137:201553:616", "DTM+137:201500:616", "DTM+137:999953:616", "DTM+137:2015W1:616", "DTM+137:00000101:102"],
)
def test_edifact_dates_never_crash(dtm):
    data = EDIFACT.format(segments=f"{dtm}'").encode()
    try:
        parsed = conversion.parse_document(data)
    except errors.InvalidValue as exc:
        assert exc.term == "BT-2" and "(segment 4, DTM)" in exc.message
    else:
        assert parsed.invoice.issue_date == date(2015, 12, 28)


def test_year_below_1000_is_written_with_four_digits():
    assert ccyymmdd(date(1, 2, 3)) == "00010203"
