"""UN/EDIFACT ORDERS and ORDRSP D96A (EANCOM 1997 style) read into and written from the order model.

The qualifiers follow EANCOM (ORDERS EAN008, ORDRSP EAN005) where it has one and the network's INVOIC binding
(../edifact/) otherwise, so that parties, contacts and endpoints read the same in both; docs/orders.md lists every
segment and qualifier. A segment or qualifier that has no place in the model becomes a warning.
"""

from __future__ import annotations

import uuid
from collections.abc import Sequence
from datetime import UTC, date, datetime
from decimal import Decimal

from ..edifact.syntax import Segment, serialise, tokenize
from ..errors import ConversionWarning, InvalidValue, UnsupportedFormat
from ..limits import MAX_UNUSED_WARNINGS
from ..values import ccyymmdd, parse_coded_date, parse_decimal, text
from ..xml import refused
from .model import (
    ORDER,
    ORDER_RESPONSE,
    Address,
    AllowanceCharge,
    Contact,
    Delivery,
    Identifier,
    Line,
    Order,
    Party,
    Period,
    TaxSubtotal,
    Totals,
)
from .names import EDIFACT_DIRECTORY, EDIFACT_MESSAGES, NOT_HELD, edifact_readable
from .values import edifact_time

SERVICE_SEGMENTS = frozenset({"UNA", "UNB", "UNG", "UNE", "UNZ", "UNT", "UNS", "CNT"})
# UNH association assigned code (EANCOM subset version) per message.
EANCOM_VERSION = {ORDER: ("ORDERS", "EAN008"), ORDER_RESPONSE: ("ORDRSP", "EAN005")}
# BGM message function (1225) of a response, from and to the Peppol response code (UNCL 4343, also in BGM 4343).
FUNCTION_OF_RESPONSE = {"AP": "29", "RE": "27", "CA": "4", "AB": "9"}
RESPONSE_OF_FUNCTION = {"29": "AP", "27": "RE", "4": "CA"}
# Code list responsible agency 9 (GS1) in NAD C082 identifies a GLN: ISO 6523 ICD 0088.
GS1_AGENCY, GLN_SCHEME = "9", "0088"
# LIN item number type: EN (EAN/GTIN) is ISO 6523 ICD 0160; SRV (GS1, as the INVOIC binding writes it) too.
GTIN_TYPES, GTIN_SCHEME = frozenset({"EN", "SRV"}), "0160"
# DTM qualifiers: document date, delivery requested on, earliest and latest delivery.
ISSUE, DELIVERY_ON, DELIVERY_START, DELIVERY_END = "137", "2", "64", "63"
# Header references: RFF qualifier -> model attribute.
HEADER_REFERENCES = {
    "CR": "buyer_reference",
    "CT": "contract_reference",
    "AAG": "quotation_reference",
    "AEP": "project_reference",
    "VN": "sales_order_id",
    "ON": "order_reference",
    "AOU": "accounting_cost",
}
# D96A free text (4440) holds 70 characters: longer texts are split over the components of C108.
TEXT_PART = 70


def read_edifact_order(data: bytes) -> tuple[Order, list[ConversionWarning]]:
    segments = tokenize(data)
    header = next((s for s in segments if s.tag == "UNH"), None)
    message = header.get(2, 0) if header is not None else None
    if header is None or message not in EDIFACT_MESSAGES:
        raise UnsupportedFormat("the EDIFACT interchange holds no ORDERS or ORDRSP message")
    reader = _Reader(EDIFACT_MESSAGES[message])
    for segment in segments:
        reader.feed(segment)
    return reader.finish()


class _Reader:
    def __init__(self, document_type: str) -> None:
        self.order = Order(document_type=document_type)
        self.warnings: list[ConversionWarning] = []
        self.party: Party | None = None
        self.in_delivery = False
        self.contact_kind: str | None = None
        self.line: Line | None = None
        self.allowance: AllowanceCharge | None = None
        self.subtotal: TaxSubtotal | None = None
        self.summary = False
        self.unplaced_count = 0

    def warn(self, segment: Segment, message: str, term: str | None = None) -> None:
        raw = "+".join([segment.tag, *(":".join(e) for e in segment.elements)])[:80]
        self.warnings.append(ConversionWarning(path=f"segment {segment.position} ({raw})", message=message, term=term))

    def unplaced(self, segment: Segment) -> None:
        self.unplaced_count += 1
        if self.unplaced_count <= MAX_UNUSED_WARNINGS:
            self.warn(segment, NOT_HELD)

    def decimal(self, segment: Segment, element: int, component: int, term: str) -> Decimal | None:
        raw = segment.get(element, component)
        if raw is None:
            return None
        try:
            return parse_decimal(raw.replace(",", "."))  # ISO 9735 allows either decimal mark
        except ValueError as exc:
            raise InvalidValue(
                f"{refused(term, raw, exc)} (segment {segment.position}, {segment.tag})",
                path=f"segment {segment.position}",
                term=term,
            ) from None

    def date(self, segment: Segment, term: str, raw: str | None = None, fmt: str | None = None) -> date | None:
        raw, fmt = raw or segment.get(1, 1), fmt or segment.get(1, 2) or "102"
        if raw is None:
            return None
        try:
            return parse_coded_date(raw, fmt)
        except ValueError as exc:
            raise InvalidValue(
                f"{refused(term, raw, f'not a date in format {fmt} ({exc})')} (segment {segment.position}, DTM)",
                path=f"segment {segment.position}",
                term=term,
            ) from None

    def feed(self, segment: Segment) -> None:
        handler = getattr(self, f"seg_{segment.tag}", None)
        if handler is not None:
            handler(segment)
        elif segment.tag not in SERVICE_SEGMENTS:
            self.unplaced(segment)

    def finish(self) -> tuple[Order, list[ConversionWarning]]:
        if self.unplaced_count > MAX_UNUSED_WARNINGS:
            extra = self.unplaced_count - MAX_UNUSED_WARNINGS
            more = f"{extra} more segments are {NOT_HELD} (only the first {MAX_UNUSED_WARNINGS} are listed)"
            self.warnings.append(ConversionWarning(path="interchange", message=more))
        order = self.order
        if order.totals is not None and order.totals == Totals():
            order.totals = None
        return order, self.warnings

    # -- header --------------------------------------------------------------------------------------------------
    def seg_UNH(self, s: Segment) -> None:
        directory = (s.get(2, 1) or "", s.get(2, 2) or "")
        if not edifact_readable(*directory):
            raise UnsupportedFormat(
                f"unsupported format: EDIFACT {s.get(2, 0)} {''.join(directory)} is not supported; "
                "directories D93A and later (read with the D96A binding) are"
            )
        if directory != EDIFACT_DIRECTORY:
            self.warn(s, f"{s.get(2, 0)} {''.join(directory)} is read with the D96A binding")

    def seg_BGM(self, s: Segment) -> None:
        order = self.order
        order.id = s.get(2, 0)
        if order.document_type == ORDER:
            order.type_code = s.get(1, 0)
            if s.get(4, 0) is not None:
                self.warn(s, f"response type {s.get(4, 0)} requested of the seller is not held", "BGM 4343")
            return
        if s.get(1, 0) not in {None, "231"}:
            self.warn(s, f"document name {s.get(1, 0)} is read as an order response (231)")
        function = s.get(3, 0)
        order.response_code = s.get(4, 0) or RESPONSE_OF_FUNCTION.get(function or "")
        if order.response_code is None and function is not None:
            self.warn(s, f"message function {function} names no order response code", "cbc:OrderResponseCode")

    def seg_DTM(self, s: Segment) -> None:
        qualifier = s.get(1, 0)
        if qualifier == ISSUE and self.line is None and not self.summary:
            raw, fmt = s.get(1, 1) or "", s.get(1, 2) or "102"
            if fmt == "204":  # with seconds: the date is its first 8 digits
                self.order.issue_date = self.date(s, "cbc:IssueDate", raw[:8], "102")
            else:
                self.order.issue_date = self.date(s, "cbc:IssueDate")
            try:
                self.order.issue_time = edifact_time(raw, fmt)
            except ValueError as exc:
                message = f"{refused('cbc:IssueTime', raw, exc)} (segment {s.position}, DTM)"
                raise InvalidValue(message, path=f"segment {s.position}", term="cbc:IssueTime") from None
            return
        if qualifier in {DELIVERY_ON, DELIVERY_START, DELIVERY_END}:
            if self.line is not None:
                period = self.line.delivery_period = self.line.delivery_period or Period()
            else:
                delivery = self.delivery()
                period = delivery.period = delivery.period or Period()
            value = self.date(s, "delivery period")
            if qualifier in {DELIVERY_ON, DELIVERY_START}:
                period.start = value
            if qualifier in {DELIVERY_ON, DELIVERY_END}:
                period.end = value
            return
        self.unplaced(s)

    def seg_FTX(self, s: Segment) -> None:
        qualifier = s.get(1, 0)
        parts = s.elements[3] if len(s.elements) >= 4 else []
        value = "".join(parts) or None
        if value is None:
            self.unplaced(s)
        elif self.line is not None:
            if self.line.note is not None:
                self.warn(s, "a second line note is not held", "cbc:Note")
            else:
                self.line.note = value
        elif qualifier == "AAB":
            self.order.payment_terms = value
        else:
            if qualifier != "AAI":
                self.warn(s, f"free text of subject {qualifier} is read as a note (the subject is not held)")
            self.order.notes.append(value)

    def seg_RFF(self, s: Segment) -> None:
        qualifier, value = s.get(1, 0), s.get(1, 1)
        if self.line is not None:
            if qualifier == "ON" and s.get(1, 2) is not None:
                self.line.order_line_reference = s.get(1, 2)
            elif qualifier == "AWQ":
                self.line.accounting_cost = value
            else:
                self.unplaced(s)
            return
        if self.party is not None and value is not None:
            if qualifier == "VA":
                self.party.vat_id = value
                return
            if qualifier == "GN":
                self.party.legal_id = Identifier(value, s.get(1, 3))
                return
            if qualifier == "API":
                self.party.identifiers.append(Identifier(value, s.get(1, 3)))
                return
        attribute = HEADER_REFERENCES.get(qualifier or "")
        if attribute is not None and value is not None and self.party is None:
            setattr(self.order, attribute, value)
        else:
            self.unplaced(s)

    # -- parties ---------------------------------------------------------------------------------------------------
    def delivery(self) -> Delivery:
        if self.order.delivery is None:
            self.order.delivery = Delivery()
        return self.order.delivery

    def seg_NAD(self, s: Segment) -> None:
        qualifier = s.get(1, 0)
        self.allowance = None
        self.party, self.contact_kind, self.in_delivery = None, None, False
        identifier = None
        if s.get(2, 0) is not None:
            scheme = s.get(2, 1) or (GLN_SCHEME if s.get(2, 2) == GS1_AGENCY else None)
            identifier = Identifier(s.get(2, 0) or "", scheme)
        address = Address(
            street=s.get(5, 0),
            additional_street=s.get(5, 1),
            line3=s.get(5, 2),
            city=s.get(6, 0),
            country_subdivision=s.get(7, 3),
            post_code=s.get(8, 0),
            country_code=s.get(9, 0),
        )
        if qualifier in {"BY", "SU", "SE"}:
            party = self.order.buyer if qualifier == "BY" else self.order.seller
            if identifier is not None:
                party.identifiers.append(identifier)
            party.name, party.trading_name = s.get(4, 0), s.get(4, 1)
            party.address = address if address != Address() else None
            self.party = party
        elif qualifier == "DP":
            delivery = self.delivery()
            delivery.location_id, delivery.party_name = identifier, s.get(4, 0)
            delivery.address = address if address != Address() else None
            self.in_delivery = True
        else:
            self.unplaced(s)

    def seg_CTA(self, s: Segment) -> None:
        if self.party is None:
            self.unplaced(s)
            return
        self.contact_kind = "endpoint" if s.get(1, 0) == "IC" else "contact"
        if self.contact_kind == "contact":
            self.party.contact = self.party.contact or Contact()
            self.party.contact.name = s.get(2, 1)

    def seg_COM(self, s: Segment) -> None:
        value, channel = s.get(1, 0), s.get(1, 1)
        party = self.party
        if party is None or self.contact_kind is None or value is None:
            self.unplaced(s)
        elif self.contact_kind == "endpoint":
            party.endpoint = Identifier(value, channel)
        elif channel == "TE" and party.contact is not None:
            party.contact.telephone = value
        elif channel == "EM" and party.contact is not None:
            party.contact.email = value
        else:
            self.unplaced(s)

    def seg_CUX(self, s: Segment) -> None:
        if s.get(1, 0) == "2":
            self.order.currency = s.get(1, 1)
        else:
            self.unplaced(s)

    # -- lines -----------------------------------------------------------------------------------------------------
    def seg_LIN(self, s: Segment) -> None:
        self.party, self.contact_kind, self.in_delivery, self.allowance = None, None, False, None
        self.line = Line(id=s.get(1, 0))
        if self.order.document_type == ORDER_RESPONSE:
            self.line.status_code = s.get(2, 0)
        elif s.get(2, 0) is not None:
            self.warn(s, f"action code {s.get(2, 0)} of an order line is not held", "LIN 1229")
        if s.get(3, 0) is not None:
            kind = s.get(3, 1)
            self.line.item.standard_id = Identifier(s.get(3, 0) or "", GTIN_SCHEME if kind in GTIN_TYPES else kind)
        self.order.lines.append(self.line)

    def seg_PIA(self, s: Segment) -> None:
        if self.line is None:
            self.unplaced(s)
            return
        for index in range(2, len(s.elements) + 1):
            value, kind = s.get(index, 0), s.get(index, 1)
            if value is None:
                continue
            if kind == "SA":
                self.line.item.seller_id = value
            elif kind == "IN":
                self.line.item.buyer_id = value
            else:
                self.warn(s, f"item number of type {kind} is {NOT_HELD}")

    def seg_IMD(self, s: Segment) -> None:
        if self.line is None or s.get(1, 0) not in {"F", "A"}:
            self.unplaced(s)
            return
        value = "".join(s.elements[2][3:]) if len(s.elements) >= 3 and len(s.elements[2]) > 3 else ""
        if s.get(1, 0) == "F":
            self.line.item.name = value or None
        else:
            self.line.item.description = value or None

    def seg_QTY(self, s: Segment) -> None:
        if self.line is None or s.get(1, 0) != "21":
            self.unplaced(s)
            return
        self.line.quantity = self.decimal(s, 1, 1, "cbc:Quantity")
        self.line.unit_code = s.get(1, 2)

    def seg_PRI(self, s: Segment) -> None:
        if self.line is None or s.get(1, 0) != "AAA":
            self.unplaced(s)
            return
        self.line.price = self.decimal(s, 1, 1, "cac:Price/cbc:PriceAmount")
        self.line.price_base_quantity = self.decimal(s, 1, 4, "cac:Price/cbc:BaseQuantity")
        self.line.price_base_unit = s.get(1, 5)
        if s.get(1, 2) is not None or s.get(1, 3) is not None:
            self.warn(s, f"price type {s.get(1, 2)}:{s.get(1, 3)} is not held", "cac:Price")

    def totals(self) -> Totals:
        if self.order.totals is None:
            self.order.totals = Totals()
        return self.order.totals

    def seg_TAX(self, s: Segment) -> None:
        if self.summary and s.get(2, 0) == "VAT":
            rate = self.decimal(s, 5, 3, "cac:TaxSubtotal/cac:TaxCategory/cbc:Percent")
            self.subtotal = TaxSubtotal(category=s.get(6, 0), rate=rate)
            self.totals().tax_subtotals.append(self.subtotal)
            return
        if self.allowance is not None and s.get(2, 0) == "VAT":
            self.allowance.tax_category = s.get(6, 0)
            self.allowance.tax_rate = self.decimal(s, 5, 3, "cac:AllowanceCharge/cac:TaxCategory/cbc:Percent")
            return
        if self.line is None or s.get(2, 0) != "VAT":
            self.unplaced(s)
            return
        self.line.item.tax_category = s.get(6, 0)
        self.line.item.tax_rate = self.decimal(s, 5, 3, "cac:ClassifiedTaxCategory/cbc:Percent")

    def seg_MOA(self, s: Segment) -> None:
        qualifier = s.get(1, 0)
        if self.allowance is not None and qualifier in {"204", "23", "25"}:
            if qualifier == "25":
                self.allowance.base_amount = self.decimal(s, 1, 1, "cac:AllowanceCharge/cbc:BaseAmount")
            else:
                self.allowance.amount = self.decimal(s, 1, 1, "cac:AllowanceCharge/cbc:Amount")
            return
        if self.line is not None and not self.summary and qualifier == "203":
            self.line.line_amount = self.decimal(s, 1, 1, "cbc:LineExtensionAmount")
            return
        if self.subtotal is not None and qualifier in {"125", "124"}:
            if qualifier == "125":
                self.subtotal.taxable_amount = self.decimal(s, 1, 1, "cac:TaxSubtotal/cbc:TaxableAmount")
            else:
                self.subtotal.tax_amount = self.decimal(s, 1, 1, "cac:TaxSubtotal/cbc:TaxAmount")
            return
        attribute = SUMMARY_AMOUNTS.get(qualifier or "")
        if self.summary and attribute is not None:
            setattr(self.totals(), attribute, self.decimal(s, 1, 1, f"MOA+{qualifier}"))
            return
        self.unplaced(s)

    def seg_UNS(self, s: Segment) -> None:
        self.summary, self.line, self.party, self.allowance = True, None, None, None

    def seg_ALC(self, s: Segment) -> None:
        kind = s.get(1, 0)
        if kind not in {"A", "C"}:
            self.unplaced(s)
            return
        self.party, self.contact_kind = None, None
        self.allowance = AllowanceCharge(charge=kind == "C", reason_code=s.get(5, 0), reason=s.get(5, 3))
        (self.line.allowance_charges if self.line is not None else self.order.allowance_charges).append(self.allowance)

    def seg_PCD(self, s: Segment) -> None:
        if self.allowance is None or s.get(1, 0) not in {"1", "2"}:
            self.unplaced(s)
            return
        self.allowance.percentage = self.decimal(s, 1, 1, "cac:AllowanceCharge/cbc:MultiplierFactorNumeric")


SUMMARY_AMOUNTS = {
    "79": "line_total",
    "260": "allowance_total",
    "259": "charge_total",
    "389": "tax_exclusive",
    "176": "tax_total",
    "388": "tax_inclusive",
    "113": "prepaid",
    "366": "rounding",
    "9": "payable",
}


# -- writing -----------------------------------------------------------------------------------------------------------

Elements = list[object]


def split_text(value: str) -> list[str]:
    return [value[i : i + TEXT_PART] for i in range(0, len(value), TEXT_PART)] or [""]


def write_edifact_order(order: Order) -> tuple[bytes, list[ConversionWarning]]:
    writer = _Writer(order)
    body = writer.message()
    reference = uuid.uuid4().hex[:14].upper()
    sender_party, recipient_party = (
        (order.seller, order.buyer) if order.document_type == ORDER_RESPONSE else (order.buyer, order.seller)
    )
    sender = sender_party.endpoint.value if sender_party.endpoint else "NA"
    recipient = recipient_party.endpoint.value if recipient_party.endpoint else "NA"
    now = datetime.now(UTC)
    message, association = EANCOM_VERSION[order.document_type]
    segments: list[tuple[str, Sequence[object]]] = [
        ("UNB", [["UNOW", "4"], [sender], [recipient], [ccyymmdd(now), now.strftime("%H%M")], reference]),
        ("UNH", [reference, [message, *EDIFACT_DIRECTORY, "UN", association]]),
        *body,
        ("UNT", [str(len(body) + 2), reference]),
        ("UNZ", ["1", reference]),
    ]
    return serialise([(tag, list(elements)) for tag, elements in segments]), writer.warnings


class _Writer:
    def __init__(self, order: Order) -> None:
        self.order = order
        self.out: list[tuple[str, Sequence[object]]] = []
        self.warnings: list[ConversionWarning] = []

    def add(self, tag: str, *elements: object) -> None:
        self.out.append((tag, list(elements)))

    def not_carried(self, value: object, term: str, path: str = "order") -> None:
        if value is not None:
            message = "EDIFACT ORDERS/ORDRSP D96A has no place for it in this binding"
            self.warnings.append(ConversionWarning(path=path, message=message, term=term))

    def dtm(self, qualifier: str, value: date | None) -> None:
        if value is not None:
            self.add("DTM", [qualifier, ccyymmdd(value), "102"])

    def period(self, period: Period | None) -> None:
        if period is None:
            return
        self.dtm(DELIVERY_START, period.start)
        self.dtm(DELIVERY_END, period.end)

    def message(self) -> list[tuple[str, Sequence[object]]]:
        order = self.order
        response = order.document_type == ORDER_RESPONSE
        if response:
            function = FUNCTION_OF_RESPONSE.get(order.response_code or "", None)
            self.add("BGM", ["231"], [order.id], function, order.response_code)
        else:
            self.add("BGM", [order.type_code or "220"], [order.id], "9")
            self.not_carried(order.response_code, "Response: cbc:OrderResponseCode")
        if order.issue_date is not None:
            issue_time = order.issue_time
            if issue_time is None:
                self.dtm(ISSUE, order.issue_date)
            else:
                stamp = ccyymmdd(order.issue_date) + f"{issue_time.hour:02d}{issue_time.minute:02d}"
                if issue_time.second:
                    self.add("DTM", [ISSUE, f"{stamp}{issue_time.second:02d}", "204"])
                else:
                    self.add("DTM", [ISSUE, stamp, "203"])
        if order.delivery is not None:
            self.period(order.delivery.period)
        self.ftx("AAB", order.payment_terms)
        for note in order.notes:
            self.ftx("AAI", note)
        for qualifier, attribute in HEADER_REFERENCES.items():
            value = getattr(order, attribute)
            if value is not None:
                self.add("RFF", [qualifier, value])
        self.party("BY", order.buyer)
        self.party("SU", order.seller)
        delivery = order.delivery
        if delivery is not None and (delivery.location_id or delivery.party_name or delivery.address):
            self.nad("DP", delivery.location_id, delivery.party_name, None, delivery.address)
        if order.currency is not None:
            self.add("CUX", ["2", order.currency, "9"])
        for entry in order.allowance_charges:
            self.alc(entry)
        for line in order.lines:
            self.line(line, response)
        self.add("UNS", "S")
        totals = order.totals
        if totals is not None:
            for qualifier, attribute in SUMMARY_AMOUNTS.items():
                value = getattr(totals, attribute)
                if value is not None:
                    self.add("MOA", [qualifier, text(value)])
            # the tax breakdown: TAX, then its taxable (125) and tax (124) amounts, as in the INVOIC binding
            for subtotal in totals.tax_subtotals:
                rate = None if subtotal.rate is None else text(subtotal.rate)
                self.add("TAX", "7", ["VAT"], None, None, [None, None, None, rate], subtotal.category)
                if subtotal.taxable_amount is not None:
                    self.add("MOA", ["125", text(subtotal.taxable_amount)])
                if subtotal.tax_amount is not None:
                    self.add("MOA", ["124", text(subtotal.tax_amount)])
        self.add("CNT", ["2", str(len(order.lines))])
        self.not_carried(order.customization_id, "cbc:CustomizationID")
        self.not_carried(order.profile_id, "cbc:ProfileID")
        return self.out

    def ftx(self, qualifier: str, value: str | None) -> None:
        if value is not None:
            self.add("FTX", qualifier, None, None, split_text(value))

    def nad(
        self, qualifier: str, identifier: Identifier | None, name: str | None, second: str | None, a: Address | None
    ) -> None:
        a = a or Address()
        party_id: Elements | None = None
        if identifier is not None:
            gln = identifier.scheme == GLN_SCHEME
            party_id = [identifier.value, None if gln else identifier.scheme, GS1_AGENCY if gln else None]
        self.add(
            "NAD",
            qualifier,
            party_id,
            None,
            [name, second] if name is not None or second is not None else None,
            [a.street, a.additional_street, a.line3],
            a.city,
            [None, None, None, a.country_subdivision],
            a.post_code,
            a.country_code,
        )

    def party(self, qualifier: str, party: Party) -> None:
        first = party.identifiers[0] if party.identifiers else None
        self.nad(qualifier, first, party.name, party.trading_name, party.address)
        for extra in party.identifiers[1:]:
            self.add("RFF", ["API", extra.value, None, extra.scheme])
        if party.legal_id is not None:
            self.add("RFF", ["GN", party.legal_id.value, None, party.legal_id.scheme])
        if party.vat_id is not None:
            self.add("RFF", ["VA", party.vat_id])
        if party.endpoint is not None:
            self.add("CTA", "IC")
            self.add("COM", [party.endpoint.value, party.endpoint.scheme])
        if party.contact is not None:
            contact = party.contact
            self.add("CTA", "OC", [None, contact.name])
            if contact.telephone is not None:
                self.add("COM", [contact.telephone, "TE"])
            if contact.email is not None:
                self.add("COM", [contact.email, "EM"])

    def alc(self, entry: AllowanceCharge) -> None:
        """ALC with the reason (C214: code 7161, description 7160), then PCD, MOA (204 allowance or 23 charge
        amount, 25 base amount) and TAX."""
        reason = [entry.reason_code, None, None, entry.reason] if entry.reason_code or entry.reason else None
        self.add("ALC", "C" if entry.charge else "A", None, None, None, reason)
        if entry.percentage is not None:
            self.add("PCD", ["2" if entry.charge else "1", text(entry.percentage)])
        if entry.amount is not None:
            self.add("MOA", ["23" if entry.charge else "204", text(entry.amount)])
        if entry.base_amount is not None:
            self.add("MOA", ["25", text(entry.base_amount)])
        if entry.tax_category is not None or entry.tax_rate is not None:
            rate = None if entry.tax_rate is None else text(entry.tax_rate)
            self.add("TAX", "7", ["VAT"], None, None, [None, None, None, rate], entry.tax_category)

    def line(self, line: Line, response: bool) -> None:
        item = line.item
        standard = None
        if item.standard_id is not None:
            scheme = item.standard_id.scheme
            standard = [item.standard_id.value, "EN" if scheme == GTIN_SCHEME else scheme]
        if not response and line.status_code is not None:
            self.not_carried(line.status_code, "Response: cbc:LineStatusCode", f"line {line.id}")
        self.add("LIN", line.id, line.status_code if response else None, standard)
        if item.seller_id is not None:
            self.add("PIA", "5", [item.seller_id, "SA"])
        if item.buyer_id is not None:
            self.add("PIA", "5", [item.buyer_id, "IN"])
        for qualifier, value in (("F", item.name), ("A", item.description)):
            if value is not None:
                self.add("IMD", qualifier, None, [None, None, None, *split_text(value)])
        if line.quantity is not None or line.unit_code is not None:
            self.add("QTY", ["21", None if line.quantity is None else text(line.quantity), line.unit_code])
        self.period(line.delivery_period)
        self.ftx("AAI", line.note)
        if line.line_amount is not None:
            self.add("MOA", ["203", text(line.line_amount)])
        if line.price is not None or line.price_base_quantity is not None:
            base = None if line.price_base_quantity is None else text(line.price_base_quantity)
            price = None if line.price is None else text(line.price)
            self.add("PRI", ["AAA", price, None, None, base, line.price_base_unit])
        if line.order_line_reference is not None:
            self.add("RFF", ["ON", None, line.order_line_reference])
        if line.accounting_cost is not None:
            self.add("RFF", ["AWQ", line.accounting_cost])
        if item.tax_category is not None or item.tax_rate is not None:
            rate = None if item.tax_rate is None else text(item.tax_rate)
            self.add("TAX", "7", ["VAT"], None, None, [None, None, None, rate], item.tax_category)
        for entry in line.allowance_charges:
            self.alc(entry)
