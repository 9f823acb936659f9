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
from ..xml import XmlSource, element_text, refused
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
    return invoice, src.unused_warnings()


class _UblReader:
    def __init__(self, src: XmlSource, root: etree._Element, is_credit: bool) -> None:
        self.src, self.root, self.is_credit = src, root, is_credit

    # -- helpers --------------------------------------------------------------------------------
    def ident(self, node, path: str) -> Identifier | None:
        value = self.src.text(node, path)
        return Identifier(value, self.src.attr(node, path, "schemeID")) if value else None

    def address(self, node) -> Address | None:
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

    def contact(self, party) -> Contact | None:
        node = self.src.first(party, "cac:Contact")
        if node is None:
            return None
        t = self.src.text
        contact = Contact(
            name=t(node, "cbc:Name"), telephone=t(node, "cbc:Telephone"), email=t(node, "cbc:ElectronicMail")
        )
        return contact if any((contact.name, contact.telephone, contact.email)) else None

    def second_value(self, element, term: str, value: str | None = None) -> None:
        """A second value of a single-valued term (`value` when it is not the element's text): reported as such,
        with its path, rather than as an element the model does not hold."""
        if element is None:
            return
        self.src.mark_subtree(element)
        shown = value if value is not None else element_text(element)
        self.src.warnings.append(second_value(self.src.path_of(element), term, shown))

    def mark_tax_scheme(self, category) -> None:
        """cac:TaxScheme/cbc:ID "VAT" is syntax: EN 16931 only knows VAT."""
        scheme = self.src.first(category, "cac:TaxScheme")
        if scheme is not None:
            self.src.mark_subtree(scheme)

    def tax_schemes(self, party, vat_term: str, other_term: str | None = None) -> tuple[str | None, str | None]:
        """(VAT identifier, other tax registration identifier) from cac:PartyTaxScheme. Each is single-valued: the
        first is kept and a further one reported as a second value; a party without an `other_term` (only the
        seller has BT-32) leaves a non-VAT registration unread, so that it is reported as not held."""
        vat = other = None
        for scheme in self.src.all(party, "cac:PartyTaxScheme"):
            scheme_id = self.src.text(scheme, "cac:TaxScheme/cbc:ID")
            is_vat = scheme_id is not None and scheme_id.upper() == "VAT"
            if not is_vat and other_term is None:
                self.src.used.discard(scheme.find("cbc:CompanyID", NS))
                continue
            company = self.src.text(scheme, "cbc:CompanyID")
            if company is not None and (vat if is_vat else other) is not None:
                self.second_value(self.src.first(scheme, "cbc:CompanyID"), vat_term if is_vat else other_term)
            elif is_vat:
                vat = company
            else:
                other = company
        return vat, other

    # -- document -------------------------------------------------------------------------------
    def read(self) -> Invoice:
        src, root, t = self.src, self.root, self.src.text
        inv = Invoice()
        src.first(root, "cbc:UBLVersionID")
        inv.process.specification_id = t(root, "cbc:CustomizationID")
        inv.process.business_process = t(root, "cbc:ProfileID")
        inv.number = t(root, "cbc:ID")
        inv.issue_date = src.iso_date(root, "cbc:IssueDate", "BT-2")
        inv.type_code = t(root, "cbc:CreditNoteTypeCode" if self.is_credit else "cbc:InvoiceTypeCode")
        inv.due_date = src.iso_date(root, "cbc:DueDate", "BT-9")
        for element in src.all(root, "cbc:Note"):
            text = element.text or ""
            match = NOTE_SUBJECT.match(text)
            if match:
                inv.notes.append(
                    Note(text=match.group(2) if match.group(2).strip() else None, subject_code=match.group(1))
                )
            elif text.strip():
                inv.notes.append(Note(text=text))
        inv.tax_point_date = src.iso_date(root, "cbc:TaxPointDate", "BT-7")
        inv.currency = t(root, "cbc:DocumentCurrencyCode")
        inv.tax_currency = t(root, "cbc:TaxCurrencyCode")
        inv.buyer_accounting_reference = t(root, "cbc:AccountingCost")
        inv.buyer_reference = t(root, "cbc:BuyerReference")
        period = src.first(root, "cac:InvoicePeriod")
        if period is not None:
            inv.tax_point_date_code = t(period, "cbc:DescriptionCode")
            start = src.iso_date(period, "cbc:StartDate", "BT-73")
            end = src.iso_date(period, "cbc:EndDate", "BT-74")
            if start or end:
                inv.delivery = Delivery(invoicing_period=Period(start, end))
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

    def charge_indicator(self, node, term: str = "BG-20/BG-21") -> bool:
        """cbc:ChargeIndicator, an xsd:boolean (true/false/1/0); UBL requires it on every AllowanceCharge."""
        element = self.src.first(node, "cbc:ChargeIndicator")
        raw = element_text(element)
        if raw is None:
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
                # Only 130 (and 50 on credit notes) carry a meaning in EN 16931: leave it unconsumed.
                src.used.discard(src.first(node, "cbc:DocumentTypeCode"))
            doc = SupportingDocument(reference=t(node, "cbc:ID"), description=t(node, "cbc:DocumentDescription"))
            doc.external_location = t(node, "cac:Attachment/cac:ExternalReference/cbc:URI")
            binary = src.first(node, "cac:Attachment/cbc:EmbeddedDocumentBinaryObject")
            if binary is not None:
                doc.attachment = src.attachment(binary)
            inv.supporting_documents.append(doc)

    def seller(self, party, inv: Invoice) -> Seller:
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

    def buyer(self, party) -> Buyer:
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

    def payee(self, party, inv: Invoice) -> Payee | None:
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

    def tax_representative(self, party) -> TaxRepresentative | None:
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
            if index and t(node, "cbc:PaymentMeansCode") != payment.means_code:
                self.second_value(src.first(node, "cbc:PaymentMeansCode"), "BT-81")
            if index:
                if self.is_credit and src.iso_date(node, "cbc:PaymentDueDate", "BT-9") not in {None, inv.due_date}:
                    self.second_value(src.first(node, "cbc:PaymentDueDate"), "BT-9")
                name = src.attr(node, "cbc:PaymentMeansCode", "name")
                if name not in {None, payment.means_text}:
                    self.second_value(src.first(node, "cbc:PaymentMeansCode"), "BT-82", name)
                other_id = t(node, "cbc:PaymentID")
                if other_id is not None and other_id != payment.remittance_information:
                    self.second_value(src.first(node, "cbc:PaymentID"), "BT-83")
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
                network = t(card, "cbc:NetworkID")
                if network not in {None, "NA"}:  # "NA" is what a writer puts when the network is unknown
                    # UBL requires the card network, EN 16931 has no term for it and CII no place: a note (no
                    # business term is lost), not a warning that would make the conversion lossy.
                    src.warnings.append(
                        ConversionNote(
                            path=src.path_of(src.first(card, "cbc:NetworkID")),
                            message=f"the card network {network!r} has no EN 16931 term; it is not carried over",
                        )
                    )
                payment.card = PaymentCard(t(card, "cbc:PrimaryAccountNumberID"), t(card, "cbc:HolderName"))
            mandate = src.first(node, "cac:PaymentMandate")
            if mandate is not None:
                debit = self.direct_debit_of(payment)
                debit.mandate_reference = t(mandate, "cbc:ID")
                debit.debited_account_id = t(mandate, "cac:PayerFinancialAccount/cbc:ID")
        inv.payment = payment

    @staticmethod
    def direct_debit_of(payment: PaymentInstructions) -> DirectDebit:
        if payment.direct_debit is None:
            payment.direct_debit = DirectDebit()
        return payment.direct_debit

    def document_allowance_charge(self, node) -> AllowanceCharge:
        src, t = self.src, self.src.text
        category = src.first(node, "cac:TaxCategory")
        self.mark_tax_scheme(category)
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
            self.mark_tax_scheme(category)
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

    def line(self, node) -> Line:
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
            type_code = t(ref, "cbc:DocumentTypeCode")
            if type_code in {None, "130"} and line.object_id is None:
                line.object_id = self.ident(ref, "cbc:ID")
                if type_code is None and line.object_id is not None:
                    src.warnings.append(ConversionWarning(src.path_of(ref), UNTYPED_LINE_REFERENCE, "BT-128"))
            else:
                src.used.discard(ref)
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
        price = src.first(node, "cac:Price")
        if price is not None:
            line.price.net_price = src.decimal(price, "cbc:PriceAmount", "BT-146")
            line.price.base_quantity = src.decimal(price, "cbc:BaseQuantity", "BT-149")
            line.price.base_quantity_unit = src.attr(price, "cbc:BaseQuantity", "unitCode")
            discount = src.first(price, "cac:AllowanceCharge")
            if discount is not None:
                if self.charge_indicator(discount, "BT-147"):
                    # A charge on the price has no EN 16931 term (BT-147 is a discount): left unread, so that it
                    # is reported with its path.
                    for name in ("cbc:ChargeIndicator", "cbc:Amount"):
                        src.used.discard(src.first(discount, name))
                else:
                    # Kept as written, 0 included: a zero the source states is a value (BT-147 = 0), not an absence.
                    line.price.discount = src.decimal(discount, "cbc:Amount", "BT-147")
                line.price.gross_price = src.decimal(discount, "cbc:BaseAmount", "BT-148")
        return line

    def item(self, node, line: Line) -> Item:
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
            self.mark_tax_scheme(category)
            line.vat.category = t(category, "cbc:ID")
            line.vat.rate = src.decimal(category, "cbc:Percent", "BT-152")
        for prop in src.all(node, "cac:AdditionalItemProperty"):
            item.attributes.append(ItemAttribute(t(prop, "cbc:Name"), t(prop, "cbc:Value")))
        return item
