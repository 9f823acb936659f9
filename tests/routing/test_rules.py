"""Which buyer identifiers a document offers for routing, and in which order (pure rules, no database)."""

from __future__ import annotations

import pytest

from pagero.routing.rules import EMAIL_SCHEMES, GLN, PRIORITY, VAT_SCHEMES, Candidate, candidates


def test_every_kind_in_priority_order_with_normalised_schemes():
    found = candidates(
        ("987654325", "0192"),
        ("5567321707", "0007"),
        "NO987654325MVA",
        [("7080000000005", "0088")],
        "ap@nordic.example",
    )
    assert found == [
        Candidate("endpoint id", "987654325", "0192"),
        Candidate("legal registration id", "5567321707", "0007"),
        Candidate("VAT id", "NO987654325MVA", None),
        Candidate("GLN", "7080000000005", "0088"),
        Candidate("e-mail", "ap@nordic.example", None),
    ]
    assert [c.kind for c in found] == list(PRIORITY)


def test_schemes_are_lower_cased():
    found = candidates(("AB-1", "SE:VAT"), ("X1", "LEI"), None, [], None)
    assert found == [Candidate("endpoint id", "AB-1", "se:vat"), Candidate("legal registration id", "X1", "lei")]


@pytest.mark.parametrize("scheme", ["EM", "em", "email", "EMAIL"])
def test_an_email_endpoint_matches_any_email_scheme(scheme):
    assert candidates(("ap@nordic.example", scheme), None, None, [], None) == [
        Candidate("endpoint id", "ap@nordic.example", None)
    ]


def test_identifiers_without_a_scheme_are_not_offered():
    assert candidates(("987654325", None), ("5567321707", None), None, [("7080000000005", None)], None) == []
    assert candidates(("987654325", ""), ("5567321707", ""), "", [("7080000000005", "")], "") == []


def test_nothing_given_offers_nothing():
    assert candidates(None, None, None, [], None) == []


def test_only_gln_buyer_identifiers_are_offered():
    found = candidates(None, None, None, [("1", "0007"), ("2", "0088"), ("3", "0192"), ("4", "0088")], None)
    assert found == [Candidate("GLN", "2", GLN), Candidate("GLN", "4", GLN)]


def test_a_candidate_reads_as_kind_scheme_and_value():
    assert str(Candidate("endpoint id", "987654325", "0192")) == "endpoint id 0192:987654325"
    assert str(Candidate("VAT id", "NO987654325MVA", None)) == "VAT id NO987654325MVA"
    assert str(Candidate("e-mail", "ap@nordic.example", "")) == "e-mail ap@nordic.example"


def test_the_scheme_sets():
    assert EMAIL_SCHEMES == {"em", "email"}
    assert GLN == "0088"
    assert "vat" in VAT_SCHEMES and "9908" in VAT_SCHEMES and "9930" in VAT_SCHEMES
    # 9911, 9916, 9954 and 9956 are not VAT schemes in ISO 6523.
    assert not VAT_SCHEMES & {"9911", "9916", "9954", "9956", "0088", "0192"}
    assert all(s == "vat" or (s.isdigit() and s.startswith("99")) for s in VAT_SCHEMES)
    assert len(VAT_SCHEMES) == 49
