"""The EN 16931-1 semantic data model of an invoice, as plain Python (no Django, no XML).

Every field carries the business term (BT-n) or group (BG-n) it stands for and its cardinality in
its metadata, so that validation errors and diffs can cite them (`term_of`, `walk_terms`).
Amounts, quantities and percentages are Decimal (never float), dates are `date`, codes are strings,
identifiers keep their scheme. A credit note is an Invoice whose type code (BT-3) is a credit code.
"""

from __future__ import annotations

from collections.abc import Iterator
from dataclasses import dataclass, field, fields, is_dataclass
from datetime import date
from decimal import Decimal
from typing import Any

CREDIT_NOTE_TYPE_CODES = frozenset({"81", "83", "261", "262", "296", "308", "381", "396", "420", "458", "532"})


def term(code: str, card: str = "0..1", default: Any = None) -> Any:
    """A business term or group with its cardinality ("0..1", "1..1", "0..n", "1..n")."""
    if card.endswith("..n"):
        return field(default_factory=list, metadata={"term": code, "card": card})
    return field(default=default, metadata={"term": code, "card": card})


def group(code: str, factory: type, card: str = "1..1") -> Any:
    """A mandatory single business group, created empty by default."""
    return field(default_factory=factory, metadata={"term": code, "card": card})


@dataclass
class Identifier:
    """An identifier with its optional identification scheme (e.g. ISO 6523 ICD, EAS code)."""

    value: str
    scheme: str | None = None
    scheme_version: str | None = None  # only BT-158 (item classification) uses a list version


@dataclass
class BinaryObject:
    """BT-125 Attached document, with BT-125-1 mime code and BT-125-2 filename."""

    content: bytes
    mime_code: str
    filename: str


@dataclass
class Note:  # BG-1 INVOICE NOTE
    text: str | None = term("BT-22", "1..1")
    subject_code: str | None = term("BT-21")


@dataclass
class ProcessControl:  # BG-2 PROCESS CONTROL
    business_process: str | None = term("BT-23")
    specification_id: str | None = term("BT-24", "1..1")


@dataclass
class PrecedingInvoice:  # BG-3 PRECEDING INVOICE REFERENCE
    reference: str | None = term("BT-25", "1..1")
    issue_date: date | None = term("BT-26")


@dataclass
class Address:  # BG-5 / BG-8 / BG-12 / BG-15 (BT-35..40, 50..55, 64..69, 75..80, 162..165)
    line1: str | None = term("BT-35")
    line2: str | None = term("BT-36")
    line3: str | None = term("BT-162")
    city: str | None = term("BT-37")
    post_code: str | None = term("BT-38")
    country_subdivision: str | None = term("BT-39")
    country_code: str | None = term("BT-40", "1..1")


@dataclass
class Contact:  # BG-6 / BG-9
    name: str | None = term("BT-41")
    telephone: str | None = term("BT-42")
    email: str | None = term("BT-43")


@dataclass
class Seller:  # BG-4 SELLER
    name: str | None = term("BT-27", "1..1")
    trading_name: str | None = term("BT-28")
    identifiers: list[Identifier] = term("BT-29", "0..n")
    legal_registration_id: Identifier | None = term("BT-30")
    vat_id: str | None = term("BT-31")
    tax_registration_id: str | None = term("BT-32")
    additional_legal_info: str | None = term("BT-33")
    electronic_address: Identifier | None = term("BT-34")
    address: Address = group("BG-5", Address)
    contact: Contact | None = term("BG-6")


@dataclass
class Buyer:  # BG-7 BUYER
    name: str | None = term("BT-44", "1..1")
    trading_name: str | None = term("BT-45")
    identifier: Identifier | None = term("BT-46")
    legal_registration_id: Identifier | None = term("BT-47")
    vat_id: str | None = term("BT-48")
    electronic_address: Identifier | None = term("BT-49")
    address: Address = group("BG-8", Address)
    contact: Contact | None = term("BG-9")


@dataclass
class Payee:  # BG-10 PAYEE
    name: str | None = term("BT-59", "1..1")
    identifier: Identifier | None = term("BT-60")
    legal_registration_id: Identifier | None = term("BT-61")


@dataclass
class TaxRepresentative:  # BG-11 SELLER TAX REPRESENTATIVE PARTY
    name: str | None = term("BT-62", "1..1")
    vat_id: str | None = term("BT-63", "1..1")
    address: Address = group("BG-12", Address)


@dataclass
class Period:  # BG-14 / BG-26
    start: date | None = term("BT-73")
    end: date | None = term("BT-74")


@dataclass
class Delivery:  # BG-13 DELIVERY INFORMATION
    party_name: str | None = term("BT-70")
    location_id: Identifier | None = term("BT-71")
    actual_date: date | None = term("BT-72")
    invoicing_period: Period | None = term("BG-14")
    address: Address | None = term("BG-15")


@dataclass
class CreditTransfer:  # BG-17 CREDIT TRANSFER
    account_id: str | None = term("BT-84", "1..1")
    account_name: str | None = term("BT-85")
    service_provider_id: str | None = term("BT-86")


@dataclass
class PaymentCard:  # BG-18 PAYMENT CARD INFORMATION
    primary_account_number: str | None = term("BT-87", "1..1")
    holder_name: str | None = term("BT-88")


@dataclass
class DirectDebit:  # BG-19 DIRECT DEBIT
    mandate_reference: str | None = term("BT-89")
    creditor_id: str | None = term("BT-90")
    debited_account_id: str | None = term("BT-91")


@dataclass
class PaymentInstructions:  # BG-16 PAYMENT INSTRUCTIONS
    means_code: str | None = term("BT-81", "1..1")
    means_text: str | None = term("BT-82")
    remittance_information: str | None = term("BT-83")
    credit_transfers: list[CreditTransfer] = term("BG-17", "0..n")
    card: PaymentCard | None = term("BG-18")
    direct_debit: DirectDebit | None = term("BG-19")


@dataclass
class AllowanceCharge:
    """BG-20 document allowance (BT-92..98) or BG-21 document charge (BT-99..105)."""

    amount: Decimal | None = term("BT-92/BT-99", "1..1")
    base_amount: Decimal | None = term("BT-93/BT-100")
    percentage: Decimal | None = term("BT-94/BT-101")
    vat_category: str | None = term("BT-95/BT-102", "1..1")
    vat_rate: Decimal | None = term("BT-96/BT-103")
    reason: str | None = term("BT-97/BT-104")
    reason_code: str | None = term("BT-98/BT-105")


@dataclass
class Totals:  # BG-22 DOCUMENT TOTALS
    line_net_total: Decimal | None = term("BT-106", "1..1")
    allowance_total: Decimal | None = term("BT-107")
    charge_total: Decimal | None = term("BT-108")
    tax_exclusive: Decimal | None = term("BT-109", "1..1")
    vat_total: Decimal | None = term("BT-110")
    vat_total_accounting: Decimal | None = term("BT-111")
    tax_inclusive: Decimal | None = term("BT-112", "1..1")
    prepaid: Decimal | None = term("BT-113")
    rounding: Decimal | None = term("BT-114")
    payable: Decimal | None = term("BT-115", "1..1")


@dataclass
class VatBreakdown:  # BG-23 VAT BREAKDOWN
    taxable_amount: Decimal | None = term("BT-116", "1..1")
    tax_amount: Decimal | None = term("BT-117", "1..1")
    category: str | None = term("BT-118", "1..1")
    rate: Decimal | None = term("BT-119")
    exemption_reason: str | None = term("BT-120")
    exemption_reason_code: str | None = term("BT-121")


@dataclass
class SupportingDocument:  # BG-24 ADDITIONAL SUPPORTING DOCUMENTS
    reference: str | None = term("BT-122", "1..1")
    description: str | None = term("BT-123")
    external_location: str | None = term("BT-124")
    attachment: BinaryObject | None = term("BT-125")
    # Syntax-level variants of BT-122 that EN 16931 maps onto this group: UBL puts BT-17 (tender, type
    # code 50) and BT-18 (invoiced object, type code 130) in AdditionalDocumentReference too.


@dataclass
class LineAllowanceCharge:
    """BG-27 line allowance (BT-136..140) or BG-28 line charge (BT-141..145)."""

    amount: Decimal | None = term("BT-136/BT-141", "1..1")
    base_amount: Decimal | None = term("BT-137/BT-142")
    percentage: Decimal | None = term("BT-138/BT-143")
    reason: str | None = term("BT-139/BT-144")
    reason_code: str | None = term("BT-140/BT-145")


@dataclass
class Price:  # BG-29 PRICE DETAILS
    net_price: Decimal | None = term("BT-146", "1..1")
    discount: Decimal | None = term("BT-147")
    gross_price: Decimal | None = term("BT-148")
    base_quantity: Decimal | None = term("BT-149")
    base_quantity_unit: str | None = term("BT-150")


@dataclass
class LineVat:  # BG-30 LINE VAT INFORMATION
    category: str | None = term("BT-151", "1..1")
    rate: Decimal | None = term("BT-152")


@dataclass
class ItemAttribute:  # BG-32 ITEM ATTRIBUTES
    name: str | None = term("BT-160", "1..1")
    value: str | None = term("BT-161", "1..1")


@dataclass
class Item:  # BG-31 ITEM INFORMATION
    name: str | None = term("BT-153", "1..1")
    description: str | None = term("BT-154")
    seller_id: str | None = term("BT-155")
    buyer_id: str | None = term("BT-156")
    standard_id: Identifier | None = term("BT-157")
    classifications: list[Identifier] = term("BT-158", "0..n")
    origin_country: str | None = term("BT-159")
    attributes: list[ItemAttribute] = term("BG-32", "0..n")


@dataclass
class Line:  # BG-25 INVOICE LINE
    id: str | None = term("BT-126", "1..1")
    note: str | None = term("BT-127")
    object_id: Identifier | None = term("BT-128")
    quantity: Decimal | None = term("BT-129", "1..1")
    unit_code: str | None = term("BT-130", "1..1")
    net_amount: Decimal | None = term("BT-131", "1..1")
    order_line_reference: str | None = term("BT-132")
    accounting_reference: str | None = term("BT-133")
    period: Period | None = term("BG-26")
    allowances: list[LineAllowanceCharge] = term("BG-27", "0..n")
    charges: list[LineAllowanceCharge] = term("BG-28", "0..n")
    price: Price = group("BG-29", Price)
    vat: LineVat = group("BG-30", LineVat)
    item: Item = group("BG-31", Item)


@dataclass
class Invoice:
    """An EN 16931 invoice or credit note (BT-3 tells which)."""

    number: str | None = term("BT-1", "1..1")
    issue_date: date | None = term("BT-2", "1..1")
    type_code: str | None = term("BT-3", "1..1")
    currency: str | None = term("BT-5", "1..1")
    tax_currency: str | None = term("BT-6")
    tax_point_date: date | None = term("BT-7")
    tax_point_date_code: str | None = term("BT-8")
    due_date: date | None = term("BT-9")
    buyer_reference: str | None = term("BT-10")
    project_reference: str | None = term("BT-11")
    contract_reference: str | None = term("BT-12")
    purchase_order_reference: str | None = term("BT-13")
    sales_order_reference: str | None = term("BT-14")
    receiving_advice_reference: str | None = term("BT-15")
    despatch_advice_reference: str | None = term("BT-16")
    tender_reference: str | None = term("BT-17")
    invoiced_object_id: Identifier | None = term("BT-18")
    buyer_accounting_reference: str | None = term("BT-19")
    payment_terms: str | None = term("BT-20")
    notes: list[Note] = term("BG-1", "0..n")
    process: ProcessControl = group("BG-2", ProcessControl)
    preceding_invoices: list[PrecedingInvoice] = term("BG-3", "0..n")
    seller: Seller = group("BG-4", Seller)
    buyer: Buyer = group("BG-7", Buyer)
    payee: Payee | None = term("BG-10")
    tax_representative: TaxRepresentative | None = term("BG-11")
    delivery: Delivery | None = term("BG-13")
    payment: PaymentInstructions | None = term("BG-16")
    allowances: list[AllowanceCharge] = term("BG-20", "0..n")
    charges: list[AllowanceCharge] = term("BG-21", "0..n")
    totals: Totals = group("BG-22", Totals)
    vat_breakdown: list[VatBreakdown] = term("BG-23", "1..n")
    supporting_documents: list[SupportingDocument] = term("BG-24", "0..n")
    lines: list[Line] = term("BG-25", "1..n")

    @property
    def is_credit_note(self) -> bool:
        return self.type_code in CREDIT_NOTE_TYPE_CODES


def term_of(cls: type, attribute: str) -> str:
    """The BT/BG id of a model attribute, e.g. term_of(Invoice, "number") == "BT-1"."""
    for f in fields(cls):
        if f.name == attribute:
            code: str = f.metadata["term"]
            return code
    raise KeyError(f"{cls.__name__} has no attribute {attribute}")


def walk_terms(obj: Any, path: str = "") -> Iterator[tuple[str, str, Any]]:
    """Yield (model path, BT/BG id, value) for every filled leaf of a model instance."""
    for f in fields(obj):
        value = getattr(obj, f.name)
        here = f"{path}.{f.name}" if path else f.name
        code = f.metadata.get("term", "")
        if value is None or value == []:
            continue
        if isinstance(value, list):
            for index, item in enumerate(value):
                if is_dataclass(item) and not isinstance(item, Identifier):
                    yield from walk_terms(item, f"{here}[{index}]")
                else:
                    yield f"{here}[{index}]", code, item
        elif is_dataclass(value) and not isinstance(value, Identifier | BinaryObject):
            yield from walk_terms(value, here)
        else:
            yield here, code, value


def diff_models(
    a: Any, b: Any, path: str = "", atomic: tuple[type, ...] = (Identifier, BinaryObject)
) -> list[tuple[str, str, Any, Any]]:
    """Field-by-field differences between two model instances: (path, term, a value, b value). `atomic` names the
    dataclasses compared as one value (an identifier with its scheme), not field by field; the order model passes
    its own."""
    out: list[tuple[str, str, Any, Any]] = []
    for f in fields(a):
        va, vb = getattr(a, f.name), getattr(b, f.name)
        here = f"{path}.{f.name}" if path else f.name
        code = str(f.metadata.get("term", ""))
        if isinstance(va, list) and isinstance(vb, list):
            if len(va) != len(vb):
                out.append((here, code, len(va), len(vb)))
                continue
            for i, (x, y) in enumerate(zip(va, vb, strict=True)):
                if is_dataclass(x) and is_dataclass(y) and not isinstance(x, atomic):
                    out.extend(diff_models(x, y, f"{here}[{i}]", atomic))
                elif x != y:
                    out.append((f"{here}[{i}]", code, x, y))
        elif is_dataclass(va) and is_dataclass(vb) and not isinstance(va, atomic):
            out.extend(diff_models(va, vb, here, atomic))
        elif va != vb:
            out.append((here, code, va, vb))
    return out
