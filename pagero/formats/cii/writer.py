"""Write the EN 16931 model as a UN/CEFACT CII D16B CrossIndustryInvoice (EN 16931 / XRechnung / Factur-X).

Elements are emitted in the order of the D16B schema. Where CII has room for less than the model
(one preceding invoice, one buyer identifier, ...), a warning names the term.
"""

from __future__ import annotations

import base64
from datetime import date
from decimal import Decimal

from lxml import etree

from ..errors import ConversionNote, ConversionWarning
from ..model import (
    Address,
    AllowanceCharge,
    Contact,
    CreditTransfer,
    Identifier,
    Invoice,
    Item,
    Line,
    LineAllowanceCharge,
    PaymentInstructions,
    Period,
    PrecedingInvoice,
    SupportingDocument,
)
from ..values import ccyymmdd, text
from .names import QDT, RAM, RSM, UDT
from .reader import TAX_POINT_CODE_TO_CII

NSMAP = {"rsm": RSM, "ram": RAM, "udt": UDT, "qdt": QDT}
SETTLEMENT = "/rsm:CrossIndustryInvoice/rsm:SupplyChainTradeTransaction/ram:ApplicableHeaderTradeSettlement"


def ram(parent: etree._Element, name: str, value: object = None, /, **attrs: str | None) -> etree._Element:
    element = etree.SubElement(parent, f"{{{RAM}}}{name}")
    if value is not None:
        element.text = text(value)
    for key, attr in attrs.items():
        if attr is not None:
            element.set(key, attr)
    return element


def opt(parent: etree._Element, name: str, value: object, /, **attrs: str | None) -> None:
    if value is not None:
        ram(parent, name, value, **attrs)


def date_time(parent: etree._Element, name: str, value: date | None, kind: str = "udt") -> None:
    if value is None:
        return
    holder = ram(parent, name)
    ns = UDT if kind == "udt" else QDT
    element = etree.SubElement(holder, f"{{{ns}}}DateTimeString", format="102")
    element.text = ccyymmdd(value)


def write_cii(inv: Invoice) -> tuple[bytes, list[ConversionWarning]]:
    return _CiiWriter(inv).write()


class _CiiWriter:
    def __init__(self, inv: Invoice) -> None:
        self.inv = inv
        self.warnings: list[ConversionWarning] = []

    def warn(self, path: str, message: str, term: str) -> None:
        self.warnings.append(ConversionWarning(path=path, message=message, term=term))

    def write(self) -> tuple[bytes, list[ConversionWarning]]:
        inv = self.inv
        root = etree.Element(f"{{{RSM}}}CrossIndustryInvoice", nsmap=NSMAP)
        context = etree.SubElement(root, f"{{{RSM}}}ExchangedDocumentContext")
        if inv.process.business_process:
            opt(ram(context, "BusinessProcessSpecifiedDocumentContextParameter"), "ID", inv.process.business_process)
        opt(ram(context, "GuidelineSpecifiedDocumentContextParameter"), "ID", inv.process.specification_id)
        document = etree.SubElement(root, f"{{{RSM}}}ExchangedDocument")
        opt(document, "ID", inv.number)
        opt(document, "TypeCode", inv.type_code)
        date_time(document, "IssueDateTime", inv.issue_date)
        for note in inv.notes:
            node = ram(document, "IncludedNote")
            opt(node, "Content", note.text)
            opt(node, "SubjectCode", note.subject_code)
        transaction = etree.SubElement(root, f"{{{RSM}}}SupplyChainTradeTransaction")
        for line in inv.lines:
            self.line(transaction, line)
        self.agreement(ram(transaction, "ApplicableHeaderTradeAgreement"))
        self.delivery(ram(transaction, "ApplicableHeaderTradeDelivery"))
        self.settlement(ram(transaction, "ApplicableHeaderTradeSettlement"))
        return etree.tostring(root, xml_declaration=True, encoding="UTF-8"), self.warnings

    # -- parties --------------------------------------------------------------------------------
    def ids(self, party: etree._Element, identifiers: list[Identifier]) -> None:
        for identifier in identifiers:
            if identifier.scheme is None:
                ram(party, "ID", identifier.value)
        for identifier in identifiers:
            if identifier.scheme is not None:
                ram(party, "GlobalID", identifier.value, schemeID=identifier.scheme)

    def address(self, party: etree._Element, address: Address | None) -> None:
        if address is None:
            return
        node = ram(party, "PostalTradeAddress")
        opt(node, "PostcodeCode", address.post_code)
        opt(node, "LineOne", address.line1)
        opt(node, "LineTwo", address.line2)
        opt(node, "LineThree", address.line3)
        opt(node, "CityName", address.city)
        opt(node, "CountryID", address.country_code)
        opt(node, "CountrySubDivisionName", address.country_subdivision)

    def contact(self, party: etree._Element, contact: Contact | None) -> None:
        if contact is None:
            return
        node = ram(party, "DefinedTradeContact")
        opt(node, "PersonName", contact.name)
        if contact.telephone:
            ram(ram(node, "TelephoneUniversalCommunication"), "CompleteNumber", contact.telephone)
        if contact.email:
            ram(ram(node, "EmailURIUniversalCommunication"), "URIID", contact.email)

    def legal(self, party: etree._Element, legal_id: Identifier | None, trading_name: str | None) -> None:
        if legal_id is None and trading_name is None:
            return
        node = ram(party, "SpecifiedLegalOrganization")
        if legal_id is not None:
            ram(node, "ID", legal_id.value, schemeID=legal_id.scheme)
        opt(node, "TradingBusinessName", trading_name)

    def endpoint(self, party: etree._Element, identifier: Identifier | None) -> None:
        if identifier is not None:
            ram(ram(party, "URIUniversalCommunication"), "URIID", identifier.value, schemeID=identifier.scheme)

    def tax_registration(self, party: etree._Element, value: str | None, scheme: str) -> None:
        if value:
            ram(ram(party, "SpecifiedTaxRegistration"), "ID", value, schemeID=scheme)

    def agreement(self, node: etree._Element) -> None:
        inv = self.inv
        opt(node, "BuyerReference", inv.buyer_reference)
        self.seller(ram(node, "SellerTradeParty"))
        self.buyer(ram(node, "BuyerTradeParty"))
        if inv.tax_representative:
            rep, party = inv.tax_representative, ram(node, "SellerTaxRepresentativeTradeParty")
            opt(party, "Name", rep.name)
            self.address(party, rep.address)
            self.tax_registration(party, rep.vat_id, "VA")
        if inv.sales_order_reference:
            ram(ram(node, "SellerOrderReferencedDocument"), "IssuerAssignedID", inv.sales_order_reference)
        if inv.purchase_order_reference:
            ram(ram(node, "BuyerOrderReferencedDocument"), "IssuerAssignedID", inv.purchase_order_reference)
        if inv.contract_reference:
            ram(ram(node, "ContractReferencedDocument"), "IssuerAssignedID", inv.contract_reference)
        for doc in inv.supporting_documents:
            self.supporting_document(ram(node, "AdditionalReferencedDocument"), doc)
        if inv.tender_reference:
            ref = ram(node, "AdditionalReferencedDocument")
            ram(ref, "IssuerAssignedID", inv.tender_reference)
            ram(ref, "TypeCode", "50")
        if inv.invoiced_object_id:
            ref = ram(node, "AdditionalReferencedDocument")
            ram(ref, "IssuerAssignedID", inv.invoiced_object_id.value)
            ram(ref, "TypeCode", "130")
            opt(ref, "ReferenceTypeCode", inv.invoiced_object_id.scheme)
        if inv.project_reference:
            project = ram(node, "SpecifiedProcuringProject")
            ram(project, "ID", inv.project_reference)
            ram(project, "Name", "Project reference")  # required by the schema; no EN 16931 term

    def seller(self, party: etree._Element) -> None:
        seller = self.inv.seller
        self.ids(party, seller.identifiers)
        opt(party, "Name", seller.name)
        opt(party, "Description", seller.additional_legal_info)
        self.legal(party, seller.legal_registration_id, seller.trading_name)
        self.contact(party, seller.contact)
        self.address(party, seller.address)
        self.endpoint(party, seller.electronic_address)
        self.tax_registration(party, seller.vat_id, "VA")
        self.tax_registration(party, seller.tax_registration_id, "FC")

    def buyer(self, party: etree._Element) -> None:
        buyer = self.inv.buyer
        self.ids(party, [buyer.identifier] if buyer.identifier else [])
        opt(party, "Name", buyer.name)
        self.legal(party, buyer.legal_registration_id, buyer.trading_name)
        self.contact(party, buyer.contact)
        self.address(party, buyer.address)
        self.endpoint(party, buyer.electronic_address)
        self.tax_registration(party, buyer.vat_id, "VA")

    @staticmethod
    def supporting_document(ref: etree._Element, doc: SupportingDocument) -> None:
        opt(ref, "IssuerAssignedID", doc.reference)
        opt(ref, "URIID", doc.external_location)
        ram(ref, "TypeCode", "916")
        opt(ref, "Name", doc.description)
        if doc.attachment:
            ram(
                ref,
                "AttachmentBinaryObject",
                base64.b64encode(doc.attachment.content).decode("ascii"),
                mimeCode=doc.attachment.mime_code,
                filename=doc.attachment.filename,
            )

    def delivery(self, node: etree._Element) -> None:
        inv, delivery = self.inv, self.inv.delivery
        if delivery and (delivery.location_id or delivery.party_name or delivery.address):
            party = ram(node, "ShipToTradeParty")
            self.ids(party, [delivery.location_id] if delivery.location_id else [])
            opt(party, "Name", delivery.party_name)
            self.address(party, delivery.address)
        if delivery and delivery.actual_date:
            date_time(ram(node, "ActualDeliverySupplyChainEvent"), "OccurrenceDateTime", delivery.actual_date)
        if inv.despatch_advice_reference:
            ram(ram(node, "DespatchAdviceReferencedDocument"), "IssuerAssignedID", inv.despatch_advice_reference)
        if inv.receiving_advice_reference:
            ram(ram(node, "ReceivingAdviceReferencedDocument"), "IssuerAssignedID", inv.receiving_advice_reference)

    # -- settlement -----------------------------------------------------------------------------
    def settlement(self, node: etree._Element) -> None:
        inv, payment = self.inv, self.inv.payment
        debit = payment.direct_debit if payment else None
        opt(node, "CreditorReferenceID", debit.creditor_id if debit else None)
        opt(node, "PaymentReference", payment.remittance_information if payment else None)
        if self.tax_currency_is_invoice_currency():
            self.warnings.append(
                ConversionNote(
                    path=SETTLEMENT,
                    message=f"the VAT accounting currency equals the invoice currency ({inv.currency}), i.e. there is "
                    "no separate one: left out, as CII requires (BR-53), and with it the VAT total in accounting "
                    "currency, which is then the VAT total (BT-110) itself",
                    term="BT-6/BT-111",
                )
            )
        opt(node, "TaxCurrencyCode", self.tax_currency())
        opt(node, "InvoiceCurrencyCode", inv.currency)
        if inv.payee:
            party = ram(node, "PayeeTradeParty")
            self.ids(party, [inv.payee.identifier] if inv.payee.identifier else [])
            opt(party, "Name", inv.payee.name)
            self.legal(party, inv.payee.legal_registration_id, None)
        if payment:
            self.payment_means(node, payment)
        self.vat_breakdown(node)
        self.period(node, inv.delivery.invoicing_period if inv.delivery else None)
        for items, charge in ((inv.allowances, False), (inv.charges, True)):
            for item in items:
                self.document_allowance_charge(node, item, charge)
        mandate = debit.mandate_reference if debit else None
        if inv.payment_terms or inv.due_date or mandate:
            terms = ram(node, "SpecifiedTradePaymentTerms")
            opt(terms, "Description", inv.payment_terms)
            date_time(terms, "DueDateDateTime", inv.due_date)
            opt(terms, "DirectDebitMandateID", mandate)
        self.totals(ram(node, "SpecifiedTradeSettlementHeaderMonetarySummation"))
        self.preceding_invoices(node)
        if inv.buyer_accounting_reference:
            ram(ram(node, "ReceivableSpecifiedTradeAccountingAccount"), "ID", inv.buyer_accounting_reference)

    def payment_means(self, node: etree._Element, payment: PaymentInstructions) -> None:
        """BG-16: one ram:SpecifiedTradeSettlementPaymentMeans per credit transfer account (CII has one account per
        means); the card and the debited account go with the first."""
        debit = payment.direct_debit
        if not payment.means_code:
            if payment.credit_transfers or payment.card or (debit and debit.debited_account_id):
                self.warn("/rsm:CrossIndustryInvoice", "payment accounts need a payment means code in CII", "BT-81")
            return
        transfers: list[CreditTransfer | None] = [*payment.credit_transfers] or [None]
        for index, transfer in enumerate(transfers):
            means = ram(node, "SpecifiedTradeSettlementPaymentMeans")
            ram(means, "TypeCode", payment.means_code)
            opt(means, "Information", payment.means_text)
            if index == 0 and payment.card:
                card = ram(means, "ApplicableTradeSettlementFinancialCard")
                opt(card, "ID", payment.card.primary_account_number)
                opt(card, "CardholderName", payment.card.holder_name)
            if index == 0 and debit and debit.debited_account_id:
                ram(ram(means, "PayerPartyDebtorFinancialAccount"), "IBANID", debit.debited_account_id)
            if transfer is not None:
                account = ram(means, "PayeePartyCreditorFinancialAccount")
                opt(account, "IBANID", transfer.account_id)
                opt(account, "AccountName", transfer.account_name)
                if transfer.service_provider_id:
                    bank = ram(means, "PayeeSpecifiedCreditorFinancialInstitution")
                    ram(bank, "BICID", transfer.service_provider_id)

    def vat_breakdown(self, node: etree._Element) -> None:
        inv = self.inv
        for index, breakdown in enumerate(inv.vat_breakdown):
            tax = ram(node, "ApplicableTradeTax")
            opt(tax, "CalculatedAmount", breakdown.tax_amount)
            ram(tax, "TypeCode", "VAT")
            opt(tax, "ExemptionReason", breakdown.exemption_reason)
            opt(tax, "BasisAmount", breakdown.taxable_amount)
            opt(tax, "CategoryCode", breakdown.category)
            opt(tax, "ExemptionReasonCode", breakdown.exemption_reason_code)
            if index == 0 and inv.tax_point_date:  # once only (CII-SR-461)
                holder = ram(tax, "TaxPointDate")
                element = etree.SubElement(holder, f"{{{UDT}}}DateString", format="102")
                element.text = ccyymmdd(inv.tax_point_date)
            if index == 0 and inv.tax_point_date_code:
                code = inv.tax_point_date_code
                ram(tax, "DueDateTypeCode", TAX_POINT_CODE_TO_CII.get(code, code))
            opt(tax, "RateApplicablePercent", breakdown.rate)
        if not inv.vat_breakdown and (inv.tax_point_date or inv.tax_point_date_code):
            self.warn(
                "/rsm:CrossIndustryInvoice",
                "CII holds the VAT point date in the VAT breakdown, and there is none",
                "BT-7",
            )

    def document_allowance_charge(self, node: etree._Element, item: AllowanceCharge, charge: bool) -> None:
        """BG-20/BG-21: the fields lines share, then the VAT category of the allowance or charge."""
        ac = self.allowance_charge(node, item, charge)
        tax = ram(ac, "CategoryTradeTax")
        ram(tax, "TypeCode", "VAT")
        opt(tax, "CategoryCode", item.vat_category)
        opt(tax, "RateApplicablePercent", item.vat_rate)

    def preceding_invoices(self, node: etree._Element) -> None:
        for index, preceding in enumerate(self.inv.preceding_invoices):
            if index:
                self.warn(
                    f"/rsm:CrossIndustryInvoice (preceding invoice {index + 1})",
                    "CII D16B holds one preceding invoice reference",
                    "BG-3",
                )
                continue
            self.preceding_invoice(node, preceding)

    @staticmethod
    def preceding_invoice(node: etree._Element, preceding: PrecedingInvoice) -> None:
        """BG-3: BT-25 and BT-26."""
        ref = ram(node, "InvoiceReferencedDocument")
        opt(ref, "IssuerAssignedID", preceding.reference)
        date_time(ref, "FormattedIssueDateTime", preceding.issue_date, kind="qdt")

    def tax_currency(self) -> str | None:
        """BT-6, left out when it equals BT-5: UBL may state the invoice currency again (no separate VAT currency),
        CII may not (the CII rule set's BR-53 refuses a TaxCurrencyCode equal to the InvoiceCurrencyCode)."""
        return None if self.tax_currency_is_invoice_currency() else self.inv.tax_currency

    def tax_currency_is_invoice_currency(self) -> bool:
        return self.inv.tax_currency is not None and self.inv.tax_currency == self.inv.currency

    def period(self, parent: etree._Element, period: Period | None) -> None:
        """BG-14 on the document or BG-26 on a line."""
        if period and (period.start or period.end):
            node = ram(parent, "BillingSpecifiedPeriod")
            date_time(node, "StartDateTime", period.start)
            date_time(node, "EndDateTime", period.end)

    def allowance_charge(
        self, parent: etree._Element, item: AllowanceCharge | LineAllowanceCharge, charge: bool
    ) -> etree._Element:
        """The fields document (BG-20/21) and line (BG-27/28) allowances and charges share."""
        node = ram(parent, "SpecifiedTradeAllowanceCharge")
        self.indicator(node, charge)
        opt(node, "CalculationPercent", item.percentage)
        opt(node, "BasisAmount", item.base_amount)
        opt(node, "ActualAmount", item.amount)
        opt(node, "ReasonCode", item.reason_code)
        opt(node, "Reason", item.reason)
        return node

    def indicator(self, parent: etree._Element, charge: bool) -> None:
        holder = ram(parent, "ChargeIndicator")
        element = etree.SubElement(holder, f"{{{UDT}}}Indicator")
        element.text = "true" if charge else "false"

    def totals(self, node: etree._Element) -> None:
        inv, totals = self.inv, self.inv.totals
        opt(node, "LineTotalAmount", totals.line_net_total)
        opt(node, "ChargeTotalAmount", totals.charge_total)
        opt(node, "AllowanceTotalAmount", totals.allowance_total)
        opt(node, "TaxBasisTotalAmount", totals.tax_exclusive)
        opt(node, "TaxTotalAmount", totals.vat_total, currencyID=inv.currency)
        if totals.vat_total_accounting is not None and self.tax_currency_is_invoice_currency():
            # A second VAT total in the invoice currency itself (UBL allows it): CII has no VAT currency to state it
            # in, since BT-6 = BT-5 is left out. The same amount as BT-110 loses nothing (the note above says so).
            if totals.vat_total_accounting != totals.vat_total:
                self.warn(
                    SETTLEMENT,
                    f"a second VAT total in the invoice currency ({totals.vat_total_accounting}, the VAT total is "
                    f"{totals.vat_total}): CII holds no second VAT total without a separate VAT currency",
                    "BT-111",
                )
        else:
            opt(node, "TaxTotalAmount", totals.vat_total_accounting, currencyID=inv.tax_currency)
        opt(node, "RoundingAmount", totals.rounding)
        opt(node, "GrandTotalAmount", totals.tax_inclusive)
        opt(node, "TotalPrepaidAmount", totals.prepaid)
        opt(node, "DuePayableAmount", totals.payable)

    # -- lines ----------------------------------------------------------------------------------
    def line(self, transaction: etree._Element, line: Line) -> None:
        node = ram(transaction, "IncludedSupplyChainTradeLineItem")
        doc = ram(node, "AssociatedDocumentLineDocument")
        opt(doc, "LineID", line.id)
        if line.note:
            ram(ram(doc, "IncludedNote"), "Content", line.note)
        self.product(ram(node, "SpecifiedTradeProduct"), line.item)
        self.line_agreement(ram(node, "SpecifiedLineTradeAgreement"), line)
        delivery = ram(node, "SpecifiedLineTradeDelivery")
        opt(delivery, "BilledQuantity", line.quantity, unitCode=line.unit_code)
        self.line_settlement(ram(node, "SpecifiedLineTradeSettlement"), line)

    @staticmethod
    def product(product: etree._Element, item: Item) -> None:
        """BG-31 item information."""
        if item.standard_id:
            ram(product, "GlobalID", item.standard_id.value, schemeID=item.standard_id.scheme)
        opt(product, "SellerAssignedID", item.seller_id)
        opt(product, "BuyerAssignedID", item.buyer_id)
        opt(product, "Name", item.name)
        opt(product, "Description", item.description)
        for attribute in item.attributes:
            characteristic = ram(product, "ApplicableProductCharacteristic")
            opt(characteristic, "Description", attribute.name)
            opt(characteristic, "Value", attribute.value)
        for classification in item.classifications:
            ram(
                ram(product, "DesignatedProductClassification"),
                "ClassCode",
                classification.value,
                listID=classification.scheme,
                listVersionID=classification.scheme_version,
            )
        if item.origin_country:
            ram(ram(product, "OriginTradeCountry"), "ID", item.origin_country)

    def line_agreement(self, agreement: etree._Element, line: Line) -> None:
        """The order line reference and BG-29 price details: the gross price with the discount, the net price."""
        if line.order_line_reference:
            ram(ram(agreement, "BuyerOrderReferencedDocument"), "LineID", line.order_line_reference)
        price = line.price
        if price.base_quantity is None and price.base_quantity_unit:
            self.warn(f"line {line.id}", "a base quantity unit needs a base quantity (BT-149)", "BT-150")
        gross_price = self.gross_price(line)
        if gross_price is not None:
            gross = ram(agreement, "GrossPriceProductTradePrice")
            ram(gross, "ChargeAmount", gross_price)
            if price.base_quantity is not None:
                ram(gross, "BasisQuantity", price.base_quantity, unitCode=price.base_quantity_unit)
            if price.discount is not None:
                discount = ram(gross, "AppliedTradeAllowanceCharge")
                self.indicator(discount, False)
                ram(discount, "ActualAmount", price.discount)
        net = ram(agreement, "NetPriceProductTradePrice")
        opt(net, "ChargeAmount", price.net_price)
        if price.base_quantity is not None:
            ram(net, "BasisQuantity", price.base_quantity, unitCode=price.base_quantity_unit)

    def line_settlement(self, settlement: etree._Element, line: Line) -> None:
        tax = ram(settlement, "ApplicableTradeTax")
        ram(tax, "TypeCode", "VAT")
        opt(tax, "CategoryCode", line.vat.category)
        opt(tax, "RateApplicablePercent", line.vat.rate)
        self.period(settlement, line.period)
        for items, charge in ((line.allowances, False), (line.charges, True)):
            for entry in items:
                self.allowance_charge(settlement, entry, charge)
        opt(ram(settlement, "SpecifiedTradeSettlementLineMonetarySummation"), "LineTotalAmount", line.net_amount)
        if line.object_id:
            ref = ram(settlement, "AdditionalReferencedDocument")
            ram(ref, "IssuerAssignedID", line.object_id.value)
            ram(ref, "TypeCode", "130")
            opt(ref, "ReferenceTypeCode", line.object_id.scheme)
        if line.accounting_reference:
            ram(ram(settlement, "ReceivableSpecifiedTradeAccountingAccount"), "ID", line.accounting_reference)

    def gross_price(self, line: Line) -> Decimal | None:
        """BT-148, or, for a price discount (BT-147) without one, net + discount: CII holds BT-147 only inside the
        gross price, and EN 16931 defines BT-146 = BT-148 - BT-147, so the gross price it states is implied."""
        price = line.price
        if price.gross_price is not None or price.discount is None:
            return price.gross_price
        if price.net_price is None:
            self.warn(
                f"line {line.id}",
                "CII holds a price discount only with a gross price, and without a net price (BT-146) there is "
                "none to derive: the discount is lost",
                "BT-147",
            )
            return None
        gross = price.net_price + price.discount
        self.warn(
            f"line {line.id}",
            f"CII holds a price discount (BT-147) only inside a gross price: written with the gross price {gross} "
            "(net price + discount), which the source did not state",
            "BT-148",
        )
        return gross
