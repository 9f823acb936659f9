"""Write the EN 16931 model as a UN/EDIFACT INVOIC D14B interchange (the CEN EDIFACT syntax binding)."""

from __future__ import annotations

import base64
import uuid
from datetime import UTC, date, datetime
from decimal import Decimal

from ..errors import ConversionWarning
from ..model import Address, AllowanceCharge, Buyer, Identifier, Invoice, Line, Seller
from ..values import ccyymmdd, text
from .binding import (
    DOC_PROFILE_CODE,
    EXTERNAL_LOCATION_CHANNEL,
    FTX_NOTE_WITHOUT_SUBJECT,
    ITEM_SCHEME_TO_EDIFACT,
    NOTE_FUNCTION,
    RESERVED_FTX,
)
from .syntax import serialise

Segments = list[tuple[str, list[object]]]


def num(value: Decimal | None) -> str | None:
    return None if value is None else text(value)


def d(value: date | None) -> str | None:
    return None if value is None else ccyymmdd(value)


def write_edifact(inv: Invoice) -> tuple[bytes, list[ConversionWarning]]:
    writer = _EdifactWriter(inv)
    body = writer.message()
    # Control references identify this interchange: unique every time (receivers detect duplicates by them);
    # the invoice number travels in BGM.
    reference = uuid.uuid4().hex[:14].upper()
    sender = inv.seller.electronic_address.value if inv.seller.electronic_address else "NA"
    recipient = inv.buyer.electronic_address.value if inv.buyer.electronic_address else "NA"
    now = datetime.now(UTC)
    segments: Segments = [
        ("UNB", [["UNOW", "4"], [sender], [recipient], [ccyymmdd(now), now.strftime("%H%M")], reference]),
        ("UNH", [reference, ["INVOIC", "D", "14B", "UN"]]),
        *body,
    ]
    segments.append(("UNT", [str(len(body) + 2), reference]))
    data = serialise(segments)
    trailer = serialise([("UNZ", ["1", reference])]).split(b"\n", 1)[1]
    return data + b"".join(package_objects(inv)) + trailer, writer.warnings


def package_objects(inv: Invoice) -> list[bytes]:
    """Attached documents (BT-125) travel as package objects after the message, named by their BT-122 reference as
    in CEN's example 5; the UNO segment carries the MIME code (the file name is in EFI)."""
    packages = []
    attached = ((doc, doc.attachment) for doc in inv.supporting_documents if doc.attachment)
    for number, (doc, attachment) in enumerate(attached, start=1):
        content = base64.b64encode(attachment.content).decode("ascii")
        uno = ("UNO", [f"P{number}", ["1", doc.reference], ["13", attachment.mime_code], str(len(content))])
        # serialise() starts with the service string advice (UNA): the segment is the line after it.
        header = serialise([uno]).split(b"\n", 1)[1].rstrip(b"\n")
        packages.append(header + content.encode("ascii") + f"UNP+{len(content)}+P{number}'\n".encode())
    return packages


class _EdifactWriter:
    def __init__(self, inv: Invoice) -> None:
        self.inv = inv
        self.warnings: list[ConversionWarning] = []
        self.out: Segments = []

    def add(self, tag: str, *elements: object) -> None:
        self.out.append((tag, list(elements)))

    def dtm(self, qualifier: str, value: date | None) -> None:
        if value is not None:
            self.add("DTM", [qualifier, d(value), "102"])

    def rff(self, qualifier: str, value: str | None, scheme: str | None = None, line: str | None = None) -> None:
        if value is not None or line is not None:
            self.add("RFF", [qualifier, value, line, scheme])

    def ftx(self, qualifier: str, text: str | None, code: str | None = None) -> None:
        if text is not None or code is not None:
            self.add("FTX", qualifier, None, [code] if code else None, [text] if text is not None else None)

    def nad(
        self,
        qualifier: str,
        identifier: Identifier | None,
        name: str | None,
        second: str | None,
        address: Address | None,
    ) -> None:
        a = address or Address()
        self.add(
            "NAD",
            qualifier,
            [identifier.value, identifier.scheme] if identifier else None,
            None,
            [name, second],
            [a.line1, a.line2, a.line3],
            a.city,
            [None, None, None, a.country_subdivision],
            a.post_code,
            a.country_code,
        )

    def message(self) -> Segments:
        inv = self.inv
        self.add("BGM", [inv.type_code], [inv.number])
        self.dates()
        self.texts()
        self.references()
        self.parties()
        self.add("CUX", ["2", inv.currency])
        if inv.tax_currency:
            self.add("CUX", ["6", inv.tax_currency])
        if inv.due_date:
            self.add("PYT", "1")
            self.dtm("13", inv.due_date)
        if inv.payment and inv.payment.means_code:
            self.add("PYT", "1")
            self.add("PAI", [None, None, inv.payment.means_code])
        for items, kind in ((inv.allowances, "A"), (inv.charges, "C")):
            for item in items:
                self.document_allowance_charge(item, kind)
        for doc in inv.supporting_documents:
            # SG26 of the CEN binding: EFI names the attached file (1508) and describes it (7008, BT-123),
            # COM ...:AO is the external location (BT-124), RFF+ATS the reference (BT-122).
            filename = doc.attachment.filename if doc.attachment else None
            self.add("EFI", [filename, doc.description])
            if doc.external_location is not None:
                self.add("COM", [doc.external_location, EXTERNAL_LOCATION_CHANNEL])
            self.rff("ATS", doc.reference)
        for line in inv.lines:
            self.line(line)
        self.summary()
        return self.out

    def dates(self) -> None:
        """Issue date, VAT point date or its code, actual delivery date and invoicing period (DTM)."""
        inv = self.inv
        self.dtm("137", inv.issue_date)
        self.dtm("131", inv.tax_point_date)
        if inv.tax_point_date_code:
            self.add("DTM", [inv.tax_point_date_code])
        delivery = inv.delivery
        if delivery:
            self.dtm("35", delivery.actual_date)
            if delivery.invoicing_period:
                self.dtm("167", delivery.invoicing_period.start)
                self.dtm("168", delivery.invoicing_period.end)

    def texts(self) -> None:
        """Payment terms, notes, the process (FTX+DOC), the seller's legal information and the payment means text."""
        inv = self.inv
        self.ftx("AAB", inv.payment_terms)
        for note in inv.notes:
            qualifier = note.subject_code or FTX_NOTE_WITHOUT_SUBJECT
            function = NOTE_FUNCTION if qualifier in RESERVED_FTX else None
            self.add("FTX", qualifier, function, None, [note.text] if note.text is not None else None)
        self.add("FTX", "DOC", None, [DOC_PROFILE_CODE], [inv.process.specification_id, inv.process.business_process])
        self.ftx("REG", inv.seller.additional_legal_info)
        if inv.payment:
            self.ftx("AAT", inv.payment.means_text)

    def references(self) -> None:
        """The document level references (RFF), the invoiced object (GIR) and the preceding invoices."""
        inv = self.inv
        for qualifier, value in (
            ("AEP", inv.project_reference),
            ("CT", inv.contract_reference),
            ("ON", inv.purchase_order_reference),
            ("VN", inv.sales_order_reference),
            ("ALO", inv.receiving_advice_reference),
            ("AAK", inv.despatch_advice_reference),
            ("GC", inv.tender_reference),
        ):
            self.rff(qualifier, value)
        if inv.invoiced_object_id:
            self.add("RFF", ["ATS"])
            self.add("GIR", "14", [inv.invoiced_object_id.value, inv.invoiced_object_id.scheme])
        for preceding in inv.preceding_invoices:
            self.rff("OI", preceding.reference)
            self.dtm("384", preceding.issue_date)
        if inv.payment:
            self.rff("PQ", inv.payment.remittance_information)

    def document_allowance_charge(self, item: AllowanceCharge, kind: str) -> None:
        """BG-20 (kind "A") or BG-21 ("C"): ALC, its percentage, amount and base amount, and its VAT category."""
        if kind == "A":
            self.add("ALC", "A", [item.reason, item.reason_code])
        else:
            self.add("ALC", "C", [item.reason], None, None, [item.reason_code])
        if item.percentage is not None:
            self.add("PCD", ["1" if kind == "A" else "2", num(item.percentage)])
        self.add("MOA", ["204" if kind == "A" else "23", num(item.amount)])
        if item.base_amount is not None:
            self.add("MOA", ["25", num(item.base_amount)])
        self.add("TAX", "7", ["VAT"], None, None, [None, None, None, num(item.vat_rate)], item.vat_category)

    def parties(self) -> None:
        inv = self.inv
        self.seller()
        self.buyer()
        if inv.payee:
            payee = inv.payee
            self.nad("PE", payee.identifier, payee.name, None, None)
            self.legal_registration(payee.legal_registration_id)
        if inv.tax_representative:
            rep = inv.tax_representative
            self.nad("LC", None, rep.name, None, rep.address)
            self.rff("VA", rep.vat_id)
        delivery = inv.delivery
        if delivery and (delivery.location_id or delivery.party_name or delivery.address):
            self.nad("DP", delivery.location_id, delivery.party_name, None, delivery.address)

    def legal_registration(self, legal: Identifier | None) -> None:
        self.rff("GN", legal.value if legal else None, legal.scheme if legal else None)

    def seller(self) -> None:
        """NAD+SE with its identifiers, registrations, the payee's credit transfer accounts (FII+RB) and contacts."""
        seller, payment = self.inv.seller, self.inv.payment
        self.nad(
            "SE",
            seller.identifiers[0] if seller.identifiers else None,
            seller.name,
            seller.trading_name,
            seller.address,
        )
        for extra in seller.identifiers[1:]:
            self.rff("APA", extra.value, extra.scheme)
        self.legal_registration(seller.legal_registration_id)
        self.rff("VA", seller.vat_id)
        self.rff("AHP", seller.tax_registration_id)
        if payment:
            for transfer in payment.credit_transfers:
                self.add(
                    "FII",
                    "RB",
                    [transfer.account_id, transfer.account_name],
                    [transfer.service_provider_id] if transfer.service_provider_id else None,
                )
        self.contacts(seller)

    def buyer(self) -> None:
        """NAD+BY with the debited account and card (FII), references, the direct debit mandate and contacts."""
        inv = self.inv
        buyer, payment = inv.buyer, inv.payment
        self.nad("BY", buyer.identifier, buyer.name, buyer.trading_name, buyer.address)
        debit = payment.direct_debit if payment else None
        if debit and debit.debited_account_id:
            self.add("FII", "BI", [debit.debited_account_id])
        if payment and payment.card:
            self.add("FII", "PB", [payment.card.primary_account_number, payment.card.holder_name])
        self.legal_registration(buyer.legal_registration_id)
        self.rff("AOU", inv.buyer_accounting_reference)
        self.rff("CR", inv.buyer_reference)
        self.rff("VA", buyer.vat_id)
        if debit:
            self.rff("AVS", debit.mandate_reference)
            self.rff("AII", debit.creditor_id)
        self.contacts(buyer)

    def contacts(self, party: Seller | Buyer) -> None:
        if party.electronic_address:
            self.add("CTA", "IC")
            self.add("COM", [party.electronic_address.value, party.electronic_address.scheme])
        if party.contact:
            self.add("CTA", "SU", [None, party.contact.name])
            if party.contact.telephone:
                self.add("COM", [party.contact.telephone, "TE"])
            if party.contact.email:
                self.add("COM", [party.contact.email, "EM"])

    def line(self, line: Line) -> None:
        self.line_item(line)
        self.add("QTY", ["47", num(line.quantity), line.unit_code])
        if line.item.origin_country:
            self.add("ALI", line.item.origin_country)
        if line.period:
            self.dtm("167", line.period.start)
            self.dtm("168", line.period.end)
        self.ftx("ACB", line.note)
        for attribute in line.item.attributes:
            self.add("FTX", "ACF", None, None, [attribute.name, attribute.value])
        self.add("MOA", ["203", num(line.net_amount)])
        price = line.price
        if price.base_quantity is None and price.base_quantity_unit:
            self.warnings.append(
                ConversionWarning(
                    path=f"line {line.id}", term="BT-150", message="a base quantity unit needs a base quantity (BT-149)"
                )
            )
        self.add("PRI", ["AAA", num(price.net_price), None, None, num(price.base_quantity), price.base_quantity_unit])
        if price.gross_price is not None:
            self.add("PRI", ["AAB", num(price.gross_price)])
        if line.object_id:
            self.rff("AVE", line.object_id.value, line.object_id.scheme)
        if line.order_line_reference:
            self.rff("ON", None, line=line.order_line_reference)
        self.rff("AWQ", line.accounting_reference)
        self.add("TAX", "7", ["VAT"], None, None, [None, None, None, num(line.vat.rate)], line.vat.category)
        self.line_allowances_charges(line)

    def line_item(self, line: Line) -> None:
        """LIN with the standard identifier, then the item's other identifiers (PIA) and its name and description."""
        item = line.item
        standard = None
        if item.standard_id:
            scheme = item.standard_id.scheme
            standard = [
                item.standard_id.value,
                ITEM_SCHEME_TO_EDIFACT.get(scheme, scheme) if scheme is not None else None,
            ]
        self.add("LIN", line.id, None, standard)
        if item.seller_id:
            self.add("PIA", "5", [item.seller_id, "SA"])
        if item.buyer_id:
            self.add("PIA", "5", [item.buyer_id, "IN"])
        for classification in item.classifications:
            self.add("PIA", "1", [classification.value, classification.scheme, classification.scheme_version])
        if item.name is not None:
            self.add("IMD", "F", None, [None, None, None, item.name])
        if item.description is not None:
            self.add("IMD", "A", None, [None, None, None, item.description])

    def line_allowances_charges(self, line: Line) -> None:
        """BG-27/BG-28, then the price discount (BT-147) as an allowance with MOA+509."""
        for items, kind in ((line.allowances, "A"), (line.charges, "C")):
            for entry in items:
                if kind == "A":
                    self.add("ALC", "A", [entry.reason, entry.reason_code])
                else:
                    self.add("ALC", "C", [entry.reason], None, None, [entry.reason_code])
                if entry.percentage is not None:
                    self.add("PCD", ["1" if kind == "A" else "2", num(entry.percentage)])
                self.add("MOA", ["204" if kind == "A" else "23", num(entry.amount)])
                if entry.base_amount is not None:
                    self.add("MOA", ["25", num(entry.base_amount)])
        if line.price.discount is not None:
            self.add("ALC", "A")
            self.add("MOA", ["509", num(line.price.discount)])

    def summary(self) -> None:
        totals = self.inv.totals
        self.add("UNS", "S")
        for qualifier, value in (
            ("79", totals.line_net_total),
            ("260", totals.allowance_total),
            ("259", totals.charge_total),
            ("389", totals.tax_exclusive),
            ("176", totals.vat_total),
            ("2", totals.vat_total_accounting),
            ("388", totals.tax_inclusive),
            ("113", totals.prepaid),
            ("366", totals.rounding),
            ("9", totals.payable),
        ):
            if value is not None:
                self.add("MOA", [qualifier, num(value)])
        for breakdown in self.inv.vat_breakdown:
            self.add("TAX", "7", ["VAT"], None, None, [None, None, None, num(breakdown.rate)], breakdown.category)
            self.add("MOA", ["125", num(breakdown.taxable_amount)])
            self.add("MOA", ["124", num(breakdown.tax_amount)])
            if breakdown.exemption_reason or breakdown.exemption_reason_code:
                self.ftx("AGM", breakdown.exemption_reason, breakdown.exemption_reason_code)
