"""Receipts and registration parameters from JSON (what the ``kkt`` CLI reads), results to JSON.

Receipt file::

    {"items": [{"name": "Хлеб", "price": "45.50", "quantity": "2", "vat": "vat_20",
                "payment_method": "full_payment", "payment_subject": "goods"}],
     "payments": [{"type": "cash", "amount": "100.00"}],
     "buyer": {"email": "buyer@example.com"},
     "taxation": "osn"}

Money is in roubles (a string or number with at most two decimals); enum values are the member
names of :mod:`kkt_drivers.types` in any case, or their numeric FFD codes.
"""

from __future__ import annotations

import dataclasses
import enum
from datetime import date, datetime
from decimal import Decimal, InvalidOperation
from typing import Any, TypeVar

from .types import (
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
from .validation import InvalidReceipt

E = TypeVar("E", bound=enum.Enum)


def kopecks(value: Any, where: str) -> int:
    try:
        amount = Decimal(str(value)) * 100
    except InvalidOperation:
        raise InvalidReceipt(where, f"not an amount: {value!r}") from None
    if amount != amount.to_integral_value():
        raise InvalidReceipt(where, f"more than two decimals: {value!r}")
    return int(amount)


def enum_value(kind: type[E], value: Any, where: str) -> E:
    if isinstance(value, int):
        try:
            return kind(value)
        except ValueError:
            raise InvalidReceipt(where, f"unknown {kind.__name__} code {value}") from None
    name = str(value).strip().upper().replace("-", "_").replace(" ", "_")
    if name in kind.__members__:
        return kind.__members__[name]
    raise InvalidReceipt(where, f"unknown {kind.__name__} {value!r}; known: "
                                f"{', '.join(m.lower() for m in kind.__members__)}")


def taxation_value(value: Any, where: str) -> TaxationSystem:
    if isinstance(value, list):
        result = TaxationSystem(0)
        for part in value:
            result |= enum_value(TaxationSystem, part, where)
        return result
    return enum_value(TaxationSystem, value, where)


def receipt_from_json(data: dict[str, Any]) -> Receipt:
    if not isinstance(data, dict):
        raise InvalidReceipt("receipt", "expected a JSON object")
    items = []
    for index, raw in enumerate(data.get("items") or []):
        where = f"items[{index}]"
        try:
            quantity = Decimal(str(raw.get("quantity", "1")))
        except InvalidOperation:
            raise InvalidReceipt(f"{where}.quantity", f"not a number: {raw.get('quantity')!r}") from None
        items.append(Item(
            name=str(raw.get("name", "")), price=kopecks(raw.get("price", 0), f"{where}.price"), quantity=quantity,
            vat=enum_value(VatRate, raw.get("vat", "no_vat"), f"{where}.vat"),
            payment_method=enum_value(PaymentMethod, raw.get("payment_method", "full_payment"),
                                      f"{where}.payment_method"),
            payment_subject=enum_value(PaymentSubject, raw.get("payment_subject", "goods"), f"{where}.payment_subject"),
            discount=kopecks(raw.get("discount", 0), f"{where}.discount")))
    payments = tuple(Payment(enum_value(PaymentType, p.get("type", "cash"), f"payments[{i}].type"),
                             kopecks(p.get("amount"), f"payments[{i}].amount"))
                     for i, p in enumerate(data.get("payments") or []))
    buyer = None
    if data.get("buyer"):
        buyer = Buyer(phone=data["buyer"].get("phone"), email=data["buyer"].get("email"))
    taxation = taxation_value(data["taxation"], "taxation") if data.get("taxation") else None
    return Receipt(items=tuple(items), payments=payments, taxation=taxation, buyer=buyer)


def registration_from_json(data: dict[str, Any]) -> Registration:
    fields = {f.name for f in dataclasses.fields(Registration)}
    unknown = set(data) - fields
    if unknown:
        raise InvalidReceipt("registration", f"unknown field(s): {', '.join(sorted(unknown))}")
    values = dict(data)
    values["taxation"] = taxation_value(data.get("taxation", "osn"), "taxation")
    try:
        return Registration(**values)
    except TypeError as exc:
        raise InvalidReceipt("registration", str(exc)) from None


def to_jsonable(value: Any) -> Any:
    """Dataclasses, enums, dates and bytes as plain JSON values."""
    if dataclasses.is_dataclass(value) and not isinstance(value, type):
        return {f.name: to_jsonable(getattr(value, f.name)) for f in dataclasses.fields(value)}
    if isinstance(value, enum.Enum):
        return value.name.lower() if value.name else int(value.value)
    if isinstance(value, (datetime, date)):
        return value.isoformat()
    if isinstance(value, bytes):
        return value.hex()
    if isinstance(value, Decimal):
        return str(value)
    if isinstance(value, (list, tuple)):
        return [to_jsonable(v) for v in value]
    if isinstance(value, dict):
        return {str(k): to_jsonable(v) for k, v in value.items()}
    return value
