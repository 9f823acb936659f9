"""Read a UN/CEFACT CII D16B CrossIndustryInvoice into the EN 16931 model (the CEN CII binding).

Also reads the Factur-X / ZUGFeRD profiles (MINIMUM, BASIC WL, BASIC, EN16931, EXTENDED): what the
model holds is kept, anything else is reported as a warning with its path.
"""

from __future__ import annotations

from datetime import date

from lxml import etree

from ..errors import ConversionWarning, InvalidValue, second_value
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
from ..values import parse_boolean, parse_coded_date
from ..xml import Node, XmlSource, element_text, refused
from .names import NS

# BT-8 is coded with UNTDID 2005 in the model (and UBL), with UNTDID 2475 in CII.
TAX_POINT_CODE_FROM_CII = {"5": "3", "29": "35", "72": "432"}
TAX_POINT_CODE_TO_CII = {v: k for k, v in TAX_POINT_CODE_FROM_CII.items()}
UNTYPED_HEADER_REFERENCE = (
    "a document reference without a type code is read as a supporting document (BG-24); EN 16931 binds BG-24 to "
    "type code 916, so the reference may have been meant as something else (a tender or lot, an invoiced object)"
)
UNTYPED_LINE_REFERENCE = (
    "a line document reference without a type code is read as the invoice line object identifier (BT-128); "
    "EN 16931 binds BT-128 to type code 130, so the reference may have been meant as something else"
)


def read_cii(root: etree._Element) -> tuple[Invoice, list[ConversionWarning]]:
    src = XmlSource(root, NS)
    invoice = _CiiReader(src, root).read()
    return invoice, src.conversion_warnings()


class _CiiReader:
    def __init__(self, src: XmlSource, root: etree._Element) -> None:
        self.src, self.root = src, root

    # -- reads shared by the document and its lines ---------------------------------------------
    def date(self, node: Node, path: str, term: str) -> date | None:
        """udt:DateTimeString / qdt:DateTimeString / udt:DateString with format 102 (YYYYMMDD)."""
        element = self.src.first(node, path)
        raw = element_text(element)
        if element is None or raw is None:
            return None
        fmt = element.get("format", "102")
        try:
            return parse_coded_date(raw, fmt)
        except ValueError as exc:
            raise InvalidValue(
                refused(term, raw, f"not a date in format {fmt} ({exc})"),
                path=self.src.path_of(element),
                term=term,
            ) from None

    def ident(self, node: Node, path: str) -> Identifier | None:
        value = self.src.text(node, path)
        return Identifier(value, self.src.attr(node, path, "schemeID")) if value else None

    def party_id(self, party: Node, single: str | None = None) -> list[Identifier]:
        """ram:ID (no scheme) then ram:GlobalID (with scheme). `single`: the term of a party that has one identifier
        (BT-46, BT-60, BT-71): the first is kept, every further one is reported as a second value."""
        found = []
        for element in self.src.all(party, "ram:ID") + self.src.all(party, "ram:GlobalID"):
            value = element_text(element)
            if value:
                found.append((element, Identifier(value, element.get("schemeID"))))
        if single:
            for element, _ in found[1:]:
                self.second_value(element, single)
            found = found[:1]
        return [identifier for _, identifier in found]

    def second_value(self, element: Node, term: str) -> None:
        """A second value of a single-valued term: reported as such, with its path (not as an unknown element)."""
        if element is None:
            return
        self.src.consume_subtree(element)
        self.src.warn(second_value(self.src.path_of(element), term, element_text(element)))

    def address(self, node: Node) -> Address | None:
        if node is None:
            return None
        t = self.src.text
        return Address(
            line1=t(node, "ram:LineOne"),
            line2=t(node, "ram:LineTwo"),
            line3=t(node, "ram:LineThree"),
            city=t(node, "ram:CityName"),
            post_code=t(node, "ram:PostcodeCode"),
            country_subdivision=t(node, "ram:CountrySubDivisionName"),
            country_code=t(node, "ram:CountryID"),
        )

    def contact(self, party: Node) -> Contact | None:
        node = self.src.first(party, "ram:DefinedTradeContact")
        if node is None:
            return None
        t = self.src.text
        # The CEN CII binding maps BT-41 to both PersonName and DepartmentName: the person first.
        person, department = t(node, "ram:PersonName"), t(node, "ram:DepartmentName")
        if person and department:
            self.second_value(self.src.first(node, "ram:DepartmentName"), "BT-41")
        contact = Contact(
            name=person or department,
            telephone=t(node, "ram:TelephoneUniversalCommunication/ram:CompleteNumber"),
            email=t(node, "ram:EmailURIUniversalCommunication/ram:URIID"),
        )
        return contact if any((contact.name, contact.telephone, contact.email)) else None

    def tax_registrations(self, party: Node) -> dict[str, str]:
        out = {}
        for element in self.src.all(party, "ram:SpecifiedTaxRegistration/ram:ID"):
            value = element_text(element)
            if value:
                out[element.get("schemeID", "VA")] = value
        return out

    def indicator(self, node: etree._Element, term: str = "BG-20/BG-21") -> bool:
        """ram:ChargeIndicator/udt:Indicator, an xsd:boolean (true/false/1/0), required on every allowance/charge."""
        element = self.src.first(node, "ram:ChargeIndicator/udt:Indicator")
        raw = element_text(element)
        if element is None or raw is None:
            raise InvalidValue(f"{term}: ram:ChargeIndicator is missing", path=self.src.path_of(node), term=term)
        try:
            return parse_boolean(raw)
        except ValueError as exc:
            raise InvalidValue(refused(term, raw, exc), path=self.src.path_of(element), term=term) from None

    # -- document -------------------------------------------------------------------------------
    def read(self) -> Invoice:
        src, root, t = self.src, self.root, self.src.text
        inv = Invoice()
        context = src.first(root, "rsm:ExchangedDocumentContext")
        inv.process.business_process = t(context, "ram:BusinessProcessSpecifiedDocumentContextParameter/ram:ID")
        inv.process.specification_id = t(context, "ram:GuidelineSpecifiedDocumentContextParameter/ram:ID")
        document = src.first(root, "rsm:ExchangedDocument")
        inv.number = t(document, "ram:ID")
        inv.type_code = t(document, "ram:TypeCode")
        inv.issue_date = self.date(document, "ram:IssueDateTime/udt:DateTimeString", "BT-2")
        for note in src.all(document, "ram:IncludedNote"):
            content, subject = src.free_text(note, "ram:Content"), t(note, "ram:SubjectCode")
            if content or subject:
                inv.notes.append(Note(text=content, subject_code=subject))
        transaction = src.first(root, "rsm:SupplyChainTradeTransaction")
        self.agreement(inv, src.first(transaction, "ram:ApplicableHeaderTradeAgreement"))
        self.delivery(inv, src.first(transaction, "ram:ApplicableHeaderTradeDelivery"))
        self.settlement(inv, src.first(transaction, "ram:ApplicableHeaderTradeSettlement"))
        inv.lines = [self.line(node) for node in src.all(transaction, "ram:IncludedSupplyChainTradeLineItem")]
        return inv

    def agreement(self, inv: Invoice, node: Node) -> None:
        src, t = self.src, self.src.text
        if node is None:
            return
        inv.buyer_reference = t(node, "ram:BuyerReference")
        inv.seller = self.seller(src.first(node, "ram:SellerTradeParty"))
        inv.buyer = self.buyer(src.first(node, "ram:BuyerTradeParty"))
        inv.tax_representative = self.tax_representative(src.first(node, "ram:SellerTaxRepresentativeTradeParty"))
        inv.sales_order_reference = t(node, "ram:SellerOrderReferencedDocument/ram:IssuerAssignedID")
        inv.purchase_order_reference = t(node, "ram:BuyerOrderReferencedDocument/ram:IssuerAssignedID")
        inv.contract_reference = t(node, "ram:ContractReferencedDocument/ram:IssuerAssignedID")
        for doc in src.all(node, "ram:AdditionalReferencedDocument"):
            self.header_reference(inv, doc)
        project = src.first(node, "ram:SpecifiedProcuringProject")
        if project is not None:
            inv.project_reference = t(project, "ram:ID")
            src.consume(project, "ram:Name")  # the schema requires a name; EN 16931 has no term for it

    def tax_representative(self, party: Node) -> TaxRepresentative | None:
        if party is None:
            return None
        return TaxRepresentative(
            name=self.src.text(party, "ram:Name"),
            vat_id=self.tax_registrations(party).get("VA"),
            address=self.address(self.src.first(party, "ram:PostalTradeAddress")) or Address(),
        )

    def header_reference(self, inv: Invoice, doc: etree._Element) -> None:
        """A document reference, told apart by its type code: tender (50), invoiced object (130) or, with any other
        code, a supporting document (BG-24, bound to 916)."""
        src, t = self.src, self.src.text
        type_code = t(doc, "ram:TypeCode")
        if type_code == "50":
            inv.tender_reference = t(doc, "ram:IssuerAssignedID")
            return
        if type_code == "130":
            value = t(doc, "ram:IssuerAssignedID")
            inv.invoiced_object_id = Identifier(value, t(doc, "ram:ReferenceTypeCode")) if value else None
            return
        if type_code is None:
            src.warn(ConversionWarning(src.path_of(doc), UNTYPED_HEADER_REFERENCE, "BG-24"))
        elif type_code != "916":
            src.release(doc, "ram:TypeCode")  # a code EN 16931 has no term for: reported as not held
        inv.supporting_documents.append(self.supporting_document(doc))

    def supporting_document(self, doc: etree._Element) -> SupportingDocument:
        src, t = self.src, self.src.text
        out = SupportingDocument(
            reference=t(doc, "ram:IssuerAssignedID"),
            description=t(doc, "ram:Name"),
            external_location=t(doc, "ram:URIID"),
        )
        binary = src.first(doc, "ram:AttachmentBinaryObject")
        if binary is not None:
            out.attachment = src.attachment(binary)
        return out

    def seller(self, party: Node) -> Seller:
        src, t = self.src, self.src.text
        seller = Seller()
        if party is None:
            return seller
        seller.identifiers = self.party_id(party)
        seller.name = t(party, "ram:Name")
        seller.additional_legal_info = t(party, "ram:Description")
        legal = src.first(party, "ram:SpecifiedLegalOrganization")
        seller.legal_registration_id = self.ident(legal, "ram:ID")
        seller.trading_name = t(legal, "ram:TradingBusinessName")
        seller.contact = self.contact(party)
        seller.address = self.address(src.first(party, "ram:PostalTradeAddress")) or Address()
        seller.electronic_address = self.ident(party, "ram:URIUniversalCommunication/ram:URIID")
        registrations = self.tax_registrations(party)
        seller.vat_id, seller.tax_registration_id = registrations.get("VA"), registrations.get("FC")
        return seller

    def buyer(self, party: Node) -> Buyer:
        src, t = self.src, self.src.text
        buyer = Buyer()
        if party is None:
            return buyer
        ids = self.party_id(party, single="BT-46")
        buyer.identifier = ids[0] if ids else None
        buyer.name = t(party, "ram:Name")
        legal = src.first(party, "ram:SpecifiedLegalOrganization")
        buyer.legal_registration_id = self.ident(legal, "ram:ID")
        buyer.trading_name = t(legal, "ram:TradingBusinessName")
        buyer.contact = self.contact(party)
        buyer.address = self.address(src.first(party, "ram:PostalTradeAddress")) or Address()
        buyer.electronic_address = self.ident(party, "ram:URIUniversalCommunication/ram:URIID")
        buyer.vat_id = self.tax_registrations(party).get("VA")
        return buyer

    def delivery(self, inv: Invoice, node: Node) -> None:
        src, t = self.src, self.src.text
        if node is None:
            return
        ship_to = src.first(node, "ram:ShipToTradeParty")
        actual = self.date(
            node, "ram:ActualDeliverySupplyChainEvent/ram:OccurrenceDateTime/udt:DateTimeString", "BT-72"
        )
        if ship_to is not None or actual is not None:
            delivery = Delivery(actual_date=actual)
            if ship_to is not None:
                ids = self.party_id(ship_to, single="BT-71")
                delivery.location_id = ids[0] if ids else None
                delivery.party_name = t(ship_to, "ram:Name")
                delivery.address = self.address(src.first(ship_to, "ram:PostalTradeAddress"))
            if any((delivery.actual_date, delivery.location_id, delivery.party_name, delivery.address)):
                inv.delivery = delivery
        inv.despatch_advice_reference = t(node, "ram:DespatchAdviceReferencedDocument/ram:IssuerAssignedID")
        inv.receiving_advice_reference = t(node, "ram:ReceivingAdviceReferencedDocument/ram:IssuerAssignedID")

    # -- settlement -----------------------------------------------------------------------------
    def settlement(self, inv: Invoice, node: Node) -> None:
        src, t = self.src, self.src.text
        if node is None:
            return
        creditor_id = t(node, "ram:CreditorReferenceID")
        payment = PaymentInstructions(remittance_information=t(node, "ram:PaymentReference"))
        inv.tax_currency = t(node, "ram:TaxCurrencyCode")
        inv.currency = t(node, "ram:InvoiceCurrencyCode")
        inv.payee = self.payee(src.first(node, "ram:PayeeTradeParty"))
        for index, means in enumerate(src.all(node, "ram:SpecifiedTradeSettlementPaymentMeans")):
            self.payment_means(payment, means, index)
        for tax in src.all(node, "ram:ApplicableTradeTax"):
            self.vat_breakdown(inv, tax)
        self.invoicing_period(inv, src.first(node, "ram:BillingSpecifiedPeriod"))
        for ac in src.all(node, "ram:SpecifiedTradeAllowanceCharge"):
            self.document_allowance_charge(inv, ac)
        for index, terms in enumerate(src.all(node, "ram:SpecifiedTradePaymentTerms")):
            self.payment_terms(inv, payment, terms, index)
        if creditor_id:
            direct_debit_of(payment).creditor_id = creditor_id
        if any(
            (
                payment.means_code,
                payment.remittance_information,
                payment.credit_transfers,
                payment.card,
                payment.direct_debit,
            )
        ):
            inv.payment = payment
        self.totals(inv, src.first(node, "ram:SpecifiedTradeSettlementHeaderMonetarySummation"))
        for preceding in src.all(node, "ram:InvoiceReferencedDocument"):
            inv.preceding_invoices.append(self.preceding_invoice(preceding))
        inv.buyer_accounting_reference = t(node, "ram:ReceivableSpecifiedTradeAccountingAccount/ram:ID")

    def payee(self, party: Node) -> Payee | None:
        if party is None:
            return None
        ids = self.party_id(party, single="BT-60")
        return Payee(
            name=self.src.text(party, "ram:Name"),
            identifier=ids[0] if ids else None,
            legal_registration_id=self.ident(party, "ram:SpecifiedLegalOrganization/ram:ID"),
        )

    def payment_means(self, payment: PaymentInstructions, means: etree._Element, index: int) -> None:
        """One ram:SpecifiedTradeSettlementPaymentMeans. CII repeats the means per account, EN 16931 holds one code
        and text (BT-81, BT-82): the first are kept, a differing one in a later repetition is reported."""
        src, t = self.src, self.src.text
        code, info = t(means, "ram:TypeCode"), t(means, "ram:Information")
        if index == 0:
            payment.means_code, payment.means_text = code, info
        else:
            if code != payment.means_code:
                self.second_value(src.first(means, "ram:TypeCode"), "BT-81")
            if info != payment.means_text:
                self.second_value(src.first(means, "ram:Information"), "BT-82")
        card = src.first(means, "ram:ApplicableTradeSettlementFinancialCard")
        if card is not None:
            payment.card = PaymentCard(t(card, "ram:ID"), t(card, "ram:CardholderName"))
        debtor = t(means, "ram:PayerPartyDebtorFinancialAccount/ram:IBANID")
        if debtor:
            direct_debit_of(payment).debited_account_id = debtor
        account = src.first(means, "ram:PayeePartyCreditorFinancialAccount")
        if account is not None:
            payment.credit_transfers.append(self.credit_transfer(means, account))

    def credit_transfer(self, means: etree._Element, account: etree._Element) -> CreditTransfer:
        src, t = self.src, self.src.text
        # BT-84 is the IBAN or, without one, the proprietary account identifier.
        iban, proprietary = t(account, "ram:IBANID"), t(account, "ram:ProprietaryID")
        if iban and proprietary:
            self.second_value(src.first(account, "ram:ProprietaryID"), "BT-84")
        return CreditTransfer(
            account_id=iban or proprietary,
            account_name=t(account, "ram:AccountName"),
            service_provider_id=t(means, "ram:PayeeSpecifiedCreditorFinancialInstitution/ram:BICID"),
        )

    def vat_breakdown(self, inv: Invoice, tax: etree._Element) -> None:
        src, t = self.src, self.src.text
        src.consume(tax, "ram:TypeCode")  # "VAT": the only tax EN 16931 knows
        # CII repeats BT-7/BT-8 in every breakdown; the model holds one value: a differing one is reported.
        point_date = self.date(tax, "ram:TaxPointDate/udt:DateString", "BT-7")
        due_code = t(tax, "ram:DueDateTypeCode")
        point_code = TAX_POINT_CODE_FROM_CII.get(due_code, due_code) if due_code is not None else None
        if inv.tax_point_date is None:
            inv.tax_point_date = point_date
        elif point_date is not None and point_date != inv.tax_point_date:
            self.second_value(src.first(tax, "ram:TaxPointDate/udt:DateString"), "BT-7")
        if inv.tax_point_date_code is None:
            inv.tax_point_date_code = point_code
        elif point_code is not None and point_code != inv.tax_point_date_code:
            self.second_value(src.first(tax, "ram:DueDateTypeCode"), "BT-8")
        inv.vat_breakdown.append(
            VatBreakdown(
                taxable_amount=src.decimal(tax, "ram:BasisAmount", "BT-116"),
                tax_amount=src.decimal(tax, "ram:CalculatedAmount", "BT-117"),
                category=t(tax, "ram:CategoryCode"),
                rate=src.decimal(tax, "ram:RateApplicablePercent", "BT-119"),
                exemption_reason=t(tax, "ram:ExemptionReason"),
                exemption_reason_code=t(tax, "ram:ExemptionReasonCode"),
            )
        )

    def invoicing_period(self, inv: Invoice, period: Node) -> None:
        if period is None:
            return
        start = self.date(period, "ram:StartDateTime/udt:DateTimeString", "BT-73")
        end = self.date(period, "ram:EndDateTime/udt:DateTimeString", "BT-74")
        if start or end:
            inv.delivery = inv.delivery or Delivery()
            inv.delivery.invoicing_period = Period(start, end)

    def document_allowance_charge(self, inv: Invoice, ac: etree._Element) -> None:
        src, t = self.src, self.src.text
        item = AllowanceCharge(
            amount=src.decimal(ac, "ram:ActualAmount", "BT-92/BT-99"),
            base_amount=src.decimal(ac, "ram:BasisAmount", "BT-93/BT-100"),
            percentage=src.decimal(ac, "ram:CalculationPercent", "BT-94/BT-101"),
            vat_category=t(ac, "ram:CategoryTradeTax/ram:CategoryCode"),
            vat_rate=src.decimal(ac, "ram:CategoryTradeTax/ram:RateApplicablePercent", "BT-96/BT-103"),
            reason=t(ac, "ram:Reason"),
            reason_code=t(ac, "ram:ReasonCode"),
        )
        src.consume(ac, "ram:CategoryTradeTax/ram:TypeCode")  # "VAT": the only tax EN 16931 knows
        (inv.charges if self.indicator(ac) else inv.allowances).append(item)

    def payment_terms(self, inv: Invoice, payment: PaymentInstructions, terms: etree._Element, index: int) -> None:
        """One ram:SpecifiedTradePaymentTerms: the first description is BT-20 (a further one is reported), the first
        due date BT-9, and each carries the mandate of a direct debit (BT-89)."""
        src = self.src
        description = src.free_text(terms, "ram:Description")
        if index == 0:
            inv.payment_terms = description
        elif description:
            self.second_value(src.first(terms, "ram:Description"), "BT-20")
        inv.due_date = inv.due_date or self.date(terms, "ram:DueDateDateTime/udt:DateTimeString", "BT-9")
        mandate = src.text(terms, "ram:DirectDebitMandateID")
        if mandate:
            direct_debit_of(payment).mandate_reference = mandate

    def totals(self, inv: Invoice, node: Node) -> None:
        src, totals = self.src, inv.totals
        if node is None:
            return
        totals.line_net_total = src.decimal(node, "ram:LineTotalAmount", "BT-106")
        totals.charge_total = src.decimal(node, "ram:ChargeTotalAmount", "BT-108")
        totals.allowance_total = src.decimal(node, "ram:AllowanceTotalAmount", "BT-107")
        totals.tax_exclusive = src.decimal(node, "ram:TaxBasisTotalAmount", "BT-109")
        for element in src.all(node, "ram:TaxTotalAmount"):
            currency = element.get("currencyID")
            value = src.decimal(element, ".", "BT-110")
            if currency and inv.tax_currency and currency == inv.tax_currency and currency != inv.currency:
                totals.vat_total_accounting = value
            elif totals.vat_total is None:
                totals.vat_total = value
            else:
                totals.vat_total_accounting = value
        totals.rounding = src.decimal(node, "ram:RoundingAmount", "BT-114")
        totals.tax_inclusive = src.decimal(node, "ram:GrandTotalAmount", "BT-112")
        totals.prepaid = src.decimal(node, "ram:TotalPrepaidAmount", "BT-113")
        totals.payable = src.decimal(node, "ram:DuePayableAmount", "BT-115")

    def preceding_invoice(self, preceding: etree._Element) -> PrecedingInvoice:
        return PrecedingInvoice(
            self.src.text(preceding, "ram:IssuerAssignedID"),
            self.date(preceding, "ram:FormattedIssueDateTime/qdt:DateTimeString", "BT-26"),
        )

    # -- lines ----------------------------------------------------------------------------------
    def line(self, node: etree._Element) -> Line:
        src, t = self.src, self.src.text
        line = Line()
        doc = src.first(node, "ram:AssociatedDocumentLineDocument")
        line.id = t(doc, "ram:LineID")
        line.note = t(doc, "ram:IncludedNote/ram:Content")
        self.item(line.item, src.first(node, "ram:SpecifiedTradeProduct"))
        self.price(line, src.first(node, "ram:SpecifiedLineTradeAgreement"))
        delivery = src.first(node, "ram:SpecifiedLineTradeDelivery")
        line.quantity = src.decimal(delivery, "ram:BilledQuantity", "BT-129")
        line.unit_code = src.attr(delivery, "ram:BilledQuantity", "unitCode")
        self.line_settlement(line, src.first(node, "ram:SpecifiedLineTradeSettlement"))
        return line

    def item(self, item: Item, product: Node) -> None:
        src, t = self.src, self.src.text
        if product is None:
            return
        item.standard_id = self.ident(product, "ram:GlobalID")
        item.seller_id = t(product, "ram:SellerAssignedID")
        item.buyer_id = t(product, "ram:BuyerAssignedID")
        item.name = t(product, "ram:Name")
        item.description = t(product, "ram:Description")
        for characteristic in src.all(product, "ram:ApplicableProductCharacteristic"):
            item.attributes.append(ItemAttribute(t(characteristic, "ram:Description"), t(characteristic, "ram:Value")))
        for code in src.all(product, "ram:DesignatedProductClassification/ram:ClassCode"):
            value = element_text(code)
            if value:
                item.classifications.append(Identifier(value, code.get("listID"), code.get("listVersionID")))
        item.origin_country = t(product, "ram:OriginTradeCountry/ram:ID")

    def price(self, line: Line, agreement: Node) -> None:
        """BG-29 from the line agreement: the gross price with its discount, the net price, the base quantity."""
        src = self.src
        line.order_line_reference = src.text(agreement, "ram:BuyerOrderReferencedDocument/ram:LineID")
        gross = src.first(agreement, "ram:GrossPriceProductTradePrice")
        if gross is not None:
            line.price.gross_price = src.decimal(gross, "ram:ChargeAmount", "BT-148")
            discount = src.first(gross, "ram:AppliedTradeAllowanceCharge")
            if discount is not None:
                self.price_discount(line, discount)
        net = src.first(agreement, "ram:NetPriceProductTradePrice")
        if net is not None:
            line.price.net_price = src.decimal(net, "ram:ChargeAmount", "BT-146")
        self.base_quantity(line, gross, net)

    def price_discount(self, line: Line, discount: etree._Element) -> None:
        src = self.src
        if self.indicator(discount, "BT-147"):
            # A charge on the gross price has no EN 16931 term (BT-147 is a discount): left unread, so that it is
            # reported with its path.
            src.release(discount, "ram:ChargeIndicator/udt:Indicator")
            src.release(discount, "ram:ActualAmount")
        else:
            # Kept as written, 0 included: a zero the source states is a value (BT-147 = 0), not an absence.
            line.price.discount = src.decimal(discount, "ram:ActualAmount", "BT-147")

    def line_settlement(self, line: Line, settlement: Node) -> None:
        src, t = self.src, self.src.text
        tax = src.first(settlement, "ram:ApplicableTradeTax")
        if tax is not None:
            src.consume(tax, "ram:TypeCode")  # "VAT": the only tax EN 16931 knows
            line.vat.category = t(tax, "ram:CategoryCode")
            line.vat.rate = src.decimal(tax, "ram:RateApplicablePercent", "BT-152")
        period = src.first(settlement, "ram:BillingSpecifiedPeriod")
        if period is not None:
            line.period = Period(
                self.date(period, "ram:StartDateTime/udt:DateTimeString", "BT-134"),
                self.date(period, "ram:EndDateTime/udt:DateTimeString", "BT-135"),
            )
        for ac in src.all(settlement, "ram:SpecifiedTradeAllowanceCharge"):
            item_ac = LineAllowanceCharge(
                amount=src.decimal(ac, "ram:ActualAmount", "BT-136/BT-141"),
                base_amount=src.decimal(ac, "ram:BasisAmount", "BT-137/BT-142"),
                percentage=src.decimal(ac, "ram:CalculationPercent", "BT-138/BT-143"),
                reason=t(ac, "ram:Reason"),
                reason_code=t(ac, "ram:ReasonCode"),
            )
            (line.charges if self.indicator(ac, "BG-27/BG-28") else line.allowances).append(item_ac)
        line.net_amount = src.decimal(
            settlement, "ram:SpecifiedTradeSettlementLineMonetarySummation/ram:LineTotalAmount", "BT-131"
        )
        for ref in src.all(settlement, "ram:AdditionalReferencedDocument"):
            self.line_reference(line, ref)
        line.accounting_reference = t(settlement, "ram:ReceivableSpecifiedTradeAccountingAccount/ram:ID")

    def line_reference(self, line: Line, ref: etree._Element) -> None:
        """BT-128, the line's object identifier: the first reference typed 130 (or untyped, with a warning); any
        other is left unread, so that it is reported as not held."""
        src, t = self.src, self.src.text
        type_code = t(ref, "ram:TypeCode")
        if type_code not in {None, "130"} or line.object_id is not None:
            src.release(ref)
            return
        value = t(ref, "ram:IssuerAssignedID")
        line.object_id = Identifier(value, t(ref, "ram:ReferenceTypeCode")) if value else None
        if type_code is None and value:
            src.warn(ConversionWarning(src.path_of(ref), UNTYPED_LINE_REFERENCE, "BT-128"))

    def base_quantity(self, line: Line, gross: Node, net: Node) -> None:
        """BT-149/BT-150: CII states a base quantity on the gross and on the net price, EN 16931 one per line.

        The net price's is kept (it is the one BT-146 is per, and the one the CEN CII binding names); the gross
        price's is read only when the net price has none. Two that differ are reported on the gross one's path.
        """
        src = self.src
        net_base = src.decimal(net, "ram:BasisQuantity", "BT-149")
        net_unit = src.attr(net, "ram:BasisQuantity", "unitCode")
        gross_quantity = src.first(gross, "ram:BasisQuantity")
        gross_base = src.decimal(gross, "ram:BasisQuantity", "BT-149")
        gross_unit = src.attr(gross, "ram:BasisQuantity", "unitCode")
        if net_base is None:
            line.price.base_quantity, line.price.base_quantity_unit = gross_base, gross_unit
            return
        line.price.base_quantity, line.price.base_quantity_unit = net_base, net_unit
        if gross_quantity is not None and gross_base is not None and (gross_base, gross_unit) != (net_base, net_unit):
            gross_text = " ".join(filter(None, (str(gross_base), gross_unit)))
            net_text = " ".join(filter(None, (str(net_base), net_unit)))
            src.warn(
                ConversionWarning(
                    src.path_of(gross_quantity),
                    f"the gross price's base quantity ({gross_text}) differs from the net price's ({net_text}); "
                    "EN 16931 holds one per line: the net price's is kept",
                    "BT-149",
                )
            )


def direct_debit_of(payment: PaymentInstructions) -> DirectDebit:
    """BG-19 of the payment, created by the first term that belongs to it (mandate, debited account, creditor)."""
    if payment.direct_debit is None:
        payment.direct_debit = DirectDebit()
    return payment.direct_debit
