"""Order-X (UN/CEFACT SCRDM CCBDA CIO message D20B, the CII-based order of FNFE-MPE and FeRD) read into and written
from the order model. The writer declares the COMFORT profile; elements follow the order of its schema.

An order response is the same message with type code 231; its response code travels as the message function
(PurposeCode, UNTDID 1225: 29 accepted, 27 rejected, 4 accepted with changes), its line status as LineStatusCode.
"""

from __future__ import annotations

from datetime import date, time

from lxml import etree

from ..errors import ConversionWarning, InvalidValue
from ..values import ccyymmdd, parse_boolean, parse_coded_date, text
from ..xml import XmlSource, element_text, refused
from .model import (
    ORDER,
    ORDER_RESPONSE,
    Address,
    AllowanceCharge,
    Contact,
    Delivery,
    Identifier,
    Item,
    Line,
    Order,
    Party,
    Period,
    Totals,
)
from .names import (
    MODEL,
    ORDERX_COMFORT,
    ORDERX_NS,
    ORDERX_ORDER_TYPE,
    ORDERX_RAM,
    ORDERX_RESPONSE_TYPE,
    ORDERX_RSM,
    ORDERX_UDT,
)
from .values import edifact_time

PURPOSE_OF_RESPONSE = {"AP": "29", "RE": "27", "CA": "4"}
RESPONSE_OF_PURPOSE = {v: k for k, v in PURPOSE_OF_RESPONSE.items()}
PROJECT_NAME = "Project reference"  # ProcuringProject/Name is mandatory; the model holds only the identifier


def read_orderx(root: etree._Element) -> tuple[Order, list[ConversionWarning]]:
    src = XmlSource(root, ORDERX_NS, model=MODEL)
    doc = src.first(root, "rsm:ExchangedDocument")
    type_code = src.text(doc, "ram:TypeCode")
    order = Order(document_type=ORDER_RESPONSE if type_code == ORDERX_RESPONSE_TYPE else ORDER)
    src.first(root, "rsm:ExchangedDocumentContext/ram:GuidelineSpecifiedDocumentContextParameter/ram:ID")
    order.profile_id = src.text(
        root, "rsm:ExchangedDocumentContext/ram:BusinessProcessSpecifiedDocumentContextParameter/ram:ID"
    )
    order.id = src.text(doc, "ram:ID")
    if order.document_type == ORDER:
        order.type_code = type_code
    else:
        purpose = src.text(doc, "ram:PurposeCode")
        order.response_code = RESPONSE_OF_PURPOSE.get(purpose or "")
        if purpose is not None and order.response_code is None:
            src.warn(
                ConversionWarning(
                    "/rsm:ExchangedDocument/ram:PurposeCode",
                    f"message function {purpose} names no order response code",
                    "Response: cbc:OrderResponseCode",
                )
            )
    order.issue_date, order.issue_time = read_datetime(
        src, doc, "ram:IssueDateTime/udt:DateTimeString", "cbc:IssueDate"
    )
    order.notes = [n.text for n in src.all(doc, "ram:IncludedNote/ram:Content") if n.text and n.text.strip()]
    transaction = src.first(root, "rsm:SupplyChainTradeTransaction")
    agreement = src.first(transaction, "ram:ApplicableHeaderTradeAgreement")
    order.buyer_reference = src.text(agreement, "ram:BuyerReference")
    order.seller = read_party(src, src.first(agreement, "ram:SellerTradeParty"))
    order.buyer = read_party(src, src.first(agreement, "ram:BuyerTradeParty"))
    order.sales_order_id = src.text(agreement, "ram:SellerOrderReferencedDocument/ram:IssuerAssignedID")
    order.order_reference = src.text(agreement, "ram:BuyerOrderReferencedDocument/ram:IssuerAssignedID")
    order.quotation_reference = src.text(agreement, "ram:QuotationReferencedDocument/ram:IssuerAssignedID")
    order.contract_reference = src.text(agreement, "ram:ContractReferencedDocument/ram:IssuerAssignedID")
    order.project_reference = src.text(agreement, "ram:SpecifiedProcuringProject/ram:ID")
    src.first(agreement, "ram:SpecifiedProcuringProject/ram:Name")
    delivery_node = src.first(transaction, "ram:ApplicableHeaderTradeDelivery")
    ship_to = src.first(delivery_node, "ram:ShipToTradeParty")
    delivery = Delivery(
        location_id=read_global(src, ship_to),
        address=read_address(src, src.first(ship_to, "ram:PostalTradeAddress")),
        party_name=src.text(ship_to, "ram:Name"),
        period=read_period(
            src, src.first(delivery_node, "ram:RequestedDeliverySupplyChainEvent/ram:OccurrenceSpecifiedPeriod")
        ),
    )
    order.delivery = delivery if delivery != Delivery() else None
    settlement = src.first(transaction, "ram:ApplicableHeaderTradeSettlement")
    order.currency = src.text(settlement, "ram:OrderCurrencyCode")
    order.payment_terms = src.free_text(settlement, "ram:SpecifiedTradePaymentTerms/ram:Description")
    order.accounting_cost = src.text(settlement, "ram:ReceivableSpecifiedTradeAccountingAccount/ram:ID")
    order.allowance_charges = [read_allowance(src, n) for n in src.all(settlement, "ram:SpecifiedTradeAllowanceCharge")]
    summation = src.first(settlement, "ram:SpecifiedTradeSettlementHeaderMonetarySummation")
    totals = Totals()
    for attribute, name in (
        ("line_total", "LineTotalAmount"),
        ("charge_total", "ChargeTotalAmount"),
        ("allowance_total", "AllowanceTotalAmount"),
        ("tax_exclusive", "TaxBasisTotalAmount"),
        ("tax_total", "TaxTotalAmount"),
        ("tax_inclusive", "GrandTotalAmount"),
    ):
        setattr(totals, attribute, src.decimal(summation, f"ram:{name}", f"ram:{name}"))
    order.totals = totals if totals != Totals() else None
    order.lines = [read_line(src, node) for node in src.all(transaction, "ram:IncludedSupplyChainTradeLineItem")]
    for tax_type in root.iter(f"{{{ORDERX_RAM}}}TypeCode"):
        parent = etree.QName(tax_type.getparent()).localname
        if tax_type.text == "VAT" and parent in {"ApplicableTradeTax", "CategoryTradeTax"}:
            src.consume_subtree(tax_type)
    return order, src.conversion_warnings()


def read_allowance(src: XmlSource, node: etree._Element) -> AllowanceCharge:
    indicator = src.first(node, "ram:ChargeIndicator/udt:Indicator")
    raw = element_text(indicator) or ""
    term = "cac:AllowanceCharge/cbc:ChargeIndicator"
    try:
        charge = parse_boolean(raw)
    except ValueError as exc:
        raise InvalidValue(refused(term, raw, exc), path=src.path_of(node), term=term) from None
    return AllowanceCharge(
        charge=charge,
        percentage=src.decimal(node, "ram:CalculationPercent", "cac:AllowanceCharge/cbc:MultiplierFactorNumeric"),
        base_amount=src.decimal(node, "ram:BasisAmount", "cac:AllowanceCharge/cbc:BaseAmount"),
        amount=src.decimal(node, "ram:ActualAmount", "cac:AllowanceCharge/cbc:Amount"),
        reason_code=src.text(node, "ram:ReasonCode"),
        reason=src.text(node, "ram:Reason"),
        tax_category=src.text(node, "ram:CategoryTradeTax/ram:CategoryCode"),
        tax_rate=src.decimal(
            node, "ram:CategoryTradeTax/ram:RateApplicablePercent", "cac:AllowanceCharge/cac:TaxCategory/cbc:Percent"
        ),
    )


def read_datetime(src: XmlSource, node: etree._Element | None, path: str, term: str) -> tuple[date | None, time | None]:
    element = src.first(node, path)
    raw = element_text(element)
    if element is None or raw is None:
        return None, None
    fmt = element.get("format") or "102"
    try:
        if fmt in {"203", "204"}:
            return parse_coded_date(raw[:8], "102"), edifact_time(raw, fmt)
        return parse_coded_date(raw, fmt), None
    except ValueError as exc:
        raise InvalidValue(
            refused(term, raw, f"not a date in format {fmt} ({exc})"), path=src.path_of(element), term=term
        ) from None


def read_period(src: XmlSource, node: etree._Element | None) -> Period | None:
    if node is None:
        return None
    start, _ = read_datetime(src, node, "ram:StartDateTime/udt:DateTimeString", "delivery period start")
    end, _ = read_datetime(src, node, "ram:EndDateTime/udt:DateTimeString", "delivery period end")
    period = Period(start, end)
    return period if period != Period() else None


def read_global(src: XmlSource, node: etree._Element | None) -> Identifier | None:
    value = src.text(node, "ram:GlobalID")
    if value is not None:
        return Identifier(value, src.attr(node, "ram:GlobalID", "schemeID"))
    value = src.text(node, "ram:ID")
    return Identifier(value) if value is not None else None


def read_address(src: XmlSource, node: etree._Element | None) -> Address | None:
    if node is None:
        return None
    address = Address(
        street=src.text(node, "ram:LineOne"),
        additional_street=src.text(node, "ram:LineTwo"),
        line3=src.text(node, "ram:LineThree"),
        city=src.text(node, "ram:CityName"),
        post_code=src.text(node, "ram:PostcodeCode"),
        country_subdivision=src.text(node, "ram:CountrySubDivisionName"),
        country_code=src.text(node, "ram:CountryID"),
    )
    return address if address != Address() else None


def read_party(src: XmlSource, node: etree._Element | None) -> Party:
    party = Party()
    if node is None:
        return party
    for element in src.all(node, "ram:ID") + src.all(node, "ram:GlobalID"):
        if element.text and element.text.strip():
            party.identifiers.append(Identifier(element.text.strip(), element.get("schemeID")))
    party.name = src.text(node, "ram:Name")
    party.legal_id = None
    legal = src.first(node, "ram:SpecifiedLegalOrganization")
    if legal is not None:
        value = src.text(legal, "ram:ID")
        party.legal_id = Identifier(value, src.attr(legal, "ram:ID", "schemeID")) if value else None
        party.trading_name = src.text(legal, "ram:TradingBusinessName")
    contact = src.first(node, "ram:DefinedTradeContact")
    if contact is not None:
        party.contact = Contact(
            name=src.text(contact, "ram:PersonName"),
            telephone=src.text(contact, "ram:TelephoneUniversalCommunication/ram:CompleteNumber"),
            email=src.text(contact, "ram:EmailURIUniversalCommunication/ram:URIID"),
        )
    party.address = read_address(src, src.first(node, "ram:PostalTradeAddress"))
    endpoint = src.text(node, "ram:URIUniversalCommunication/ram:URIID")
    if endpoint is not None:
        party.endpoint = Identifier(endpoint, src.attr(node, "ram:URIUniversalCommunication/ram:URIID", "schemeID"))
    for registration in src.all(node, "ram:SpecifiedTaxRegistration/ram:ID"):
        if registration.get("schemeID") == "VA" and party.vat_id is None:
            party.vat_id = element_text(registration)
        else:
            src.release(registration)
    return party


def read_line(src: XmlSource, node: etree._Element) -> Line:
    document = src.first(node, "ram:AssociatedDocumentLineDocument")
    product = src.first(node, "ram:SpecifiedTradeProduct")
    agreement = src.first(node, "ram:SpecifiedLineTradeAgreement")
    delivery = src.first(node, "ram:SpecifiedLineTradeDelivery")
    settlement = src.first(node, "ram:SpecifiedLineTradeSettlement")
    net = src.first(agreement, "ram:NetPriceProductTradePrice")
    standard = src.text(product, "ram:GlobalID")
    line = Line(
        id=src.text(document, "ram:LineID"),
        status_code=src.text(document, "ram:LineStatusCode"),
        note=src.free_text(document, "ram:IncludedNote/ram:Content"),
        quantity=src.decimal(delivery, "ram:RequestedQuantity", "cbc:Quantity"),
        unit_code=src.attr(delivery, "ram:RequestedQuantity", "unitCode"),
        line_amount=src.decimal(
            settlement,
            "ram:SpecifiedTradeSettlementLineMonetarySummation/ram:LineTotalAmount",
            "cbc:LineExtensionAmount",
        ),
        accounting_cost=src.text(settlement, "ram:ReceivableSpecifiedTradeAccountingAccount/ram:ID"),
        price=src.decimal(net, "ram:ChargeAmount", "cac:Price/cbc:PriceAmount"),
        price_base_quantity=src.decimal(net, "ram:BasisQuantity", "cac:Price/cbc:BaseQuantity"),
        price_base_unit=src.attr(net, "ram:BasisQuantity", "unitCode"),
        delivery_period=read_period(
            src, src.first(delivery, "ram:RequestedDeliverySupplyChainEvent/ram:OccurrenceSpecifiedPeriod")
        ),
        order_line_reference=src.text(agreement, "ram:BuyerOrderReferencedDocument/ram:LineID"),
    )
    line.allowance_charges = [read_allowance(src, n) for n in src.all(settlement, "ram:SpecifiedTradeAllowanceCharge")]
    line.item = Item(
        name=src.text(product, "ram:Name"),
        description=src.free_text(product, "ram:Description"),
        seller_id=src.text(product, "ram:SellerAssignedID"),
        buyer_id=src.text(product, "ram:BuyerAssignedID"),
        standard_id=Identifier(standard, src.attr(product, "ram:GlobalID", "schemeID")) if standard else None,
        tax_category=src.text(settlement, "ram:ApplicableTradeTax/ram:CategoryCode"),
        tax_rate=src.decimal(
            settlement, "ram:ApplicableTradeTax/ram:RateApplicablePercent", "cac:ClassifiedTaxCategory/cbc:Percent"
        ),
    )
    return line


# -- writing -----------------------------------------------------------------------------------------------------------


class _Writer:
    def __init__(self, order: Order) -> None:
        self.order = order
        self.warnings: list[ConversionWarning] = []

    def el(self, parent: etree._Element, name: str, value: object = None, **attrs: str | None) -> etree._Element:
        prefix, local = name.split(":")
        namespace = {"ram": ORDERX_RAM, "rsm": ORDERX_RSM, "udt": ORDERX_UDT}[prefix]
        element = etree.SubElement(parent, f"{{{namespace}}}{local}")
        if value is not None:
            element.text = text(value)
        for key, attr in attrs.items():
            if attr is not None:
                element.set(key, attr)
        return element

    def opt(self, parent: etree._Element, name: str, value: object, **attrs: str | None) -> None:
        if value is not None:
            self.el(parent, name, value, **attrs)

    def required(self, value: object, term: str, where: str) -> object:
        if value is None:
            message = f"Order-X requires it ({where}) and the order has none: the output fails its schema"
            self.warnings.append(ConversionWarning(where, message, term))
        return value

    def lost(self, value: object, term: str, where: str = "order") -> None:
        if value is not None:
            self.warnings.append(ConversionWarning(where, "Order-X has no place for it in this binding", term))

    def datetime(self, parent: etree._Element, name: str, day: date | None, at: time | None = None) -> None:
        if day is None:
            return
        node = self.el(parent, name)
        if at is None:
            self.el(node, "udt:DateTimeString", ccyymmdd(day), format="102")
        else:
            stamp = f"{ccyymmdd(day)}{at.hour:02d}{at.minute:02d}"
            if at.second:  # format 204 (CCYYMMDDHHMMSS) keeps the seconds, 203 is the common one
                self.el(node, "udt:DateTimeString", f"{stamp}{at.second:02d}", format="204")
            else:
                self.el(node, "udt:DateTimeString", stamp, format="203")

    def period(self, parent: etree._Element, name: str, period: Period | None) -> None:
        if period is None:
            return
        event = self.el(parent, name)
        node = self.el(event, "ram:OccurrenceSpecifiedPeriod")
        self.datetime(node, "ram:StartDateTime", period.start)
        self.datetime(node, "ram:EndDateTime", period.end)

    def address(self, parent: etree._Element, address: Address | None, where: str) -> None:
        if address is None:
            return
        node = self.el(parent, "ram:PostalTradeAddress")
        self.opt(node, "ram:PostcodeCode", address.post_code)
        self.opt(node, "ram:LineOne", address.street)
        self.opt(node, "ram:LineTwo", address.additional_street)
        self.opt(node, "ram:LineThree", address.line3)
        self.opt(node, "ram:CityName", address.city)
        self.el(node, "ram:CountryID", self.required(address.country_code, "cac:Country/cbc:IdentificationCode", where))
        self.opt(node, "ram:CountrySubDivisionName", address.country_subdivision)

    def party(self, parent: etree._Element, name: str, party: Party) -> None:
        node = self.el(parent, name)
        for identifier in party.identifiers:
            if identifier.scheme is None:
                self.el(node, "ram:ID", identifier.value)
        for identifier in party.identifiers:
            if identifier.scheme is not None:
                self.el(node, "ram:GlobalID", identifier.value, schemeID=identifier.scheme)
        self.opt(node, "ram:Name", party.name)
        if party.legal_id is not None or party.trading_name is not None:
            legal = self.el(node, "ram:SpecifiedLegalOrganization")
            if party.legal_id is not None:
                self.el(legal, "ram:ID", party.legal_id.value, schemeID=party.legal_id.scheme)
            self.opt(legal, "ram:TradingBusinessName", party.trading_name)
        if party.contact is not None:
            contact = self.el(node, "ram:DefinedTradeContact")
            self.opt(contact, "ram:PersonName", party.contact.name)
            if party.contact.telephone is not None:
                self.el(
                    self.el(contact, "ram:TelephoneUniversalCommunication"),
                    "ram:CompleteNumber",
                    party.contact.telephone,
                )
            if party.contact.email is not None:
                self.el(self.el(contact, "ram:EmailURIUniversalCommunication"), "ram:URIID", party.contact.email)
        if party.address is None and name in {"ram:SellerTradeParty", "ram:BuyerTradeParty"}:
            self.required(None, "cac:Party/cac:PostalAddress", name)  # the COMFORT rules require it
        self.address(node, party.address, name)
        if party.endpoint is not None:
            uri = self.el(node, "ram:URIUniversalCommunication")
            self.el(uri, "ram:URIID", party.endpoint.value, schemeID=party.endpoint.scheme)
        if party.vat_id is not None:
            self.el(self.el(node, "ram:SpecifiedTaxRegistration"), "ram:ID", party.vat_id, schemeID="VA")

    def write(self) -> bytes:
        order = self.order
        response = order.document_type == ORDER_RESPONSE
        root = etree.Element(
            f"{{{ORDERX_RSM}}}SCRDMCCBDACIOMessageStructure",
            nsmap={"rsm": ORDERX_RSM, "ram": ORDERX_RAM, "udt": ORDERX_UDT},
        )
        context = self.el(root, "rsm:ExchangedDocumentContext")
        if order.profile_id is not None:
            self.el(
                self.el(context, "ram:BusinessProcessSpecifiedDocumentContextParameter"), "ram:ID", order.profile_id
            )
        self.el(self.el(context, "ram:GuidelineSpecifiedDocumentContextParameter"), "ram:ID", ORDERX_COMFORT)
        doc = self.el(root, "rsm:ExchangedDocument")
        self.el(doc, "ram:ID", self.required(order.id, "cbc:ID", "rsm:ExchangedDocument"))
        self.el(doc, "ram:TypeCode", ORDERX_RESPONSE_TYPE if response else (order.type_code or ORDERX_ORDER_TYPE))
        self.datetime(doc, "ram:IssueDateTime", order.issue_date, order.issue_time)
        if response:
            purpose = PURPOSE_OF_RESPONSE.get(order.response_code or "")
            if purpose is None:
                self.lost(order.response_code, "Response: cbc:OrderResponseCode")
            self.opt(doc, "ram:PurposeCode", purpose)
        else:
            self.lost(order.response_code, "Response: cbc:OrderResponseCode")
        for note in order.notes:
            self.el(self.el(doc, "ram:IncludedNote"), "ram:Content", note)
        transaction = self.el(root, "rsm:SupplyChainTradeTransaction")
        for line in order.lines:
            self.line(transaction, line, response)
        agreement = self.el(transaction, "ram:ApplicableHeaderTradeAgreement")
        self.opt(agreement, "ram:BuyerReference", order.buyer_reference)
        self.party(agreement, "ram:SellerTradeParty", order.seller)
        self.party(agreement, "ram:BuyerTradeParty", order.buyer)
        for name, value in (
            ("ram:SellerOrderReferencedDocument", order.sales_order_id),
            ("ram:BuyerOrderReferencedDocument", order.order_reference),
            ("ram:QuotationReferencedDocument", order.quotation_reference),
            ("ram:ContractReferencedDocument", order.contract_reference),
        ):
            if value is not None:
                self.el(self.el(agreement, name), "ram:IssuerAssignedID", value)
        if order.project_reference is not None:
            project = self.el(agreement, "ram:SpecifiedProcuringProject")
            self.el(project, "ram:ID", order.project_reference)
            self.el(project, "ram:Name", PROJECT_NAME)
        delivery_node = self.el(transaction, "ram:ApplicableHeaderTradeDelivery")
        delivery = order.delivery
        if delivery is not None:
            if delivery.location_id is not None or delivery.party_name is not None or delivery.address is not None:
                ship_to = self.el(delivery_node, "ram:ShipToTradeParty")
                if delivery.location_id is not None:
                    if delivery.location_id.scheme is None:
                        self.el(ship_to, "ram:ID", delivery.location_id.value)
                    else:
                        self.el(
                            ship_to, "ram:GlobalID", delivery.location_id.value, schemeID=delivery.location_id.scheme
                        )
                self.opt(ship_to, "ram:Name", delivery.party_name)
                self.address(ship_to, delivery.address, "ram:ShipToTradeParty")
            self.period(delivery_node, "ram:RequestedDeliverySupplyChainEvent", delivery.period)
        settlement = self.el(transaction, "ram:ApplicableHeaderTradeSettlement")
        self.el(
            settlement,
            "ram:OrderCurrencyCode",
            self.required(order.currency, "cbc:DocumentCurrencyCode", "ram:OrderCurrencyCode"),
        )
        for entry in order.allowance_charges:
            self.allowance(settlement, entry, "order")
        if order.payment_terms is not None:
            self.el(self.el(settlement, "ram:SpecifiedTradePaymentTerms"), "ram:Description", order.payment_terms)
        totals = order.totals or Totals()
        summation = self.el(settlement, "ram:SpecifiedTradeSettlementHeaderMonetarySummation")
        where = "ram:SpecifiedTradeSettlementHeaderMonetarySummation"
        self.el(summation, "ram:LineTotalAmount", self.required(totals.line_total, "cbc:LineExtensionAmount", where))
        self.opt(summation, "ram:ChargeTotalAmount", totals.charge_total)
        self.opt(summation, "ram:AllowanceTotalAmount", totals.allowance_total)
        self.el(
            summation, "ram:TaxBasisTotalAmount", self.required(totals.tax_exclusive, "cbc:TaxExclusiveAmount", where)
        )
        self.opt(summation, "ram:TaxTotalAmount", totals.tax_total, currencyID=order.currency)
        self.opt(summation, "ram:GrandTotalAmount", totals.tax_inclusive)
        self.lost(totals.prepaid, "cbc:PrepaidAmount")
        self.lost(totals.rounding, "cbc:PayableRoundingAmount")
        self.lost(totals.payable, "cbc:PayableAmount")
        for subtotal in totals.tax_subtotals:  # the COMFORT header settlement has no tax breakdown
            self.lost(subtotal.category, "cac:TaxTotal/cac:TaxSubtotal")
        if order.accounting_cost is not None:
            self.el(
                self.el(settlement, "ram:ReceivableSpecifiedTradeAccountingAccount"), "ram:ID", order.accounting_cost
            )
        return etree.tostring(root, xml_declaration=True, encoding="UTF-8", pretty_print=True)

    def allowance(self, parent: etree._Element, entry: AllowanceCharge, where: str) -> None:
        node = self.el(parent, "ram:SpecifiedTradeAllowanceCharge")
        self.el(self.el(node, "ram:ChargeIndicator"), "udt:Indicator", "true" if entry.charge else "false")
        self.opt(node, "ram:CalculationPercent", entry.percentage)
        self.opt(node, "ram:BasisAmount", entry.base_amount)
        self.el(node, "ram:ActualAmount", self.required(entry.amount, "cac:AllowanceCharge/cbc:Amount", where))
        self.opt(node, "ram:ReasonCode", entry.reason_code)
        self.opt(node, "ram:Reason", entry.reason)
        if entry.tax_category is not None or entry.tax_rate is not None:
            tax = self.el(node, "ram:CategoryTradeTax")
            self.el(tax, "ram:TypeCode", "VAT")
            self.el(tax, "ram:CategoryCode", self.required(entry.tax_category, "cac:TaxCategory/cbc:ID", where))
            self.opt(tax, "ram:RateApplicablePercent", entry.tax_rate)

    def line(self, transaction: etree._Element, line: Line, response: bool) -> None:
        where = f"line {line.id}"
        node = self.el(transaction, "ram:IncludedSupplyChainTradeLineItem")
        document = self.el(node, "ram:AssociatedDocumentLineDocument")
        self.el(document, "ram:LineID", self.required(line.id, "cac:LineItem/cbc:ID", where))
        if response:
            self.opt(document, "ram:LineStatusCode", line.status_code)
        else:
            self.lost(line.status_code, "Response: cbc:LineStatusCode", where)
        if line.note is not None:
            self.el(self.el(document, "ram:IncludedNote"), "ram:Content", line.note)
        item = line.item
        product = self.el(node, "ram:SpecifiedTradeProduct")
        if item.standard_id is not None:
            self.el(product, "ram:GlobalID", item.standard_id.value, schemeID=item.standard_id.scheme)
        self.opt(product, "ram:SellerAssignedID", item.seller_id)
        self.opt(product, "ram:BuyerAssignedID", item.buyer_id)
        self.opt(product, "ram:Name", item.name)
        self.opt(product, "ram:Description", item.description)
        agreement = self.el(node, "ram:SpecifiedLineTradeAgreement")
        if line.order_line_reference is not None:
            self.el(self.el(agreement, "ram:BuyerOrderReferencedDocument"), "ram:LineID", line.order_line_reference)
        net = self.el(agreement, "ram:NetPriceProductTradePrice")
        self.el(net, "ram:ChargeAmount", self.required(line.price, "cac:Price/cbc:PriceAmount", where))
        self.opt(net, "ram:BasisQuantity", line.price_base_quantity, unitCode=line.price_base_unit)
        delivery = self.el(node, "ram:SpecifiedLineTradeDelivery")
        self.el(
            delivery,
            "ram:RequestedQuantity",
            self.required(line.quantity, "cbc:Quantity", where),
            unitCode=line.unit_code,
        )
        self.period(delivery, "ram:RequestedDeliverySupplyChainEvent", line.delivery_period)
        settlement = self.el(node, "ram:SpecifiedLineTradeSettlement")
        if item.tax_category is not None or item.tax_rate is not None:
            tax = self.el(settlement, "ram:ApplicableTradeTax")
            self.el(tax, "ram:TypeCode", "VAT")
            self.el(
                tax, "ram:CategoryCode", self.required(item.tax_category, "cac:ClassifiedTaxCategory/cbc:ID", where)
            )
            self.opt(tax, "ram:RateApplicablePercent", item.tax_rate)
        for entry in line.allowance_charges:
            self.allowance(settlement, entry, where)
        summation = self.el(settlement, "ram:SpecifiedTradeSettlementLineMonetarySummation")
        self.el(summation, "ram:LineTotalAmount", self.required(line.line_amount, "cbc:LineExtensionAmount", where))
        if line.accounting_cost is not None:
            account = self.el(settlement, "ram:ReceivableSpecifiedTradeAccountingAccount")
            self.el(account, "ram:ID", line.accounting_cost)


def write_orderx(order: Order) -> tuple[bytes, list[ConversionWarning]]:
    writer = _Writer(order)
    data = writer.write()
    return data, writer.warnings
