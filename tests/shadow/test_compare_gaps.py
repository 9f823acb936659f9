"""Comparators without services: what counts as a difference between a control's and a candidate's output.

The experiment tests reach these through a real worker (`services`); these check the same decisions on the pure
functions, so that a comparator that stops seeing a difference (or starts seeing one that is not there) fails here.
"""

from __future__ import annotations

import math
from decimal import Decimal
from hashlib import sha1

import pytest

from shadow.compare import (
    Difference,
    canonical_xml,
    compare_outputs,
    diff_flat,
    diff_json,
    diff_xml,
    flatten_json,
    generalise,
    matches,
    signature,
    wilson_interval,
    wilson_lower,
    wilson_upper,
    with_terms,
)
from tests.exchange.factory import document

# -- XML -----------------------------------------------------------------------------------------------------------


def test_the_canonical_form_holds_every_text_and_attribute_by_local_path():
    data = (
        b'<?xml version="1.0"?><p:Inv xmlns:p="urn:x" xmlns:q="urn:y" q:b="2" a=" x  y ">'
        b"<p:Line><p:Qty>1.50</p:Qty></p:Line><p:Line><p:Qty>+02</p:Qty></p:Line>"
        b"<!-- a comment is not content --><?pi not content?>"
        b'<p:Note>  two   words  </p:Note><p:Empty/><p:Blank>   </p:Blank><p:Flag e=""/></p:Inv>'
    )
    assert canonical_xml(data) == {
        "/Inv/@a": "x y",
        "/Inv/@b": "2",
        "/Inv/Line[1]/Qty": "1.5",
        "/Inv/Line[2]/Qty": "2",
        "/Inv/Note": "two words",
        "/Inv/Flag/@e": "",
    }


@pytest.mark.parametrize(
    ("control", "candidate"),
    [
        ("100.00", "100"),
        ("0.00", "0"),
        ("-0", "0"),
        ("+5", "5"),
        (".5", "0.50"),
        ("5.", "5"),
        ("1000", "1000.0"),  # normalising must not write 1E+3
    ],
)
def test_numbers_written_differently_with_the_same_value_match(control, candidate):
    assert diff_xml(f"<a>{control}</a>".encode(), f"<a>{candidate}</a>".encode()) == []
    assert canonical_xml(f"<a>{control}</a>".encode())["/a"] == canonical_xml(f"<a>{candidate}</a>".encode())["/a"]


@pytest.mark.parametrize(
    ("control", "candidate", "shown"),
    [
        ("100.00", "100.01", ("100", "100.01")),
        ("1000", "100", ("1000", "100")),
        ("-1", "1", ("-1", "1")),
        ("0.1", "0.10000000001", ("0.1", "0.10000000001")),
        ("1E2", "100", ("1E2", "100")),  # an exponent is text, not a number, in an e-invoice
        ("INV-1", "INV-01", ("INV-1", "INV-01")),
    ],
)
def test_different_values_are_reported_as_the_reader_would_see_them(control, candidate, shown):
    found = diff_xml(f"<a><b>{control}</b></a>".encode(), f"<a><b>{candidate}</b></a>".encode())
    assert found == [Difference("/a/b", *shown)]


def test_an_element_or_attribute_present_on_one_side_only_is_a_difference():
    found = diff_xml(b'<a k="1"><b>x</b></a>', b"<a><b>x</b><c>y</c></a>")
    assert found == [Difference("/a/@k", "1", None), Difference("/a/c", None, "y")]


def test_a_second_repeated_element_changes_the_paths_of_the_first():
    # One <Line> has no position; two are Line[1], Line[2]: a candidate that adds a line differs in every line path.
    found = {d.path for d in diff_xml(b"<a><Line>1</Line></a>", b"<a><Line>1</Line><Line>2</Line></a>")}
    assert found == {"/a/Line", "/a/Line[1]", "/a/Line[2]"}


def test_differences_are_sorted_by_path():
    found = diff_xml(b"<a><z>1</z><b>1</b><m>1</m></a>", b"<a><z>2</z><b>2</b><m>2</m></a>")
    assert [d.path for d in found] == ["/a/b", "/a/m", "/a/z"]


def test_diff_flat_reports_only_the_paths_that_differ():
    assert diff_flat({"/a": "1", "/b": "2"}, {"/a": "1", "/b": "3", "/c": "4"}) == [
        Difference("/b", "2", "3"),
        Difference("/c", None, "4"),
    ]


def test_a_difference_reads_as_a_dict_for_the_report():
    assert Difference("/a", "1", None, "BT-1").as_dict() == {
        "path": "/a",
        "control": "1",
        "candidate": None,
        "term": "BT-1",
    }
    assert Difference("/a", "1", "2").term is None


def test_a_document_with_a_dtd_entity_is_not_expanded():
    # A candidate's output is not trusted: an entity must not pull in a file or grow into gigabytes.
    data = b'<!DOCTYPE a [<!ENTITY e SYSTEM "file:///etc/passwd">]><a>&e;</a>'
    assert "root:" not in "".join(canonical_xml(data).values())


# -- business terms ------------------------------------------------------------------------------------------------


BUYER_VAT = "/Invoice/AccountingCustomerParty/Party/PartyTaxScheme/CompanyID"


def test_a_difference_in_an_invoice_is_named_by_its_business_term():
    found = compare_outputs(document(), document(buyer_vat="NO111111111MVA"), "xml")
    assert found == [Difference(BUYER_VAT, "NO987654325MVA", "NO111111111MVA", "BT-48")]


def test_each_difference_gets_the_term_whose_values_it_shows():
    candidate = document(buyer_vat="NO111111111MVA").replace(b">PO-77<", b">PO-78<")
    assert compare_outputs(document(), candidate, "xml") == [
        Difference(BUYER_VAT, "NO987654325MVA", "NO111111111MVA", "BT-48"),
        Difference("/Invoice/BuyerReference", "PO-77", "PO-78", "BT-10"),
    ]


def test_a_difference_the_model_does_not_hold_takes_the_only_term_that_differs():
    # Both outputs differ in BT-48 alone, so a difference whose values the model does not show concerns BT-48 too.
    control, candidate = document(), document(buyer_vat="NO111111111MVA")
    differences = [Difference(BUYER_VAT, "NO987654325MVA", "NO111111111MVA"), Difference("/Invoice/X", "a", "b")]
    assert [d.term for d in with_terms(differences, control, candidate)] == ["BT-48", "BT-48"]


def test_when_several_terms_differ_an_unmatched_difference_gets_none():
    control = document()
    candidate = document(buyer_vat="NO111111111MVA").replace(b">PO-77<", b">PO-78<")
    differences = [Difference("/Invoice/X", "a", "b")]
    assert with_terms(differences, control, candidate) == [Difference("/Invoice/X", "a", "b", None)]


def test_outputs_that_are_not_invoices_are_compared_by_path_alone():
    found = compare_outputs(b"<a><b>1</b></a>", b"<a><b>2</b></a>", "xml")
    assert found == [Difference("/a/b", "1", "2", None)]


def test_identical_outputs_have_no_difference_and_are_not_read_as_invoices(monkeypatch):
    # Reading both outputs as invoices costs a full parse each: only worth it when something differs.
    from pagero.formats import public as formats

    reads = []
    real_parse = formats.parse
    monkeypatch.setattr(formats, "parse", lambda data: reads.append(data) or real_parse(data))
    assert compare_outputs(document(), document(), "xml") == []
    assert reads == []
    assert compare_outputs(document(), document(buyer_vat="NO111111111MVA"), "xml")[0].term == "BT-48"
    assert len(reads) == 2


def test_xml_is_the_default_kind():
    assert compare_outputs(b"<a>1.0</a>", b"<a>1</a>") == []
    assert compare_outputs(b"<a>1</a>", b"<a>2</a>") == [Difference("/a", "1", "2")]


@pytest.mark.parametrize("dropped_by", ["candidate", "control"])
def test_a_term_present_on_one_side_only_is_named_among_several(dropped_by):
    with_reference, without = document(), document().replace(b"<cbc:BuyerReference>PO-77</cbc:BuyerReference>", b"")
    control, candidate = (with_reference, without) if dropped_by == "candidate" else (without, with_reference)
    candidate = candidate.replace(b"NO987654325MVA", b"NO111111111MVA")  # a second term differs too
    terms = {d.path: (d.control, d.candidate, d.term) for d in compare_outputs(control, candidate, "xml")}
    expected = ("PO-77", None) if dropped_by == "candidate" else (None, "PO-77")
    assert terms["/Invoice/BuyerReference"] == (*expected, "BT-10")


# -- JSON and plain values -----------------------------------------------------------------------------------------


def test_json_is_flattened_to_paths_with_numbers_by_value():
    value = {"b": [1, {"c": "x"}], "a": {"n": 1.50, "d": Decimal("2.00"), "t": True, "z": None, "s": "1"}}
    assert flatten_json(value) == {
        "$.a.d": "2",
        "$.a.n": "1.5",
        "$.a.s": '"1"',
        "$.a.t": "true",
        "$.a.z": "null",
        "$.b[0]": "1",
        "$.b[1].c": '"x"',
    }
    assert flatten_json([]) == {} and flatten_json({}) == {}
    assert flatten_json(3, "$.x") == {"$.x": "3"}


def test_json_booleans_are_not_numbers():
    # True == 1 in Python: a candidate answering `true` where the control said `1` has changed the type.
    assert diff_json({"a": 1}, {"a": True}) == [Difference("$.a", "1", "true")]
    assert diff_json({"a": 0}, {"a": False}) == [Difference("$.a", "0", "false")]


def test_json_differences_name_the_path_and_both_values():
    assert compare_outputs({"a": [1, 2]}, {"a": [1, 3, 4]}, "json") == [
        Difference("$.a[1]", "2", "3"),
        Difference("$.a[2]", None, "4"),
    ]
    assert compare_outputs({"a": 1}, {"a": 1.0}, "json") == []


def test_plain_values_differ_by_equality_and_show_their_repr():
    assert compare_outputs("a", "a", "value") == []
    assert compare_outputs(1, 2, "value") == [Difference("$", "1", "2")]
    assert compare_outputs("1", 1, "value") == [Difference("$", "'1'", "1")]


# -- ignore rules, learned noise and signatures --------------------------------------------------------------------


@pytest.mark.parametrize(
    ("path", "patterns", "expected"),
    [
        ("/Invoice/ID", ["/Invoice/ID"], True),
        ("/Invoice/ID", [], False),
        ("/Invoice/ID", ["/Invoice/UUID", "/Invoice/ID"], True),  # any of the patterns
        ("/Invoice/IDX", ["/Invoice/ID"], False),  # anchored at the end
        ("/x/Invoice/ID", ["/Invoice/ID"], False),  # and at the start
        ("/Invoice/Line/ID", ["/Invoice/*/ID"], True),
        ("/Invoice/Line/Item/ID", ["/Invoice/*/ID"], False),  # * is one step, never across /
        ("/Invoice/Line/ID", ["/Invoice/Line[*]/ID"], True),  # [*]: any position, or none
        ("/Invoice/Line[12]/ID", ["/Invoice/Line[*]/ID"], True),
        ("/Invoice/Line[x]/ID", ["/Invoice/Line[*]/ID"], False),
        ("/Invoice/Line[2]/ID", ["/Invoice/Line[1]/ID"], False),  # a given position is exact
        ("/a/bxc", ["/a/b.c"], False),  # pattern text is literal, not a regular expression
        ("/a/b.c", ["/a/b.c"], True),
        ("$.a.b", ["$.a.b"], True),
    ],
)
def test_ignore_patterns(path, patterns, expected):
    assert matches(path, patterns) is expected


def test_generalise_removes_every_position_and_only_positions():
    assert generalise("/a[1]/b/c[10]/@d") == "/a[*]/b/c[*]/@d"
    assert generalise("$.a[0].b") == "$.a[*].b"
    assert generalise("/a/b") == "/a/b"


def test_a_signature_is_the_short_digest_of_the_sorted_generalised_paths():
    differences = [Difference("/x/Ref", "a", None), Difference("/x/Line[3]/Qty", "1", "2")]
    expected = sha1(b"/x/Line[*]/Qty\n/x/Ref").hexdigest()[:16]
    assert signature(differences) == expected
    assert signature(list(reversed(differences))) == expected
    # the same place differing twice (two lines) is the same kind of mismatch as once
    assert signature([*differences, Difference("/x/Line[9]/Qty", "1", "3")]) == expected
    assert signature([]) == sha1(b"").hexdigest()[:16]


# -- the gate's statistics -----------------------------------------------------------------------------------------


def wilson_reference(failures: int, trials: int, z: float) -> tuple[float, float]:
    """The Wilson score interval as textbooks write it: (p + z²/2n ± z·sqrt(p(1-p)/n + z²/4n²)) / (1 + z²/n)."""
    p = failures / trials
    centre = p + z**2 / (2 * trials)
    spread = z * math.sqrt(p * (1 - p) / trials + z**2 / (4 * trials**2))
    return (centre - spread) / (1 + z**2 / trials), (centre + spread) / (1 + z**2 / trials)


@pytest.mark.parametrize(("failures", "trials"), [(0, 1), (1, 1), (3, 10), (50, 100), (7, 1000), (1000, 1000)])
@pytest.mark.parametrize("z", [1.0, 1.96, 2.576])
def test_wilson_interval_matches_the_formula(failures, trials, z):
    lower, upper = wilson_interval(failures, trials, z)
    expected_lower, expected_upper = wilson_reference(failures, trials, z)
    assert lower == pytest.approx(max(0.0, expected_lower), abs=1e-12)
    assert upper == pytest.approx(min(1.0, expected_upper), abs=1e-12)
    assert wilson_lower(failures, trials, z) == lower
    assert wilson_upper(failures, trials, z) == upper


def test_the_confidence_level_is_the_callers():
    # z = 0 is no confidence at all: the interval shrinks to the observed rate.
    assert wilson_interval(3, 10, 0.0) == pytest.approx((0.3, 0.3))
    assert wilson_upper(3, 10, z=0.0) == pytest.approx(0.3)
    assert wilson_lower(3, 10, z=0.0) == pytest.approx(0.3)
    # a higher confidence widens it
    assert wilson_upper(3, 10, z=2.576) > wilson_upper(3, 10) > wilson_upper(3, 10, z=1.0)
    assert wilson_lower(3, 10, z=2.576) < wilson_lower(3, 10) < wilson_lower(3, 10, z=1.0)


def test_the_interval_stays_within_zero_and_one_and_is_symmetric():
    assert wilson_interval(0, 5) == (0.0, pytest.approx(wilson_reference(0, 5, 1.96)[1]))
    assert wilson_interval(5, 5)[1] == pytest.approx(1.0)
    assert wilson_lower(5, 5) == pytest.approx(1 - wilson_upper(0, 5))
    assert wilson_interval(0, 0, z=1.0) == (0.0, 1.0)


def test_the_bounds_never_leave_zero_to_one_even_by_a_rounding_error():
    # At 5 of 5 the formula gives 1.0000000000000002 and at 0 of 5 a tiny negative lower bound in floating point:
    # a rate bound shown or compared as a share must stay within [0, 1].
    for trials in range(1, 60):
        for failures in range(trials + 1):
            lower, upper = wilson_interval(failures, trials)
            assert 0.0 <= lower <= upper <= 1.0, (failures, trials)
    assert wilson_upper(5, 5) == 1.0 and wilson_lower(0, 5) == 0.0
