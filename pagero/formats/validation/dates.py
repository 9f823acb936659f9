"""Our own check beyond the official rules: calendar dates that do not exist.

CII dates in format 102 (CCYYMMDD) are strings in the schema, and the official rule (CII-DT-097) checks only their
pattern, so `20240230` passes every validator; a UBL date that lxml's schema check lets through is checked too. A
date that does not exist cannot be booked or paid against, so it is reported as a fatal finding (PAGERO-DATE-01)
naming the BT and the path.
"""

from __future__ import annotations

import datetime
import re
from collections.abc import Callable, Iterator
from functools import partial

from lxml import etree

from ..limits import MAX_FINDINGS
from .report import Finding

RULE_ID = "PAGERO-DATE-01"
RULE_SET = "Pagero"
CII_UDT = "urn:un:unece:uncefact:data:standard:UnqualifiedDataType:100"
CII_QDT = "urn:un:unece:uncefact:data:standard:QualifiedDataType:100"
UBL_CBC = "urn:oasis:names:specification:ubl:schema:xsd:CommonBasicComponents-2"
_CII_DATES = (
    f"{{{CII_UDT}}}DateTimeString",
    f"{{{CII_UDT}}}DateString",
    f"{{{CII_QDT}}}DateTimeString",
    f"{{{CII_QDT}}}DateString",
)
_FORMAT_102 = re.compile(r"^\s*(\d{4})(\d{2})(\d{2})\s*$")
_ISO_DATE = re.compile(r"^\s*(-?\d{4})-(\d{2})-(\d{2})")

# The BT of a date, by the names of its element and of its parent (CII: the element holding the date string);
# line-level periods are told apart by an ancestor.
_CII_TERMS = {
    ("IssueDateTime", "ExchangedDocument"): "BT-2",
    ("DueDateDateTime", None): "BT-9",
    ("TaxPointDate", None): "BT-7",
    ("OccurrenceDateTime", None): "BT-72",
    ("FormattedIssueDateTime", "InvoiceReferencedDocument"): "BT-26",
    ("StartDateTime", "header"): "BT-73",
    ("EndDateTime", "header"): "BT-74",
    ("StartDateTime", "line"): "BT-134",
    ("EndDateTime", "line"): "BT-135",
}
_UBL_TERMS = {
    ("IssueDate", None): "BT-2",
    ("DueDate", None): "BT-9",
    ("PaymentDueDate", None): "BT-9",
    ("TaxPointDate", None): "BT-7",
    ("ActualDeliveryDate", None): "BT-72",
    ("IssueDate", "InvoiceDocumentReference"): "BT-26",
    ("StartDate", "header"): "BT-73",
    ("EndDate", "header"): "BT-74",
    ("StartDate", "line"): "BT-134",
    ("EndDate", "line"): "BT-135",
}
_LINES = {"IncludedSupplyChainTradeLineItem", "InvoiceLine", "CreditNoteLine"}


def _local(element: etree._Element | None) -> str | None:
    return etree.QName(element).localname if element is not None and isinstance(element.tag, str) else None


def _term(element: etree._Element, terms: dict[tuple[str, str | None], str]) -> str | None:
    name, parent = _local(element), _local(element.getparent())
    if name is None:
        return None
    if name in {"StartDateTime", "EndDateTime", "StartDate", "EndDate"}:
        in_line = any(_local(a) in _LINES for a in element.iterancestors())
        return terms.get((name, "line" if in_line else "header"))
    return terms.get((name, parent)) or terms.get((name, None))


def _path(element: etree._Element) -> str:
    # libxml2's own path (the one its schema errors carry): prefixed names, [n] where a name repeats.
    return element.getroottree().getpath(element)


def _exists(year: int, month: int, day: int) -> bool:
    try:
        datetime.date(year, month, day)
    except ValueError:
        return False
    return True


def check_dates(root: etree._Element, syntax: str) -> Iterator[Finding]:
    """A fatal finding for every date in the document that is well formed but not a day of the calendar.

    Only the first MAX_FINDINGS carry their path: the report keeps no more than that, and finding a path costs a
    pass over the element's siblings (quadratic over a hostile document with 100,000 bad dates side by side)."""
    for count, finding in enumerate(_impossible_dates(root, syntax)):
        yield finding(count < MAX_FINDINGS)


def _impossible_dates(root: etree._Element, syntax: str) -> Iterator[Callable[[bool], Finding]]:
    if syntax == "cii":
        for element in root.iter(*_CII_DATES):
            if element.get("format") != "102":
                continue
            match = _FORMAT_102.match(element.text or "")
            if match and not _exists(*map(int, match.groups())):
                parent = element.getparent()
                holder = parent if parent is not None else element
                term = _term(holder, _CII_TERMS)
                yield partial(_finding, element, _local(holder) or "date", match.group(0).strip(), term)
    elif syntax == "ubl":
        for element in root.iter(f"{{{UBL_CBC}}}*"):
            name = _local(element) or ""
            if not name.endswith("Date"):
                continue
            match = _ISO_DATE.match(element.text or "")
            if match and not _exists(*map(int, match.groups())):
                yield partial(_finding, element, name, (element.text or "").strip(), _term(element, _UBL_TERMS))


def _finding(element: etree._Element, name: str, value: str, term: str | None, with_path: bool) -> Finding:
    subject = f"{term} ({name})" if term else name
    return Finding(
        rule_id=RULE_ID,
        severity="fatal",
        message=f"[{RULE_ID}] {subject} is {value!r}, which is not a calendar date (no such day in that month)",
        location=_path(element) if with_path else None,
        term=term,
        rule_set=RULE_SET,
    )
