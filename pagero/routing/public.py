"""The routing context's facade: find the organisation that receives a document (resolve.py), by the rules of
rules.py (the order in which the buyer's identifiers are tried)."""

from __future__ import annotations

from .resolve import RoutingDecision, candidates_of, resolve_order_recipient, resolve_recipient

__all__ = ["RoutingDecision", "candidates_of", "resolve_order_recipient", "resolve_recipient"]
