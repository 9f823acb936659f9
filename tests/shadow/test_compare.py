"""Comparators and the gate's statistics (pure)."""

from __future__ import annotations

import pytest

from shadow.compare import (
    diff_json,
    diff_xml,
    generalise,
    matches,
    signature,
    wilson_lower,
    wilson_upper,
)


def test_prefixes_attribute_order_whitespace_and_decimals_do_not_matter():
    a = b'<a:Inv xmlns:a="urn:x"><a:Total c="EUR" d="1">100.00</a:Total>\n  <a:Note>  two  words </a:Note></a:Inv>'
    b = b'<Inv xmlns="urn:x"><Total d="1" c="EUR">100.0</Total><Note>two words</Note></Inv>'
    assert diff_xml(a, b) == []


def test_differences_are_reported_by_path():
    a = b"<Inv><Line><Qty>1</Qty></Line><Line><Qty>2</Qty></Line><Ref>PO-1</Ref></Inv>"
    b = b"<Inv><Line><Qty>1</Qty></Line><Line><Qty>3</Qty></Line></Inv>"
    found = {(d.path, d.control, d.candidate) for d in diff_xml(a, b)}
    assert found == {("/Inv/Line[2]/Qty", "2", "3"), ("/Inv/Ref", "PO-1", None)}


def test_json_structural_diff():
    found = diff_json({"a": [1, {"b": "x"}], "n": 1.50}, {"a": [1, {"b": "y"}], "n": 1.5})
    assert [(d.path, d.control, d.candidate) for d in found] == [("$.a[1].b", '"x"', '"y"')]


def test_ignore_patterns_and_signatures():
    assert matches("/Invoice/InvoiceLine[3]/ID", ["/Invoice/InvoiceLine[*]/ID"])
    assert matches("/UNB[1]/4", ["/UNB[*]/4"]) and not matches("/UNB[1]/5", ["/UNB[*]/4"])
    assert matches("/Invoice/UUID", ["/Invoice/*ID"])
    assert generalise("/a/b[2]/c[10]") == "/a/b[*]/c[*]"
    from shadow.compare import Difference

    one = [Difference("/x/Line[1]/Qty", "1", "2")]
    other = [Difference("/x/Line[7]/Qty", "5", "6")]
    assert signature(one) == signature(other) != signature([Difference("/x/Ref", "a", None)])


@pytest.mark.parametrize(
    ("failures", "trials", "lower", "upper"),
    [
        (0, 0, 0.0, 1.0),
        (0, 100, 0.0, 0.037),
        (0, 1000, 0.0, 0.0039),
        (5, 100, 0.0215, 0.1118),
    ],
)
def test_wilson_interval(failures, trials, lower, upper):
    assert wilson_lower(failures, trials) == pytest.approx(lower, abs=5e-4)
    assert wilson_upper(failures, trials) == pytest.approx(upper, abs=5e-4)
