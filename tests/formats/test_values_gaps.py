"""Value parsers at their edges: the exact limits, the messages a sender reads, and the EDIFACT date formats.

tests/formats/test_values.py checks that every reader accepts and refuses the same values; these check the parsers'
boundaries (one digit more or less, the last valid week or minute) and the wording of each refusal, which the
readers pass on to the sender with the business term.
"""

from __future__ import annotations

import re
from datetime import date
from decimal import Decimal

import pytest

from pagero.formats.limits import MAX_FRACTION_DIGITS, MAX_INTEGER_DIGITS
from pagero.formats.values import (
    MAX_DECIMAL_TEXT,
    ccyymmdd,
    parse_boolean,
    parse_coded_date,
    parse_decimal,
    parse_iso_date,
    text,
)

NOT_A_NUMBER = "not a number (digits with an optional sign and decimal mark; no exponent, NaN or Infinity)"
LIMIT = " (the limit for amounts, quantities, prices and percentages)"

# -- numbers -------------------------------------------------------------------------------------------------------


def test_the_largest_and_most_precise_numbers_within_the_limits_are_read_exactly():
    largest = "9" * MAX_INTEGER_DIGITS + "." + "9" * MAX_FRACTION_DIGITS
    assert parse_decimal(largest) == Decimal(largest)
    assert parse_decimal("-" + largest) == -Decimal(largest)


def test_one_integer_digit_too_many_is_refused_with_the_limit():
    with pytest.raises(ValueError) as caught:
        parse_decimal("1" * (MAX_INTEGER_DIGITS + 1))
    assert str(caught.value) == f"too large: more than {MAX_INTEGER_DIGITS} digits before the decimal mark{LIMIT}"


def test_one_fraction_digit_too_many_is_refused_with_the_limit():
    with pytest.raises(ValueError) as caught:
        parse_decimal("0." + "1" * (MAX_FRACTION_DIGITS + 1))
    assert str(caught.value) == f"too precise: more than {MAX_FRACTION_DIGITS} digits after the decimal mark{LIMIT}"


@pytest.mark.parametrize(
    ("raw", "expected"),
    [
        ("0" * 20 + "1", Decimal(1)),  # leading zeros add no magnitude
        ("1." + "0" * 30, Decimal(1)),  # trailing zeros add no precision
        ("-" + "0" * 10 + "5." + "5" * MAX_FRACTION_DIGITS + "0" * 10, Decimal("-5." + "5" * MAX_FRACTION_DIGITS)),
    ],
)
def test_zeros_that_add_nothing_do_not_count_against_the_limits(raw, expected):
    assert parse_decimal(raw) == expected


def test_the_longest_number_text_is_read_and_one_character_more_is_refused():
    longest = "0" * (MAX_DECIMAL_TEXT - 1) + "7"
    assert parse_decimal(longest) == Decimal(7)
    with pytest.raises(ValueError) as caught:
        parse_decimal("0" + longest)
    assert str(caught.value) == f"too long a number: more than {MAX_DECIMAL_TEXT} characters"
    assert MAX_DECIMAL_TEXT == 64


@pytest.mark.parametrize("raw", ["", ".", "+", "-.", "1e5", "NaN", "Infinity", "1.2.3", "1,5", "--1", "\u0661"])
def test_what_is_not_a_number_is_refused_with_the_same_message(raw):
    with pytest.raises(ValueError) as caught:
        parse_decimal(raw)
    assert str(caught.value) == NOT_A_NUMBER


@pytest.mark.parametrize(
    ("raw", "expected"),
    [("12,50", Decimal("12.50")), ("-0,5", Decimal("-0.5")), (",5", Decimal("0.5")), ("7", Decimal(7))],
)
def test_the_edifact_decimal_comma(raw, expected):
    value = parse_decimal(raw, decimal_mark=",")
    assert value == expected and str(value) == str(expected)


def test_with_a_decimal_comma_a_point_is_not_a_mark():
    with pytest.raises(ValueError, match=re.escape(NOT_A_NUMBER)):
        parse_decimal("12.50.1", decimal_mark=",")
    with pytest.raises(ValueError, match=re.escape(NOT_A_NUMBER)):
        parse_decimal("1,2", decimal_mark=".")


def test_a_comma_number_is_held_to_the_same_limits():
    with pytest.raises(ValueError, match="too precise"):
        parse_decimal("0," + "1" * (MAX_FRACTION_DIGITS + 1), decimal_mark=",")
    with pytest.raises(ValueError, match="too large"):
        parse_decimal("1" * (MAX_INTEGER_DIGITS + 1) + ",5", decimal_mark=",")
    assert parse_decimal("1" * MAX_INTEGER_DIGITS + ",5", decimal_mark=",") == Decimal("1" * MAX_INTEGER_DIGITS + ".5")


# A decimal comma (EDIFACT with a UNA declaring one) takes the step-by-step checks: the same limits, with leading
# zeros before and trailing zeros after the mark not counted, must hold there too.
@pytest.mark.parametrize(
    ("raw", "expected"),
    [
        ("0" * 20 + "1,5", Decimal("1.5")),
        ("1," + "5" * MAX_FRACTION_DIGITS + "0" * 5, Decimal("1." + "5" * MAX_FRACTION_DIGITS)),
        ("0," + "1" * MAX_FRACTION_DIGITS, Decimal("0." + "1" * MAX_FRACTION_DIGITS)),
        ("9" * MAX_INTEGER_DIGITS + ",0", Decimal("9" * MAX_INTEGER_DIGITS)),
    ],
)
def test_a_comma_number_within_the_limits_is_read_whatever_its_zeros(raw, expected):
    assert parse_decimal(raw, decimal_mark=",") == expected


@pytest.mark.parametrize(
    ("raw", "problem"),
    [
        ("1" + "0" * MAX_INTEGER_DIGITS + ",5", "too large"),  # zeros inside the integer part do count
        ("0," + "0" * MAX_FRACTION_DIGITS + "1", "too precise"),  # and so do zeros right after the mark
    ],
)
def test_a_comma_number_beyond_the_limits_is_refused_even_with_zeros(raw, problem):
    with pytest.raises(ValueError, match=problem):
        parse_decimal(raw, decimal_mark=",")


def test_a_number_of_the_longest_text_that_is_wrong_says_what_is_wrong():
    # 64 characters is still within the length bound: the message names the real problem, not the length.
    with pytest.raises(ValueError, match="too large"):
        parse_decimal("1" * MAX_DECIMAL_TEXT)
    with pytest.raises(ValueError, match=re.escape(NOT_A_NUMBER)):
        parse_decimal("1e" + "0" * (MAX_DECIMAL_TEXT - 2))


# -- writing -------------------------------------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("value", "written"),
    [
        (Decimal("1E+2"), "100"),
        (Decimal("1.50"), "1.50"),
        (Decimal("-0.000001"), "-0.000001"),
        (date(2015, 4, 1), "2015-04-01"),
        ("INV-1", "INV-1"),
        (3, "3"),
    ],
)
def test_text_writes_decimals_without_exponent_and_dates_as_iso(value, written):
    assert text(value) == written


@pytest.mark.parametrize(
    ("value", "written"),
    [(date(2015, 4, 1), "20150401"), (date(999, 12, 31), "09991231"), (date(9999, 1, 9), "99990109")],
)
def test_ccyymmdd_always_writes_eight_digits(value, written):
    assert ccyymmdd(value) == written


# -- dates ---------------------------------------------------------------------------------------------------------


@pytest.mark.parametrize("raw", ["2015-04-01+13:59", "2015-04-01-00:00", "2015-04-01+09:30"])
def test_every_zone_offset_up_to_fourteen_hours_is_read(raw):
    assert parse_iso_date(raw) == (date(2015, 4, 1), raw[10:])


@pytest.mark.parametrize("raw", ["2015-04-01+14:01", "2015-04-01+1:00", "2015-04-01+10:60", "2015-04-01 ", "2015-4-1"])
def test_iso_dates_outside_xsd_date_are_refused_as_such(raw):
    with pytest.raises(ValueError) as caught:
        parse_iso_date(raw)
    assert str(caught.value) == "not a date (YYYY-MM-DD)"


def test_an_impossible_iso_date_says_why():
    with pytest.raises(ValueError) as caught:
        parse_iso_date("2015-02-29")
    assert str(caught.value) == "not a date (day is out of range for month)"
    assert parse_iso_date("2016-02-29") == (date(2016, 2, 29), None)


@pytest.mark.parametrize(
    ("raw", "expected"),
    [
        ("201501", date(2014, 12, 29)),  # ISO week 1 of 2015 starts in 2014
        ("202001", date(2019, 12, 30)),
        ("202053", date(2020, 12, 28)),  # 2020 has 53 ISO weeks
        ("201652", date(2016, 12, 26)),
    ],
)
def test_format_616_is_the_monday_of_the_iso_week_without_an_off_by_one(raw, expected):
    assert parse_coded_date(raw, "616") == expected
    assert parse_coded_date(raw, "616").isoweekday() == 1


@pytest.mark.parametrize(("raw", "week", "year"), [("201500", "00", "2015"), ("201653", "53", "2016")])
def test_a_week_that_does_not_exist_is_named(raw, week, year):
    with pytest.raises(ValueError) as caught:
        parse_coded_date(raw, "616")
    assert str(caught.value) == f"week {week} does not exist in {year}"


@pytest.mark.parametrize(
    ("raw", "expected"),
    [("201512", date(2015, 12, 1)), ("201501", date(2015, 1, 1))],
)
def test_format_610_is_the_first_day_of_the_month(raw, expected):
    assert parse_coded_date(raw, "610") == expected


@pytest.mark.parametrize(
    ("raw", "expected"),
    [("20151231", date(2015, 12, 31)), ("20160229", date(2016, 2, 29)), ("00010101", date(1, 1, 1))],
)
def test_format_102_reads_every_digit_of_the_day(raw, expected):
    assert parse_coded_date(raw, "102") == expected


@pytest.mark.parametrize(
    ("raw", "expected"),
    [("201504012359", date(2015, 4, 1)), ("201504010000", date(2015, 4, 1)), ("201512310959", date(2015, 12, 31))],
)
def test_format_203_takes_any_time_of_day_and_keeps_the_date(raw, expected):
    assert parse_coded_date(raw, "203") == expected


@pytest.mark.parametrize(
    ("raw", "time"), [("201504012400", "2400"), ("201504012360", "2360"), ("201504019999", "9999")]
)
def test_format_203_with_an_impossible_time_names_it(raw, time):
    with pytest.raises(ValueError) as caught:
        parse_coded_date(raw, "203")
    assert str(caught.value) == f"{time} is not a time (HHMM)"


@pytest.mark.parametrize(
    ("raw", "code", "layout"),
    [
        ("2015040", "102", "CCYYMMDD"),
        ("201504011", "102", "CCYYMMDD"),
        ("20150401", "203", "CCYYMMDDHHMM"),
        ("2015041", "610", "CCYYMM"),
        ("20151", "616", "CCYYWW"),
        ("20150401", "616", "CCYYWW"),
    ],
)
def test_a_date_of_the_wrong_length_names_its_formats_layout(raw, code, layout):
    with pytest.raises(ValueError) as caught:
        parse_coded_date(raw, code)
    assert str(caught.value) == f"format {code} is {layout}"


@pytest.mark.parametrize("code", ["101", "718", "", "1020"])
def test_an_unsupported_date_format_lists_the_supported_ones(code):
    with pytest.raises(ValueError) as caught:
        parse_coded_date("20150401", code)
    assert str(caught.value) == f"date format {code} is not supported (102, 203, 610 and 616 are)"


@pytest.mark.parametrize("raw", ["", "2015040a", "-2015041", "\u0662\u0660\u0661\u0665\u0660\u0664\u0660\u0661"])
def test_a_coded_date_must_be_ascii_digits(raw):
    with pytest.raises(ValueError) as caught:
        parse_coded_date(raw, "102")
    assert str(caught.value) == "not digits only"


# -- indicators ----------------------------------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("raw", "expected"), [("true", True), ("1", True), ("false", False), ("0", False), ("  true\n", True)]
)
def test_xsd_booleans(raw, expected):
    assert parse_boolean(raw) is expected


@pytest.mark.parametrize("raw", ["True", "FALSE", "yes", "", "2", "t"])
def test_anything_else_is_not_a_boolean(raw):
    with pytest.raises(ValueError) as caught:
        parse_boolean(raw)
    assert str(caught.value) == "not a boolean (true, false, 1 or 0)"
