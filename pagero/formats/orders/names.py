"""Namespaces and identifiers of the order syntaxes."""

from __future__ import annotations

from ..ubl.names import CAC, CBC, ORDER_NS
from ..xml import not_held

ORDER_RESPONSE_NS = "urn:oasis:names:specification:ubl:schema:xsd:OrderResponse-2"
UBL_NS = {"cac": CAC, "cbc": CBC}
UBL_ROOTS = {(ORDER_NS, "Order"): "order", (ORDER_RESPONSE_NS, "OrderResponse"): "order_response"}

# Peppol BIS Ordering 3: the specification identifiers of T01 and T76 and the business processes.
PEPPOL_ORDER = "urn:fdc:peppol.eu:poacc:trns:order:3"
PEPPOL_ORDER_RESPONSE = "urn:fdc:peppol.eu:poacc:trns:order_response:3"
PEPPOL_ORDERING = "urn:fdc:peppol.eu:poacc:bis:ordering:3"
PEPPOL_ORDER_ONLY = "urn:fdc:peppol.eu:poacc:bis:order_only:3"

# Order-X (UN/CEFACT SCRDM CCBDA CIO message, D20B).
ORDERX_RSM = "urn:un:unece:uncefact:data:SCRDMCCBDACIOMessageStructure:100"
ORDERX_RAM = "urn:un:unece:uncefact:data:standard:ReusableAggregateBusinessInformationEntity:128"
ORDERX_UDT = "urn:un:unece:uncefact:data:standard:UnqualifiedDataType:128"
ORDERX_QDT = "urn:un:unece:uncefact:data:standard:QualifiedDataType:128"
ORDERX_ROOT = "SCRDMCCBDACIOMessageStructure"
ORDERX_NS = {"rsm": ORDERX_RSM, "ram": ORDERX_RAM, "udt": ORDERX_UDT, "qdt": ORDERX_QDT}
ORDERX_COMFORT = "urn:order-x.eu:1p0:comfort"
ORDERX_PROFILES = {
    "urn:order-x.eu:1p0:basic": "basic",
    ORDERX_COMFORT: "comfort",
    "urn:order-x.eu:1p0:extended": "extended",
}
# ExchangedDocument/TypeCode (UNTDID 1001): order, order change, order response.
ORDERX_ORDER_TYPE, ORDERX_CHANGE_TYPE, ORDERX_RESPONSE_TYPE = "220", "230", "231"

# EDIFACT: the directories whose ORDERS/ORDRSP are read with the D96A binding. The segments and qualifiers it reads
# (BGM, DTM, FTX, RFF, NAD, CTA, COM, CUX, LIN, PIA, IMD, QTY, PRI, MOA, TAX) keep their layout in every UN directory
# D.93A and later, so those are read (with a warning naming the directory); anything else is refused.
EDIFACT_DIRECTORY = ("D", "96A")


def edifact_readable(version: str, release: str) -> bool:
    return (
        version == "D"
        and len(release) == 3
        and release[:2].isdigit()
        and release[2] in "AB"
        and (int(release[:2]) >= 93 or int(release[:2]) <= 50)
    )


EDIFACT_MESSAGES = {"ORDERS": "order", "ORDRSP": "order_response"}

# What a reader reports about source content that has no place in the order model.
MODEL = "order"  # as the readers name it in their warnings
NOT_HELD = not_held(MODEL)
