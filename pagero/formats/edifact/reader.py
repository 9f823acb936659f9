"""Read a UN/EDIFACT INVOIC D14B message into the EN 16931 model (the CEN EDIFACT syntax binding).

The message is read segment by segment with a small state machine: header, the party groups
(NAD and the RFF/CTA/COM/FII that follow), header allowances and charges (ALC), lines (LIN and
what follows), and the summary after UNS. docs/edifact-binding.md lists every segment and
qualifier; a segment or qualifier that has no place in the model becomes a warning.
"""

from __future__ import annotations

import base64
import binascii
from collections.abc import Callable
from datetime import date
from decimal import Decimal

from ..errors import ConversionNote, ConversionWarning, InvalidValue, UnsupportedFormat
from ..limits import MAX_UNUSED_WARNINGS
from ..model import (
    Address,
    AllowanceCharge,
    BinaryObject,
    Contact,
    CreditTransfer,
    Delivery,
    DirectDebit,
    Identifier,
    Invoice,
    ItemAttribute,
    Line,
    LineAllowanceCharge,
    Note,
    Payee,
    PaymentCard,
    PaymentInstructions,
    Period,
    PrecedingInvoice,
    SupportingDocument,
    TaxRepresentative,
    VatBreakdown,
)
from ..values import parse_coded_date, parse_decimal
from ..xml import NOT_HELD, more_not_held, refused
from .binding import (
    DOC_PROFILE_CODE,
    EXTERNAL_LOCATION_CHANNEL,
    FTX_NOTE_WITHOUT_SUBJECT,
    ITEM_SCHEME_FROM_EDIFACT,
    NOTE_FUNCTION,
    RESERVED_FTX,
    SERVICE_SEGMENTS,
    TAX_POINT_CODES,
)
from .syntax import Segment, tokenize


def read_edifact(data: bytes) -> tuple[Invoice, list[ConversionWarning]]:
    segments = tokenize(data)
    header = next((s for s in segments if s.tag == "UNH"), None)
    if header is None or header.get(2, 0) != "INVOIC":
        raise UnsupportedFormat("the EDIFACT interchange holds no INVOIC message")
    reader = _EdifactReader()
    for segment in segments:
        reader.feed(segment)
    return reader.finish()


SIGNATURES = (
    (b"%PDF", "application/pdf"),
    (b"\x89PNG", "image/png"),
    (b"\xff\xd8\xff", "image/jpeg"),
    (b"PK\x03\x04", "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet"),
)


def sniff_mime(content: bytes) -> str:
    """A MIME code from EN 16931's list (BR-CL-24) recognised by the content's signature."""
    for signature, mime in SIGNATURES:
        if content.startswith(signature):
            return mime
    return "application/octet-stream"  # unknown: reported by the caller's warning, never guessed


# RFF outside the party groups: reference qualifier -> the Invoice attribute its value goes to.
HEADER_REFERENCES = {
    "AEP": "project_reference",
    "CT": "contract_reference",
    "ON": "purchase_order_reference",
    "VN": "sales_order_reference",
    "ALO": "receiving_advice_reference",
    "AAK": "despatch_advice_reference",
    "GC": "tender_reference",
}
# RFF in a party group (NAD): (party qualifier, reference qualifier) -> where its value goes.
PARTY_REFERENCES: dict[tuple[str | None, str | None], Callable[[Invoice, str, str | None], None]] = {
    ("SE", "GN"): lambda inv, value, scheme: setattr(inv.seller, "legal_registration_id", Identifier(value, scheme)),
    ("SE", "VA"): lambda inv, value, scheme: setattr(inv.seller, "vat_id", value),
    ("SE", "AHP"): lambda inv, value, scheme: setattr(inv.seller, "tax_registration_id", value),
    ("SE", "APA"): lambda inv, value, scheme: inv.seller.identifiers.append(Identifier(value, scheme)),
    ("BY", "GN"): lambda inv, value, scheme: setattr(inv.buyer, "legal_registration_id", Identifier(value, scheme)),
    ("BY", "VA"): lambda inv, value, scheme: setattr(inv.buyer, "vat_id", value),
    ("BY", "CR"): lambda inv, value, scheme: setattr(inv, "buyer_reference", value),
    ("BY", "AOU"): lambda inv, value, scheme: setattr(inv, "buyer_accounting_reference", value),
    ("PE", "GN"): lambda inv, value, scheme: setattr(inv.payee, "legal_registration_id", Identifier(value, scheme)),
    ("LC", "VA"): lambda inv, value, scheme: setattr(inv.tax_representative, "vat_id", value),
}


def _text(segment: Segment, element: int) -> str | None:
    """All components of a free-text element joined (long texts are split over components)."""
    if element > len(segment.elements):
        return None
    value = "".join(segment.elements[element - 1])
    return value if value.strip() else None


class _EdifactReader:
    def __init__(self) -> None:
        self.inv = Invoice()
        self.warnings: list[ConversionWarning] = []
        self.section = "header"
        self.party: str | None = None
        self.contact_kind: str | None = None
        self.line: Line | None = None
        self.allowance: AllowanceCharge | LineAllowanceCharge | None = None
        self.price_discount = False
        self.breakdown: VatBreakdown | None = None
        self.document: SupportingDocument | None = None
        self.after: str | None = None  # the qualifier of the RFF/PYT a DTM refers to
        self.exemptions: list[tuple[str | None, str | None]] = []
        self.package: Segment | None = None
        # EFI's file name (1508) per supporting document, until its package object brings the content (BT-125).
        self.filenames: dict[int, tuple[Segment, str]] = {}
        self.unplaced_count = 0

    # -- helpers --------------------------------------------------------------------------------
    def warn(self, segment: Segment, message: str, term: str | None = None, *, note: bool = False) -> None:
        raw = "+".join([segment.tag, *(":".join(e) for e in segment.elements)])[:80]
        kind = ConversionNote if note else ConversionWarning
        self.warnings.append(kind(path=f"segment {segment.position} ({raw})", message=message, term=term))

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

    def date(self, segment: Segment, term: str) -> date | None:
        raw, fmt = segment.get(1, 1), segment.get(1, 2) or "102"
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

    def payment(self) -> PaymentInstructions:
        if self.inv.payment is None:
            self.inv.payment = PaymentInstructions()
        return self.inv.payment

    def direct_debit(self) -> DirectDebit:
        payment = self.payment()
        if payment.direct_debit is None:
            payment.direct_debit = DirectDebit()
        return payment.direct_debit

    def delivery(self) -> Delivery:
        if self.inv.delivery is None:
            self.inv.delivery = Delivery()
        return self.inv.delivery

    @staticmethod
    def scheme_of(segment: Segment, element: int) -> str | None:
        return segment.get(element, 3)

    # -- dispatch -------------------------------------------------------------------------------
    def feed(self, segment: Segment) -> None:
        handler = getattr(self, f"seg_{segment.tag.replace('-', '_')}", None)
        if handler is not None:
            handler(segment)
        elif segment.tag not in SERVICE_SEGMENTS:
            self.unplaced(segment)

    def finish(self) -> tuple[Invoice, list[ConversionWarning]]:
        inv = self.inv
        exempt = [
            b
            for b in inv.vat_breakdown
            if b.exemption_reason is None
            and b.exemption_reason_code is None
            and b.category in {"E", "AE", "K", "G", "O"}
        ]
        for (code, text), breakdown in zip(self.exemptions, exempt, strict=False):
            breakdown.exemption_reason_code, breakdown.exemption_reason = code, text
        if self.inv.delivery is not None and self.inv.delivery == Delivery():
            self.inv.delivery = None
        for segment, filename in self.filenames.values():
            message = f"file name {filename!r} names no attached content (no package object): it is not kept"
            self.warn(segment, message, "BT-125")
        if self.unplaced_count > MAX_UNUSED_WARNINGS:
            more = more_not_held(self.unplaced_count - MAX_UNUSED_WARNINGS, "segments")
            self.warnings.append(ConversionWarning(path="interchange", message=more))
        return inv, self.warnings

    # -- header ---------------------------------------------------------------------------------
    def seg_UNH(self, s: Segment) -> None:
        if (s.get(2, 1), s.get(2, 2)) != ("D", "14B"):
            self.warn(s, f"INVOIC {s.get(2, 1)}:{s.get(2, 2)} is read with the D14B binding")

    def seg_BGM(self, s: Segment) -> None:
        self.inv.type_code, self.inv.number = s.get(1, 0), s.get(2, 0)

    def seg_DTM(self, s: Segment) -> None:
        qualifier, inv = s.get(1, 0), self.inv
        if self.section == "line" and self.line is not None:
            if qualifier in {"167", "168"}:
                self.line.period = self.line.period or Period()
                if qualifier == "167":
                    self.line.period.start = self.date(s, "BT-134")
                else:
                    self.line.period.end = self.date(s, "BT-135")
                return
        elif qualifier == "137":
            inv.issue_date = self.date(s, "BT-2")
            return
        elif qualifier == "131":
            inv.tax_point_date = self.date(s, "BT-7")
            return
        elif qualifier in TAX_POINT_CODES and s.get(1, 1) is None:
            inv.tax_point_date_code = qualifier
            return
        elif qualifier == "35":
            self.delivery().actual_date = self.date(s, "BT-72")
            return
        elif qualifier in {"167", "168"}:
            period = self.delivery().invoicing_period or Period()
            self.delivery().invoicing_period = period
            if qualifier == "167":
                period.start = self.date(s, "BT-73")
            else:
                period.end = self.date(s, "BT-74")
            return
        elif qualifier == "13" and self.after == "PYT":
            inv.due_date = self.date(s, "BT-9")
            return
        elif qualifier == "384" and self.after == "OI" and inv.preceding_invoices:
            inv.preceding_invoices[-1].issue_date = self.date(s, "BT-26")
            return
        self.unplaced(s)

    def seg_FTX(self, s: Segment) -> None:
        qualifier, text, inv = s.get(1, 0), _text(s, 4), self.inv
        if s.get(2, 0) == NOTE_FUNCTION and qualifier in RESERVED_FTX and self.section != "line":
            inv.notes.append(Note(text=text, subject_code=qualifier))
            return
        if self.section == "line" and self.line is not None:
            if qualifier == "ACB":
                self.line.note = text
            elif qualifier == "ACF":
                self.line.item.attributes.append(ItemAttribute(s.get(4, 0), s.get(4, 1)))
            else:
                self.unplaced(s)
            return
        if qualifier == "DOC":
            if s.get(3, 0) not in {None, DOC_PROFILE_CODE}:
                # No other syntax holds a profile code either: nothing a recipient reads is lost.
                self.warn(s, f"document profile code {s.get(3, 0)} has no EN 16931 term and is not kept", note=True)
            inv.process.specification_id = s.get(4, 0)
            inv.process.business_process = s.get(4, 1)
        elif qualifier == "AAB":
            inv.payment_terms = text
        elif qualifier == "REG":
            inv.seller.additional_legal_info = text
        elif qualifier == "AAT":
            self.payment().means_text = text
        elif qualifier == "AGM":
            entry = (s.get(3, 0), text)
            if self.section == "summary" and self.breakdown is not None:
                self.breakdown.exemption_reason_code, self.breakdown.exemption_reason = entry
            else:
                self.exemptions.append(entry)
        elif qualifier == FTX_NOTE_WITHOUT_SUBJECT:
            inv.notes.append(Note(text=text))
        elif s.get(2, 0) == NOTE_FUNCTION:
            inv.notes.append(Note(text=text, subject_code=qualifier))
        else:
            inv.notes.append(Note(text=text, subject_code=qualifier))

    def seg_RFF(self, s: Segment) -> None:
        qualifier, value, inv = s.get(1, 0), s.get(1, 1), self.inv
        scheme = s.get(1, 3)
        self.after = qualifier
        if self.section == "line" and self.line is not None:
            self.line_reference(s, self.line)
            return
        if self.document is not None and qualifier == "ATS":
            self.document.reference = value
            self.document = None
            return
        rule = PARTY_REFERENCES.get((self.party, qualifier))
        if rule is not None and value is not None:
            rule(inv, value, scheme)
            return
        if self.party is not None and qualifier == "AVS":
            self.direct_debit().mandate_reference = value
            return
        if self.party is not None and qualifier == "AII":
            self.direct_debit().creditor_id = value
            return
        if self.party is None:
            self.header_reference(s)
        else:
            self.unplaced(s)

    def line_reference(self, s: Segment, line: Line) -> None:
        """RFF in a line group: the object identifier (BT-128), the order line (BT-132), the accounting (BT-133)."""
        qualifier, value = s.get(1, 0), s.get(1, 1)
        if qualifier == "AVE":
            line.object_id = Identifier(value, s.get(1, 3)) if value else None
        elif qualifier == "ON":
            line.order_line_reference = s.get(1, 2)
        elif qualifier == "AWQ":
            line.accounting_reference = value
        else:
            self.unplaced(s)

    def header_reference(self, s: Segment) -> None:
        """RFF outside the party groups: a document level reference, a preceding invoice, the remittance information."""
        qualifier, value, inv = s.get(1, 0), s.get(1, 1), self.inv
        attribute = HEADER_REFERENCES.get(qualifier) if qualifier is not None else None
        if attribute is not None:
            setattr(inv, attribute, value)
        elif qualifier == "OI":
            inv.preceding_invoices.append(PrecedingInvoice(reference=value))
        elif qualifier == "PQ":
            self.payment().remittance_information = value
        elif qualifier == "ATS" and value is None:
            pass  # announces the invoiced object identifier in the following GIR
        else:
            self.unplaced(s)

    def seg_GIR(self, s: Segment) -> None:
        value = s.get(2, 0)
        if self.after == "ATS" and value:
            self.inv.invoiced_object_id = Identifier(value, s.get(2, 1))
        else:
            self.unplaced(s)

    def seg_EFI(self, s: Segment) -> None:
        # C077: file name (1508) then item description (7008, BT-123). The name belongs to the attachment (BT-125-2);
        # the external location (BT-124) is a COM ...:AO of this group.
        self.document = SupportingDocument(description=s.get(1, 1))
        self.inv.supporting_documents.append(self.document)
        filename = s.get(1, 0)
        if filename is not None:
            self.filenames[id(self.document)] = (s, filename)

    def seg_UNO(self, s: Segment) -> None:
        self.package = s

    def seg_UNO_CONTENT(self, s: Segment) -> None:
        """A package object: the attachment of the supporting document named in its UNO segment."""
        header = self.package
        reference = header.get(2, 1) if header else None
        document = next((d for d in self.inv.supporting_documents if d.reference == reference), None)
        if header is None or document is None:  # tokenize() puts every package's content right after its UNO
            self.warn(s, f"package object {reference!r} belongs to no supporting document (RFF+ATS)", "BT-125")
            return
        raw = s.elements[0][0]
        try:
            content = base64.b64decode(raw, validate=True)
        except (binascii.Error, ValueError):
            content = raw.encode("utf-8")
        named = self.filenames.pop(id(document), None)
        # The file name is EFI's; a UNO naming it as a third component (as this network wrote it before) is read too.
        mime, filename = header.get(3, 1), named[1] if named else header.get(3, 2)
        if mime is None:
            mime = sniff_mime(content)
            self.warn(s, f"the package names no MIME code: {mime} is assumed from its content", "BT-125")
        if filename is None:
            message = "the supporting document (EFI) names no file for its package: 'attachment' is assumed"
            self.warn(s, message, "BT-125")
        document.attachment = BinaryObject(content, mime, filename or "attachment")

    def seg_UNP(self, s: Segment) -> None:
        pass

    # -- parties --------------------------------------------------------------------------------
    def seg_NAD(self, s: Segment) -> None:
        qualifier, inv = s.get(1, 0), self.inv
        self.party, self.contact_kind = qualifier, None
        party_id = s.get(2, 0)
        identifier = Identifier(party_id, s.get(2, 1)) if party_id else None
        name, second = s.get(4, 0), s.get(4, 1)
        address = Address(
            line1=s.get(5, 0),
            line2=s.get(5, 1),
            line3=s.get(5, 2),
            city=s.get(6, 0),
            country_subdivision=s.get(7, 3),
            post_code=s.get(8, 0),
            country_code=s.get(9, 0),
        )
        has_address = any(vars(address).values())
        if qualifier == "SE":
            if identifier:
                inv.seller.identifiers.append(identifier)
            inv.seller.name, inv.seller.trading_name = name, second
            inv.seller.address = address
        elif qualifier == "BY":
            inv.buyer.identifier = identifier
            inv.buyer.name, inv.buyer.trading_name = name, second
            inv.buyer.address = address
        elif qualifier == "PE":
            inv.payee = Payee(name=name, identifier=identifier)
        elif qualifier == "LC":
            inv.tax_representative = TaxRepresentative(name=name, address=address)
        elif qualifier == "DP":
            delivery = self.delivery()
            delivery.location_id, delivery.party_name = identifier, name
            delivery.address = address if has_address else None
        else:
            self.party = None
            self.unplaced(s)

    def seg_CTA(self, s: Segment) -> None:
        function = s.get(1, 0)
        if self.party not in {"SE", "BY"}:
            self.unplaced(s)
            return
        self.contact_kind = "endpoint" if function == "IC" else "contact"
        if self.contact_kind == "contact":
            party = self.inv.seller if self.party == "SE" else self.inv.buyer
            party.contact = party.contact or Contact()
            party.contact.name = s.get(2, 1)

    def seg_COM(self, s: Segment) -> None:
        value, channel = s.get(1, 0), s.get(1, 1)
        if self.document is not None and channel == EXTERNAL_LOCATION_CHANNEL:
            self.document.external_location = value
            return
        if self.party not in {"SE", "BY"} or self.contact_kind is None:
            self.unplaced(s)
            return
        party = self.inv.seller if self.party == "SE" else self.inv.buyer
        contact = party.contact  # made by the CTA that set contact_kind "contact"
        if self.contact_kind == "endpoint":
            party.electronic_address = Identifier(value, channel) if value else None
        elif contact is not None and channel == "TE":
            contact.telephone = value
        elif contact is not None and channel == "EM":
            contact.email = value
        else:
            self.unplaced(s)

    def seg_FII(self, s: Segment) -> None:
        qualifier = s.get(1, 0)
        if qualifier == "RB":
            self.payment().credit_transfers.append(
                CreditTransfer(account_id=s.get(2, 0), account_name=s.get(2, 1), service_provider_id=s.get(3, 0))
            )
        elif qualifier == "BI":
            self.direct_debit().debited_account_id = s.get(2, 0)
        elif qualifier == "PB":
            self.payment().card = PaymentCard(s.get(2, 0), s.get(2, 1))
        else:
            self.unplaced(s)

    # -- currencies, payment --------------------------------------------------------------------
    def seg_CUX(self, s: Segment) -> None:
        qualifier, currency = s.get(1, 0), s.get(1, 1)
        if qualifier == "2":
            self.inv.currency = currency
        elif qualifier == "6":
            self.inv.tax_currency = currency
        else:
            self.unplaced(s)

    def seg_PYT(self, s: Segment) -> None:
        self.party, self.after = None, "PYT"

    def seg_PAI(self, s: Segment) -> None:
        self.payment().means_code = s.get(1, 2)

    # -- allowances and charges -----------------------------------------------------------------
    def seg_ALC(self, s: Segment) -> None:
        self.party = None
        kind = s.get(1, 0)
        reason = s.get(2, 0)
        code = s.get(2, 1) if kind == "A" else s.get(5, 0) or s.get(2, 1)
        if self.section == "line" and self.line is not None:
            if kind == "A" and reason is None and code is None:
                # Either the price discount (MOA+509 follows) or an allowance without reason: the next
                # PCD or MOA decides (see pending_line_allowance).
                self.price_discount, self.allowance = True, None
                return
            self.price_discount = False
            self.allowance = LineAllowanceCharge(reason=reason, reason_code=code)
            (self.line.charges if kind == "C" else self.line.allowances).append(self.allowance)
            return
        self.allowance = AllowanceCharge(reason=reason, reason_code=code)
        (self.inv.charges if kind == "C" else self.inv.allowances).append(self.allowance)
        self.section = "allowance"

    def pending_line_allowance(self) -> None:
        """A bare ALC+A followed by something other than MOA+509 was a line allowance without reason."""
        if self.price_discount and self.line is not None:
            self.price_discount = False
            self.allowance = LineAllowanceCharge()
            self.line.allowances.append(self.allowance)

    def seg_PCD(self, s: Segment) -> None:
        if self.section == "line":
            self.pending_line_allowance()
        if self.allowance is None:
            self.unplaced(s)
            return
        self.allowance.percentage = self.decimal(s, 1, 1, "BT-94")

    # -- lines ----------------------------------------------------------------------------------
    def seg_LIN(self, s: Segment) -> None:
        self.section, self.party, self.allowance, self.price_discount = "line", None, None, False
        self.line = Line(id=s.get(1, 0))
        standard_id = s.get(3, 0)
        if standard_id:
            scheme = s.get(3, 1)
            item_scheme = ITEM_SCHEME_FROM_EDIFACT.get(scheme, scheme) if scheme is not None else None
            self.line.item.standard_id = Identifier(standard_id, item_scheme)
        self.inv.lines.append(self.line)

    def seg_PIA(self, s: Segment) -> None:
        if self.line is None:
            self.unplaced(s)
            return
        item, function = self.line.item, s.get(1, 0)
        for index in range(2, len(s.elements) + 1):
            value, kind = s.get(index, 0), s.get(index, 1)
            if value is None:
                continue
            if function == "5" and kind == "SA":
                item.seller_id = value
            elif function == "5" and kind == "IN":
                item.buyer_id = value
            elif function == "1":
                item.classifications.append(Identifier(value, kind, s.get(index, 2)))
            else:
                self.unplaced(s)

    def seg_IMD(self, s: Segment) -> None:
        if self.line is None:
            self.unplaced(s)
            return
        text = "".join(s.elements[2][3:]).strip() if len(s.elements) >= 3 and len(s.elements[2]) > 3 else None
        text = text or None
        if s.get(1, 0) == "F":
            self.line.item.name = text
        elif s.get(1, 0) == "A":
            self.line.item.description = text
        else:
            self.unplaced(s)

    def seg_QTY(self, s: Segment) -> None:
        if self.line is None or s.get(1, 0) != "47":
            self.unplaced(s)
            return
        self.line.quantity = self.decimal(s, 1, 1, "BT-129")
        self.line.unit_code = s.get(1, 2)

    def seg_ALI(self, s: Segment) -> None:
        if self.line is None:
            self.unplaced(s)
            return
        self.line.item.origin_country = s.get(1, 0)

    def seg_PRI(self, s: Segment) -> None:
        if self.line is None:
            self.unplaced(s)
            return
        price, kind = self.line.price, s.get(1, 0)
        if kind == "AAA":
            price.net_price = self.decimal(s, 1, 1, "BT-146")
            base = self.decimal(s, 1, 4, "BT-149")
            if base is not None:
                price.base_quantity, price.base_quantity_unit = base, s.get(1, 5)
        elif kind == "AAB":
            price.gross_price = self.decimal(s, 1, 1, "BT-148")
        else:
            self.unplaced(s)

    # -- amounts and tax ------------------------------------------------------------------------
    def seg_MOA(self, s: Segment) -> None:
        qualifier = s.get(1, 0)
        if self.section == "summary":
            self.summary_amount(s, qualifier)
            return
        if self.section == "line" and self.line is not None:
            if self.price_discount and qualifier == "509":
                self.line.price.discount = self.decimal(s, 1, 1, "BT-147")
                return
            if self.price_discount and qualifier in {"204", "23", "25"}:
                self.pending_line_allowance()
            if self.allowance is not None and qualifier in {"204", "23"}:
                self.allowance.amount = self.decimal(s, 1, 1, "BT-136")
                return
            if self.allowance is not None and qualifier == "25":
                self.allowance.base_amount = self.decimal(s, 1, 1, "BT-137")
                return
            if qualifier == "203":
                self.line.net_amount = self.decimal(s, 1, 1, "BT-131")
                return
        elif self.section == "allowance" and self.allowance is not None:
            if qualifier in {"204", "23"}:
                self.allowance.amount = self.decimal(s, 1, 1, "BT-92")
                return
            if qualifier == "25":
                self.allowance.base_amount = self.decimal(s, 1, 1, "BT-93")
                return
        self.unplaced(s)

    def summary_amount(self, s: Segment, qualifier: str | None) -> None:
        totals = self.inv.totals
        fields = {
            "79": "line_net_total",
            "260": "allowance_total",
            "259": "charge_total",
            "389": "tax_exclusive",
            "176": "vat_total",
            "2": "vat_total_accounting",
            "388": "tax_inclusive",
            "113": "prepaid",
            "366": "rounding",
            "9": "payable",
        }
        if self.breakdown is not None and qualifier in {"125", "124"}:
            value = self.decimal(s, 1, 1, "BT-116" if qualifier == "125" else "BT-117")
            if qualifier == "125":
                self.breakdown.taxable_amount = value
            else:
                self.breakdown.tax_amount = value
        elif qualifier in fields:
            setattr(totals, fields[qualifier], self.decimal(s, 1, 1, "BG-22"))
        else:
            self.unplaced(s)

    def seg_TAX(self, s: Segment) -> None:
        if s.get(2, 0) != "VAT":
            self.unplaced(s)
            return
        category, rate = s.get(6, 0), self.decimal(s, 5, 3, "VAT rate")
        if self.section == "summary":
            self.breakdown = VatBreakdown(category=category, rate=rate)
            self.inv.vat_breakdown.append(self.breakdown)
        elif self.section == "line" and self.line is not None and self.allowance is None:
            self.line.vat.category, self.line.vat.rate = category, rate
        elif self.section == "allowance" and isinstance(self.allowance, AllowanceCharge):
            self.allowance.vat_category, self.allowance.vat_rate = category, rate
        else:
            self.unplaced(s)

    def seg_UNS(self, s: Segment) -> None:
        self.section, self.line, self.allowance, self.party = "summary", None, None, None
