# term() and group() return dataclasses.field(...) with the term in its metadata; RUF009 cannot see that.
# ruff: noqa: RUF009
"""The order model: Peppol BIS Ordering 3 Order (T01) and Order Response (T76) as plain Python (no Django, no XML).

Each field carries, in its metadata, the Peppol ordering business term it stands for, named as the Peppol BIS
Ordering 3 syntax binding names it (the UBL path of the term in the Order; "Response:" when it exists only in the
Order Response), and its cardinality, so that diffs and warnings can cite them (`model.term_of`, `diff_orders`).
Amounts, quantities and percentages are Decimal (never float), dates are `date`, identifiers keep their scheme.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import date, time
from decimal import Decimal
from typing import Any

from ..model import diff_models, group, term

ORDER = "order"
ORDER_RESPONSE = "order_response"
DOCUMENT_TYPES = (ORDER, ORDER_RESPONSE)

# Order response codes (UNCL 4343 subset used by Peppol T76).
ACKNOWLEDGED, ACCEPTED, REJECTED, ACCEPTED_WITH_CHANGES = "AB", "AP", "RE", "CA"
RESPONSE_CODES = (ACKNOWLEDGED, ACCEPTED, REJECTED, ACCEPTED_WITH_CHANGES)
# Line status codes (UNCL 1229 subset used by Peppol T76): changed, accepted, not accepted.
LINE_CHANGED, LINE_ACCEPTED, LINE_REJECTED = "3", "5", "7"


@dataclass
class Identifier:
    """An identifier with its scheme (ISO 6523 ICD for parties, EAS for endpoints, GTIN 0160 for items)."""

    value: str
    scheme: str | None = None


@dataclass
class Address:
    street: str | None = term("cac:PostalAddress/cbc:StreetName")
    additional_street: str | None = term("cac:PostalAddress/cbc:AdditionalStreetName")
    line3: str | None = term("cac:PostalAddress/cac:AddressLine/cbc:Line")
    city: str | None = term("cac:PostalAddress/cbc:CityName")
    post_code: str | None = term("cac:PostalAddress/cbc:PostalZone")
    country_subdivision: str | None = term("cac:PostalAddress/cbc:CountrySubentity")
    country_code: str | None = term("cac:PostalAddress/cac:Country/cbc:IdentificationCode")


@dataclass
class Contact:
    name: str | None = term("cac:Contact/cbc:Name")
    telephone: str | None = term("cac:Contact/cbc:Telephone")
    email: str | None = term("cac:Contact/cbc:ElectronicMail")


@dataclass
class Party:
    """Buyer (cac:BuyerCustomerParty) or seller (cac:SellerSupplierParty)."""

    endpoint: Identifier | None = term("cac:Party/cbc:EndpointID", "1..1")
    identifiers: list[Identifier] = term("cac:Party/cac:PartyIdentification/cbc:ID", "0..n")
    trading_name: str | None = term("cac:Party/cac:PartyName/cbc:Name")
    name: str | None = term("cac:Party/cac:PartyLegalEntity/cbc:RegistrationName")
    legal_id: Identifier | None = term("cac:Party/cac:PartyLegalEntity/cbc:CompanyID")
    vat_id: str | None = term("cac:Party/cac:PartyTaxScheme/cbc:CompanyID")
    address: Address | None = term("cac:Party/cac:PostalAddress")
    contact: Contact | None = term("cac:Party/cac:Contact")


@dataclass
class Period:
    start: date | None = term("cbc:StartDate")
    end: date | None = term("cbc:EndDate")


@dataclass
class Delivery:
    """cac:Delivery: where and when. Orders request a period, responses promise one."""

    location_id: Identifier | None = term("cac:Delivery/cac:DeliveryLocation/cbc:ID")
    address: Address | None = term("cac:Delivery/cac:DeliveryLocation/cac:Address")
    party_name: str | None = term("cac:Delivery/cac:DeliveryParty/cac:PartyName/cbc:Name")
    period: Period | None = term("cac:Delivery/cac:RequestedDeliveryPeriod | Response: cac:PromisedDeliveryPeriod")


@dataclass
class TaxSubtotal:
    """cac:TaxTotal/cac:TaxSubtotal: the tax of one category and rate (order agreements state them)."""

    taxable_amount: Decimal | None = term("cac:TaxSubtotal/cbc:TaxableAmount", "1..1")
    tax_amount: Decimal | None = term("cac:TaxSubtotal/cbc:TaxAmount", "1..1")
    category: str | None = term("cac:TaxSubtotal/cac:TaxCategory/cbc:ID", "1..1")
    rate: Decimal | None = term("cac:TaxSubtotal/cac:TaxCategory/cbc:Percent")


@dataclass
class Totals:
    """cac:AnticipatedMonetaryTotal and cac:TaxTotal."""

    line_total: Decimal | None = term("cac:AnticipatedMonetaryTotal/cbc:LineExtensionAmount")
    allowance_total: Decimal | None = term("cac:AnticipatedMonetaryTotal/cbc:AllowanceTotalAmount")
    charge_total: Decimal | None = term("cac:AnticipatedMonetaryTotal/cbc:ChargeTotalAmount")
    tax_exclusive: Decimal | None = term("cac:AnticipatedMonetaryTotal/cbc:TaxExclusiveAmount")
    tax_total: Decimal | None = term("cac:TaxTotal/cbc:TaxAmount")
    tax_inclusive: Decimal | None = term("cac:AnticipatedMonetaryTotal/cbc:TaxInclusiveAmount")
    prepaid: Decimal | None = term("cac:AnticipatedMonetaryTotal/cbc:PrepaidAmount")
    rounding: Decimal | None = term("cac:AnticipatedMonetaryTotal/cbc:PayableRoundingAmount")
    payable: Decimal | None = term("cac:AnticipatedMonetaryTotal/cbc:PayableAmount")
    tax_subtotals: list[TaxSubtotal] = term("cac:TaxTotal/cac:TaxSubtotal", "0..n")


@dataclass
class AllowanceCharge:
    """cac:AllowanceCharge of the order (document level) or of a line: `charge` tells which of the two it is."""

    charge: bool = field(default=False, metadata={"term": "cac:AllowanceCharge/cbc:ChargeIndicator", "card": "1..1"})
    reason_code: str | None = term("cac:AllowanceCharge/cbc:AllowanceChargeReasonCode")
    reason: str | None = term("cac:AllowanceCharge/cbc:AllowanceChargeReason")
    percentage: Decimal | None = term("cac:AllowanceCharge/cbc:MultiplierFactorNumeric")
    amount: Decimal | None = term("cac:AllowanceCharge/cbc:Amount", "1..1")
    base_amount: Decimal | None = term("cac:AllowanceCharge/cbc:BaseAmount")
    tax_category: str | None = term("cac:AllowanceCharge/cac:TaxCategory/cbc:ID")
    tax_rate: Decimal | None = term("cac:AllowanceCharge/cac:TaxCategory/cbc:Percent")


@dataclass
class Item:
    name: str | None = term("cac:Item/cbc:Name", "1..1")
    description: str | None = term("cac:Item/cbc:Description")
    seller_id: str | None = term("cac:Item/cac:SellersItemIdentification/cbc:ID")
    buyer_id: str | None = term("cac:Item/cac:BuyersItemIdentification/cbc:ID")
    standard_id: Identifier | None = term("cac:Item/cac:StandardItemIdentification/cbc:ID")
    tax_category: str | None = term("cac:Item/cac:ClassifiedTaxCategory/cbc:ID")
    tax_rate: Decimal | None = term("cac:Item/cac:ClassifiedTaxCategory/cbc:Percent")


@dataclass
class Line:
    """cac:OrderLine/cac:LineItem. In a response, the status says what the seller did with the ordered line."""

    id: str | None = term("cac:LineItem/cbc:ID", "1..1")
    note: str | None = term("cac:OrderLine/cbc:Note | Response: cac:LineItem/cbc:Note")
    status_code: str | None = term("Response: cac:LineItem/cbc:LineStatusCode")
    quantity: Decimal | None = term("cac:LineItem/cbc:Quantity")
    unit_code: str | None = term("cac:LineItem/cbc:Quantity/@unitCode")
    line_amount: Decimal | None = term("cac:LineItem/cbc:LineExtensionAmount")
    accounting_cost: str | None = term("cac:LineItem/cbc:AccountingCost")
    price: Decimal | None = term("cac:LineItem/cac:Price/cbc:PriceAmount")
    price_base_quantity: Decimal | None = term("cac:LineItem/cac:Price/cbc:BaseQuantity")
    price_base_unit: str | None = term("cac:LineItem/cac:Price/cbc:BaseQuantity/@unitCode")
    delivery_period: Period | None = term(
        "cac:LineItem/cac:Delivery/cac:RequestedDeliveryPeriod | Response: cac:PromisedDeliveryPeriod"
    )
    order_line_reference: str | None = term("Response: cac:OrderLineReference/cbc:LineID")
    allowance_charges: list[AllowanceCharge] = term("cac:LineItem/cac:AllowanceCharge", "0..n")
    item: Item = group("cac:LineItem/cac:Item", Item)


@dataclass
class Order:
    """A Peppol BIS Ordering 3 Order (T01) or Order Response (T76): `document_type` tells which."""

    document_type: str = field(default=ORDER, metadata={"term": "root element", "card": "1..1"})
    customization_id: str | None = term("cbc:CustomizationID", "1..1")
    profile_id: str | None = term("cbc:ProfileID", "1..1")
    id: str | None = term("cbc:ID", "1..1")
    sales_order_id: str | None = term("cbc:SalesOrderID")
    issue_date: date | None = term("cbc:IssueDate", "1..1")
    issue_time: time | None = term("cbc:IssueTime")
    type_code: str | None = term("cbc:OrderTypeCode")
    response_code: str | None = term("Response: cbc:OrderResponseCode")
    order_reference: str | None = term("Response: cac:OrderReference/cbc:ID")
    notes: list[str] = term("cbc:Note", "0..n")
    currency: str | None = term("cbc:DocumentCurrencyCode")
    buyer_reference: str | None = term("cbc:CustomerReference")
    accounting_cost: str | None = term("cbc:AccountingCost")
    quotation_reference: str | None = term("cac:QuotationDocumentReference/cbc:ID")
    contract_reference: str | None = term("cac:Contract/cbc:ID")
    project_reference: str | None = term("cac:ProjectReference/cbc:ID")
    buyer: Party = group("cac:BuyerCustomerParty", Party)
    seller: Party = group("cac:SellerSupplierParty", Party)
    delivery: Delivery | None = term("cac:Delivery")
    payment_terms: str | None = term("cac:PaymentTerms/cbc:Note")
    allowance_charges: list[AllowanceCharge] = term("cac:AllowanceCharge", "0..n")
    totals: Totals | None = term("cac:AnticipatedMonetaryTotal")
    lines: list[Line] = term("cac:OrderLine", "0..n")

    @property
    def is_response(self) -> bool:
        return self.document_type == ORDER_RESPONSE


def diff_orders(a: Any, b: Any, path: str = "") -> list[tuple[str, str, Any, Any]]:
    """Field-by-field differences between two order models: (path, term, a value, b value)."""
    return diff_models(a, b, path, atomic=(Identifier,))
