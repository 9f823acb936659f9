"""A human-readable PDF rendering of an invoice (reportlab): references, parties with their identifiers, lines,
VAT breakdown, totals and payment, in DejaVu Sans (embedded: Polish, Czech, Greek, Cyrillic print), "Page n of m"
and a footer naming the e-invoice it renders on every page.

The visible part of a Factur-X PDF (facturx.py) and the PDF the e-mail channel attaches (pagero.delivery).
README.md beside this file describes the layout and its bounds.
"""

from __future__ import annotations

from io import BytesIO
from typing import Any

from reportlab.lib.pagesizes import A4
from reportlab.lib.units import mm
from reportlab.pdfgen.canvas import Canvas
from reportlab.platypus import Flowable, Paragraph, SimpleDocTemplate

from ..model import Invoice
from . import blocks, typeface
from .text import markup, text

MARGIN = 18 * mm
INSET = 6  # the frame's padding (points): the footer lines up with the text above it
FOOTER_HEIGHT = 14 * mm
# The footer names the document: a number longer than this is cut there (the heading shows more of it).
FOOTER_NUMBER_CHARS = 60
# The syntax the e-invoice was exchanged in, as the footer names it (a detected syntax or a conversion target;
# the older EDIFACT directories, edifact-d93a and the like, are EDIFACT too).
SYNTAX_NAMES = {
    "ubl": "UBL",
    "cii": "UN/CEFACT CII",
    "cii-d22b": "UN/CEFACT CII",
    "edifact": "EDIFACT",
    "edifact-d96a": "EDIFACT",
    "facturx": "Factur-X",
    "zugferd1": "ZUGFeRD",
}


def render_pdf(invoice: Invoice, syntax: str | None = None) -> bytes:
    """The invoice as a PDF, its fonts embedded (the standard PDF fonts have no Polish, Greek or Cyrillic letters).
    `syntax`: the syntax of the e-invoice it renders (a key of SYNTAX_NAMES), named in the footer."""
    s = blocks.Styles.from_sheet(typeface.styles())
    buffer = BytesIO()
    doc = _document(buffer, invoice)
    footer = _footer_text(invoice, syntax)

    def decorate(canvas: Canvas, _doc: SimpleDocTemplate) -> None:
        _draw_footer(canvas, footer, s)

    doc.build(_story(invoice, s), onFirstPage=decorate, onLaterPages=decorate, canvasmaker=NumberedCanvas)
    return buffer.getvalue()


def _document(buffer: BytesIO, invoice: Invoice) -> SimpleDocTemplate:
    return SimpleDocTemplate(
        buffer,
        pagesize=A4,
        leftMargin=MARGIN,
        rightMargin=MARGIN,
        topMargin=MARGIN,
        bottomMargin=MARGIN + FOOTER_HEIGHT,
        title=f"{blocks.document_kind(invoice)} {text(invoice.number)}",
        author=text(invoice.seller.name),
        # Each page starts in this font, declared in the page's resources: an embedded one (PDF/A).
        initialFontName=typeface.REGULAR,
    )


def _story(invoice: Invoice, s: blocks.Styles) -> list[Flowable]:
    return [
        *blocks.heading(invoice, s),
        *blocks.parties(invoice, s),
        *blocks.notes(invoice, s),
        *blocks.lines(invoice, s),
        *blocks.vat_breakdown(invoice, s),
        *blocks.allowances_charges(invoice, s),
        *blocks.totals(invoice, s),
        *blocks.payment(invoice, s),
    ]


def _footer_text(invoice: Invoice, syntax: str | None) -> str:
    """The footer's sentence, e.g. Rendering of the UBL invoice ACME-2002 exchanged on the network; the e-invoice is
    the legal document."""
    kind = blocks.document_kind(invoice).lower()
    number = markup(invoice.number, FOOTER_NUMBER_CHARS)
    if syntax == "facturx":
        return (
            f"Factur-X {kind} {number}: this page is a rendering of the structured invoice embedded in this PDF "
            "(factur-x.xml), exchanged on the network."
        )
    name = SYNTAX_NAMES.get(syntax or "") or ("EDIFACT" if (syntax or "").startswith("edifact-") else None)
    what = f"the {name} {kind}" if name else f"the e-{kind}" if kind == "invoice" else f"the electronic {kind}"
    return f"Rendering of {what} {number} exchanged on the network; the e-invoice is the legal document."


def _draw_footer(canvas: Canvas, footer: str, s: blocks.Styles) -> None:
    """The footer text at the bottom left of the page, wrapped to leave room for the page number."""
    paragraph = Paragraph(footer, s.small)
    left, right = MARGIN + INSET, A4[0] - MARGIN - INSET
    _, height = paragraph.wrap(right - left - 30 * mm, FOOTER_HEIGHT)
    canvas.saveState()
    canvas.setStrokeColor(blocks.RULE)
    canvas.setLineWidth(0.5)
    canvas.line(left, MARGIN + FOOTER_HEIGHT - 2 * mm, right, MARGIN + FOOTER_HEIGHT - 2 * mm)
    paragraph.drawOn(canvas, left, MARGIN + FOOTER_HEIGHT - 4 * mm - height)
    canvas.restoreState()


class NumberedCanvas(Canvas):  # type: ignore[misc]  # reportlab ships no type information
    """A canvas that writes "Page n of m" on every page: it keeps each page until the document is complete, since
    the number of pages is known only then."""

    def __init__(self, *args: Any, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        self._pages: list[dict[str, Any]] = []

    def showPage(self) -> None:
        self._pages.append(dict(self.__dict__))
        self._startPage()

    def save(self) -> None:
        total = len(self._pages)
        for page in self._pages:
            self.__dict__.update(page)
            self._draw_page_number(total)
            super().showPage()
        super().save()

    def _draw_page_number(self, total: int) -> None:
        self.saveState()
        self.setFont(typeface.REGULAR, 7)
        self.setFillColor(blocks.GREY)
        page = f"Page {self._pageNumber} of {total}"
        self.drawRightString(A4[0] - MARGIN - INSET, MARGIN + FOOTER_HEIGHT - 4 * mm - 7, page)
        self.restoreState()
