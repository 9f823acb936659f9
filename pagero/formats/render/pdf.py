"""A human-readable PDF rendering of an invoice (reportlab): parties, lines, VAT breakdown, totals, payment.

The visible part of a Factur-X PDF (facturx.py) and the PDF the e-mail channel attaches (pagero.delivery)."""

from __future__ import annotations

from io import BytesIO
from xml.sax.saxutils import escape

from reportlab.lib import colors
from reportlab.lib.pagesizes import A4
from reportlab.lib.styles import StyleSheet1, getSampleStyleSheet
from reportlab.lib.units import mm
from reportlab.platypus import Flowable, Paragraph, SimpleDocTemplate, Spacer, Table, TableStyle

from ..model import Buyer, Invoice, Seller

# A rendering shows at most this many characters of one value: a longer one (a party name of 17,000
# characters is valid EN 16931) cannot be laid out in a table cell. The e-invoice keeps the whole value.
MAX_VALUE_CHARS = 300


def _text(value: object) -> str:
    text = "" if value is None else str(value)
    return text if len(text) <= MAX_VALUE_CHARS else text[: MAX_VALUE_CHARS - 1] + "\u2026"


def _markup(value: object) -> str:
    """A value of the invoice as Paragraph text: escaped, so that it is shown, never read as reportlab markup.

    Paragraph understands tags (<img src>, <a href>, <font>, ...): an unescaped value could embed a file
    from the server's disk, add links, or break the rendering.
    """
    return escape(_text(value))


def _address(party: Seller | Buyer) -> str:
    a = party.address
    parts = [a.line1, a.line2, a.line3, " ".join(x for x in (a.post_code, a.city) if x), a.country_code]
    return "<br/>".join(_markup(p) for p in parts if p)


# PDF/A (the visible part of a Factur-X PDF) needs every font embedded: the Bitstream Vera TrueType fonts reportlab
# ships (free to embed and redistribute, reportlab/fonts/bitstream-vera-license.txt), subset into the PDF.
EMBEDDED_FONTS = {
    "Vera": "Vera.ttf",
    "Vera-Bold": "VeraBd.ttf",
    "Vera-Italic": "VeraIt.ttf",
    "Vera-BoldItalic": "VeraBI.ttf",
}


def _embedded_styles() -> StyleSheet1:
    """The sample styles in the embedded Vera family (registered once; reportlab keeps a process-wide registry)."""
    from reportlab.lib.fonts import addMapping
    from reportlab.pdfbase import pdfmetrics
    from reportlab.pdfbase.ttfonts import TTFont

    if "Vera-Bold" not in pdfmetrics.getRegisteredFontNames():
        for name, file in EMBEDDED_FONTS.items():
            pdfmetrics.registerFont(TTFont(name, file))
        for bold, italic, name in (
            (0, 0, "Vera"),
            (1, 0, "Vera-Bold"),
            (0, 1, "Vera-Italic"),
            (1, 1, "Vera-BoldItalic"),
        ):
            addMapping("Vera", bold, italic, name)
    styles = getSampleStyleSheet()
    for style in styles.byName.values():
        bold = "Bold" in getattr(style, "fontName", "")
        style.fontName = "Vera-Bold" if bold else "Vera"
    return styles


def render_pdf(invoice: Invoice, embed_fonts: bool = False) -> bytes:
    """The invoice as a PDF; `embed_fonts`: in embedded TrueType fonts (PDF/A), else in the standard PDF fonts."""
    styles = _embedded_styles() if embed_fonts else getSampleStyleSheet()
    font, bold = ("Vera", "Vera-Bold") if embed_fonts else ("Helvetica", "Helvetica-Bold")
    buffer = BytesIO()
    doc = SimpleDocTemplate(
        buffer,
        pagesize=A4,
        leftMargin=18 * mm,
        rightMargin=18 * mm,
        title=f"Invoice {invoice.number}",
        author=_text(invoice.seller.name),
        # Each page starts in this font, declared in the page's resources: Vera when every font must be embedded.
        initialFontName=font,
    )
    story: list[Flowable] = [
        *_heading(invoice, styles),
        _parties(invoice, styles, font),
        Spacer(1, 6 * mm),
        _lines(invoice, styles, font),
        Spacer(1, 6 * mm),
        _vat_breakdown(invoice, font),
        Spacer(1, 6 * mm),
        _totals(invoice, font, bold),
        *_payment(invoice, styles),
    ]
    doc.build(story)
    return buffer.getvalue()


def _heading(invoice: Invoice, styles: StyleSheet1) -> list[Flowable]:
    title = "Credit note" if invoice.is_credit_note else "Invoice"
    return [
        Paragraph(f"{title} {_markup(invoice.number)}", styles["Title"]),
        Paragraph(
            f"Issue date {_markup(invoice.issue_date)} &nbsp; Due date {_markup(invoice.due_date)} &nbsp; "
            f"Currency {_markup(invoice.currency)}",
            styles["Normal"],
        ),
        Spacer(1, 6 * mm),
    ]


def _parties(invoice: Invoice, styles: StyleSheet1, font: str) -> Table:
    """Seller and buyer side by side: name, address and VAT identifier."""
    seller, buyer = invoice.seller, invoice.buyer
    return Table(
        [
            [Paragraph("<b>Seller</b>", styles["Normal"]), Paragraph("<b>Buyer</b>", styles["Normal"])],
            [
                Paragraph(
                    f"{_markup(seller.name)}<br/>{_address(seller)}<br/>VAT {_markup(seller.vat_id)}", styles["Normal"]
                ),
                Paragraph(
                    f"{_markup(buyer.name)}<br/>{_address(buyer)}<br/>VAT {_markup(buyer.vat_id)}", styles["Normal"]
                ),
            ],
        ],
        colWidths=[87 * mm, 87 * mm],
        style=[("FONTNAME", (0, 0), (-1, -1), font)],
    )


def _lines(invoice: Invoice, styles: StyleSheet1, font: str) -> Table:
    rows: list[list[str | Paragraph]] = [["#", "Item", "Quantity", "Price", "VAT", "Net"]]
    for line in invoice.lines:
        rows.append(
            [
                _text(line.id),
                Paragraph(_markup(line.item.name), styles["Normal"]),
                f"{_text(line.quantity)} {_text(line.unit_code)}",
                _text(line.price.net_price),
                f"{_text(line.vat.category)} {_text(line.vat.rate)}%",
                _text(line.net_amount),
            ]
        )
    table = Table(rows, colWidths=[10 * mm, 74 * mm, 28 * mm, 22 * mm, 18 * mm, 22 * mm], repeatRows=1)
    table.setStyle(
        TableStyle(
            [
                ("BACKGROUND", (0, 0), (-1, 0), colors.HexColor("#0b5cad")),
                ("TEXTCOLOR", (0, 0), (-1, 0), colors.white),
                ("GRID", (0, 0), (-1, -1), 0.25, colors.grey),
                ("ALIGN", (2, 1), (-1, -1), "RIGHT"),
                ("VALIGN", (0, 0), (-1, -1), "TOP"),
                ("FONTNAME", (0, 0), (-1, -1), font),
            ]
        )
    )
    return table


def _vat_breakdown(invoice: Invoice, font: str) -> Table:
    vat = [["VAT category", "Rate", "Taxable", "VAT"]] + [
        [_text(b.category), _text(b.rate), _text(b.taxable_amount), _text(b.tax_amount)] for b in invoice.vat_breakdown
    ]
    return Table(vat, style=[("GRID", (0, 0), (-1, -1), 0.25, colors.grey), ("FONTNAME", (0, 0), (-1, -1), font)])


def _totals(invoice: Invoice, font: str, bold: str) -> Table:
    t = invoice.totals
    totals = [
        ["Sum of lines", _text(t.line_net_total)],
        ["Total without VAT", _text(t.tax_exclusive)],
        ["VAT", _text(t.vat_total)],
        ["Total with VAT", _text(t.tax_inclusive)],
        ["Paid", _text(t.prepaid)],
        ["Amount due", _text(t.payable)],
    ]
    style = [
        ("ALIGN", (1, 0), (1, -1), "RIGHT"),
        ("FONTNAME", (0, 0), (-1, -1), font),
        ("FONTNAME", (0, 5), (-1, 5), bold),
    ]
    return Table(totals, style=style)


def _payment(invoice: Invoice, styles: StyleSheet1) -> list[Flowable]:
    """Payment means, accounts and reference, then the payment terms: each only when the invoice states it."""
    story: list[Flowable] = []
    payment = invoice.payment
    if payment:
        accounts = ", ".join(_markup(c.account_id) for c in payment.credit_transfers)
        story += [
            Spacer(1, 6 * mm),
            Paragraph(
                f"Payment: means {_markup(payment.means_code)} {_markup(payment.means_text)} &nbsp; account {accounts} "
                f"&nbsp; reference {_markup(payment.remittance_information)}",
                styles["Normal"],
            ),
        ]
    if invoice.payment_terms:
        story.append(Paragraph(f"Terms: {_markup(invoice.payment_terms)}", styles["Normal"]))
    return story
