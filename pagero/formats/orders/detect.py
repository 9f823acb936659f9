"""Detection of order documents from their bytes: UBL Order/OrderResponse, Order-X, EDIFACT ORDERS/ORDRSP."""

from __future__ import annotations

from dataclasses import dataclass

from lxml import etree

from ..detect import Detected, directory, unh_pattern
from ..edifact.syntax import UNA_LENGTH, Separators, separators
from ..errors import UnsupportedFormat
from ..xml import element_text, parse_xml
from .names import (
    EDIFACT_MESSAGES,
    ORDERX_CHANGE_TYPE,
    ORDERX_NS,
    ORDERX_RESPONSE_TYPE,
    ORDERX_ROOT,
    ORDERX_RSM,
    UBL_NS,
    UBL_ROOTS,
    edifact_readable,
)

ORDER_SYNTAXES = ("ubl", "orderx", "edifact")


@dataclass(frozen=True)
class OrderDetected:
    syntax: str  # ubl | orderx | edifact
    document_type: str  # order | order_response
    customization: str | None = None
    version: str | None = None  # UBL 2.1; Order-X D20B; EDIFACT directory D:96A

    @property
    def label(self) -> str:
        return f"{self.syntax} {self.document_type}" + (f" ({self.customization})" if self.customization else "")

    def as_detected(self) -> Detected:
        return Detected(self.syntax, self.document_type, self.customization, self.version)


def detect_order(data: bytes, root: etree._Element | None = None) -> OrderDetected | None:
    """The order format of `data`, None when it is no order. `root`: the parsed XML when the caller has it.
    An EDIFACT order of a directory that cannot be read is refused (UnsupportedFormat naming the directory)."""
    head = data.lstrip(b"\xef\xbb\xbf \t\r\n")[:16]
    if head.startswith((b"UNA", b"UNB")):
        return detect_edifact_order(data)
    if root is None:
        if not head.startswith(b"<") and not data.startswith((b"\xff\xfe", b"\xfe\xff")):
            return None
        root = parse_xml(data)
    return detect_xml_order(root)


def detect_xml_order(root: etree._Element) -> OrderDetected | None:
    qname = etree.QName(root)
    kind = UBL_ROOTS.get((qname.namespace or "", qname.localname))
    if kind is not None:
        customization = element_text(root.find("cbc:CustomizationID", UBL_NS))
        declared = element_text(root.find("cbc:UBLVersionID", UBL_NS)) or "2.1"
        if not declared.startswith("2.") or declared == "2.0":
            raise UnsupportedFormat(
                f"unsupported format: UBL {declared} {qname.localname} is not supported (UBL 2.1 is)"
            )
        return OrderDetected("ubl", kind, customization, declared)
    if qname.namespace == ORDERX_RSM and qname.localname == ORDERX_ROOT:
        type_code = element_text(root.find("rsm:ExchangedDocument/ram:TypeCode", ORDERX_NS))
        guideline = "rsm:ExchangedDocumentContext/ram:GuidelineSpecifiedDocumentContextParameter/ram:ID"
        customization = element_text(root.find(guideline, ORDERX_NS))
        if type_code == ORDERX_CHANGE_TYPE:
            raise UnsupportedFormat(
                "unsupported format: Order-X order change (type code 230): orders and order responses are supported"
            )
        kind = "order_response" if type_code == ORDERX_RESPONSE_TYPE else "order"
        return OrderDetected("orderx", kind, customization, "D20B")
    return None


def detect_edifact_order(data: bytes) -> OrderDetected | None:
    head = data.lstrip(b"\xef\xbb\xbf \t\r\n")[:4096]
    seps = separators(head[:UNA_LENGTH].decode("iso-8859-1")) if head.startswith(b"UNA") else Separators()
    match = unh_pattern(seps).search(head)
    if match is None:
        return None
    message, version, release = (g.decode() for g in match.groups()[:3])
    kind = EDIFACT_MESSAGES.get(message)
    if kind is None:
        return None
    if not edifact_readable(version, release):
        raise UnsupportedFormat(
            f"unsupported format: EDIFACT {message} {directory(version, release)} is not supported; "
            "directories D93A and later are (read with the D96A binding)"
        )
    return OrderDetected("edifact", kind, None, f"{version}:{release}")
