"""Receipts and registration parameters from JSON (what the ``kkt`` CLI reads), results to JSON.

Receipt file::

    {"items": [{"name": "Хлеб", "price": "45.50", "quantity": "2", "vat": "vat_20",
                "payment_method": "full_payment", "payment_subject": "goods"}],
     "payments": [{"type": "cash", "amount": "100.00"}],
     "buyer": {"email": "buyer@example.com"},
     "taxation": "osn", "discount": "0.00"}

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
    CorrectionReceipt,
    CorrectionType,
    Item,
    Payment,
    PaymentMethod,
    PaymentSubject,
    PaymentType,
    Receipt,
    ReceiptType,
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


def _object(data: Any, where: str, known: set[str]) -> dict[str, Any]:
    if not isinstance(data, dict):
        raise InvalidReceipt(where, "expected a JSON object")
    unknown = set(data) - known
    if unknown:
        raise InvalidReceipt(where, f"unknown field(s): {', '.join(sorted(unknown))}")
    return data


_ITEM_FIELDS = {"name", "price", "quantity", "vat", "payment_method", "payment_subject", "discount"}


def _items(data: dict[str, Any]) -> tuple[Item, ...]:
    items = []
    for index, value in enumerate(data.get("items") or []):
        where = f"items[{index}]"
        raw = _object(value, where, _ITEM_FIELDS)
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
    return tuple(items)


def _payments(data: dict[str, Any]) -> tuple[Payment, ...]:
    payments = []
    for index, value in enumerate(data.get("payments") or []):
        raw = _object(value, f"payments[{index}]", {"type", "amount"})
        payments.append(Payment(enum_value(PaymentType, raw.get("type", "cash"), f"payments[{index}].type"),
                                kopecks(raw.get("amount"), f"payments[{index}].amount")))
    return tuple(payments)


def _buyer(data: dict[str, Any]) -> Buyer | None:
    if not data.get("buyer"):
        return None
    raw = _object(data["buyer"], "buyer", {"phone", "email"})
    return Buyer(phone=raw.get("phone"), email=raw.get("email"))


def _taxation(data: dict[str, Any]) -> TaxationSystem | None:
    return taxation_value(data["taxation"], "taxation") if data.get("taxation") else None


def receipt_from_json(data: dict[str, Any]) -> Receipt:
    """A receipt file (see the module docstring); unknown fields are refused, so a typo is never ignored."""
    data = _object(data, "receipt", {"items", "payments", "buyer", "taxation", "discount"})
    return Receipt(items=_items(data), payments=_payments(data), taxation=_taxation(data), buyer=_buyer(data),
                   discount=kopecks(data.get("discount", 0), "discount"))


def correction_from_json(data: dict[str, Any]) -> CorrectionReceipt:
    """A correction file::

        {"type": "sell", "correction_type": "self", "basis": {"date": "2026-03-02", "number": "ПР-17",
         "description": "не пробит чек"}, "payments": [{"type": "cash", "amount": "123.45"}],
         "vat_amounts": [{"vat": "vat_20", "amount": "20.58"}], "taxation": "osn"}

    FFD 1.05 takes ``vat_amounts``; FFD 1.2 takes ``items`` (as in a receipt) instead.
    """
    data = _object(data, "correction", {"type", "correction_type", "basis", "items", "payments", "vat_amounts",
                                        "taxation", "buyer"})
    basis = _object(data.get("basis") or {}, "basis", {"date", "number", "description"})
    try:
        when = date.fromisoformat(str(basis.get("date", "")))
    except ValueError:
        raise InvalidReceipt("basis.date", f"expected YYYY-MM-DD, got {basis.get('date')!r}") from None
    vat_amounts = []
    for index, value in enumerate(data.get("vat_amounts") or []):
        raw = _object(value, f"vat_amounts[{index}]", {"vat", "amount"})
        vat_amounts.append((enum_value(VatRate, raw.get("vat"), f"vat_amounts[{index}].vat"),
                            kopecks(raw.get("amount"), f"vat_amounts[{index}].amount")))
    return CorrectionReceipt(
        type=enum_value(ReceiptType, data.get("type", "sell"), "type"),
        correction_type=enum_value(CorrectionType, data.get("correction_type", "self"), "correction_type"),
        basis_date=when, basis_number=str(basis.get("number", "")), description=str(basis.get("description", "")),
        payments=_payments(data), vat_amounts=tuple(vat_amounts), taxation=_taxation(data), items=_items(data),
        buyer=_buyer(data))


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
