"""Write the EN 16931 model as UBL 2.1 (Invoice, or CreditNote when BT-3 is a credit note code).

Elements are emitted in the order of the UBL 2.1 schemas (Invoice and CreditNote differ in a few
places). Values the syntax has no place for are returned as warnings, never dropped silently.
"""

from __future__ import annotations

import base64
from decimal import Decimal

from lxml import etree

from ..errors import ConversionWarning
from ..model import Address, AllowanceCharge, Contact, CreditTransfer, Identifier, Invoice, Line
from ..values import text
from .names import CAC, CBC, CREDIT_NOTE_NS, INVOICE_NS

NSMAP_INVOICE = {None: INVOICE_NS, "cac": CAC, "cbc": CBC}
NSMAP_CREDIT = {None: CREDIT_NOTE_NS, "cac": CAC, "cbc": CBC}


def cbc(parent: etree._Element, name: str, value: object, /, **attrs: str | None) -> etree._Element | None:
    if value is None:
        return None
    element = etree.SubElement(parent, f"{{{CBC}}}{name}")
    element.text = text(value)
    for key, attr in attrs.items():
        if attr is not None:
            element.set(key, attr)
    return element


def cac(parent: etree._Element, name: str) -> etree._Element:
    return etree.SubElement(parent, f"{{{CAC}}}{name}")


def ident(parent: etree._Element, name: str, identifier: Identifier | None) -> None:
    if identifier is not None:
        cbc(parent, name, identifier.value, schemeID=identifier.scheme)


def write_ubl(inv: Invoice) -> tuple[bytes, list[ConversionWarning]]:
    return _UblWriter(inv).write()


class _UblWriter:
    def __init__(self, inv: Invoice) -> None:
        self.inv = inv
        self.credit = inv.is_credit_note
        self.warnings: list[ConversionWarning] = []

    def warn(self, path: str, message: str, term: str) -> None:
        self.warnings.append(ConversionWarning(path=path, message=message, term=term))

    def amount(self, parent: etree._Element, name: str, value: Decimal | None, currency: str | None = None) -> None:
        cbc(parent, name, value, currencyID=currency or self.inv.currency)

    def write(self) -> tuple[bytes, list[ConversionWarning]]:
        inv = self.inv
        root = etree.Element(
            f"{{{CREDIT_NOTE_NS if self.credit else INVOICE_NS}}}{'CreditNote' if self.credit else 'Invoice'}",
            nsmap=NSMAP_CREDIT if self.credit else NSMAP_INVOICE,  # type: ignore[arg-type]  # None: the default
        )
        self.header(root)
        self.references(root)
        self.seller(cac(cac(root, "AccountingSupplierParty"), "Party"))
        self.buyer(cac(cac(root, "AccountingCustomerParty"), "Party"))
        self.payee(root)
        self.tax_representative(root)
        self.delivery(root)
        self.payment_means(root)
        if inv.payment_terms:
            cbc(cac(root, "PaymentTerms"), "Note", inv.payment_terms)
        for allowance in inv.allowances:
            self.allowance_charge(root, allowance, charge=False)
        for charge in inv.charges:
            self.allowance_charge(root, charge, charge=True)
        self.tax_totals(root)
        self.monetary_total(root)
        for line in inv.lines:
            self.line(root, line)
        data = etree.tostring(root, xml_declaration=True, encoding="UTF-8")
        return data, self.warnings

    def header(self, root: etree._Element) -> None:
        """The document's own terms, up to the invoicing period (Invoice and CreditNote order them differently)."""
        inv = self.inv
        cbc(root, "CustomizationID", inv.process.specification_id)
        cbc(root, "ProfileID", inv.process.business_process)
        cbc(root, "ID", inv.number)
        cbc(root, "IssueDate", inv.issue_date)
        if self.credit:
            cbc(root, "TaxPointDate", inv.tax_point_date)
            cbc(root, "CreditNoteTypeCode", inv.type_code)
        else:
            cbc(root, "DueDate", inv.due_date)
            cbc(root, "InvoiceTypeCode", inv.type_code)
        for note in inv.notes:
            text = note.text or ""
            cbc(root, "Note", f"#{note.subject_code}#{text}" if note.subject_code else text)
        if not self.credit:
            cbc(root, "TaxPointDate", inv.tax_point_date)
        cbc(root, "DocumentCurrencyCode", inv.currency)
        cbc(root, "TaxCurrencyCode", inv.tax_currency)
        cbc(root, "AccountingCost", inv.buyer_accounting_reference)
        cbc(root, "BuyerReference", inv.buyer_reference)
        period = inv.delivery.invoicing_period if inv.delivery else None
        if period or inv.tax_point_date_code:
            node = cac(root, "InvoicePeriod")
            if period:
                cbc(node, "StartDate", period.start)
                cbc(node, "EndDate", period.end)
            cbc(node, "DescriptionCode", inv.tax_point_date_code)

    # -- references -----------------------------------------------------------------------------
    def references(self, root: etree._Element) -> None:
        """Order, preceding invoices, despatch and receipt advice, then the references whose order differs between
        Invoice and CreditNote (tender, contract, supporting documents, project)."""
        inv = self.inv
        if inv.purchase_order_reference or inv.sales_order_reference:
            node = cac(root, "OrderReference")
            cbc(node, "ID", inv.purchase_order_reference or "NA")
            cbc(node, "SalesOrderID", inv.sales_order_reference)
        for preceding in inv.preceding_invoices:
            doc = cac(cac(root, "BillingReference"), "InvoiceDocumentReference")
            cbc(doc, "ID", preceding.reference)
            cbc(doc, "IssueDate", preceding.issue_date)
        if inv.despatch_advice_reference:
            cbc(cac(root, "DespatchDocumentReference"), "ID", inv.despatch_advice_reference)
        if inv.receiving_advice_reference:
            cbc(cac(root, "ReceiptDocumentReference"), "ID", inv.receiving_advice_reference)
        if self.credit:
            self.contract(root)
            self.additional_documents(root)
            self.originator(root)
        else:
            self.originator(root)
            self.contract(root)
            self.additional_documents(root)
            if inv.project_reference:
                cbc(cac(root, "ProjectReference"), "ID", inv.project_reference)

    def originator(self, root: etree._Element) -> None:
        if self.inv.tender_reference:
            cbc(cac(root, "OriginatorDocumentReference"), "ID", self.inv.tender_reference)

    def contract(self, root: etree._Element) -> None:
        if self.inv.contract_reference:
            cbc(cac(root, "ContractDocumentReference"), "ID", self.inv.contract_reference)

    def additional_documents(self, root: etree._Element) -> None:
        inv = self.inv
        for doc in inv.supporting_documents:
            node = cac(root, "AdditionalDocumentReference")
            cbc(node, "ID", doc.reference)
            cbc(node, "DocumentDescription", doc.description)
            if doc.attachment or doc.external_location:
                attachment = cac(node, "Attachment")
                if doc.attachment:
                    cbc(
                        attachment,
                        "EmbeddedDocumentBinaryObject",
                        base64.b64encode(doc.attachment.content).decode("ascii"),
                        mimeCode=doc.attachment.mime_code,
                        filename=doc.attachment.filename,
                    )
                if doc.external_location:
                    cbc(cac(attachment, "ExternalReference"), "URI", doc.external_location)
        if inv.invoiced_object_id:
            node = cac(root, "AdditionalDocumentReference")
            ident(node, "ID", inv.invoiced_object_id)
            cbc(node, "DocumentTypeCode", "130")
        if self.credit and inv.project_reference:
            node = cac(root, "AdditionalDocumentReference")
            cbc(node, "ID", inv.project_reference)
            cbc(node, "DocumentTypeCode", "50")

    # -- parties --------------------------------------------------------------------------------
    def address(self, parent: etree._Element, name: str, address: Address | None) -> None:
        if address is None:
            return
        node = cac(parent, name)
        cbc(node, "StreetName", address.line1)
        cbc(node, "AdditionalStreetName", address.line2)
        cbc(node, "CityName", address.city)
        cbc(node, "PostalZone", address.post_code)
        cbc(node, "CountrySubentity", address.country_subdivision)
        if address.line3:
            cbc(cac(node, "AddressLine"), "Line", address.line3)
        if address.country_code:
            cbc(cac(node, "Country"), "IdentificationCode", address.country_code)

    def tax_scheme(self, party: etree._Element, company_id: str | None, scheme: str) -> None:
        if company_id:
            node = cac(party, "PartyTaxScheme")
            cbc(node, "CompanyID", company_id)
            cbc(cac(node, "TaxScheme"), "ID", scheme)

    def contact(self, party: etree._Element, contact: Contact | None) -> None:
        if contact is None:
            return
        node = cac(party, "Contact")
        cbc(node, "Name", contact.name)
        cbc(node, "Telephone", contact.telephone)
        cbc(node, "ElectronicMail", contact.email)

    def creditor_id(self) -> str | None:
        payment = self.inv.payment
        return payment.direct_debit.creditor_id if payment and payment.direct_debit else None

    def seller(self, party: etree._Element) -> None:
        seller = self.inv.seller
        ident(party, "EndpointID", seller.electronic_address)
        for identifier in seller.identifiers:
            ident(cac(party, "PartyIdentification"), "ID", identifier)
        if self.creditor_id() and self.inv.payee is None:
            cbc(cac(party, "PartyIdentification"), "ID", self.creditor_id(), schemeID="SEPA")
        if seller.trading_name:
            cbc(cac(party, "PartyName"), "Name", seller.trading_name)
        self.address(party, "PostalAddress", seller.address)
        self.tax_scheme(party, seller.vat_id, "VAT")
        self.tax_scheme(party, seller.tax_registration_id, "TAX")
        legal = cac(party, "PartyLegalEntity")
        cbc(legal, "RegistrationName", seller.name)
        ident(legal, "CompanyID", seller.legal_registration_id)
        cbc(legal, "CompanyLegalForm", seller.additional_legal_info)
        self.contact(party, seller.contact)

    def buyer(self, party: etree._Element) -> None:
        buyer = self.inv.buyer
        ident(party, "EndpointID", buyer.electronic_address)
        if buyer.identifier:
            ident(cac(party, "PartyIdentification"), "ID", buyer.identifier)
        if buyer.trading_name:
            cbc(cac(party, "PartyName"), "Name", buyer.trading_name)
        self.address(party, "PostalAddress", buyer.address)
        self.tax_scheme(party, buyer.vat_id, "VAT")
        legal = cac(party, "PartyLegalEntity")
        cbc(legal, "RegistrationName", buyer.name)
        ident(legal, "CompanyID", buyer.legal_registration_id)
        self.contact(party, buyer.contact)

    def payee(self, root: etree._Element) -> None:
        payee = self.inv.payee
        if payee is None:
            return
        party = cac(root, "PayeeParty")
        if payee.identifier:
            ident(cac(party, "PartyIdentification"), "ID", payee.identifier)
        if self.creditor_id():
            cbc(cac(party, "PartyIdentification"), "ID", self.creditor_id(), schemeID="SEPA")
        cbc(cac(party, "PartyName"), "Name", payee.name)
        if payee.legal_registration_id:
            ident(cac(party, "PartyLegalEntity"), "CompanyID", payee.legal_registration_id)

    def tax_representative(self, root: etree._Element) -> None:
        rep = self.inv.tax_representative
        if rep is None:
            return
        party = cac(root, "TaxRepresentativeParty")
        cbc(cac(party, "PartyName"), "Name", rep.name)
        self.address(party, "PostalAddress", rep.address)
        self.tax_scheme(party, rep.vat_id, "VAT")

    def delivery(self, root: etree._Element) -> None:
        delivery = self.inv.delivery
        if delivery is None or not any(
            (delivery.party_name, delivery.location_id, delivery.actual_date, delivery.address)
        ):
            return
        node = cac(root, "Delivery")
        cbc(node, "ActualDeliveryDate", delivery.actual_date)
        if delivery.location_id or delivery.address:
            location = cac(node, "DeliveryLocation")
            ident(location, "ID", delivery.location_id)
            self.address(location, "Address", delivery.address)
        if delivery.party_name:
            cbc(cac(cac(node, "DeliveryParty"), "PartyName"), "Name", delivery.party_name)

    # -- payment --------------------------------------------------------------------------------
    def payment_means(self, root: etree._Element) -> None:
        inv, payment = self.inv, self.inv.payment
        if payment is None or payment.means_code is None:
            if self.credit and inv.due_date:
                self.warn(
                    "/CreditNote",
                    "a UBL credit note holds the due date only in PaymentMeans, and there is no payment means code",
                    "BT-9",
                )
            return
        transfers: list[CreditTransfer | None] = [*payment.credit_transfers] or [None]
        for index, transfer in enumerate(transfers):
            node = cac(root, "PaymentMeans")
            # BT-82 and BT-83 may occur once (UBL-SR-46/47): only the first PaymentMeans carries them.
            cbc(node, "PaymentMeansCode", payment.means_code, name=payment.means_text if index == 0 else None)
            if self.credit and index == 0:
                cbc(node, "PaymentDueDate", inv.due_date)
            cbc(node, "PaymentID", payment.remittance_information if index == 0 else None)
            if index == 0 and payment.card:
                card = cac(node, "CardAccount")
                cbc(card, "PrimaryAccountNumberID", payment.card.primary_account_number)
                cbc(card, "NetworkID", "NA")  # required by UBL, not an EN 16931 term
                cbc(card, "HolderName", payment.card.holder_name)
            if transfer is not None:
                account = cac(node, "PayeeFinancialAccount")
                cbc(account, "ID", transfer.account_id)
                cbc(account, "Name", transfer.account_name)
                if transfer.service_provider_id:
                    cbc(cac(account, "FinancialInstitutionBranch"), "ID", transfer.service_provider_id)
            debit = payment.direct_debit
            if index == 0 and debit and (debit.mandate_reference or debit.debited_account_id):
                mandate = cac(node, "PaymentMandate")
                cbc(mandate, "ID", debit.mandate_reference)
                if debit.debited_account_id:
                    cbc(cac(mandate, "PayerFinancialAccount"), "ID", debit.debited_account_id)

    def allowance_charge(self, root: etree._Element, item: AllowanceCharge, charge: bool) -> None:
        node = cac(root, "AllowanceCharge")
        cbc(node, "ChargeIndicator", "true" if charge else "false")
        cbc(node, "AllowanceChargeReasonCode", item.reason_code)
        cbc(node, "AllowanceChargeReason", item.reason)
        cbc(node, "MultiplierFactorNumeric", item.percentage)
        self.amount(node, "Amount", item.amount)
        self.amount(node, "BaseAmount", item.base_amount)
        category = cac(node, "TaxCategory")
        cbc(category, "ID", item.vat_category)
        cbc(category, "Percent", item.vat_rate)
        cbc(cac(category, "TaxScheme"), "ID", "VAT")

    def tax_totals(self, root: etree._Element) -> None:
        inv = self.inv
        if inv.totals.vat_total is not None or inv.vat_breakdown:
            total = cac(root, "TaxTotal")
            vat_total = inv.totals.vat_total
            if vat_total is None:
                vat_total = sum((b.tax_amount or Decimal(0) for b in inv.vat_breakdown), Decimal(0))
                self.warn(
                    "/Invoice/cac:TaxTotal/cbc:TaxAmount",
                    "UBL requires a VAT total: written as the sum of the VAT breakdown",
                    "BT-110",
                )
            self.amount(total, "TaxAmount", vat_total)
            for breakdown in inv.vat_breakdown:
                sub = cac(total, "TaxSubtotal")
                self.amount(sub, "TaxableAmount", breakdown.taxable_amount)
                self.amount(sub, "TaxAmount", breakdown.tax_amount)
                category = cac(sub, "TaxCategory")
                cbc(category, "ID", breakdown.category)
                cbc(category, "Percent", breakdown.rate)
                cbc(category, "TaxExemptionReasonCode", breakdown.exemption_reason_code)
                cbc(category, "TaxExemptionReason", breakdown.exemption_reason)
                cbc(cac(category, "TaxScheme"), "ID", "VAT")
        if inv.totals.vat_total_accounting is not None:
            total = cac(root, "TaxTotal")
            self.amount(total, "TaxAmount", inv.totals.vat_total_accounting, inv.tax_currency)

    def monetary_total(self, root: etree._Element) -> None:
        totals = self.inv.totals
        node = cac(root, "LegalMonetaryTotal")
        self.amount(node, "LineExtensionAmount", totals.line_net_total)
        self.amount(node, "TaxExclusiveAmount", totals.tax_exclusive)
        self.amount(node, "TaxInclusiveAmount", totals.tax_inclusive)
        self.amount(node, "AllowanceTotalAmount", totals.allowance_total)
        self.amount(node, "ChargeTotalAmount", totals.charge_total)
        self.amount(node, "PrepaidAmount", totals.prepaid)
        self.amount(node, "PayableRoundingAmount", totals.rounding)
        self.amount(node, "PayableAmount", totals.payable)

    # -- lines ----------------------------------------------------------------------------------
    def line(self, root: etree._Element, line: Line) -> None:
        node = cac(root, "CreditNoteLine" if self.credit else "InvoiceLine")
        cbc(node, "ID", line.id)
        cbc(node, "Note", line.note)
        cbc(node, "CreditedQuantity" if self.credit else "InvoicedQuantity", line.quantity, unitCode=line.unit_code)
        self.amount(node, "LineExtensionAmount", line.net_amount)
        cbc(node, "AccountingCost", line.accounting_reference)
        if line.period:
            period = cac(node, "InvoicePeriod")
            cbc(period, "StartDate", line.period.start)
            cbc(period, "EndDate", line.period.end)
        if line.order_line_reference:
            cbc(cac(node, "OrderLineReference"), "LineID", line.order_line_reference)
        if line.object_id:
            ref = cac(node, "DocumentReference")
            ident(ref, "ID", line.object_id)
            cbc(ref, "DocumentTypeCode", "130")
        for items, charge in ((line.allowances, False), (line.charges, True)):
            for item in items:
                ac = cac(node, "AllowanceCharge")
                cbc(ac, "ChargeIndicator", "true" if charge else "false")
                cbc(ac, "AllowanceChargeReasonCode", item.reason_code)
                cbc(ac, "AllowanceChargeReason", item.reason)
                cbc(ac, "MultiplierFactorNumeric", item.percentage)
                self.amount(ac, "Amount", item.amount)
                self.amount(ac, "BaseAmount", item.base_amount)
        self.item(node, line)
        self.price(node, line)

    def price(self, node: etree._Element, line: Line) -> None:
        """BG-29: the net price and base quantity; the gross price and discount (BT-148, BT-147) in the price's
        allowance."""
        if line.price.base_quantity is None and line.price.base_quantity_unit:
            self.warn(f"line {line.id}", "a base quantity unit needs a base quantity (BT-149)", "BT-150")
        price = cac(node, "Price")
        self.amount(price, "PriceAmount", line.price.net_price)
        cbc(price, "BaseQuantity", line.price.base_quantity, unitCode=line.price.base_quantity_unit)
        if line.price.discount is None and line.price.gross_price is None:
            return
        ac = cac(price, "AllowanceCharge")
        cbc(ac, "ChargeIndicator", "false")
        discount = line.price.discount
        if discount is None:
            # UBL holds the gross price only as cbc:BaseAmount, beside a required cbc:Amount: a discount of 0 is the
            # value that keeps BT-146 = BT-148 - BT-147, and it is one the source did not state.
            discount = Decimal("0")
            self.warn(
                f"line {line.id}",
                "UBL holds a gross price (BT-148) only with a price discount: written with discount 0",
                "BT-147",
            )
        self.amount(ac, "Amount", discount)
        self.amount(ac, "BaseAmount", line.price.gross_price)

    def item(self, parent: etree._Element, line: Line) -> None:
        item = line.item
        node = cac(parent, "Item")
        cbc(node, "Description", item.description)
        cbc(node, "Name", item.name)
        if item.buyer_id:
            cbc(cac(node, "BuyersItemIdentification"), "ID", item.buyer_id)
        if item.seller_id:
            cbc(cac(node, "SellersItemIdentification"), "ID", item.seller_id)
        if item.standard_id:
            ident(cac(node, "StandardItemIdentification"), "ID", item.standard_id)
        if item.origin_country:
            cbc(cac(node, "OriginCountry"), "IdentificationCode", item.origin_country)
        for classification in item.classifications:
            cbc(
                cac(node, "CommodityClassification"),
                "ItemClassificationCode",
                classification.value,
                listID=classification.scheme,
                listVersionID=classification.scheme_version,
            )
        category = cac(node, "ClassifiedTaxCategory")
        cbc(category, "ID", line.vat.category)
        cbc(category, "Percent", line.vat.rate)
        cbc(cac(category, "TaxScheme"), "ID", "VAT")
        for attribute in item.attributes:
            prop = cac(node, "AdditionalItemProperty")
            cbc(prop, "Name", attribute.name)
            cbc(prop, "Value", attribute.value)
