"""CII D22B (Factur-X 1.07 and later, ZUGFeRD 2.3 EXTENDED): read as D16B, validated against the D22B schema.

D22B keeps D16B's namespaces and the EN 16931 binding; what the Factur-X/ZUGFeRD EXTENDED profile adds with it
(product model, batch and industry IDs; the invoice an advance payment refers to) has no EN 16931 term. So a D22B
document is read by the D16B reader, which reports those elements as not held, and its schema is the Factur-X
EXTENDED XSD (CII D22B, artefacts/facturx/extended) instead of the D16B XSD, which refuses them. A document with
more than one preceding invoice reference (BG-3) is D22B too. The product writes D16B as "cii" and D22B as "cii-d22b"
(d22b_writer.py), for recipients that ask for it.
"""

from __future__ import annotations

from lxml import etree

from ..schema_files import D22B_XSD, xsd_findings
from ..validation.report import Finding
from .names import NS

# Elements that D22B (Factur-X 1.07+ EXTENDED) has and D16B has not: their presence makes a document D22B.
D22B_ONLY = (
    "rsm:SupplyChainTradeTransaction/ram:IncludedSupplyChainTradeLineItem/ram:SpecifiedTradeProduct/ram:ModelID",
    "rsm:SupplyChainTradeTransaction/ram:IncludedSupplyChainTradeLineItem/ram:SpecifiedTradeProduct/ram:ModelName",
    "rsm:SupplyChainTradeTransaction/ram:IncludedSupplyChainTradeLineItem/ram:SpecifiedTradeProduct/ram:BatchID",
    "rsm:SupplyChainTradeTransaction/ram:IncludedSupplyChainTradeLineItem/ram:SpecifiedTradeProduct/"
    "ram:IndustryAssignedID",
    "rsm:SupplyChainTradeTransaction/ram:ApplicableHeaderTradeSettlement/ram:SpecifiedAdvancePayment/"
    "ram:InvoiceSpecifiedReferencedDocument",
)


# D16B has room for one preceding invoice reference (BG-3), D22B for any number.
PRECEDING_INVOICES = "rsm:SupplyChainTradeTransaction/ram:ApplicableHeaderTradeSettlement/ram:InvoiceReferencedDocument"


def is_d22b(root: etree._Element) -> bool:
    """Whether the CII document uses an element of D22B that D16B does not have, or more of one than D16B allows."""
    if any(root.find(path, NS) is not None for path in D22B_ONLY):
        return True
    return len(root.findall(PRECEDING_INVOICES, NS)) > 1


def d22b_xsd_findings(root: etree._Element) -> list[Finding]:
    """The document against the CII D22B schema (Factur-X EXTENDED 1.09.2)."""
    return xsd_findings(root, D22B_XSD, "xsd (CII D22B, Factur-X EXTENDED)")
