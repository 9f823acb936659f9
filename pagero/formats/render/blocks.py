"""The blocks of the rendering, top to bottom: heading and references, parties, notes, lines, VAT breakdown,
allowances and charges, totals, payment. Each block is a list of flowables, empty when the invoice has nothing
for it; each shows a bounded number of rows (the e-invoice keeps them all)."""

from __future__ import annotations

from collections.abc import Iterable
from dataclasses import dataclass
from typing import Any

from reportlab.lib import colors
from reportlab.lib.enums import TA_RIGHT
from reportlab.lib.styles import ParagraphStyle, StyleSheet1
from reportlab.lib.units import mm
from reportlab.pdfbase.pdfmetrics import stringWidth
from reportlab.platypus import Flowable, KeepTogether, Paragraph, Spacer, Table, TableStyle

from ..codes import name_of, shown
from ..model import (
    Address,
    AllowanceCharge,
    Buyer,
    Contact,
    Invoice,
    Line,
    LineAllowanceCharge,
    PaymentInstructions,
    Seller,
)
from . import typeface
from .text import amount, identifier, markup, number, quantity, rate, text

# Rows one block shows at most. A 300-line invoice renders whole; a 20 MB one (tens of thousands of lines) would
# take minutes and thousands of pages nobody reads: the rendering shows the first lines and says how many more the
# e-invoice holds. The totals always cover the whole invoice.
MAX_LINES = 1000
# ... and at most this much item text (name, description, details: about 40 pages of it). Short lines (a name, an
# ID) fit a thousand; lines whose every value is at its 300-character limit take half a page each and stop sooner.
MAX_LINES_TEXT = 150_000
MAX_NOTES = 20
MAX_ALLOWANCES_CHARGES = 50
MAX_VAT_ROWS = 50
MAX_ACCOUNTS = 5
MAX_PRECEDING = 5
MAX_LINE_ADJUSTMENTS = 5
MAX_ITEM_IDS = 5

WIDTH = 170 * mm  # A4 less the 18 mm margins and the frame's padding
BLUE = colors.HexColor("#0b5cad")
GREY = colors.HexColor("#555555")
RULE = colors.HexColor("#b0b0b0")
# Line table columns: #, item, quantity, unit price, VAT, net amount.
LINE_COLUMNS = [12 * mm, 61 * mm, 24 * mm, 24 * mm, 24 * mm, 25 * mm]
CELL_PADDING = 6  # reportlab's default left and right padding of a table cell (points)


@dataclass(frozen=True)
class Styles:
    """The paragraph styles of the rendering, from the sample sheet in DejaVu Sans."""

    title: ParagraphStyle
    normal: ParagraphStyle
    cell: ParagraphStyle
    cell_right: ParagraphStyle
    small: ParagraphStyle
    heading: ParagraphStyle
    header_cell: ParagraphStyle
    header_right: ParagraphStyle

    @classmethod
    def from_sheet(cls, sheet: StyleSheet1) -> Styles:
        normal = ParagraphStyle("invoice-normal", parent=sheet["Normal"], fontSize=9, leading=11.5)
        cell = ParagraphStyle("invoice-cell", parent=normal, fontSize=8, leading=10)
        header = ParagraphStyle("invoice-header", parent=cell, fontName=typeface.BOLD, textColor=colors.white)
        return cls(
            title=ParagraphStyle("invoice-title", parent=sheet["Title"], alignment=0, fontSize=16, leading=20),
            normal=normal,
            cell=cell,
            cell_right=ParagraphStyle("invoice-cell-right", parent=cell, alignment=TA_RIGHT),
            small=ParagraphStyle("invoice-small", parent=cell, fontSize=7, leading=8.5, textColor=GREY),
            heading=ParagraphStyle(
                "invoice-heading", parent=normal, fontName=typeface.BOLD, fontSize=10, leading=13, spaceBefore=4
            ),
            header_cell=header,
            header_right=ParagraphStyle("invoice-header-right", parent=header, alignment=TA_RIGHT),
        )


def document_kind(invoice: Invoice) -> str:
    """The document type (BT-3) by its name: Invoice, Credit note, Corrected invoice, ..."""
    fallback = "Credit note" if invoice.is_credit_note else "Invoice"
    return name_of(invoice.type_code, "document_type") or fallback


def _more(shown_count: int, total: int, what: str, s: Styles) -> list[Flowable]:
    """A sentence saying how many rows the rendering left out, when it left any out."""
    if total <= shown_count:
        return []
    return [
        Paragraph(
            f"{number_of(total - shown_count)} more {what} are in the e-invoice (the rendering shows the first "
            f"{number_of(shown_count)} of {number_of(total)}).",
            s.small,
        )
    ]


def number_of(count: int) -> str:
    return f"{count:,}"


def _lines_of(parts: Iterable[str | None]) -> str:
    """Paragraph text of the non-empty parts (already marked up), one per line."""
    return "<br/>".join(p for p in parts if p)


def _labelled(label: str, value: object) -> str | None:
    """Label and value as Paragraph text, or None (the line is left out) when there is no value."""
    return f"{label}: {markup(value)}" if value not in (None, "") else None


# Heading ------------------------------------------------------------------------------------------------------


def heading(invoice: Invoice, s: Styles) -> list[Flowable]:
    """The title (document type and number), then the dates and references, two pairs a row."""
    pairs = [(label, value) for label, value in _references(invoice) if value]
    rows = []
    for i in range(0, len(pairs), 2):
        row: list[Paragraph | str] = []
        for label, value in pairs[i : i + 2]:
            row += [Paragraph(markup(label), s.small), Paragraph(markup(value), s.cell)]
        rows.append(row + [""] * (4 - len(row)))
    story: list[Flowable] = [Paragraph(f"{markup(document_kind(invoice))} {markup(invoice.number)}", s.title)]
    if rows:
        story.append(_table(rows, [28 * mm, 57 * mm, 28 * mm, 57 * mm], _PLAIN, hAlign="LEFT"))
    return [*story, Spacer(1, 5 * mm)]


def _references(invoice: Invoice) -> list[tuple[str, str | None]]:
    delivery = invoice.delivery
    period = delivery.invoicing_period if delivery else None
    preceding = ", ".join(
        f"{p.reference} ({p.issue_date})" if p.issue_date else str(p.reference)
        for p in invoice.preceding_invoices[:MAX_PRECEDING]
    )
    return [
        ("Issue date", _date(invoice.issue_date)),
        ("Due date", _date(invoice.due_date)),
        ("Currency", invoice.currency),
        ("Buyer reference", invoice.buyer_reference),
        ("Order reference", invoice.purchase_order_reference),
        ("Sales order reference", invoice.sales_order_reference),
        ("Contract reference", invoice.contract_reference),
        ("Project reference", invoice.project_reference),
        ("Tax point date", _date(invoice.tax_point_date)),
        ("Delivery date", _date(delivery.actual_date) if delivery else None),
        ("Invoicing period", _period(period.start, period.end) if period else None),
        ("Preceding invoice", preceding or None),
    ]


def _date(value: object) -> str | None:
    return None if value is None else str(value)


def _period(start: object, end: object) -> str | None:
    if start is None and end is None:
        return None
    open_end = "\u2026"
    return f"{start or open_end} \u2013 {end or open_end}"


_PLAIN = [
    ("VALIGN", (0, 0), (-1, -1), "TOP"),
    ("LEFTPADDING", (0, 0), (-1, -1), 0),
    ("BOTTOMPADDING", (0, 0), (-1, -1), 1.5),
    ("TOPPADDING", (0, 0), (-1, -1), 1.5),
]


def _table(rows: list[list[Any]], widths: list[float], commands: list[tuple[Any, ...]], **kwargs: Any) -> Table:
    """A table whose plain-string cells (an empty filler too) are set in the embedded font: reportlab's default,
    Helvetica, would be a font the PDF does not embed (PDF/A refuses it) and that has no Polish or Greek letters.
    A row may split across pages (splitInRow): a party or an item whose every value is at its length limit is
    taller than a page, and a row that cannot split fails the whole rendering."""
    style = TableStyle([("FONTNAME", (0, 0), (-1, -1), typeface.REGULAR), *commands])
    return Table(rows, colWidths=widths, style=style, splitInRow=1, **kwargs)


# Parties ------------------------------------------------------------------------------------------------------


def parties(invoice: Invoice, s: Styles) -> list[Flowable]:
    """Seller and buyer side by side, then payee, tax representative and delivery when the invoice has them."""
    boxes = [("Seller", _seller(invoice.seller)), ("Buyer", _buyer(invoice.buyer))]
    if invoice.payee:
        p = invoice.payee
        boxes.append(
            (
                "Payee",
                _lines_of(
                    [
                        f"<b>{markup(p.name)}</b>",
                        _labelled("Identifier", identifier(p.identifier)),
                        _labelled("Legal ID", identifier(p.legal_registration_id)),
                    ]
                ),
            )
        )
    if invoice.tax_representative:
        r = invoice.tax_representative
        boxes.append(
            (
                "Seller's tax representative",
                _lines_of([f"<b>{markup(r.name)}</b>", _address(r.address), _labelled("VAT ID", r.vat_id)]),
            )
        )
    if invoice.delivery and (invoice.delivery.party_name or invoice.delivery.address or invoice.delivery.location_id):
        d = invoice.delivery
        boxes.append(
            (
                "Deliver to",
                _lines_of(
                    [
                        f"<b>{markup(d.party_name)}</b>" if d.party_name else None,
                        _address(d.address) if d.address else None,
                        _labelled("Location", identifier(d.location_id)),
                    ]
                ),
            )
        )
    rows = []
    for i in range(0, len(boxes), 2):
        pair = boxes[i : i + 2]
        rows.append(
            [Paragraph(f"<b>{title}</b><br/>{body}", s.normal) for title, body in pair] + [""] * (2 - len(pair))
        )
    commands = [*_PLAIN, ("BOTTOMPADDING", (0, 0), (-1, -1), 4 * mm)]
    return [_table(rows, [WIDTH / 2, WIDTH / 2], commands, hAlign="LEFT")]


def _seller(seller: Seller) -> str:
    return _lines_of(
        [
            f"<b>{markup(seller.name)}</b>",
            markup(seller.trading_name) if seller.trading_name and seller.trading_name != seller.name else None,
            _address(seller.address),
            _labelled("VAT ID", seller.vat_id),
            _labelled("Tax registration", seller.tax_registration_id),
            _labelled("Legal ID", identifier(seller.legal_registration_id)),
            _labelled("Seller ID", ", ".join(identifier(i) for i in seller.identifiers[:MAX_ITEM_IDS])),
            _labelled("Endpoint", identifier(seller.electronic_address)),
            _contact(seller.contact),
            markup(seller.additional_legal_info) if seller.additional_legal_info else None,
        ]
    )


def _buyer(buyer: Buyer) -> str:
    return _lines_of(
        [
            f"<b>{markup(buyer.name)}</b>",
            markup(buyer.trading_name) if buyer.trading_name and buyer.trading_name != buyer.name else None,
            _address(buyer.address),
            _labelled("VAT ID", buyer.vat_id),
            _labelled("Legal ID", identifier(buyer.legal_registration_id)),
            _labelled("Buyer ID", identifier(buyer.identifier)),
            _labelled("Endpoint", identifier(buyer.electronic_address)),
            _contact(buyer.contact),
        ]
    )


def _address(address: Address) -> str:
    city = " ".join(x for x in (address.post_code, address.city) if x)
    parts = [address.line1, address.line2, address.line3, city, address.country_subdivision, address.country_code]
    return "<br/>".join(markup(p) for p in parts if p)


def _contact(contact: Contact | None) -> str | None:
    if contact is None:
        return None
    parts = [contact.name, contact.telephone, contact.email]
    shown_parts = ", ".join(markup(p) for p in parts if p)
    return f"Contact: {shown_parts}" if shown_parts else None


# Notes --------------------------------------------------------------------------------------------------------


def notes(invoice: Invoice, s: Styles) -> list[Flowable]:
    if not invoice.notes:
        return []
    story: list[Flowable] = [Paragraph("Notes", s.heading)]
    for note in invoice.notes[:MAX_NOTES]:
        subject = f"<b>{markup(note.subject_code)}</b> " if note.subject_code else ""
        story.append(Paragraph(subject + markup(note.text), s.cell))
    return [*story, *_more(MAX_NOTES, len(invoice.notes), "notes", s), Spacer(1, 4 * mm)]


# Lines --------------------------------------------------------------------------------------------------------


def lines(invoice: Invoice, s: Styles) -> list[Flowable]:
    """The invoice lines, the table's header repeated on every page it spans."""
    currency = markup(invoice.currency, 3)
    header = [
        Paragraph("#", s.header_cell),
        Paragraph("Item", s.header_cell),
        Paragraph("Quantity", s.header_right),
        Paragraph(f"Unit price {currency}".strip(), s.header_right),
        Paragraph("VAT", s.header_right),
        Paragraph(f"Net amount {currency}".strip(), s.header_right),
    ]
    rows: list[list[Flowable | str]] = [header]
    room = MAX_LINES_TEXT
    for line in invoice.lines[:MAX_LINES]:
        item = _item(line)
        room -= len(item)
        if room < 0 and len(rows) > 1:
            break
        rows.append(_line_row(line, item, s))
    plain_cells = [
        ("FONTSIZE", (0, 1), (-1, -1), s.cell.fontSize),
        ("LEADING", (0, 1), (-1, -1), s.cell.leading),
        ("ALIGN", (2, 1), (-1, -1), "RIGHT"),
    ]
    table = _table(rows, LINE_COLUMNS, [*_SUMMARY, *plain_cells], repeatRows=1, hAlign="LEFT")
    return [table, *_more(len(rows) - 1, len(invoice.lines), "lines", s), Spacer(1, 4 * mm)]


def _line_row(line: Line, item: str, s: Styles) -> list[Flowable | str]:
    price = number(line.price.net_price, 2)
    if line.price.base_quantity is not None and line.price.base_quantity != 1:
        price += f" per {quantity(line.price.base_quantity, line.price.base_quantity_unit or line.unit_code)}"
    vat = f"{rate(line.vat.rate)}\n{shown(line.vat.category, 'vat_category')}".strip()
    number_column, _, quantity_column, price_column, vat_column, net_column = LINE_COLUMNS
    return [
        _cell(text(line.id, 20), s.cell, number_column),
        Paragraph(item, s.cell),
        _cell(quantity(line.quantity, line.unit_code), s.cell_right, quantity_column),
        _cell(price, s.cell_right, price_column),
        _cell(vat, s.cell_right, vat_column),
        _cell(number(line.net_amount, 2), s.cell_right, net_column),
    ]


def _cell(value: str, style: ParagraphStyle, width: float) -> Flowable | str:
    """The value as a plain cell when each of its lines fits the column (drawn in the table's font, no layout to
    compute: a thousand-line table renders in a fraction of the time), else as a Paragraph that wraps."""
    room = width - 2 * CELL_PADDING
    if all(stringWidth(part, typeface.REGULAR, style.fontSize) <= room for part in value.split("\n")):
        return value
    return Paragraph(markup(value).replace("\n", "<br/>"), style)


def _item(line: Line) -> str:
    """Name in bold, the description, then the details a reader matches the line with, in small grey."""
    item = line.item
    ids = [
        _labelled("Seller's item ID", item.seller_id),
        _labelled("Buyer's item ID", item.buyer_id),
        _labelled("Standard ID", identifier(item.standard_id)),
        _labelled("Order line", line.order_line_reference),
        _labelled("Period", _period(line.period.start, line.period.end) if line.period else None),
        _labelled("Accounting reference", line.accounting_reference),
    ]
    adjustments = [_adjustment("Allowance", a, "-") for a in line.allowances[:MAX_LINE_ADJUSTMENTS]]
    adjustments += [_adjustment("Charge", c, "+") for c in line.charges[:MAX_LINE_ADJUSTMENTS]]
    details = [p for p in ids + adjustments if p]
    if line.note:
        details.append(markup(line.note))
    small = f'<font size=7 color="#555555">{"<br/>".join(details)}</font>' if details else None
    return _lines_of([f"<b>{markup(item.name)}</b>", markup(item.description) if item.description else None, small])


def _adjustment(kind: str, adjustment: LineAllowanceCharge | AllowanceCharge, sign: str) -> str:
    reason = adjustment.reason or adjustment.reason_code or ""
    percentage = (
        f" ({rate(adjustment.percentage)} of {number(adjustment.base_amount, 2)})" if adjustment.percentage else ""
    )
    return f"{kind} {markup(reason)}{markup(percentage)}: {sign}{markup(number(adjustment.amount, 2))}"


# VAT breakdown, allowances and charges, totals ------------------------------------------------------------------


def vat_breakdown(invoice: Invoice, s: Styles) -> list[Flowable]:
    """The VAT breakdown (BG-23), right-aligned under the lines."""
    currency = invoice.currency
    rows: list[list[Flowable | str]] = [
        [
            Paragraph("VAT category", s.header_cell),
            Paragraph("Rate", s.header_right),
            Paragraph("Taxable amount", s.header_right),
            Paragraph("VAT amount", s.header_right),
        ]
    ]
    for b in invoice.vat_breakdown[:MAX_VAT_ROWS]:
        reason = b.exemption_reason or b.exemption_reason_code
        category = _lines_of(
            [markup(shown(b.category, "vat_category")), f"<font size=7>{markup(reason)}</font>" if reason else None]
        )
        rows.append(
            [
                Paragraph(category, s.cell),
                Paragraph(markup(rate(b.rate)), s.cell_right),
                Paragraph(markup(amount(b.taxable_amount, currency)), s.cell_right),
                Paragraph(markup(amount(b.tax_amount, currency)), s.cell_right),
            ]
        )
    table = _table(rows, [50 * mm, 18 * mm, 32 * mm, 32 * mm], _SUMMARY, hAlign="RIGHT", repeatRows=1)
    more = _more(MAX_VAT_ROWS, len(invoice.vat_breakdown), "VAT breakdown rows", s)
    return [KeepTogether([Paragraph("VAT breakdown", _right(s.heading)), table]), *more, Spacer(1, 4 * mm)]


def allowances_charges(invoice: Invoice, s: Styles) -> list[Flowable]:
    """Document-level allowances (BG-20) and charges (BG-21), when there are any."""
    entries = [("Allowance", a, "-") for a in invoice.allowances] + [("Charge", c, "+") for c in invoice.charges]
    if not entries:
        return []
    rows: list[list[Flowable | str]] = [
        [
            Paragraph("Allowance or charge", s.header_cell),
            Paragraph("VAT", s.header_right),
            Paragraph("Amount", s.header_right),
        ]
    ]
    for kind, entry, sign in entries[:MAX_ALLOWANCES_CHARGES]:
        reason = entry.reason or entry.reason_code or ""
        base = f" ({rate(entry.percentage)} of {number(entry.base_amount, 2)})" if entry.percentage else ""
        vat = f"{shown(entry.vat_category, 'vat_category')} {rate(entry.vat_rate)}".strip()
        rows.append(
            [
                Paragraph(f"{kind} {markup(reason)}{markup(base)}", s.cell),
                Paragraph(markup(vat), s.cell_right),
                Paragraph(markup(sign + amount(entry.amount, invoice.currency)), s.cell_right),
            ]
        )
    table = _table(rows, [68 * mm, 32 * mm, 32 * mm], _SUMMARY, hAlign="RIGHT", repeatRows=1)
    more = _more(MAX_ALLOWANCES_CHARGES, len(entries), "allowances and charges", s)
    return [table, *more, Spacer(1, 4 * mm)]


def totals(invoice: Invoice, s: Styles) -> list[Flowable]:
    """The document totals (BG-22), right-aligned, the amount due last and in bold."""
    t, currency = invoice.totals, invoice.currency
    entries = [
        ("Sum of lines", t.line_net_total),
        ("Allowances", t.allowance_total),
        ("Charges", t.charge_total),
        ("Total without VAT", t.tax_exclusive),
        ("VAT", t.vat_total),
        ("Total with VAT", t.tax_inclusive),
        ("Paid", t.prepaid),
        ("Rounding", t.rounding),
    ]
    rows = [
        [Paragraph(label, s.cell_right), Paragraph(markup(amount(value, currency)), s.cell_right)]
        for label, value in entries
        if value is not None
    ]
    if t.vat_total_accounting is not None and invoice.tax_currency:
        rows.append(
            [
                Paragraph("VAT in accounting currency", s.cell_right),
                Paragraph(markup(amount(t.vat_total_accounting, invoice.tax_currency)), s.cell_right),
            ]
        )
    due = ParagraphStyle("invoice-due", parent=s.cell_right, fontName=typeface.BOLD, fontSize=10, leading=13)
    rows.append([Paragraph("Amount due", due), Paragraph(markup(amount(t.payable, currency)), due)])
    commands = [("VALIGN", (0, 0), (-1, -1), "TOP"), ("LINEABOVE", (0, -1), (-1, -1), 0.75, colors.black)]
    table = _table(rows, [50 * mm, 40 * mm], commands, hAlign="RIGHT")
    return [KeepTogether([table]), Spacer(1, 5 * mm)]


# The tables of rows under a blue header: lines, VAT breakdown, allowances and charges.
_SUMMARY = [
    ("BACKGROUND", (0, 0), (-1, 0), BLUE),
    ("LINEBELOW", (0, 1), (-1, -1), 0.25, RULE),
    ("VALIGN", (0, 0), (-1, -1), "TOP"),
]


def _right(style: ParagraphStyle) -> ParagraphStyle:
    return ParagraphStyle(f"{style.name}-right", parent=style, alignment=TA_RIGHT)


# Payment ------------------------------------------------------------------------------------------------------


def payment(invoice: Invoice, s: Styles) -> list[Flowable]:
    """How to pay: due date, means by name, accounts (IBAN, BIC), card or mandate, reference, terms, payee."""
    parts: list[str | None] = [_labelled("Due date", _date(invoice.due_date))]
    if invoice.payment:
        parts += _payment_instructions(invoice.payment)
    if invoice.payee:
        parts.append(_labelled("Pay to", invoice.payee.name))
    parts.append(_labelled("Payment terms", invoice.payment_terms))
    body = [Paragraph(p, s.normal) for p in parts if p]
    if not body:
        return []
    return [KeepTogether([Paragraph("Payment", s.heading), *body])]


def _payment_instructions(p: PaymentInstructions) -> list[str | None]:
    means = shown(p.means_code, "payment_means") if p.means_code else None
    if means and means != p.means_code:
        means = f"{means} ({p.means_code})"
    if p.means_text and p.means_text != means:
        means = f"{means}, {p.means_text}" if means else p.means_text
    parts: list[str | None] = [_labelled("Payment means", means)]
    for transfer in p.credit_transfers[:MAX_ACCOUNTS]:
        account = [
            _labelled(_account_label(transfer.account_id), transfer.account_id),
            _labelled("BIC", transfer.service_provider_id),
            _labelled("Account name", transfer.account_name),
        ]
        parts.append(" \u00b7 ".join(a for a in account if a))
    if p.card:
        card = (p.card.primary_account_number, p.card.holder_name)
        parts.append(_labelled("Card", " ".join(x for x in card if x)))
    if p.direct_debit:
        d = p.direct_debit
        debit = [
            _labelled("Mandate reference", d.mandate_reference),
            _labelled("Creditor ID", d.creditor_id),
            _labelled("Debited account", d.debited_account_id),
        ]
        parts.append(" \u00b7 ".join(a for a in debit if a) or None)
    parts.append(_labelled("Payment reference", p.remittance_information))
    return parts


def _account_label(account_id: str | None) -> str:
    """The label of an account: IBAN for what has an IBAN's shape (country letters, check digits), else Account."""
    compact = (account_id or "").replace(" ", "")
    looks_like_iban = len(compact) >= 15 and compact[:2].isalpha() and compact[2:4].isdigit()
    return "IBAN" if looks_like_iban else "Account"
