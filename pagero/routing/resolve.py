"""Find the organisation that receives a document.

The buyer's identifiers are tried in a fixed priority order (endpoint id BT-49, legal registration
id BT-47, VAT id BT-48, GLN BT-46 with scheme 0088, e-mail BT-58); the first one registered in the
participant directory wins. The directory holds verified identifiers only, so an organisation's unverified
claim on someone else's identifier neither receives their documents nor makes them ambiguous.
"""

from __future__ import annotations

from dataclasses import dataclass, field

from pagero.formats.public import Invoice, Order
from pagero.partners import public as partners

from .rules import EMAIL_SCHEMES, VAT_SCHEMES, Candidate, candidates


@dataclass(frozen=True)
class RoutingDecision:
    organisation_id: int | None
    organisation_name: str | None
    matched: str | None
    tried: list[str] = field(default_factory=list)

    @property
    def found(self) -> bool:
        return self.organisation_id is not None

    @property
    def reason(self) -> str:
        if self.found:
            return f"routed on {self.matched}"
        if not self.tried:
            return "the document names no buyer identifier to route on"
        return "no organisation receives on " + ", ".join(self.tried)


def candidates_of(invoice: Invoice) -> list[Candidate]:
    buyer = invoice.buyer
    endpoint = (buyer.electronic_address.value, buyer.electronic_address.scheme) if buyer.electronic_address else None
    legal = (
        (buyer.legal_registration_id.value, buyer.legal_registration_id.scheme) if buyer.legal_registration_id else None
    )
    ids = [(buyer.identifier.value, buyer.identifier.scheme)] if buyer.identifier else []
    email = buyer.contact.email if buyer.contact else None
    return candidates(endpoint, legal, buyer.vat_id, ids, email)


def order_candidates(order: Order) -> list[Candidate]:
    """An order goes to its seller (the supplier), an order response back to its buyer."""
    party = order.buyer if order.is_response else order.seller
    email = party.contact.email if party.contact else None
    ids = [(i.value, i.scheme) for i in party.identifiers]
    endpoint = (party.endpoint.value, party.endpoint.scheme) if party.endpoint else None
    legal = (party.legal_id.value, party.legal_id.scheme) if party.legal_id else None
    return candidates(endpoint, legal, party.vat_id, ids, email)


def _lookup(candidate: Candidate) -> list[partners.OrganisationRef]:
    if candidate.scheme is not None:
        found = partners.find_organisation_by_identifier(candidate.scheme, candidate.value)
        return [found] if found else []
    schemes = VAT_SCHEMES if candidate.kind == "VAT id" else EMAIL_SCHEMES
    return partners.find_organisations_by_value(candidate.value, schemes)


def resolve_recipient(invoice: Invoice) -> RoutingDecision:
    return _first_registered(candidates_of(invoice))


def resolve_order_recipient(order: Order) -> RoutingDecision:
    """The supplier of an order, the buyer of an order response, by the same identifier priorities as invoices."""
    return _first_registered(order_candidates(order))


def _first_registered(offered: list[Candidate]) -> RoutingDecision:
    tried: list[str] = []
    for candidate in offered:
        found = _lookup(candidate)
        if len(found) == 1:
            return RoutingDecision(found[0].id, found[0].name, str(candidate), tried)
        tried.append(str(candidate) + (" (ambiguous)" if found else ""))
    return RoutingDecision(None, None, None, tried)
