"""Receipts used by the fiscal contract tests."""

from __future__ import annotations

from decimal import Decimal

from kkt_drivers.types import (
    Buyer,
    Item,
    Payment,
    PaymentMethod,
    PaymentSubject,
    PaymentType,
    Receipt,
    TaxationSystem,
    VatRate,
)


def make_receipt(vat: VatRate = VatRate.VAT_20, *, buyer: Buyer | None = None, cash: int | None = None) -> Receipt:
    items = (
        Item("Хлеб бородинский", 4550, Decimal(2), vat),
        Item("Молоко 3,2% 1 л", 8990, Decimal("1.000"), vat, PaymentMethod.FULL_PAYMENT, PaymentSubject.GOODS),
        Item("Доставка", 15000, Decimal(1), vat, PaymentMethod.FULL_PAYMENT, PaymentSubject.SERVICE),
    )
    total = sum(i.amount for i in items)
    payments = (Payment(PaymentType.ELECTRONIC, 10000), Payment(PaymentType.CASH, (cash or total) - 10000))
    return Receipt(items=items, payments=payments, taxation=TaxationSystem.OSN, buyer=buyer)
