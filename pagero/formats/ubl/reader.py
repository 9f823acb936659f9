"""Read a UBL 2.1 Invoice or CreditNote into the EN 16931 model (the CEN UBL syntax binding)."""

from __future__ import annotations

import re

from lxml import etree

from ..errors import ConversionNote, ConversionWarning, InvalidValue, second_value
from ..model import (
    Address,
    AllowanceCharge,
    Buyer,
    Contact,
    CreditTransfer,
    Delivery,
    DirectDebit,
    Identifier,
    Invoice,
    Item,
    ItemAttribute,
    Line,
    LineAllowanceCharge,
    Note,
    Payee,
    PaymentCard,
    PaymentInstructions,
    Period,
    PrecedingInvoice,
    Seller,
    SupportingDocument,
    TaxRepresentative,
    VatBreakdown,
)
from ..values import parse_boolean
from ..xml import Node, XmlSource, element_text, refused
from .names import NS

NOTE_SUBJECT = re.compile(r"^#([A-Za-z0-9]{1,10})#(.*)$", re.DOTALL)
UNTYPED_LINE_REFERENCE = (
    "a line document reference without a type code is read as the invoice line object identifier (BT-128); "
    "EN 16931 binds BT-128 to type code 130, so the reference may have been meant as something else"
)


def read_ubl(root: etree._Element) -> tuple[Invoice, list[ConversionWarning]]:
    src = XmlSource(root, NS)
    is_credit = etree.QName(root).localname == "CreditNote"
    reader = _UblReader(src, root, is_credit)
    invoice = reader.read()
    return invoice, src.conversion_warnings()


class _UblReader:
    def __init__(self, src: XmlSource, root: etree._Element, is_credit: bool) -> None:
        self.src, self.root, self.is_credit = src, root, is_credit

    # -- reads shared by the document and its lines ---------------------------------------------
    def ident(self, node: Node, path: str) -> Identifier | None:
        value = self.src.text(node, path)
        return Identifier(value, self.src.attr(node, path, "schemeID")) if value else None

    def address(self, node: Node) -> Address | None:
        if node is None:
            return None
        t = self.src.text
        country = self.src.first(node, "cac:Country")
        address = Address(
            line1=t(node, "cbc:StreetName"),
            line2=t(node, "cbc:AdditionalStreetName"),
            line3=t(node, "cac:AddressLine/cbc:Line"),
            city=t(node, "cbc:CityName"),
            post_code=t(node, "cbc:PostalZone"),
            country_subdivision=t(node, "cbc:CountrySubentity"),
            country_code=t(country, "cbc:IdentificationCode"),
        )
        return address

    def contact(self, party: Node) -> Contact | None:
        node = self.src.first(party, "cac:Contact")
        if node is None:
            return None
        t = self.src.text
        contact = Contact(
            name=t(node, "cbc:Name"), telephone=t(node, "cbc:Telephone"), email=t(node, "cbc:ElectronicMail")
        )
        return contact if any((contact.name, contact.telephone, contact.email)) else None

    def second_value(self, element: Node, term: str, value: str | None = None) -> None:
        """A second value of a single-valued term (`value` when it is not the element's text): reported as such,
        with its path, rather than as an element the model does not hold."""
        if element is None:
            return
        self.src.consume_subtree(element)
        shown = value if value is not None else element_text(element)
        self.src.warn(second_value(self.src.path_of(element), term, shown))

    def consume_tax_scheme(self, category: Node) -> None:
        """cac:TaxScheme/cbc:ID "VAT" is syntax: EN 16931 only knows VAT."""
        self.src.consume_subtree(category, "cac:TaxScheme")

    def tax_schemes(self, party: Node, vat_term: str, other_term: str | None = None) -> tuple[str | None, str | None]:
        """(VAT identifier, other tax registration identifier) from cac:PartyTaxScheme. Each is single-valued: the
        first is kept and a further one reported as a second value; a party without an `other_term` (only the
        seller has BT-32) leaves a non-VAT registration unread, so that it is reported as not held."""
        vat: str | None = None
        other: str | None = None
        for scheme in self.src.all(party, "cac:PartyTaxScheme"):
            scheme_id = self.src.text(scheme, "cac:TaxScheme/cbc:ID")
            is_vat = scheme_id is not None and scheme_id.upper() == "VAT"
            term = vat_term if is_vat else other_term
            if term is None:
                continue  # a registration the party has no term for: its cbc:CompanyID is left unread
            company = self.src.text(scheme, "cbc:CompanyID")
            if company is not None and (vat if is_vat else other) is not None:
                self.second_value(self.src.first(scheme, "cbc:CompanyID"), term)
            elif is_vat:
                vat = company
            else:
                other = company
        return vat, other

    # -- document -------------------------------------------------------------------------------
    def read(self) -> Invoice:
        src, root, t = self.src, self.root, self.src.text
        inv = Invoice()
        src.consume(root, "cbc:UBLVersionID")  # the syntax version: no EN 16931 term, nothing lost
        inv.process.specification_id = t(root, "cbc:CustomizationID")
        inv.process.business_process = t(root, "cbc:ProfileID")
        inv.number = t(root, "cbc:ID")
        inv.issue_date = src.iso_date(root, "cbc:IssueDate", "BT-2")
        inv.type_code = t(root, "cbc:CreditNoteTypeCode" if self.is_credit else "cbc:InvoiceTypeCode")
        inv.due_date = src.iso_date(root, "cbc:DueDate", "BT-9")
        for element in src.all(root, "cbc:Note"):
            note = self.note(element)
            if note is not None:
                inv.notes.append(note)
        inv.tax_point_date = src.iso_date(root, "cbc:TaxPointDate", "BT-7")
        inv.currency = t(root, "cbc:DocumentCurrencyCode")
        inv.tax_currency = t(root, "cbc:TaxCurrencyCode")
        inv.buyer_accounting_reference = t(root, "cbc:AccountingCost")
        inv.buyer_reference = t(root, "cbc:BuyerReference")
        self.invoicing_period(inv, src.first(root, "cac:InvoicePeriod"))
        self.references(inv)
        inv.seller = self.seller(src.first(root, "cac:AccountingSupplierParty/cac:Party"), inv)
        inv.buyer = self.buyer(src.first(root, "cac:AccountingCustomerParty/cac:Party"))
        inv.payee = self.payee(src.first(root, "cac:PayeeParty"), inv)
        inv.tax_representative = self.tax_representative(src.first(root, "cac:TaxRepresentativeParty"))
        self.delivery(inv)
        self.payment(inv)
        inv.payment_terms = src.free_text(root, "cac:PaymentTerms/cbc:Note")
        for node in src.all(root, "cac:AllowanceCharge"):
            charge = self.document_allowance_charge(node)
            (inv.charges if self.charge_indicator(node) else inv.allowances).append(charge)
        self.tax_totals(inv)
        self.totals(inv)
        line_path = "cac:CreditNoteLine" if self.is_credit else "cac:InvoiceLine"
        inv.lines = [self.line(node) for node in src.all(root, line_path)]
        return inv

    @staticmethod
    def note(element: etree._Element) -> Note | None:
        """BG-1: UBL holds the subject code (BT-21) inside the text, as "#CODE#text"."""
        text = element.text or ""
        match = NOTE_SUBJECT.match(text)
        if match:
            return Note(text=match.group(2) if match.group(2).strip() else None, subject_code=match.group(1))
        return Note(text=text) if text.strip() else None

    def invoicing_period(self, inv: Invoice, period: Node) -> None:
        """BG-14, and the VAT point date code (BT-8) UBL keeps beside it."""
        src = self.src
        if period is None:
            return
        inv.tax_point_date_code = src.text(period, "cbc:DescriptionCode")
        start = src.iso_date(period, "cbc:StartDate", "BT-73")
        end = src.iso_date(period, "cbc:EndDate", "BT-74")
        if start or end:
            inv.delivery = Delivery(invoicing_period=Period(start, end))

    def references(self, inv: Invoice) -> None:
        """The document level references: order, preceding invoices, despatch and receipt advice, tender, contract,
        supporting documents and project."""
        src, root, t = self.src, self.root, self.src.text
        order = src.first(root, "cac:OrderReference")
        inv.purchase_order_reference = t(order, "cbc:ID")
        inv.sales_order_reference = t(order, "cbc:SalesOrderID")
        if inv.purchase_order_reference == "NA" and inv.sales_order_reference:
            inv.purchase_order_reference = None  # UBL needs an order ID; "NA" stands in when only BT-14 exists
        for ref in src.all(root, "cac:BillingReference"):
            doc = src.first(ref, "cac:InvoiceDocumentReference")
            if doc is not None:
                inv.preceding_invoices.append(
                    PrecedingInvoice(t(doc, "cbc:ID"), src.iso_date(doc, "cbc:IssueDate", "BT-26"))
                )
        inv.despatch_advice_reference = t(root, "cac:DespatchDocumentReference/cbc:ID")
        inv.receiving_advice_reference = t(root, "cac:ReceiptDocumentReference/cbc:ID")
        inv.tender_reference = t(root, "cac:OriginatorDocumentReference/cbc:ID")
        inv.contract_reference = t(root, "cac:ContractDocumentReference/cbc:ID")
        self.additional_documents(inv)
        inv.project_reference = inv.project_reference or t(root, "cac:ProjectReference/cbc:ID")

    def charge_indicator(self, node: etree._Element, term: str = "BG-20/BG-21") -> bool:
        """cbc:ChargeIndicator, an xsd:boolean (true/false/1/0); UBL requires it on every AllowanceCharge."""
        element = self.src.first(node, "cbc:ChargeIndicator")
        raw = element_text(element)
        if element is None or raw is None:
            raise InvalidValue(f"{term}: cbc:ChargeIndicator is missing", path=self.src.path_of(node), term=term)
        try:
            return parse_boolean(raw)
        except ValueError as exc:
            raise InvalidValue(refused(term, raw, exc), path=self.src.path_of(element), term=term) from None

    def additional_documents(self, inv: Invoice) -> None:
        src, t = self.src, self.src.text
        for node in src.all(self.root, "cac:AdditionalDocumentReference"):
            type_code = t(node, "cbc:DocumentTypeCode")
            if type_code == "130":
                inv.invoiced_object_id = self.ident(node, "cbc:ID")
                continue
            if type_code == "50" and self.is_credit:
                inv.project_reference = t(node, "cbc:ID")
                continue
            if type_code is not None:
                # Only 130 (and 50 on credit notes) carry a meaning in EN 16931: left unread, so that it is reported.
                src.release(node, "cbc:DocumentTypeCode")
            doc = SupportingDocument(reference=t(node, "cbc:ID"), description=t(node, "cbc:DocumentDescription"))
            doc.external_location = t(node, "cac:Attachment/cac:ExternalReference/cbc:URI")
            binary = src.first(node, "cac:Attachment/cbc:EmbeddedDocumentBinaryObject")
            if binary is not None:
                doc.attachment = src.attachment(binary)
            inv.supporting_documents.append(doc)

    def seller(self, party: Node, inv: Invoice) -> Seller:
        src, t = self.src, self.src.text
        seller = Seller()
        if party is None:
            return seller
        seller.electronic_address = self.ident(party, "cbc:EndpointID")
        for node in src.all(party, "cac:PartyIdentification"):
            ident = self.ident(node, "cbc:ID")
            if ident and ident.scheme == "SEPA":
                self.direct_debit(inv).creditor_id = ident.value
            elif ident:
                seller.identifiers.append(ident)
        # Canonical order (unscoped first), the order in which CII must write them (ram:ID, then ram:GlobalID).
        seller.identifiers.sort(key=lambda identifier: identifier.scheme is not None)
        seller.trading_name = t(party, "cac:PartyName/cbc:Name")
        seller.address = self.address(src.first(party, "cac:PostalAddress")) or Address()
        seller.vat_id, seller.tax_registration_id = self.tax_schemes(party, "BT-31", "BT-32")
        legal = src.first(party, "cac:PartyLegalEntity")
        seller.name = t(legal, "cbc:RegistrationName")
        seller.legal_registration_id = self.ident(legal, "cbc:CompanyID")
        seller.additional_legal_info = t(legal, "cbc:CompanyLegalForm")
        seller.contact = self.contact(party)
        return seller

    def buyer(self, party: Node) -> Buyer:
        src, t = self.src, self.src.text
        buyer = Buyer()
        if party is None:
            return buyer
        buyer.electronic_address = self.ident(party, "cbc:EndpointID")
        buyer.identifier = self.ident(party, "cac:PartyIdentification/cbc:ID")
        for element in src.all(party, "cac:PartyIdentification/cbc:ID")[1:]:
            self.second_value(element, "BT-46")
        buyer.trading_name = t(party, "cac:PartyName/cbc:Name")
        buyer.address = self.address(src.first(party, "cac:PostalAddress")) or Address()
        buyer.vat_id, _ = self.tax_schemes(party, "BT-48")
        legal = src.first(party, "cac:PartyLegalEntity")
        buyer.name = t(legal, "cbc:RegistrationName")
        buyer.legal_registration_id = self.ident(legal, "cbc:CompanyID")
        buyer.contact = self.contact(party)
        return buyer

    def payee(self, party: Node, inv: Invoice) -> Payee | None:
        if party is None:
            return None
        payee = Payee(name=self.src.text(party, "cac:PartyName/cbc:Name"))
        for node in self.src.all(party, "cac:PartyIdentification"):
            ident = self.ident(node, "cbc:ID")
            if ident and ident.scheme == "SEPA":
                self.direct_debit(inv).creditor_id = ident.value
            elif ident and payee.identifier is None:
                payee.identifier = ident
            elif ident:
                self.second_value(self.src.first(node, "cbc:ID"), "BT-60")
        payee.legal_registration_id = self.ident(party, "cac:PartyLegalEntity/cbc:CompanyID")
        return payee

    def tax_representative(self, party: Node) -> TaxRepresentative | None:
        if party is None:
            return None
        rep = TaxRepresentative(name=self.src.text(party, "cac:PartyName/cbc:Name"))
        rep.address = self.address(self.src.first(party, "cac:PostalAddress")) or Address()
        rep.vat_id, _ = self.tax_schemes(party, "BT-63")
        return rep

    def delivery(self, inv: Invoice) -> None:
        src, t = self.src, self.src.text
        node = src.first(self.root, "cac:Delivery")
        if node is None:
            return
        delivery = inv.delivery or Delivery()
        delivery.actual_date = src.iso_date(node, "cbc:ActualDeliveryDate", "BT-72")
        location = src.first(node, "cac:DeliveryLocation")
        delivery.location_id = self.ident(location, "cbc:ID")
        delivery.address = self.address(src.first(location, "cac:Address"))
        delivery.party_name = t(node, "cac:DeliveryParty/cac:PartyName/cbc:Name")
        inv.delivery = delivery

    def direct_debit(self, inv: Invoice) -> DirectDebit:
        if inv.payment is None:
            inv.payment = PaymentInstructions()
        if inv.payment.direct_debit is None:
            inv.payment.direct_debit = DirectDebit()
        return inv.payment.direct_debit

    def payment(self, inv: Invoice) -> None:
        src, t = self.src, self.src.text
        means = src.all(self.root, "cac:PaymentMeans")
        if not means:
            return
        payment = inv.payment or PaymentInstructions()
        first = means[0]
        payment.means_code = t(first, "cbc:PaymentMeansCode")
        payment.means_text = src.attr(first, "cbc:PaymentMeansCode", "name")
        payment.remittance_information = t(first, "cbc:PaymentID")
        if self.is_credit:
            inv.due_date = inv.due_date or src.iso_date(first, "cbc:PaymentDueDate", "BT-9")
        for index, node in enumerate(means):
            if index:
                self.repeated_payment_means(inv, payment, node)
            self.payment_accounts(payment, node)
        inv.payment = payment

    def repeated_payment_means(self, inv: Invoice, payment: PaymentInstructions, node: etree._Element) -> None:
        """A further cac:PaymentMeans (UBL repeats it per account): BT-81, BT-82, BT-83 and, on a credit note, BT-9
        are single-valued, so a value that differs from the first means' is reported as a second value."""
        src, t = self.src, self.src.text
        if t(node, "cbc:PaymentMeansCode") != payment.means_code:
            self.second_value(src.first(node, "cbc:PaymentMeansCode"), "BT-81")
        if self.is_credit and src.iso_date(node, "cbc:PaymentDueDate", "BT-9") not in {None, inv.due_date}:
            self.second_value(src.first(node, "cbc:PaymentDueDate"), "BT-9")
        name = src.attr(node, "cbc:PaymentMeansCode", "name")
        if name not in {None, payment.means_text}:
            self.second_value(src.first(node, "cbc:PaymentMeansCode"), "BT-82", name)
        other_id = t(node, "cbc:PaymentID")
        if other_id is not None and other_id != payment.remittance_information:
            self.second_value(src.first(node, "cbc:PaymentID"), "BT-83")

    def payment_accounts(self, payment: PaymentInstructions, node: etree._Element) -> None:
        """The accounts of one cac:PaymentMeans: credit transfer (BG-17), card (BG-18), direct debit (BG-19)."""
        src, t = self.src, self.src.text
        account = src.first(node, "cac:PayeeFinancialAccount")
        if account is not None:
            payment.credit_transfers.append(
                CreditTransfer(
                    account_id=t(account, "cbc:ID"),
                    account_name=t(account, "cbc:Name"),
                    service_provider_id=t(account, "cac:FinancialInstitutionBranch/cbc:ID"),
                )
            )
        card = src.first(node, "cac:CardAccount")
        if card is not None:
            payment.card = self.card(card)
        mandate = src.first(node, "cac:PaymentMandate")
        if mandate is not None:
            debit = self.direct_debit_of(payment)
            debit.mandate_reference = t(mandate, "cbc:ID")
            debit.debited_account_id = t(mandate, "cac:PayerFinancialAccount/cbc:ID")

    def card(self, card: etree._Element) -> PaymentCard:
        src, t = self.src, self.src.text
        network_id = src.first(card, "cbc:NetworkID")
        network = element_text(network_id)
        if network_id is not None and network not in {None, "NA"}:  # "NA": what a writer puts for an unknown one
            # UBL requires the card network, EN 16931 has no term for it and CII no place: a note (no business
            # term is lost), not a warning that would make the conversion lossy.
            src.warn(
                ConversionNote(
                    path=src.path_of(network_id),
                    message=f"the card network {network!r} has no EN 16931 term; it is not carried over",
                )
            )
        return PaymentCard(t(card, "cbc:PrimaryAccountNumberID"), t(card, "cbc:HolderName"))

    @staticmethod
    def direct_debit_of(payment: PaymentInstructions) -> DirectDebit:
        if payment.direct_debit is None:
            payment.direct_debit = DirectDebit()
        return payment.direct_debit

    def document_allowance_charge(self, node: etree._Element) -> AllowanceCharge:
        src, t = self.src, self.src.text
        category = src.first(node, "cac:TaxCategory")
        self.consume_tax_scheme(category)
        return AllowanceCharge(
            amount=src.decimal(node, "cbc:Amount", "BT-92/BT-99"),
            base_amount=src.decimal(node, "cbc:BaseAmount", "BT-93/BT-100"),
            percentage=src.decimal(node, "cbc:MultiplierFactorNumeric", "BT-94/BT-101"),
            vat_category=t(category, "cbc:ID"),
            vat_rate=src.decimal(category, "cbc:Percent", "BT-96/BT-103"),
            reason=t(node, "cbc:AllowanceChargeReason"),
            reason_code=t(node, "cbc:AllowanceChargeReasonCode"),
        )

    def tax_totals(self, inv: Invoice) -> None:
        src, t = self.src, self.src.text
        totals = src.all(self.root, "cac:TaxTotal")
        main = next((tt for tt in totals if tt.find("cac:TaxSubtotal", NS) is not None), None)
        if main is None:
            main = next(
                (tt for tt in totals if src.attr(tt, "cbc:TaxAmount", "currencyID") == inv.currency),
                totals[0] if totals else None,
            )
        for total in totals:
            if total is main:
                inv.totals.vat_total = src.decimal(total, "cbc:TaxAmount", "BT-110")
            else:
                inv.totals.vat_total_accounting = src.decimal(total, "cbc:TaxAmount", "BT-111")
        if main is None:
            return
        for sub in src.all(main, "cac:TaxSubtotal"):
            category = src.first(sub, "cac:TaxCategory")
            self.consume_tax_scheme(category)
            inv.vat_breakdown.append(
                VatBreakdown(
                    taxable_amount=src.decimal(sub, "cbc:TaxableAmount", "BT-116"),
                    tax_amount=src.decimal(sub, "cbc:TaxAmount", "BT-117"),
                    category=t(category, "cbc:ID"),
                    rate=src.decimal(category, "cbc:Percent", "BT-119"),
                    exemption_reason=t(category, "cbc:TaxExemptionReason"),
                    exemption_reason_code=t(category, "cbc:TaxExemptionReasonCode"),
                )
            )

    def totals(self, inv: Invoice) -> None:
        src = self.src
        node = src.first(self.root, "cac:LegalMonetaryTotal")
        totals = inv.totals
        totals.line_net_total = src.decimal(node, "cbc:LineExtensionAmount", "BT-106")
        totals.tax_exclusive = src.decimal(node, "cbc:TaxExclusiveAmount", "BT-109")
        totals.tax_inclusive = src.decimal(node, "cbc:TaxInclusiveAmount", "BT-112")
        totals.allowance_total = src.decimal(node, "cbc:AllowanceTotalAmount", "BT-107")
        totals.charge_total = src.decimal(node, "cbc:ChargeTotalAmount", "BT-108")
        totals.prepaid = src.decimal(node, "cbc:PrepaidAmount", "BT-113")
        totals.rounding = src.decimal(node, "cbc:PayableRoundingAmount", "BT-114")
        totals.payable = src.decimal(node, "cbc:PayableAmount", "BT-115")

    def line(self, node: etree._Element) -> Line:
        src, t = self.src, self.src.text
        quantity_path = "cbc:CreditedQuantity" if self.is_credit else "cbc:InvoicedQuantity"
        line = Line(
            id=t(node, "cbc:ID"),
            note=t(node, "cbc:Note"),
            quantity=src.decimal(node, quantity_path, "BT-129"),
            unit_code=src.attr(node, quantity_path, "unitCode"),
            net_amount=src.decimal(node, "cbc:LineExtensionAmount", "BT-131"),
            accounting_reference=t(node, "cbc:AccountingCost"),
        )
        period = src.first(node, "cac:InvoicePeriod")
        if period is not None:
            line.period = Period(
                src.iso_date(period, "cbc:StartDate", "BT-134"), src.iso_date(period, "cbc:EndDate", "BT-135")
            )
        line.order_line_reference = t(node, "cac:OrderLineReference/cbc:LineID")
        for ref in src.all(node, "cac:DocumentReference"):
            self.line_reference(line, ref)
        for ac in src.all(node, "cac:AllowanceCharge"):
            item = LineAllowanceCharge(
                amount=src.decimal(ac, "cbc:Amount", "BT-136/BT-141"),
                base_amount=src.decimal(ac, "cbc:BaseAmount", "BT-137/BT-142"),
                percentage=src.decimal(ac, "cbc:MultiplierFactorNumeric", "BT-138/BT-143"),
                reason=t(ac, "cbc:AllowanceChargeReason"),
                reason_code=t(ac, "cbc:AllowanceChargeReasonCode"),
            )
            (line.charges if self.charge_indicator(ac, "BG-27/BG-28") else line.allowances).append(item)
        line.item = self.item(src.first(node, "cac:Item"), line)
        self.price(line, src.first(node, "cac:Price"))
        return line

    def line_reference(self, line: Line, ref: etree._Element) -> None:
        """BT-128, the line's object identifier: the first reference typed 130 (or untyped, with a warning); any
        other is left unread, so that it is reported as not held."""
        src = self.src
        type_code = src.text(ref, "cbc:DocumentTypeCode")
        if type_code not in {None, "130"} or line.object_id is not None:
            src.release(ref)
            return
        line.object_id = self.ident(ref, "cbc:ID")
        if type_code is None and line.object_id is not None:
            src.warn(ConversionWarning(src.path_of(ref), UNTYPED_LINE_REFERENCE, "BT-128"))

    def price(self, line: Line, price: Node) -> None:
        """BG-29: the net price and base quantity, and the gross price with its discount (BT-147, BT-148) in the
        price's allowance."""
        src = self.src
        if price is None:
            return
        line.price.net_price = src.decimal(price, "cbc:PriceAmount", "BT-146")
        line.price.base_quantity = src.decimal(price, "cbc:BaseQuantity", "BT-149")
        line.price.base_quantity_unit = src.attr(price, "cbc:BaseQuantity", "unitCode")
        discount = src.first(price, "cac:AllowanceCharge")
        if discount is None:
            return
        if self.charge_indicator(discount, "BT-147"):
            # A charge on the price has no EN 16931 term (BT-147 is a discount): left unread, so that it is reported
            # with its path.
            src.release(discount, "cbc:ChargeIndicator")
            src.release(discount, "cbc:Amount")
        else:
            # Kept as written, 0 included: a zero the source states is a value (BT-147 = 0), not an absence.
            line.price.discount = src.decimal(discount, "cbc:Amount", "BT-147")
        line.price.gross_price = src.decimal(discount, "cbc:BaseAmount", "BT-148")

    def item(self, node: Node, line: Line) -> Item:
        src, t = self.src, self.src.text
        item = Item()
        if node is None:
            return item
        item.description = t(node, "cbc:Description")
        item.name = t(node, "cbc:Name")
        item.buyer_id = t(node, "cac:BuyersItemIdentification/cbc:ID")
        item.seller_id = t(node, "cac:SellersItemIdentification/cbc:ID")
        item.standard_id = self.ident(node, "cac:StandardItemIdentification/cbc:ID")
        item.origin_country = t(node, "cac:OriginCountry/cbc:IdentificationCode")
        for code in src.all(node, "cac:CommodityClassification/cbc:ItemClassificationCode"):
            value = (code.text or "").strip()
            if value:
                item.classifications.append(Identifier(value, code.get("listID"), code.get("listVersionID")))
        category = src.first(node, "cac:ClassifiedTaxCategory")
        if category is not None:
            self.consume_tax_scheme(category)
            line.vat.category = t(category, "cbc:ID")
            line.vat.rate = src.decimal(category, "cbc:Percent", "BT-152")
        for prop in src.all(node, "cac:AdditionalItemProperty"):
            item.attributes.append(ItemAttribute(t(prop, "cbc:Name"), t(prop, "cbc:Value")))
        return item
