"""Public types of the unified API: what integrators build receipts from and get results in.

Money is always an ``int`` in kopecks. Quantities are :class:`~decimal.Decimal` with at most three
decimals. FFD code lists (VAT rate 1199, payment method 1214, payment subject 1212, taxation system
1055/1062) are the enums of :mod:`kkt_drivers.ffd.enums`, re-exported here. Every type carries the
meaning the FFD gives it; each device family maps it to its own wire numbering.
"""

from __future__ import annotations

import codecs
import enum
from collections.abc import Callable
from dataclasses import dataclass, field
from datetime import date, datetime
from decimal import Decimal
from typing import Any

from .ffd.enums import CorrectionType, PaymentMethod, PaymentSubject, TaxationSystem, VatRate

__all__ = [
    "Buyer", "Cashier", "CorrectionReceipt", "CorrectionType", "DeviceLimits", "DeviceStatus", "DocumentInfo",
    "FnPhase", "FnStatus", "Item", "OfdStatus", "Payment", "PaymentMethod", "PaymentSubject", "PaymentType",
    "Receipt", "ReceiptResult", "ReceiptType", "Registration", "RegistrationKind", "ServerKind", "ServerSettings",
    "ShiftState", "TaxationSystem", "VatRate",
]


class ReceiptType(enum.IntEnum):
    """Признак расчёта (tag 1054): приход, возврат прихода, расход, возврат расхода."""

    SELL = 1
    SELL_RETURN = 2
    BUY = 3
    BUY_RETURN = 4


class PaymentType(enum.IntEnum):
    """Форма расчёта as the FFD defines it: each value is the tag of the receipt's sum paid that way.

    A family maps these to its own wire numbering (ATOL's payment types 1–5, Shtrih's sums 1–16, …).
    """

    CASH = 1031  # наличными
    ELECTRONIC = 1081  # безналичными
    PREPAID = 1215  # предварительная оплата (зачёт аванса)
    CREDIT = 1216  # последующая оплата (кредит)
    OTHER = 1217  # иная форма оплаты (встречное предоставление)


class RegistrationKind(enum.Enum):
    """What a registration document does: the first registration, a change of it, or a new ФН."""

    REGISTER = "register"  # отчёт о регистрации
    CHANGE = "change"  # отчёт об изменении параметров регистрации
    REPLACE_FN = "replace_fn"  # изменение параметров регистрации в связи с заменой ФН


class ServerKind(enum.Enum):
    """Servers a register talks to besides the device protocol."""

    OFD = "ofd"  # оператор фискальных данных
    VENDOR_CLOUD = "vendor_cloud"  # the vendor's cloud cabinet (ATOL's «личный кабинет»)
    KKT_SERVER = "kkt_server"  # a goods/management server identified by an ID (Incotex «Сервер ККТ»)


class FnPhase(enum.IntEnum):
    """Фаза жизни ФН as the ФН reports it."""

    SETUP = 0x01
    FISCAL = 0x03
    POST_FISCAL = 0x07
    ARCHIVE = 0x0F


@dataclass(frozen=True)
class Cashier:
    """Кассир: name (1021), optional INN (1203), and the operator password on registers that log
    operators in (``None``: the family's default cashier; ATOL and Shtrih number cashiers 1–28)."""

    name: str = "Кассир"
    inn: str | None = None
    password: int | None = None


@dataclass(frozen=True)
class Item:
    """Предмет расчёта: a receipt position."""

    name: str
    price: int  # kopecks per unit
    quantity: Decimal = Decimal(1)
    vat: VatRate = VatRate.NO_VAT
    payment_method: PaymentMethod = PaymentMethod.FULL_PAYMENT
    payment_subject: PaymentSubject = PaymentSubject.GOODS
    discount: int = 0  # kopecks off this position's amount

    @property
    def amount(self) -> int:
        """Стоимость позиции: price × quantity − discount, rounded half up to the kopeck."""
        gross = (Decimal(self.price) * Decimal(self.quantity)).quantize(Decimal(1), rounding="ROUND_HALF_UP")
        return int(gross) - self.discount


@dataclass(frozen=True)
class Payment:
    type: PaymentType
    amount: int  # kopecks


@dataclass(frozen=True)
class Buyer:
    """Покупатель for an electronic receipt: a phone number or an e-mail address (tag 1008)."""

    phone: str | None = None
    email: str | None = None


@dataclass(frozen=True)
class Receipt:
    """Кассовый чек: positions, payments, optional buyer contact and taxation system."""

    items: tuple[Item, ...]
    payments: tuple[Payment, ...]
    taxation: TaxationSystem | None = None  # None: the single registered system
    buyer: Buyer | None = None
    discount: int = 0  # kopecks off the whole receipt (spread over the positions by the register)

    @property
    def total(self) -> int:
        return sum(item.amount for item in self.items) - self.discount


@dataclass(frozen=True)
class CorrectionReceipt:
    """Чек коррекции: type, basis, payments and, by FFD version, VAT sums or positions.

    FFD 1.05 (Табл.27): amounts only — the payments by form and ``vat_amounts`` by rate; ``items`` stays empty.
    FFD 1.2 (Табл.120): the corrected positions (1059) are mandatory, priced like a receipt's; the payments
    must cover their total. ``description`` (1177) exists only in FFD 1.05 and is not written in 1.2.
    """

    type: ReceiptType
    correction_type: CorrectionType
    basis_date: date
    basis_number: str
    description: str
    payments: tuple[Payment, ...]
    vat_amounts: tuple[tuple[VatRate, int], ...] = ()
    taxation: TaxationSystem | None = None
    items: tuple[Item, ...] = ()
    buyer: Buyer | None = None

    @property
    def total(self) -> int:
        if self.items:
            return sum(item.amount for item in self.items)
        return sum(p.amount for p in self.payments)


@dataclass(frozen=True)
class Registration:
    """Параметры регистрации ККТ (written to the ФН at registration or its change)."""

    user_name: str
    inn: str
    rnm: str
    address: str
    place: str
    taxation: TaxationSystem
    ofd_inn: str = "7704358518"
    ofd_name: str = "ОФД"
    fns_site: str = "www.nalog.gov.ru"
    sender_email: str = ""
    ffd: str = "1.05"
    autonomous: bool = False
    services: bool = False
    internet: bool = False


@dataclass(frozen=True)
class DocumentInfo:
    """A fiscal document in the ФН: number (ФД), fiscal sign (ФП), when, and its TLV."""

    number: int
    fiscal_sign: int
    datetime: datetime
    document_type: int
    tlv: bytes = b""


@dataclass(frozen=True)
class ReceiptResult:
    document: DocumentInfo
    change: int  # kopecks handed back
    recovered: bool = False  # the answer was lost; the driver found the document in the ФН


@dataclass(frozen=True)
class ShiftState:
    open: bool
    number: int
    next_receipt_number: int
    expired: bool = False
    expires_at: datetime | None = None


@dataclass(frozen=True)
class FnStatus:
    phase: FnPhase
    shift_open: bool
    warnings: int
    last_document_datetime: datetime | None
    fn_number: str
    last_document_number: int
    valid_until: date | None = None
    registrations_left: int | None = None


@dataclass(frozen=True)
class OfdStatus:
    unsent_count: int
    first_unsent_number: int
    first_unsent_datetime: datetime | None
    connected: bool = False
    extra: dict[str, int] = field(default_factory=dict)


@dataclass(frozen=True)
class DeviceStatus:
    """What any register reports about itself, in one shape for every family.

    ``details`` is the family's own status answer (ATOL: :class:`~kkt_drivers.drivers.atol.AtolStatus`),
    for what only that family has.
    """

    family: str
    model: str  # model name as the device reports it
    serial_number: str  # заводской номер ККТ
    datetime: datetime  # the register's clock
    fiscalised: bool
    shift_open: bool
    receipt_open: bool
    paper_present: bool = True
    cover_open: bool = False
    drawer_open: bool = False
    firmware: str = ""
    details: Any = field(default=None, compare=False)


@dataclass(frozen=True)
class ServerSettings:
    """The servers a register is set to talk to; ``None`` where the family has no such server."""

    ofd_address: str | None = None
    ofd_port: int | None = None
    vendor_cloud: str | None = None
    kkt_server_id: str | None = None



@dataclass(frozen=True)
class DeviceLimits:
    """What a register can store, so that a receipt is refused before a byte is sent.

    Each family gives its own (code page, field widths); the defaults are the FFD's own limits.
    """

    code_page: str = "cp866"
    max_sum: int = 10**12 - 1  # kopecks, the widest sum field on the wire
    max_quantity: Decimal = Decimal(99_999)
    quantity_decimals: int = 3
    max_items: int = 100
    max_name: int = 128  # tag 1030
    #: True when every character has a byte in the device's code page (families with a quirk override it)
    encodable: Callable[[str], bool] | None = None

    def can_encode(self, text: str) -> bool:
        if self.encodable is not None:
            return self.encodable(text)
        try:
            codecs.encode(text, self.code_page)
        except UnicodeEncodeError:
            return False
        return True
