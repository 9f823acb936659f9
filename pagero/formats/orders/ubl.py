"""UBL 2.1 Order and OrderResponse (Peppol BIS Ordering 3, T01 and T76) read into and written from the order model.

Elements are written in the order of the UBL 2.1 schemas. What the model does not hold is reported by the reader as a
warning with its path (XmlSource); nothing is dropped silently.
"""

from __future__ import annotations

from decimal import Decimal
from typing import cast

from lxml import etree

from ..errors import ConversionWarning, InvalidValue
from ..ubl.names import CAC, CBC, ORDER_NS
from ..values import parse_boolean, text
from ..xml import XmlSource, refused
from .model import (
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
    TaxSubtotal,
    Totals,
)
from .names import (
    MODEL,
    ORDER_RESPONSE_NS,
    PEPPOL_ORDER,
    PEPPOL_ORDER_RESPONSE,
    PEPPOL_ORDERING,
    UBL_NS,
    UBL_ROOTS,
)
from .values import parse_time

# Syntax boilerplate that carries no business information: TaxScheme VAT, the UBL version.
BOILERPLATE = ("cac:TaxScheme",)


def read_ubl_order(root: etree._Element) -> tuple[Order, list[ConversionWarning]]:
    qname = etree.QName(root)
    kind = UBL_ROOTS[(qname.namespace, qname.localname)]
    src = XmlSource(root, UBL_NS, model=MODEL)
    order = Order(document_type=kind)
    order.customization_id = src.text(root, "cbc:CustomizationID")
    order.profile_id = src.text(root, "cbc:ProfileID")
    src.first(root, "cbc:UBLVersionID")
    order.id = src.text(root, "cbc:ID")
    order.sales_order_id = src.text(root, "cbc:SalesOrderID")
    order.issue_date = src.iso_date(root, "cbc:IssueDate", "cbc:IssueDate")
    raw_time = src.text(root, "cbc:IssueTime")
    if raw_time is not None:
        try:
            order.issue_time = parse_time(raw_time)
        except ValueError as exc:
            message = refused("cbc:IssueTime", raw_time, exc)
            raise InvalidValue(message, path="/cbc:IssueTime", term="cbc:IssueTime") from None
    order.type_code = src.text(root, "cbc:OrderTypeCode")
    order.response_code = src.text(root, "cbc:OrderResponseCode")
    order.order_reference = src.text(root, "cac:OrderReference/cbc:ID")
    order.notes = [n.text for n in src.all(root, "cbc:Note") if n.text and n.text.strip()]
    order.currency = src.text(root, "cbc:DocumentCurrencyCode")
    order.buyer_reference = src.text(root, "cbc:CustomerReference")
    order.accounting_cost = src.text(root, "cbc:AccountingCost")
    order.quotation_reference = src.text(root, "cac:QuotationDocumentReference/cbc:ID")
    order.contract_reference = src.text(root, "cac:Contract/cbc:ID")
    order.project_reference = src.text(root, "cac:ProjectReference/cbc:ID")
    order.buyer = read_party(src, src.first(root, "cac:BuyerCustomerParty/cac:Party"))
    order.seller = read_party(src, src.first(root, "cac:SellerSupplierParty/cac:Party"))
    order.delivery = read_delivery(src, src.first(root, "cac:Delivery"))
    order.payment_terms = src.free_text(root, "cac:PaymentTerms/cbc:Note")
    order.allowance_charges = [read_allowance(src, node) for node in src.all(root, "cac:AllowanceCharge")]
    order.totals = read_totals(src, root)
    order.lines = [read_line(src, element) for element in src.all(root, "cac:OrderLine")]
    for element in root.iter(*(f"{{{CAC}}}{name.split(':')[1]}" for name in BOILERPLATE)):
        src.consume_subtree(element)
    return order, src.conversion_warnings()


def read_identifier(src: XmlSource, node: etree._Element | None, path: str) -> Identifier | None:
    value = src.text(node, path)
    return Identifier(value, src.attr(node, path, "schemeID")) if value is not None else None


def read_address(src: XmlSource, node: etree._Element | None) -> Address | None:
    if node is None:
        return None
    address = Address(
        street=src.text(node, "cbc:StreetName"),
        additional_street=src.text(node, "cbc:AdditionalStreetName"),
        line3=src.text(node, "cac:AddressLine/cbc:Line"),
        city=src.text(node, "cbc:CityName"),
        post_code=src.text(node, "cbc:PostalZone"),
        country_subdivision=src.text(node, "cbc:CountrySubentity"),
        country_code=src.text(node, "cac:Country/cbc:IdentificationCode"),
    )
    return address if address != Address() else None


def read_party(src: XmlSource, node: etree._Element | None) -> Party:
    party = Party()
    if node is None:
        return party
    party.endpoint = read_identifier(src, node, "cbc:EndpointID")
    for element in src.all(node, "cac:PartyIdentification/cbc:ID"):
        if element.text and element.text.strip():
            party.identifiers.append(Identifier(element.text.strip(), element.get("schemeID")))
    party.trading_name = src.text(node, "cac:PartyName/cbc:Name")
    party.name = src.text(node, "cac:PartyLegalEntity/cbc:RegistrationName")
    party.legal_id = read_identifier(src, node, "cac:PartyLegalEntity/cbc:CompanyID")
    party.vat_id = src.text(node, "cac:PartyTaxScheme/cbc:CompanyID")
    party.address = read_address(src, src.first(node, "cac:PostalAddress"))
    contact = src.first(node, "cac:Contact")
    if contact is not None:
        party.contact = Contact(
            name=src.text(contact, "cbc:Name"),
            telephone=src.text(contact, "cbc:Telephone"),
            email=src.text(contact, "cbc:ElectronicMail"),
        )
    return party


def read_period(src: XmlSource, node: etree._Element | None, path: str) -> Period | None:
    if node is None:
        return None
    element = src.first(node, path)
    if element is None:
        return None
    period = Period(
        start=src.iso_date(element, "cbc:StartDate", f"{path}/cbc:StartDate"),
        end=src.iso_date(element, "cbc:EndDate", f"{path}/cbc:EndDate"),
    )
    return period if period != Period() else None


def read_delivery(src: XmlSource, node: etree._Element | None) -> Delivery | None:
    if node is None:
        return None
    delivery = Delivery(
        location_id=read_identifier(src, node, "cac:DeliveryLocation/cbc:ID"),
        address=read_address(src, src.first(node, "cac:DeliveryLocation/cac:Address")),
        party_name=src.text(node, "cac:DeliveryParty/cac:PartyName/cbc:Name"),
        period=read_period(src, node, "cac:RequestedDeliveryPeriod")
        or read_period(src, node, "cac:PromisedDeliveryPeriod"),
    )
    return delivery if delivery != Delivery() else None


def read_totals(src: XmlSource, root: etree._Element) -> Totals | None:
    total = src.first(root, "cac:AnticipatedMonetaryTotal")
    if total is None:
        total = src.first(root, "cac:LegalMonetaryTotal")
    name = "cac:AnticipatedMonetaryTotal"
    totals = Totals(tax_total=src.decimal(root, "cac:TaxTotal/cbc:TaxAmount", "cac:TaxTotal/cbc:TaxAmount"))
    for node in src.all(root, "cac:TaxTotal/cac:TaxSubtotal"):
        name = "cac:TaxTotal/cac:TaxSubtotal"
        totals.tax_subtotals.append(
            TaxSubtotal(
                taxable_amount=src.decimal(node, "cbc:TaxableAmount", f"{name}/cbc:TaxableAmount"),
                tax_amount=src.decimal(node, "cbc:TaxAmount", f"{name}/cbc:TaxAmount"),
                category=src.text(node, "cac:TaxCategory/cbc:ID"),
                rate=src.decimal(node, "cac:TaxCategory/cbc:Percent", f"{name}/cac:TaxCategory/cbc:Percent"),
            )
        )
    if total is not None:
        for attribute, element in (
            ("line_total", "LineExtensionAmount"),
            ("allowance_total", "AllowanceTotalAmount"),
            ("charge_total", "ChargeTotalAmount"),
            ("tax_exclusive", "TaxExclusiveAmount"),
            ("tax_inclusive", "TaxInclusiveAmount"),
            ("prepaid", "PrepaidAmount"),
            ("rounding", "PayableRoundingAmount"),
            ("payable", "PayableAmount"),
        ):
            setattr(totals, attribute, src.decimal(total, f"cbc:{element}", f"{name}/cbc:{element}"))
    return totals if totals != Totals() else None


def read_allowance(src: XmlSource, node: etree._Element) -> AllowanceCharge:
    indicator = src.text(node, "cbc:ChargeIndicator")
    try:
        charge = parse_boolean(indicator or "")
    except ValueError as exc:
        term_name = "cac:AllowanceCharge/cbc:ChargeIndicator"
        raise InvalidValue(refused(term_name, indicator or "", exc), path=src.path_of(node), term=term_name) from None
    name = "cac:AllowanceCharge"
    return AllowanceCharge(
        charge=charge,
        reason_code=src.text(node, "cbc:AllowanceChargeReasonCode"),
        reason=src.text(node, "cbc:AllowanceChargeReason"),
        percentage=src.decimal(node, "cbc:MultiplierFactorNumeric", f"{name}/cbc:MultiplierFactorNumeric"),
        amount=src.decimal(node, "cbc:Amount", f"{name}/cbc:Amount"),
        base_amount=src.decimal(node, "cbc:BaseAmount", f"{name}/cbc:BaseAmount"),
        tax_category=src.text(node, "cac:TaxCategory/cbc:ID"),
        tax_rate=src.decimal(node, "cac:TaxCategory/cbc:Percent", f"{name}/cac:TaxCategory/cbc:Percent"),
    )


def read_line(src: XmlSource, order_line: etree._Element) -> Line:
    item_node = src.first(order_line, "cac:LineItem")
    line = Line(
        id=src.text(item_node, "cbc:ID"),
        note=src.free_text(order_line, "cbc:Note") or src.free_text(item_node, "cbc:Note"),
        status_code=src.text(item_node, "cbc:LineStatusCode"),
        quantity=src.decimal(item_node, "cbc:Quantity", "cac:LineItem/cbc:Quantity"),
        unit_code=src.attr(item_node, "cbc:Quantity", "unitCode"),
        line_amount=src.decimal(item_node, "cbc:LineExtensionAmount", "cac:LineItem/cbc:LineExtensionAmount"),
        accounting_cost=src.text(item_node, "cbc:AccountingCost"),
        price=src.decimal(item_node, "cac:Price/cbc:PriceAmount", "cac:Price/cbc:PriceAmount"),
        price_base_quantity=src.decimal(item_node, "cac:Price/cbc:BaseQuantity", "cac:Price/cbc:BaseQuantity"),
        price_base_unit=src.attr(item_node, "cac:Price/cbc:BaseQuantity", "unitCode"),
        order_line_reference=src.text(order_line, "cac:OrderLineReference/cbc:LineID"),
    )
    delivery = src.first(item_node, "cac:Delivery")
    line.delivery_period = read_period(src, delivery, "cac:RequestedDeliveryPeriod") or read_period(
        src, delivery, "cac:PromisedDeliveryPeriod"
    )
    line.allowance_charges = [read_allowance(src, node) for node in src.all(item_node, "cac:AllowanceCharge")]
    item = src.first(item_node, "cac:Item")
    line.item = Item(
        name=src.text(item, "cbc:Name"),
        description=src.free_text(item, "cbc:Description"),
        seller_id=src.text(item, "cac:SellersItemIdentification/cbc:ID"),
        buyer_id=src.text(item, "cac:BuyersItemIdentification/cbc:ID"),
        standard_id=read_identifier(src, item, "cac:StandardItemIdentification/cbc:ID"),
        tax_category=src.text(item, "cac:ClassifiedTaxCategory/cbc:ID"),
        tax_rate=src.decimal(item, "cac:ClassifiedTaxCategory/cbc:Percent", "cac:ClassifiedTaxCategory/cbc:Percent"),
    )
    return line


# -- writing -------------------------------------------------------------------------------------------------------


def _cbc(parent: etree._Element, name: str, value: object, /, **attrs: str | None) -> etree._Element | None:
    if value is None:
        return None
    element = etree.SubElement(parent, f"{{{CBC}}}{name}")
    element.text = text(value)
    for key, attr in attrs.items():
        if attr is not None:
            element.set(key, attr)
    return element


def _cac(parent: etree._Element, name: str) -> etree._Element:
    return etree.SubElement(parent, f"{{{CAC}}}{name}")


def _ident(parent: etree._Element, name: str, identifier: Identifier | None) -> None:
    if identifier is not None:
        _cbc(parent, name, identifier.value, schemeID=identifier.scheme)


def write_ubl_order(order: Order) -> tuple[bytes, list[ConversionWarning]]:
    response = order.document_type == ORDER_RESPONSE
    namespace, local = (ORDER_RESPONSE_NS, "OrderResponse") if response else (ORDER_NS, "Order")
    # None maps the default namespace; lxml takes it, its stubs do not say so
    nsmap = cast("dict[str, str]", {None: namespace, "cac": CAC, "cbc": CBC})
    root = etree.Element(f"{{{namespace}}}{local}", nsmap=nsmap)
    warnings: list[ConversionWarning] = []
    customization = order.customization_id or (PEPPOL_ORDER_RESPONSE if response else PEPPOL_ORDER)
    _cbc(root, "CustomizationID", customization)
    _cbc(root, "ProfileID", order.profile_id or PEPPOL_ORDERING)
    _cbc(root, "ID", order.id)
    _cbc(root, "SalesOrderID", order.sales_order_id)
    _cbc(root, "IssueDate", order.issue_date)
    _cbc(root, "IssueTime", order.issue_time.isoformat() if order.issue_time else None)
    if response:
        _cbc(root, "OrderResponseCode", order.response_code)
        if order.type_code is not None and order.type_code != "231":
            message = "an order response has no type code"
            warnings.append(ConversionWarning("/OrderResponse", message, "cbc:OrderTypeCode"))
    else:
        _cbc(root, "OrderTypeCode", order.type_code)
        if order.response_code is not None:
            warnings.append(
                ConversionWarning("/Order", "an order has no response code", "Response: cbc:OrderResponseCode")
            )
    for note in order.notes:
        _cbc(root, "Note", note)
    _cbc(root, "DocumentCurrencyCode", order.currency)
    _cbc(root, "CustomerReference", order.buyer_reference)
    _cbc(root, "AccountingCost", order.accounting_cost)
    if response:
        if order.order_reference is not None:
            _cbc(_cac(root, "OrderReference"), "ID", order.order_reference)
        for value, term_name in (
            (order.quotation_reference, "cac:QuotationDocumentReference/cbc:ID"),
            (order.project_reference, "cac:ProjectReference/cbc:ID"),
        ):
            if value is not None:
                warnings.append(ConversionWarning("/OrderResponse", "UBL OrderResponse has no place for it", term_name))
        if order.contract_reference is not None:
            _cbc(_cac(root, "Contract"), "ID", order.contract_reference)
        write_party(_cac(root, "SellerSupplierParty"), order.seller)
        write_party(_cac(root, "BuyerCustomerParty"), order.buyer)
    else:
        if order.quotation_reference is not None:
            _cbc(_cac(root, "QuotationDocumentReference"), "ID", order.quotation_reference)
        if order.contract_reference is not None:
            _cbc(_cac(root, "Contract"), "ID", order.contract_reference)
        if order.project_reference is not None:
            _cbc(_cac(root, "ProjectReference"), "ID", order.project_reference)
        write_party(_cac(root, "BuyerCustomerParty"), order.buyer)
        write_party(_cac(root, "SellerSupplierParty"), order.seller)
    if order.delivery is not None:
        write_delivery(_cac(root, "Delivery"), order.delivery, response)
    if order.payment_terms is not None:
        _cbc(_cac(root, "PaymentTerms"), "Note", order.payment_terms)
    for entry in order.allowance_charges:
        write_allowance(root, entry, order.currency, with_tax=True)
    write_totals(root, order, response)
    for line in order.lines:
        write_line(root, line, order, response)
    data = etree.tostring(root, xml_declaration=True, encoding="UTF-8", pretty_print=True)
    return data, warnings


def write_address(parent: etree._Element, name: str, address: Address | None) -> None:
    if address is None:
        return
    node = _cac(parent, name)
    _cbc(node, "StreetName", address.street)
    _cbc(node, "AdditionalStreetName", address.additional_street)
    _cbc(node, "CityName", address.city)
    _cbc(node, "PostalZone", address.post_code)
    _cbc(node, "CountrySubentity", address.country_subdivision)
    if address.line3 is not None:
        _cbc(_cac(node, "AddressLine"), "Line", address.line3)
    if address.country_code is not None:
        _cbc(_cac(node, "Country"), "IdentificationCode", address.country_code)


def write_party(parent: etree._Element, party: Party) -> None:
    node = _cac(parent, "Party")
    _ident(node, "EndpointID", party.endpoint)
    for identifier in party.identifiers:
        _ident(_cac(node, "PartyIdentification"), "ID", identifier)
    if party.trading_name is not None:
        _cbc(_cac(node, "PartyName"), "Name", party.trading_name)
    write_address(node, "PostalAddress", party.address)
    if party.vat_id is not None:
        scheme = _cac(node, "PartyTaxScheme")
        _cbc(scheme, "CompanyID", party.vat_id)
        _cbc(_cac(scheme, "TaxScheme"), "ID", "VAT")
    if party.name is not None or party.legal_id is not None:
        legal = _cac(node, "PartyLegalEntity")
        _cbc(legal, "RegistrationName", party.name)
        _ident(legal, "CompanyID", party.legal_id)
    if party.contact is not None:
        contact = _cac(node, "Contact")
        _cbc(contact, "Name", party.contact.name)
        _cbc(contact, "Telephone", party.contact.telephone)
        _cbc(contact, "ElectronicMail", party.contact.email)


def write_period(parent: etree._Element, name: str, period: Period | None) -> None:
    if period is None:
        return
    node = _cac(parent, name)
    _cbc(node, "StartDate", period.start)
    _cbc(node, "EndDate", period.end)


def write_delivery(node: etree._Element, delivery: Delivery, response: bool) -> None:
    if delivery.location_id is not None or delivery.address is not None:
        location = _cac(node, "DeliveryLocation")
        _ident(location, "ID", delivery.location_id)
        write_address(location, "Address", delivery.address)
    write_period(node, "PromisedDeliveryPeriod" if response else "RequestedDeliveryPeriod", delivery.period)
    if delivery.party_name is not None:
        _cbc(_cac(_cac(node, "DeliveryParty"), "PartyName"), "Name", delivery.party_name)


def write_allowance(parent: etree._Element, entry: AllowanceCharge, currency: str | None, with_tax: bool) -> None:
    node = _cac(parent, "AllowanceCharge")
    _cbc(node, "ChargeIndicator", "true" if entry.charge else "false")
    _cbc(node, "AllowanceChargeReasonCode", entry.reason_code)
    _cbc(node, "AllowanceChargeReason", entry.reason)
    _cbc(node, "MultiplierFactorNumeric", entry.percentage)
    _cbc(node, "Amount", entry.amount, currencyID=currency)
    _cbc(node, "BaseAmount", entry.base_amount, currencyID=currency)
    if with_tax and (entry.tax_category is not None or entry.tax_rate is not None):
        category = _cac(node, "TaxCategory")
        _cbc(category, "ID", entry.tax_category)
        _cbc(category, "Percent", entry.tax_rate)
        _cbc(_cac(category, "TaxScheme"), "ID", "VAT")


def derived_payable(totals: Totals) -> Decimal | None:
    """The amount due the UBL schema requires, when the source syntax has none (Order-X): Peppol defines it as the
    tax inclusive amount less the prepaid amount plus the rounding."""
    if totals.tax_inclusive is None:
        return None
    return totals.tax_inclusive - (totals.prepaid or Decimal(0)) + (totals.rounding or Decimal(0))


def write_totals(root: etree._Element, order: Order, response: bool) -> None:
    totals = order.totals
    if totals is None:
        return
    if totals.tax_total is not None or totals.tax_subtotals:
        tax_total = _cac(root, "TaxTotal")
        _cbc(tax_total, "TaxAmount", totals.tax_total, currencyID=order.currency)
        for subtotal in totals.tax_subtotals:
            node = _cac(tax_total, "TaxSubtotal")
            _cbc(node, "TaxableAmount", subtotal.taxable_amount, currencyID=order.currency)
            _cbc(node, "TaxAmount", subtotal.tax_amount, currencyID=order.currency)
            category = _cac(node, "TaxCategory")
            _cbc(category, "ID", subtotal.category)
            _cbc(category, "Percent", subtotal.rate)
            _cbc(_cac(category, "TaxScheme"), "ID", "VAT")
    amounts: list[tuple[str, Decimal | None]] = [
        ("LineExtensionAmount", totals.line_total),
        ("TaxExclusiveAmount", totals.tax_exclusive),
        ("TaxInclusiveAmount", totals.tax_inclusive),
        ("AllowanceTotalAmount", totals.allowance_total),
        ("ChargeTotalAmount", totals.charge_total),
        ("PrepaidAmount", totals.prepaid),
        ("PayableRoundingAmount", totals.rounding),
        ("PayableAmount", totals.payable if totals.payable is not None else derived_payable(totals)),
    ]
    if all(value is None for _, value in amounts):
        return
    node = _cac(root, "LegalMonetaryTotal" if response else "AnticipatedMonetaryTotal")
    for name, value in amounts:
        _cbc(node, name, value, currencyID=order.currency)


def write_line(root: etree._Element, line: Line, order: Order, response: bool) -> None:
    order_line = _cac(root, "OrderLine")
    if not response:
        _cbc(order_line, "Note", line.note)
    node = _cac(order_line, "LineItem")
    _cbc(node, "ID", line.id)
    if response:
        _cbc(node, "Note", line.note)
        _cbc(node, "LineStatusCode", line.status_code)
    _cbc(node, "Quantity", line.quantity, unitCode=line.unit_code)
    _cbc(node, "LineExtensionAmount", line.line_amount, currencyID=order.currency)
    _cbc(node, "AccountingCost", line.accounting_cost)
    if line.delivery_period is not None:
        name = "PromisedDeliveryPeriod" if response else "RequestedDeliveryPeriod"
        write_period(_cac(node, "Delivery"), name, line.delivery_period)
    for entry in line.allowance_charges:
        write_allowance(node, entry, order.currency, with_tax=True)
    if line.price is not None or line.price_base_quantity is not None:
        price = _cac(node, "Price")
        _cbc(price, "PriceAmount", line.price, currencyID=order.currency)
        _cbc(price, "BaseQuantity", line.price_base_quantity, unitCode=line.price_base_unit)
    item, element = line.item, _cac(node, "Item")
    _cbc(element, "Description", item.description)
    _cbc(element, "Name", item.name)
    if item.buyer_id is not None:
        _cbc(_cac(element, "BuyersItemIdentification"), "ID", item.buyer_id)
    if item.seller_id is not None:
        _cbc(_cac(element, "SellersItemIdentification"), "ID", item.seller_id)
    if item.standard_id is not None:
        _ident(_cac(element, "StandardItemIdentification"), "ID", item.standard_id)
    if item.tax_category is not None or item.tax_rate is not None:
        category = _cac(element, "ClassifiedTaxCategory")
        _cbc(category, "ID", item.tax_category)
        _cbc(category, "Percent", item.tax_rate)
        _cbc(_cac(category, "TaxScheme"), "ID", "VAT")
    if line.order_line_reference is not None:
        _cbc(_cac(order_line, "OrderLineReference"), "LineID", line.order_line_reference)
