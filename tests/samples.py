"""Receipts and registration parameters shared by the tests (``tests/`` is put on ``sys.path`` by the
root ``conftest.py``)."""

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
    Registration,
    TaxationSystem,
    VatRate,
)

#: registration parameters with valid check digits; two taxation systems, so receipts must name one
REGISTRATION = Registration(user_name='ООО "Ромашка"', inn="7701234560", rnm="0000000001035539",
                            address="г. Москва, ул. Тверская, 1", place="Магазин №1",
                            taxation=TaxationSystem.OSN | TaxationSystem.USN_INCOME,
                            ofd_inn="7704358518", ofd_name='ООО "Ярус"', sender_email="shop@example.com")


def make_receipt(vat: VatRate = VatRate.VAT_20, *, buyer: Buyer | None = None, cash: int | None = None) -> Receipt:
    items = (
        Item("Хлеб бородинский", 4550, Decimal(2), vat),
        Item("Молоко 3,2% 1 л", 8990, Decimal("1.000"), vat, PaymentMethod.FULL_PAYMENT, PaymentSubject.GOODS),
        Item("Доставка", 15000, Decimal(1), vat, PaymentMethod.FULL_PAYMENT, PaymentSubject.SERVICE),
    )
    total = sum(i.amount for i in items)
    payments = (Payment(PaymentType.ELECTRONIC, 10000), Payment(PaymentType.CASH, (cash or total) - 10000))
    return Receipt(items=items, payments=payments, taxation=TaxationSystem.OSN, buyer=buyer)
