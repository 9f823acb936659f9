"""Build valid EN 16931 invoices and Peppol orders for the exchange tests (and the pipeline benchmark)."""

from __future__ import annotations

from datetime import date
from decimal import Decimal

from pagero.formats import conversion
from pagero.formats import public as formats
from pagero.formats.model import (
    Address,
    Buyer,
    CreditTransfer,
    Identifier,
    Invoice,
    Item,
    Line,
    LineVat,
    PaymentInstructions,
    Price,
    ProcessControl,
    Seller,
    Totals,
    VatBreakdown,
)
from pagero.formats.orders.model import Address as OrderAddress
from pagero.formats.orders.model import Identifier as OrderIdentifier
from pagero.formats.orders.model import Item as OrderItem
from pagero.formats.orders.model import Line as OrderLine
from pagero.formats.orders.model import Party as OrderParty
from pagero.formats.orders.model import Totals as OrderTotals

PEPPOL = "urn:cen.eu:en16931:2017#compliant#urn:fdc:peppol.eu:2017:poacc:billing:3.0"


def invoice(
    number: str = "INV-1",
    buyer_endpoint: tuple[str, str] = ("0192", "987654325"),
    seller_endpoint: tuple[str, str] = ("0007", "5567321707"),
    lines: int = 2,
    buyer_vat: str | None = "NO987654325MVA",
    purchase_order: str | None = None,
    quantities: tuple[str, ...] = (),
) -> Invoice:
    line_models = [
        Line(
            id=str(n),
            quantity=Decimal(quantities[n - 1] if quantities else "2"),
            unit_code="C62",
            net_amount=Decimal(quantities[n - 1] if quantities else "2") * Decimal("50.00"),
            order_line_reference=str(n) if purchase_order else None,
            price=Price(net_price=Decimal("50.00")),
            vat=LineVat(category="S", rate=Decimal("25")),
            item=Item(name=f"Consulting hour {n}"),
        )
        for n in range(1, lines + 1)
    ]
    total = sum((line.net_amount for line in line_models), Decimal("0.00"))
    vat = (total * Decimal("0.25")).quantize(Decimal("0.01"))
    return Invoice(
        number=number,
        issue_date=date(2026, 11, 2),
        type_code="380",
        currency="EUR",
        due_date=date(2026, 12, 2),
        buyer_reference="PO-77",
        purchase_order_reference=purchase_order,
        process=ProcessControl(business_process="urn:fdc:peppol.eu:2017:poacc:billing:01:1.0", specification_id=PEPPOL),
        seller=Seller(
            name="Acme Supplies AB",
            vat_id="SE556732170701",
            electronic_address=Identifier(seller_endpoint[1], seller_endpoint[0]),
            address=Address(line1="Storgatan 1", city="Stockholm", post_code="11122", country_code="SE"),
        ),
        buyer=Buyer(
            name="Nordic Retail AS",
            vat_id=buyer_vat,
            electronic_address=Identifier(buyer_endpoint[1], buyer_endpoint[0]),
            address=Address(line1="Karl Johans gate 1", city="Oslo", post_code="0154", country_code="NO"),
        ),
        payment=PaymentInstructions(
            means_code="30",
            remittance_information=number,
            credit_transfers=[CreditTransfer(account_id="SE4550000000058398257466")],
        ),
        totals=Totals(
            line_net_total=total, tax_exclusive=total, vat_total=vat, tax_inclusive=total + vat, payable=total + vat
        ),
        vat_breakdown=[VatBreakdown(taxable_amount=total, tax_amount=vat, category="S", rate=Decimal("25"))],
        lines=line_models,
    )


def document(syntax: str = "ubl", **kwargs) -> bytes:
    data, warnings = conversion.write_document(invoice(**kwargs), syntax)
    assert warnings == []
    return data


def order(
    number: str = "PO-1",
    buyer_endpoint: tuple[str, str] = ("0192", "987654325"),
    seller_endpoint: tuple[str, str] = ("0007", "5567321707"),
    lines: int = 2,
) -> formats.Order:
    """A Peppol BIS Ordering 3 order from Nordic Retail (buyer) to Acme Supplies (seller), 2 units per line at 50.00."""
    def party(name: str, endpoint: tuple[str, str], city: str, country: str) -> OrderParty:
        scheme, value = endpoint
        return OrderParty(
            endpoint=OrderIdentifier(value, scheme),
            identifiers=[OrderIdentifier(value, scheme)],
            name=name,
            address=OrderAddress(street="Storgatan 1", city=city, post_code="11122", country_code=country),
        )

    total = Decimal("100.00") * lines
    return formats.Order(
        customization_id="urn:fdc:peppol.eu:poacc:trns:order:3",
        profile_id="urn:fdc:peppol.eu:poacc:bis:ordering:3",
        id=number,
        issue_date=date(2026, 11, 1),
        currency="EUR",
        buyer=party("Nordic Retail AS", buyer_endpoint, "Oslo", "NO"),
        seller=party("Acme Supplies AB", seller_endpoint, "Stockholm", "SE"),
        totals=OrderTotals(line_total=total, tax_exclusive=total, payable=total),
        lines=[
            OrderLine(
                id=str(n),
                quantity=Decimal("2"),
                unit_code="C62",
                line_amount=Decimal("100.00"),
                price=Decimal("50.00"),
                item=OrderItem(name=f"Consulting hour {n}"),
            )
            for n in range(1, lines + 1)
        ],
    )


def order_document(syntax: str = "ubl", **kwargs) -> bytes:
    data, _ = formats.write_order(order(**kwargs), syntax)
    return data
