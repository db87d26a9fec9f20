"""Checks a receipt before a single byte goes to the device.

Every failure is an :class:`InvalidReceipt` naming the offending field; the device is never asked
to reject what we can reject ourselves.
"""

from __future__ import annotations

import re
from decimal import Decimal

from .errors import KktError
from .types import Buyer, CorrectionReceipt, DeviceLimits, Item, PaymentType, Receipt, TaxationSystem

#: the FFD's own limits, for a device that states none
DEFAULT_LIMITS = DeviceLimits()
MAX_CONTACT = 64  # tag 1008
_EMAIL = re.compile(r"^[^@\s]{1,64}@[^@\s]+\.[^@\s]+$")
_PHONE = re.compile(r"^\+?\d{10,15}$")


class InvalidReceipt(KktError, ValueError):
    """A receipt (or correction) that the device would refuse, caught before sending."""

    def __init__(self, field: str, message: str) -> None:
        super().__init__(f"{field}: {message}")
        self.field = field


def normalise_phone(phone: str) -> str:
    """``8 912 345-67-89`` / ``+7 (912) 345 67 89`` → ``+79123456789`` (FFD wants the leading +)."""
    digits = re.sub(r"[\s\-()]", "", phone)
    if not _PHONE.match(digits):
        raise InvalidReceipt("buyer.phone", f"not a phone number: {phone!r}")
    if digits.startswith("+"):
        return digits
    if len(digits) == 11 and digits[0] == "8":
        return "+7" + digits[1:]
    return "+" + digits


def buyer_contact(buyer: Buyer) -> str:
    """The value of tag 1008 for a buyer; exactly one of phone and e-mail must be given."""
    if bool(buyer.phone) == bool(buyer.email):
        raise InvalidReceipt("buyer", "give either a phone or an e-mail address")
    if buyer.email:
        if len(buyer.email) > MAX_CONTACT or not _EMAIL.match(buyer.email) or not buyer.email.isascii():
            raise InvalidReceipt("buyer.email", f"not an e-mail address: {buyer.email!r}")
        return buyer.email
    return normalise_phone(buyer.phone or "")


def _check_item(index: int, item: Item, limits: DeviceLimits) -> None:
    where = f"items[{index}]"
    if not item.name.strip():
        raise InvalidReceipt(f"{where}.name", "empty")
    if len(item.name) > limits.max_name:
        raise InvalidReceipt(f"{where}.name", f"longer than {limits.max_name} characters")
    if not limits.can_encode(item.name):
        raise InvalidReceipt(f"{where}.name",
                             f"has characters outside the device code page ({limits.code_page.upper()})")
    if not isinstance(item.price, int) or item.price < 0 or item.price > limits.max_sum:
        raise InvalidReceipt(f"{where}.price", f"must be whole kopecks in 0..{limits.max_sum}, got {item.price!r}")
    quantity = Decimal(item.quantity)
    places = limits.quantity_decimals
    if quantity <= 0 or quantity.as_tuple().exponent < -places or quantity > limits.max_quantity:  # type: ignore[operator]
        raise InvalidReceipt(f"{where}.quantity",
                             f"must be positive with at most {places} decimals, got {item.quantity}")
    if item.discount < 0 or item.amount < 0:
        raise InvalidReceipt(f"{where}.discount", "discount is negative or exceeds the position amount")


def validate_receipt(receipt: Receipt, registered: TaxationSystem | None = None,
                     limits: DeviceLimits = DEFAULT_LIMITS) -> TaxationSystem | None:
    """Raise :class:`InvalidReceipt` for anything the device would refuse; return the taxation system."""
    if not receipt.items:
        raise InvalidReceipt("items", "a receipt needs at least one position")
    if len(receipt.items) > limits.max_items:
        raise InvalidReceipt("items", f"more than {limits.max_items} positions")
    for index, item in enumerate(receipt.items):
        _check_item(index, item, limits)
    if receipt.discount < 0 or receipt.total < 0:
        raise InvalidReceipt("discount", "negative, or larger than the sum of the positions")
    total = receipt.total
    if total > limits.max_sum:
        raise InvalidReceipt("items", "receipt total too large")
    _check_payments(receipt.payments, total)
    if receipt.buyer is not None:
        buyer_contact(receipt.buyer)
    return _check_taxation(receipt.taxation, registered)


def _check_payments(payments: tuple[object, ...], total: int) -> None:
    from .types import Payment

    if not payments:
        raise InvalidReceipt("payments", "no payment given")
    paid = cash = 0
    for index, payment in enumerate(payments):
        assert isinstance(payment, Payment)
        if not isinstance(payment.amount, int) or payment.amount <= 0:
            raise InvalidReceipt(f"payments[{index}].amount", "must be a positive number of kopecks")
        paid += payment.amount
        if payment.type is PaymentType.CASH:
            cash += payment.amount
    if paid < total:
        raise InvalidReceipt("payments", f"payments {paid} do not cover the total {total}")
    if paid - cash > total:
        raise InvalidReceipt("payments", "non-cash payments exceed the total (change is only given in cash)")


def _check_taxation(taxation: TaxationSystem | None, registered: TaxationSystem | None) -> TaxationSystem | None:
    if taxation is not None:
        if bin(int(taxation)).count("1") != 1:
            raise InvalidReceipt("taxation", "name exactly one taxation system for a receipt")
        if registered is not None and not taxation & registered:
            raise InvalidReceipt("taxation", f"{taxation!r} is not among the registered systems {registered!r}")
        return taxation
    if registered is not None and bin(int(registered)).count("1") > 1:
        raise InvalidReceipt("taxation", "several systems are registered: name the one for this receipt")
    return registered


def validate_correction(correction: CorrectionReceipt, registered: TaxationSystem | None = None,
                        ffd: str | None = None, limits: DeviceLimits = DEFAULT_LIMITS) -> TaxationSystem | None:
    """As :func:`validate_receipt`, for a correction; ``ffd`` (when known) decides amounts or positions."""
    if correction.items:
        if ffd == "1.05":
            raise InvalidReceipt("items", "an FFD 1.05 correction carries amounts only, no positions")
        if len(correction.items) > limits.max_items:
            raise InvalidReceipt("items", f"more than {limits.max_items} positions")
        for index, item in enumerate(correction.items):
            _check_item(index, item, limits)
        if correction.total > limits.max_sum:
            raise InvalidReceipt("items", "correction total too large")
        _check_payments(correction.payments, correction.total)
    else:
        if ffd == "1.2":
            raise InvalidReceipt("items", "an FFD 1.2 correction needs its positions (tag 1059)")
        if not correction.payments:
            raise InvalidReceipt("payments", "a correction needs at least one amount")
        for index, payment in enumerate(correction.payments):
            if payment.amount <= 0:
                raise InvalidReceipt(f"payments[{index}].amount", "must be a positive number of kopecks")
    if not correction.basis_number.strip() or len(correction.basis_number) > 32:
        raise InvalidReceipt("basis_number", "required, at most 32 characters")
    if len(correction.description) > 256 or not limits.can_encode(correction.description):
        raise InvalidReceipt("description", "at most 256 characters of the device code page")
    if correction.buyer is not None:
        buyer_contact(correction.buyer)
    return _check_taxation(correction.taxation, registered)
