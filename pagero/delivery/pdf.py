"""The PDF rendering of an invoice: the formats context renders it (it is also the visible part of a Factur-X PDF);
delivery attaches it to e-mails."""

from __future__ import annotations

from pagero.formats.public import render_pdf

__all__ = ["render_pdf"]
