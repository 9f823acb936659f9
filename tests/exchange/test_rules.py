"""Lifecycle transitions and routing priority: pure rules, plus the directory look-up on PostgreSQL."""

from __future__ import annotations

import pytest

from pagero.documents.lifecycle import IllegalTransition, Status, check_transition
from pagero.formats.model import Contact, Identifier
from pagero.routing import public as routing
from pagero.routing.rules import candidates

from .factory import invoice


@pytest.mark.parametrize(
    ("current", "target"),
    [
        (Status.RECEIVED, Status.DELIVERED),
        (Status.REJECTED, Status.VALIDATED),
        (Status.DELIVERED, Status.RECEIVED),
        (Status.ACKNOWLEDGED, Status.DELIVERED),
        (Status.ROUTED, Status.VALIDATED),
    ],
)
def test_illegal_transitions_are_refused(current, target):
    with pytest.raises(IllegalTransition, match=f"a {current} document cannot become {target}"):
        check_transition(current, target)


@pytest.mark.parametrize(
    ("current", "target"),
    [
        (Status.RECEIVED, Status.VALIDATED),
        (Status.CONVERTED, Status.DELIVERED),
        (Status.DELIVERY_FAILED, Status.CONVERTED),
        (Status.REJECTED, Status.RECEIVED),
        (Status.DELIVERED, Status.ACKNOWLEDGED),
    ],
)
def test_pipeline_and_operations_transitions_are_allowed(current, target):
    check_transition(current, target)


def test_candidates_in_priority_order():
    found = candidates(
        ("987654325", "0192"),
        ("5567321707", "0007"),
        "NO987654325MVA",
        [("7080000000005", "0088")],
        "ap@nordic.example",
    )
    assert [c.kind for c in found] == ["endpoint id", "legal registration id", "VAT id", "GLN", "e-mail"]


@pytest.mark.django_db
def test_endpoint_id_wins_over_vat(nordic, outsider):
    from pagero.partners import public as partners

    partners.add_identifier(outsider.id, "9908", "NO111111111MVA", verified=True)
    inv = invoice(buyer_endpoint=("0192", "987654325"), buyer_vat="NO111111111MVA")
    decision = routing.resolve_recipient(inv)
    assert decision.organisation_id == nordic.id and decision.matched == "endpoint id 0192:987654325"


@pytest.mark.django_db
def test_falls_back_to_vat_then_email(nordic):
    from pagero.partners import public as partners

    inv = invoice(buyer_endpoint=("0088", "0000000000000"), buyer_vat="no987654325mva")
    decision = routing.resolve_recipient(inv)
    assert decision.organisation_id == nordic.id and decision.matched == "VAT id no987654325mva"
    assert decision.tried == ["endpoint id 0088:0000000000000"]
    partners.add_identifier(nordic.id, "em", "ap@nordic.example", verified=True)
    inv = invoice(buyer_endpoint=("0088", "0000000000000"), buyer_vat=None)
    inv.buyer.contact = Contact(email="AP@nordic.example")
    assert routing.resolve_recipient(inv).matched == "e-mail AP@nordic.example"


@pytest.mark.django_db
def test_gln_from_buyer_identifier(nordic):
    from pagero.partners import public as partners

    partners.add_identifier(nordic.id, "0088", "7080000000005", verified=True)
    inv = invoice(buyer_endpoint=("0088", "0000000000000"), buyer_vat=None)
    inv.buyer.identifier = Identifier("7080000000005", "0088")
    assert routing.resolve_recipient(inv).matched == "GLN 0088:7080000000005"


@pytest.mark.django_db
def test_nothing_matches_names_every_identifier_tried():
    inv = invoice(buyer_endpoint=("0192", "999999999"), buyer_vat="NO999999999MVA")
    decision = routing.resolve_recipient(inv)
    assert not decision.found
    assert decision.reason == "no organisation receives on endpoint id 0192:999999999, VAT id NO999999999MVA"


@pytest.mark.django_db
def test_a_pending_claim_routes_nothing_until_verified(nordic):
    from pagero.partners import public as partners

    inv = invoice(buyer_endpoint=("0088", "0000000000000"), buyer_vat=None)
    inv.buyer.identifier = Identifier("7080000000005", "0088")
    claimed = partners.add_identifier(nordic.id, "0088", "7080000000005")
    assert claimed.status == "pending"
    assert not routing.resolve_recipient(inv).found
    (claim,) = partners.identifier_claims(nordic.id, status="pending")
    partners.approve_identifier_claim(claim.id, "operator test")
    assert routing.resolve_recipient(inv).organisation_id == nordic.id
