"""A light two-way match of an invoice against the order it was issued for (pure: no Django).

Invoice lines find their order line by the order line reference (BT-132), else by the seller's item id (BT-155), else
by the line id. What does not agree becomes a note for the buyer: a line invoiced that was not ordered, a quantity or
a net price that differs, an ordered line not invoiced, a currency that differs. Notes inform; they never block.
"""

from __future__ import annotations

from decimal import Decimal

from pagero.formats.public import Invoice, Order

MAX_NOTES = 50


def _keys(line_id: str | None, seller_item_id: str | None) -> list[str]:
    return ([f"line:{line_id}"] if line_id else []) + ([f"item:{seller_item_id}"] if seller_item_id else [])


def _same(a: Decimal | None, b: Decimal | None) -> bool:
    return a is None or b is None or a == b


def match_invoice_to_order(order: Order, invoice: Invoice) -> list[str]:
    """Notes on what the invoice says differently from the order (empty when they agree)."""
    # The first order line with a key wins: built backwards so that earlier lines overwrite later ones.
    by_key = {key: line for line in reversed(order.lines) for key in _keys(line.id, line.item.seller_id)}
    notes: list[str] = []
    if order.currency and invoice.currency and order.currency != invoice.currency:
        notes.append(f"the order is in {order.currency}, the invoice in {invoice.currency}")
    matched: set[int] = set()
    for line in invoice.lines:
        keys = [f"line:{line.order_line_reference}"] if line.order_line_reference else []
        keys += [f"item:{line.item.seller_id}"] if line.item.seller_id else []
        keys += [f"line:{line.id}"] if line.id and not line.order_line_reference else []
        ordered = next((by_key[k] for k in keys if k in by_key), None)
        name = line.item.name or line.id
        if ordered is None:
            notes.append(f"invoice line {line.id} ({name}) was not ordered")
            continue
        matched.add(id(ordered))
        if not _same(ordered.quantity, line.quantity):
            notes.append(f"invoice line {line.id} ({name}): quantity {line.quantity}, ordered {ordered.quantity}")
        if not _same(ordered.price, line.price.net_price):
            price = line.price.net_price
            notes.append(f"invoice line {line.id} ({name}): net price {price}, ordered at {ordered.price}")
    for order_line in order.lines:
        if id(order_line) not in matched:
            notes.append(f"order line {order_line.id} ({order_line.item.name or order_line.id}) is not invoiced")
    if len(notes) > MAX_NOTES:
        notes = [*notes[:MAX_NOTES], f"and {len(notes) - MAX_NOTES} more"]
    return notes
