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

from .ffd.enums import (
    AgentType,
    CorrectionType,
    PaymentMethod,
    PaymentSubject,
    QuantityMeasure,
    TaxationSystem,
    VatRate,
)

__all__ = [
    "AgentInfo",
    "AgentType",
    "Buyer",
    "Cashier",
    "CorrectionReceipt",
    "CorrectionType",
    "DeviceLimits",
    "DeviceStatus",
    "DocumentInfo",
    "FnPhase",
    "FnStatus",
    "IndustryRequisite",
    "Item",
    "MarkingCode",
    "OfdStatus",
    "OperationalRequisite",
    "Payment",
    "PaymentMethod",
    "PaymentSubject",
    "PaymentType",
    "QuantityMeasure",
    "Receipt",
    "ReceiptResult",
    "ReceiptType",
    "Registration",
    "RegistrationKind",
    "ServerKind",
    "ServerSettings",
    "ShiftState",
    "Supplier",
    "TaxationSystem",
    "VatRate",
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
class AgentInfo:
    """Признак агента (1222 in a position, 1057 in a receipt) and данные агента (1223 in a position)."""

    type: AgentType
    operation: str | None = None  # 1044 операция платёжного агента
    phones: tuple[str, ...] = ()  # 1073 телефон платёжного агента
    payment_operator_phones: tuple[str, ...] = ()  # 1074 телефон оператора по приёму платежей
    transfer_operator_phones: tuple[str, ...] = ()  # 1075 телефон оператора перевода
    transfer_operator_name: str | None = None  # 1026 наименование оператора перевода
    transfer_operator_address: str | None = None  # 1005 адрес оператора перевода
    transfer_operator_inn: str | None = None  # 1016 ИНН оператора перевода


@dataclass(frozen=True)
class Supplier:
    """Поставщик (for an agent's position): ИНН 1226 and данные поставщика 1224 (name 1225, phones 1171)."""

    inn: str
    name: str | None = None
    phones: tuple[str, ...] = ()


@dataclass(frozen=True)
class MarkingCode:
    """Код маркировки of a marked good (Честный знак), FFD 1.2.

    ``code`` is the code as scanned (GS1 DataMatrix text; the group separator is ``\x1d``). The ФН checks it
    before the position is added. ``planned_status`` is 2003 (1 piece sold, 2 measured sold, 3 piece returned,
    4 measured returned, 255 unchanged); a part of a pack is ``numerator``/``denominator`` (1291: 1293/1294).
    """

    code: str
    planned_status: int = 1
    numerator: int | None = None
    denominator: int | None = None


@dataclass(frozen=True)
class IndustryRequisite:
    """Отраслевой реквизит: 1260 in a position, 1261 in a receipt (FFD 1.2): ФОИВ 1262, date 1263 of the
    normative document, its number 1264, and the value 1265."""

    foiv_id: str
    document_date: date
    document_number: str
    value: str


@dataclass(frozen=True)
class OperationalRequisite:
    """Операционный реквизит чека (1270, FFD 1.2): id 1271, data 1272, date and time 1273."""

    operation_id: int
    data: str
    when: datetime


@dataclass(frozen=True)
class Item:
    """Предмет расчёта: a receipt position.

    Besides the price, quantity and the FFD code lists, a position may carry (FFD 1.2 unless noted): its
    measure 2108, a product code (1162 in FFD 1.05, raw bytes), a marking code, agent and supplier data (1.05
    and 1.2), and industry requisites 1260.
    """

    name: str
    price: int  # kopecks per unit
    quantity: Decimal = Decimal(1)
    vat: VatRate = VatRate.NO_VAT
    payment_method: PaymentMethod = PaymentMethod.FULL_PAYMENT
    payment_subject: PaymentSubject = PaymentSubject.GOODS
    discount: int = 0  # kopecks off this position's amount
    measure: QuantityMeasure = QuantityMeasure.PIECE  # 2108 мера количества
    product_code: bytes | None = None  # 1162 код товара (FFD 1.05)
    marking: MarkingCode | None = None
    agent: AgentInfo | None = None  # 1222 + 1223
    supplier: Supplier | None = None  # 1224 + 1226
    industry: tuple[IndustryRequisite, ...] = ()  # 1260

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
    """Покупатель: a phone number or an e-mail address for an electronic receipt (1008); the buyer's name
    (1227) and INN (1228) where the law asks for them (FFD 1.2 puts them in 1256 «сведения о покупателе»)."""

    phone: str | None = None
    email: str | None = None
    name: str | None = None
    inn: str | None = None


@dataclass(frozen=True)
class Receipt:
    """Кассовый чек: positions, payments, optional buyer contact and taxation system."""

    items: tuple[Item, ...]
    payments: tuple[Payment, ...]
    taxation: TaxationSystem | None = None  # None: the single registered system
    buyer: Buyer | None = None
    discount: int = 0  # kopecks off the whole receipt (spread over the positions)
    agent: AgentInfo | None = None  # 1057 признак агента for the whole receipt
    industry: tuple[IndustryRequisite, ...] = ()  # 1261
    operational: OperationalRequisite | None = None  # 1270

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
    #: trades in marked goods (Честный знак): FFD 1.2 registers it in 1290 «признаки условий применения ККТ»
    marked_goods: bool = False
    #: trades in excise goods (1207; 1290 in FFD 1.2)
    excise: bool = False


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
    max_server_address: int = 64  # a server's host name or address in the device's settings
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
