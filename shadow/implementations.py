"""Implementations an experiment can name as control or candidate, by name.

A candidate must be free of side effects (it computes, it does not deliver), so that running it on
live traffic changes nothing. The `rehearsal.*` candidates differ from the control on purpose: they
let engineers check that the harness catches a difference before trusting a clean report.
"""

from __future__ import annotations

from collections.abc import Callable
from decimal import Decimal

from pagero.formats import public as formats

Implementation = Callable[[bytes, dict], bytes]
REGISTRY: dict[str, Implementation] = {}


def implementation(name: str) -> Callable[[Implementation], Implementation]:
    def register(fn: Implementation) -> Implementation:
        REGISTRY[name] = fn
        return fn

    return register


@implementation("formats.convert.local")
def convert_local(payload: bytes, params: dict) -> bytes:
    return formats.convert(payload, params["target"]).data


@implementation("rehearsal.formats.convert.drops_buyer_reference")
def convert_without_buyer_reference(payload: bytes, params: dict) -> bytes:
    parsed = formats.parse(payload)
    parsed.invoice.buyer_reference = None
    return formats.write(parsed.invoice, params["target"])[0]


@implementation("rehearsal.formats.convert.reformats_amounts")
def convert_with_three_decimals(payload: bytes, params: dict) -> bytes:
    """Same values written as 100.000 instead of 100.00: canonical comparison must call this a match."""
    parsed = formats.parse(payload)
    totals = parsed.invoice.totals
    for field in ("line_net_total", "tax_exclusive", "tax_inclusive", "payable"):
        value = getattr(totals, field)
        if value is not None:
            setattr(totals, field, value.quantize(Decimal("0.001")))
    return formats.write(parsed.invoice, params["target"])[0]


@implementation("rehearsal.formats.convert.fails")
def convert_that_fails(payload: bytes, params: dict) -> bytes:
    raise RuntimeError("candidate not implemented")
