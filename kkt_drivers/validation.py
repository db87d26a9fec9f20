"""Checks everything before a single byte goes to the device.

Every failure is an :class:`InvalidReceipt` naming the offending field and the real limit, in English and in
Russian; the device is never asked to reject what we can reject ourselves. Limits that depend on the device
(its code page, the widths of its sum and quantity fields, the length of a server address) come from the
family's :class:`~kkt_drivers.types.DeviceLimits`; the FFD's own limits are the defaults.
"""

from __future__ import annotations

import enum
from collections.abc import Sequence
from datetime import date
from decimal import Decimal, InvalidOperation
from typing import Any

from .checks import email_problem, fn_number_problem, inn_problem, phone_digits, rnm_problem
from .errors import KktError
from .ffd.enums import CorrectionType, PaymentMethod, PaymentSubject, TaxationSystem, VatRate
from .types import (
    Buyer,
    Cashier,
    CorrectionReceipt,
    DeviceLimits,
    Item,
    Payment,
    PaymentType,
    Receipt,
    ReceiptType,
    Registration,
)

#: the FFD's own limits, for a device that states none
DEFAULT_LIMITS = DeviceLimits()
MAX_CONTACT = 64  # 1008
MAX_CASHIER = 64  # 1021
MAX_TEXT = 256  # 1009, 1048, 1187, 1046, 1060, 1177
MAX_BASIS_NUMBER = 32  # 1179
EARLIEST_DATE = date(2000, 1, 1)
LATEST_DATE = date(2099, 12, 31)  # what a register's two-digit year holds
FFD_VERSIONS = ("1.05", "1.2")
_ALL_TAXATION = TaxationSystem(0)
for _system in TaxationSystem:
    _ALL_TAXATION |= _system


class InvalidReceipt(KktError, ValueError):
    """Input the device would refuse (a receipt, a correction, a registration, an amount), caught before
    sending. ``field`` is the path of the offending value (``items[2].price``)."""

    ru_title = "Недопустимые данные"

    def __init__(self, field: str, message: str, message_ru: str | None = None) -> None:
        super().__init__(f"{field}: {message}", message_ru=f"{field}: {message_ru or message}")
        self.field = field


# -- single values ---------------------------------------------------------------------------------------

def check_money(value: Any, field: str, limit: int, *, allow_zero: bool = False) -> int:
    """Whole kopecks, an ``int`` (not a float, a Decimal or a bool), within ``0``/``1`` .. ``limit``."""
    low = 0 if allow_zero else 1
    if isinstance(value, bool) or not isinstance(value, int):
        raise InvalidReceipt(field, f"must be whole kopecks (an int), got {value!r}",
                             f"должна быть в целых копейках (int), получено {value!r}")
    if not low <= value <= limit:
        raise InvalidReceipt(field, f"must be {low}..{limit} kopecks, got {value}",
                             f"должна быть от {low} до {limit} копеек, получено {value}")
    return value


def check_text(value: Any, field: str, limit: int, limits: DeviceLimits, *, required: bool = True) -> str:
    if not isinstance(value, str):
        raise InvalidReceipt(field, f"must be text, got {value!r}", f"должно быть строкой, получено {value!r}")
    if required and not value.strip():
        raise InvalidReceipt(field, "must not be empty", "не может быть пустым")
    if len(value) > limit:
        raise InvalidReceipt(field, f"longer than {limit} characters ({len(value)})",
                             f"длиннее {limit} символов ({len(value)})")
    if not limits.can_encode(value):
        bad = next((ch for ch in value if not limits.can_encode(ch)), "?")
        raise InvalidReceipt(field, f"{bad!r} has no byte in the device code page ({limits.code_page.upper()})",
                             f"символ {bad!r} отсутствует в кодовой странице устройства ({limits.code_page.upper()})")
    return value


def check_enum(value: Any, kind: type[enum.Enum], field: str) -> None:
    if not isinstance(value, kind):
        known = ", ".join(m.name.lower() for m in kind)
        raise InvalidReceipt(field, f"must be a {kind.__name__} ({known}), got {value!r}",
                             f"должно быть значением {kind.__name__} ({known}), получено {value!r}")


def check_quantity(value: Any, field: str, limits: DeviceLimits) -> Decimal:
    if isinstance(value, (bool, float)):
        raise InvalidReceipt(field, f"give a Decimal or an int, not {type(value).__name__} {value!r}",
                             f"укажите Decimal или int, а не {type(value).__name__} {value!r}")
    try:
        quantity = Decimal(value)
    except (InvalidOperation, TypeError, ValueError):
        raise InvalidReceipt(field, f"not a number: {value!r}", f"не число: {value!r}") from None
    places = limits.quantity_decimals
    exponent = quantity.as_tuple().exponent
    if not quantity.is_finite() or quantity <= 0 or quantity > limits.max_quantity or (
            isinstance(exponent, int) and exponent < -places):
        raise InvalidReceipt(field, f"must be more than 0 and at most {limits.max_quantity}, with at most {places} "
                                    f"decimals; got {value}",
                             f"должно быть больше 0 и не больше {limits.max_quantity}, не более {places} знаков после "
                             f"запятой; получено {value}")
    return quantity


def check_inn(value: Any, field: str, *, lengths: tuple[int, ...] = (10, 12)) -> None:
    problem = inn_problem(value, lengths=lengths) if isinstance(value, str) else (
        f"must be text, got {value!r}", f"должен быть строкой, получено {value!r}")
    if problem:
        raise InvalidReceipt(field, *problem)


def check_date(value: Any, field: str, latest: date) -> date:
    if not isinstance(value, date):
        raise InvalidReceipt(field, f"must be a date, got {value!r}", f"должна быть датой, получено {value!r}")
    if not EARLIEST_DATE <= (value if type(value) is date else value.date()) <= latest:  # type: ignore[attr-defined]
        raise InvalidReceipt(field, f"must be between {EARLIEST_DATE} and {latest}, got {value}",
                             f"должна быть от {EARLIEST_DATE} до {latest}, получено {value}")
    return value


# -- people ---------------------------------------------------------------------------------------------

def buyer_contact(buyer: Buyer) -> str | None:
    """The value of tag 1008 for a buyer (a normalised phone or the e-mail), or ``None`` without a contact."""
    if buyer.phone and buyer.email:
        raise InvalidReceipt("buyer", "give either a phone or an e-mail address, not both",
                             "укажите телефон или адрес электронной почты, не оба сразу")
    if buyer.email:
        problem = email_problem(buyer.email, MAX_CONTACT)
        if problem:
            raise InvalidReceipt("buyer.email", *problem)
        return buyer.email
    if buyer.phone:
        phone = phone_digits(buyer.phone)
        if phone is None:
            raise InvalidReceipt("buyer.phone", f"not a phone number: {buyer.phone!r}",
                                 f"не номер телефона: {buyer.phone!r}")
        return phone
    return None


def normalise_phone(phone: str) -> str:
    value = phone_digits(phone)
    if value is None:
        raise InvalidReceipt("buyer.phone", f"not a phone number: {phone!r}", f"не номер телефона: {phone!r}")
    return value


def check_buyer(buyer: Buyer, limits: DeviceLimits) -> None:
    contact = buyer_contact(buyer)
    if buyer.name is not None:
        check_text(buyer.name, "buyer.name", MAX_TEXT, limits)
    if buyer.inn is not None:
        check_inn(buyer.inn, "buyer.inn")
    if contact is None and buyer.name is None and buyer.inn is None:
        raise InvalidReceipt("buyer", "give a phone, an e-mail address, or the buyer's name and INN",
                             "укажите телефон, адрес электронной почты или наименование и ИНН покупателя")


def validate_cashier(cashier: Cashier, limits: DeviceLimits = DEFAULT_LIMITS) -> None:
    """Кассир: name 1021 (1..64 characters of the device code page), INN 1203 (12 digits with check digits)."""
    check_text(cashier.name, "cashier.name", MAX_CASHIER, limits)
    if cashier.inn is not None:
        check_inn(cashier.inn, "cashier.inn", lengths=(12,))
    if cashier.password is not None and (isinstance(cashier.password, bool) or not isinstance(cashier.password, int)
                                         or not 0 <= cashier.password <= 99_999_999):
        raise InvalidReceipt("cashier.password", f"must be a number 0..99999999, got {cashier.password!r}",
                             f"должен быть числом от 0 до 99999999, получено {cashier.password!r}")


# -- receipts -------------------------------------------------------------------------------------------

def _check_item(index: int, item: Any, limits: DeviceLimits) -> None:
    where = f"items[{index}]"
    if not isinstance(item, Item):
        raise InvalidReceipt(where, f"must be an Item, got {item!r}", f"должна быть позицией Item, получено {item!r}")
    check_text(item.name, f"{where}.name", limits.max_name, limits)
    check_money(item.price, f"{where}.price", limits.max_sum, allow_zero=True)
    check_quantity(item.quantity, f"{where}.quantity", limits)
    check_enum(item.vat, VatRate, f"{where}.vat")
    check_enum(item.payment_method, PaymentMethod, f"{where}.payment_method")
    check_enum(item.payment_subject, PaymentSubject, f"{where}.payment_subject")
    check_money(item.discount, f"{where}.discount", limits.max_sum, allow_zero=True)
    gross = item.amount + item.discount
    if item.discount > gross:
        raise InvalidReceipt(f"{where}.discount", f"{item.discount} exceeds the position's cost {gross}",
                             f"{item.discount} больше стоимости позиции {gross}")
    if item.amount > limits.max_sum:
        raise InvalidReceipt(where, f"costs {item.amount} kopecks, more than the device's {limits.max_sum}",
                             f"стоит {item.amount} копеек, больше предела устройства {limits.max_sum}")


def _check_items(items: Sequence[Any], limits: DeviceLimits) -> None:
    if not isinstance(items, (tuple, list)) or not items:
        raise InvalidReceipt("items", "a receipt needs at least one position",
                             "в чеке должна быть хотя бы одна позиция")
    if len(items) > limits.max_items:
        raise InvalidReceipt("items", f"{len(items)} positions, at most {limits.max_items}",
                             f"{len(items)} позиций, допустимо не более {limits.max_items}")
    for index, item in enumerate(items):
        _check_item(index, item, limits)


def _check_payments(payments: Any, total: int, limits: DeviceLimits) -> None:
    if not isinstance(payments, (tuple, list)) or not payments:
        raise InvalidReceipt("payments", "no payment given", "не указана оплата")
    paid = cash = 0
    for index, payment in enumerate(payments):
        where = f"payments[{index}]"
        if not isinstance(payment, Payment):
            raise InvalidReceipt(where, f"must be a Payment, got {payment!r}",
                                 f"должна быть Payment, получено {payment!r}")
        check_enum(payment.type, PaymentType, f"{where}.type")
        paid += check_money(payment.amount, f"{where}.amount", limits.max_sum)
        if payment.type is PaymentType.CASH:
            cash += payment.amount
    if paid > limits.max_sum:
        raise InvalidReceipt("payments", f"they add up to {paid} kopecks, more than the device's {limits.max_sum}",
                             f"в сумме {paid} копеек, больше предела устройства {limits.max_sum}")
    if paid < total:
        raise InvalidReceipt("payments", f"payments {paid} do not cover the total {total}",
                             f"оплата {paid} меньше итога {total}")
    if paid - cash > total:
        raise InvalidReceipt("payments", "non-cash payments exceed the total (change is only given in cash)",
                             "безналичная оплата больше итога (сдача выдаётся только наличными)")


def _check_taxation(taxation: Any, registered: TaxationSystem | None) -> TaxationSystem | None:
    if taxation is not None:
        check_enum(taxation, TaxationSystem, "taxation")
        if bin(int(taxation)).count("1") != 1:
            raise InvalidReceipt("taxation", "name exactly one taxation system for a receipt",
                                 "укажите одну систему налогообложения для чека")
        if registered is not None and not taxation & registered:
            raise InvalidReceipt("taxation", f"{taxation!r} is not among the registered systems {registered!r}",
                                 f"{taxation!r} нет среди зарегистрированных систем {registered!r}")
        return taxation  # type: ignore[no-any-return]
    if registered is not None and bin(int(registered)).count("1") > 1:
        raise InvalidReceipt("taxation", "several systems are registered: name the one for this receipt",
                             "зарегистрировано несколько систем налогообложения: укажите одну для чека")
    return registered


def validate_receipt(receipt: Receipt, registered: TaxationSystem | None = None,
                     limits: DeviceLimits = DEFAULT_LIMITS) -> TaxationSystem | None:
    """Raise :class:`InvalidReceipt` for anything the device would refuse; return the taxation system."""
    if not isinstance(receipt, Receipt):
        raise InvalidReceipt("receipt", f"must be a Receipt, got {receipt!r}",
                             f"должен быть Receipt, получено {receipt!r}")
    _check_items(receipt.items, limits)
    check_money(receipt.discount, "discount", limits.max_sum, allow_zero=True)
    if receipt.total < 0:
        raise InvalidReceipt("discount", f"{receipt.discount} is larger than the sum of the positions",
                             f"{receipt.discount} больше суммы позиций")
    total = receipt.total
    if total > limits.max_sum:
        raise InvalidReceipt("items", f"the total {total} is more than the device's {limits.max_sum} kopecks",
                             f"итог {total} больше предела устройства {limits.max_sum} копеек")
    _check_payments(receipt.payments, total, limits)
    if receipt.buyer is not None:
        check_buyer(receipt.buyer, limits)
    return _check_taxation(receipt.taxation, registered)


def validate_correction(correction: CorrectionReceipt, registered: TaxationSystem | None = None,
                        ffd: str | None = None, limits: DeviceLimits = DEFAULT_LIMITS,
                        today: date | None = None) -> TaxationSystem | None:
    """As :func:`validate_receipt`, for a correction; ``ffd`` (when known) decides amounts or positions and
    the types allowed; ``today`` (the device's date) is the latest basis date."""
    check_enum(correction.type, ReceiptType, "type")
    check_enum(correction.correction_type, CorrectionType, "correction_type")
    if ffd == "1.05" and correction.type not in (ReceiptType.SELL, ReceiptType.BUY):
        raise InvalidReceipt("type", "an FFD 1.05 correction is «приход» (sell) or «расход» (buy) only "
                                     "(FNS letter АБ-4-20/10421@)",
                             "коррекция в ФФД 1.05 бывает только прихода или расхода (письмо ФНС АБ-4-20/10421@)")
    if correction.items:
        if ffd == "1.05":
            raise InvalidReceipt("items", "an FFD 1.05 correction carries amounts only, no positions",
                                 "коррекция в ФФД 1.05 содержит только суммы, без позиций")
        _check_items(correction.items, limits)
        if correction.total > limits.max_sum:
            raise InvalidReceipt("items", f"the total {correction.total} is more than the device's {limits.max_sum}",
                                 f"итог {correction.total} больше предела устройства {limits.max_sum}")
        _check_payments(correction.payments, correction.total, limits)
    else:
        if ffd == "1.2":
            raise InvalidReceipt("items", "an FFD 1.2 correction needs its positions (tag 1059)",
                                 "коррекция в ФФД 1.2 должна содержать позиции (тег 1059)")
        if not correction.payments:
            raise InvalidReceipt("payments", "a correction needs at least one amount",
                                 "в коррекции должна быть хотя бы одна сумма")
        _check_payments(correction.payments, correction.total, limits)  # the amounts are the total
    vat_total = 0
    for index, pair in enumerate(correction.vat_amounts):
        rate, amount = pair
        check_enum(rate, VatRate, f"vat_amounts[{index}].vat")
        vat_total += check_money(amount, f"vat_amounts[{index}].amount", limits.max_sum)
    if vat_total > correction.total:
        raise InvalidReceipt("vat_amounts", f"VAT {vat_total} is more than the correction's total {correction.total}",
                             f"НДС {vat_total} больше итога коррекции {correction.total}")
    check_text(correction.basis_number, "basis_number", MAX_BASIS_NUMBER, limits)
    check_text(correction.description, "description", MAX_TEXT, limits, required=False)
    check_date(correction.basis_date, "basis_date", today or LATEST_DATE)
    if correction.buyer is not None:
        check_buyer(correction.buyer, limits)
    return _check_taxation(correction.taxation, registered)


# -- registration, cash, servers ------------------------------------------------------------------------

def validate_registration(reg: Registration, limits: DeviceLimits = DEFAULT_LIMITS, *,
                          kkt_serial: str | None = None, new_fn_number: str | None = None) -> None:
    """Параметры регистрации: texts, INNs and their check digits, the РНМ (its check digits too when the KKT
    serial number is known), taxation systems, the OFD, the sender's e-mail, the FFD version."""
    if not isinstance(reg, Registration):
        raise InvalidReceipt("registration", f"must be a Registration, got {reg!r}",
                             f"должна быть Registration, получено {reg!r}")
    check_text(reg.user_name, "user_name", MAX_TEXT, limits)
    check_inn(reg.inn, "inn")
    problem = rnm_problem(reg.rnm, reg.inn, kkt_serial) if isinstance(reg.rnm, str) else (
        f"must be text, got {reg.rnm!r}", f"должен быть строкой, получено {reg.rnm!r}")
    if problem:
        raise InvalidReceipt("rnm", *problem)
    check_text(reg.address, "address", MAX_TEXT, limits)
    check_text(reg.place, "place", MAX_TEXT, limits)
    if not isinstance(reg.taxation, TaxationSystem) or not reg.taxation or reg.taxation & ~_ALL_TAXATION:
        raise InvalidReceipt("taxation", f"name one or more taxation systems, got {reg.taxation!r}",
                             f"укажите одну или несколько систем налогообложения, получено {reg.taxation!r}")
    for flag in ("autonomous", "services", "internet", "marked_goods", "excise"):
        if not isinstance(getattr(reg, flag), bool):
            raise InvalidReceipt(flag, f"must be true or false, got {getattr(reg, flag)!r}",
                                 f"должно быть true или false, получено {getattr(reg, flag)!r}")
    if not reg.autonomous:
        check_inn(reg.ofd_inn, "ofd_inn", lengths=(10,))
        check_text(reg.ofd_name, "ofd_name", MAX_TEXT, limits)
    check_text(reg.fns_site, "fns_site", MAX_TEXT, limits)
    if reg.sender_email:
        problem = email_problem(reg.sender_email, MAX_CONTACT)
        if problem:
            raise InvalidReceipt("sender_email", *problem)
    if not isinstance(reg.ffd, str) or reg.ffd not in FFD_VERSIONS:
        raise InvalidReceipt("ffd", f"must be the text \"1.05\" or \"1.2\", got {reg.ffd!r}",
                             f"должна быть строкой \"1.05\" или \"1.2\", получено {reg.ffd!r}")
    if reg.marked_goods and reg.ffd != "1.2":
        raise InvalidReceipt("marked_goods", "marked goods are registered in FFD 1.2 only",
                             "маркированные товары регистрируются только в ФФД 1.2")
    if new_fn_number is not None:
        problem = fn_number_problem(new_fn_number)
        if problem:
            raise InvalidReceipt("new_fn_number", *problem)


def validate_reasons(reasons: Any) -> int:
    if isinstance(reasons, bool) or not isinstance(reasons, int) or not 0 < reasons <= 0xFFFFFFFF:
        raise InvalidReceipt("reasons", f"must be a positive number (1101/1205 code), got {reasons!r}",
                             f"должно быть положительным числом (код 1101/1205), получено {reasons!r}")
    return reasons


def validate_server(address: Any, port: Any, limits: DeviceLimits = DEFAULT_LIMITS) -> None:
    """A server's address (ASCII host name or IP, at most the device's field) and port (1..65535)."""
    if not isinstance(address, str) or not address or not address.isascii() or any(c.isspace() for c in address):
        raise InvalidReceipt("address", f"must be a host name or an IP address, got {address!r}",
                             f"должен быть именем хоста или IP-адресом, получено {address!r}")
    if len(address) > limits.max_server_address:
        raise InvalidReceipt("address", f"longer than {limits.max_server_address} characters ({len(address)})",
                             f"длиннее {limits.max_server_address} символов ({len(address)})")
    if port is not None and (isinstance(port, bool) or not isinstance(port, int) or not 1 <= port <= 65535):
        raise InvalidReceipt("port", f"must be 1..65535, got {port!r}", f"должен быть от 1 до 65535, получено {port!r}")
