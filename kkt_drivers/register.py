"""The small fiscal-register protocol every family implements; :class:`~kkt_drivers.kkt.Kkt` is built on it.

Each method is one step the register takes on the device's own terms (its modes, passwords, requisite
commands, payment numbering): open or close a shift, begin a receipt, add a position or a requisite, pay,
close or cancel, read the ФН. Orchestration — validation, which requisites a document needs, recovery of a
lost answer without a second document — is the facade's, once for every family.

An operation a family does not have raises :class:`~kkt_drivers.errors.NotSupported` and is absent from
``capabilities``; ``tests/unit/test_family_neutral.py`` checks that the two agree.
"""

from __future__ import annotations

import abc
from typing import ClassVar

from .device import DeviceDriver
from .types import (
    Cashier,
    DeviceLimits,
    DeviceStatus,
    DocumentInfo,
    FnStatus,
    Item,
    OfdStatus,
    Payment,
    ReceiptType,
    Registration,
    RegistrationKind,
    ServerKind,
    ServerSettings,
    ShiftState,
    TaxationSystem,
)


class Op:
    """Operation names, as listed in a family's ``capabilities``."""

    OFD_STATUS = "ofd_status"
    DOCUMENT_TLV = "document_tlv"
    OPEN_SHIFT = "open_shift"
    CLOSE_SHIFT = "close_shift"
    X_REPORT = "x_report"
    STATE_REPORT = "state_report"
    RECEIPT = "receipt"
    CORRECTION = "correction"
    RECEIPT_DISCOUNT = "receipt_discount"
    CASH = "cash"
    REGISTER = "register"
    CLOSE_FN = "close_fn"
    OFD_SERVER = "ofd_server"
    VENDOR_CLOUD = "vendor_cloud"
    KKT_SERVER = "kkt_server"
    OPERATOR_PASSWORDS = "operator_passwords"

    ALL: ClassVar[tuple[str, ...]] = (
        OFD_STATUS, DOCUMENT_TLV, OPEN_SHIFT, CLOSE_SHIFT, X_REPORT, STATE_REPORT, RECEIPT, CORRECTION,
        RECEIPT_DISCOUNT, CASH, REGISTER, CLOSE_FN, OFD_SERVER, VENDOR_CLOUD, KKT_SERVER, OPERATOR_PASSWORDS,
    )


#: the operation behind each optional method (the check in tests/unit/test_family_neutral.py uses it)
METHOD_OPERATIONS: dict[str, str] = {
    "ofd_status": Op.OFD_STATUS, "document_tlv": Op.DOCUMENT_TLV, "open_shift": Op.OPEN_SHIFT,
    "close_shift": Op.CLOSE_SHIFT, "x_report": Op.X_REPORT, "state_report": Op.STATE_REPORT,
    "begin_receipt": Op.RECEIPT, "add_position": Op.RECEIPT, "add_requisite": Op.RECEIPT, "pay": Op.RECEIPT,
    "close_receipt": Op.RECEIPT, "cancel_receipt": Op.RECEIPT, "receipt_discount": Op.RECEIPT_DISCOUNT,
    "cash_in": Op.CASH, "cash_out": Op.CASH, "cash_in_drawer": Op.CASH, "register": Op.REGISTER,
    "close_fn": Op.CLOSE_FN, "set_operator_passwords": Op.OPERATOR_PASSWORDS,
}


class FiscalRegister(DeviceDriver):
    """A fiscal register (ККТ) of some family, spoken to in that family's protocol."""

    kind: ClassVar[str] = "register"
    #: what the register can store; validation refuses anything beyond it before a byte is sent
    limits: DeviceLimits = DeviceLimits()

    # -- queries every register answers -----------------------------------------------------
    @abc.abstractmethod
    def device_status(self) -> DeviceStatus:
        """Состояние ККТ: model, serial number, clock, fiscal and shift flags."""

    @abc.abstractmethod
    def fn_status(self) -> FnStatus:
        """Статус ФН: phase, warnings, number, last document, validity."""

    @abc.abstractmethod
    def last_document_number(self) -> int:
        """Номер последнего ФД: the cheapest way to tell whether a document was made."""

    @abc.abstractmethod
    def shift_state(self) -> ShiftState:
        """Состояние смены."""

    @abc.abstractmethod
    def document(self, number: int) -> DocumentInfo:
        """Фискальный документ по номеру: number, fiscal sign, time, type (without its TLV)."""

    @abc.abstractmethod
    def receipt_is_open(self) -> bool:
        """Whether a receipt (or correction) is open on the register now."""

    # -- optional queries --------------------------------------------------------------------
    def ofd_status(self) -> OfdStatus:
        """Статус обмена с ОФД."""
        raise self.unsupported(Op.OFD_STATUS)

    def document_tlv(self, number: int) -> bytes:
        """The document as the ФН keeps it: an FFD STLV, decodable by :mod:`kkt_drivers.ffd`."""
        raise self.unsupported(Op.DOCUMENT_TLV)

    # -- shift -------------------------------------------------------------------------------
    def open_shift(self, cashier: Cashier) -> None:
        """Открыть смену."""
        raise self.unsupported(Op.OPEN_SHIFT)

    def close_shift(self, cashier: Cashier) -> None:
        """Закрыть смену (Z-отчёт)."""
        raise self.unsupported(Op.CLOSE_SHIFT)

    def x_report(self, cashier: Cashier) -> None:
        """X-отчёт."""
        raise self.unsupported(Op.X_REPORT)

    def state_report(self, cashier: Cashier) -> None:
        """Отчёт о текущем состоянии расчётов: a fiscal document of type 21 (FFD tag 1000), made in the ФН
        with the shift open or closed; :class:`~kkt_drivers.kkt.Kkt` reads its number and fiscal sign back."""
        raise self.unsupported(Op.STATE_REPORT)

    # -- receipt -----------------------------------------------------------------------------
    def begin_receipt(self, operation: ReceiptType, *, correction: bool, taxation: TaxationSystem | None,
                      cashier: Cashier) -> None:
        """Открыть чек (или чек коррекции) with its taxation system (1055) and cashier (1021, 1203)."""
        raise self.unsupported(Op.RECEIPT)

    def add_position(self, item: Item, *, ffd: str = "1.05") -> None:
        """Add a position (1059) to the open receipt, with its requisites as the FFD version ``ffd`` has them
        (:func:`kkt_drivers.requisites.item_requisites` builds them for families that take TLV)."""
        raise self.unsupported(Op.RECEIPT)

    def add_requisite(self, tag: int, value: bytes) -> None:
        """Add a receipt-level requisite: ``value`` is the TLV value, already encoded by the FFD tag table."""
        raise self.unsupported(Op.RECEIPT)

    def carries_requisite(self, tag: int) -> bool:
        """Whether the receipt-level requisite ``tag`` can reach the ФН through this register's protocol. Most
        take any TLV; a protocol with a field per requisite (the Incotex driver service) carries only those it
        has a field for. :class:`~kkt_drivers.kkt.Kkt` asks before the receipt is opened."""
        return True

    def receipt_discount(self, amount: int) -> None:
        """A discount on the whole receipt, kopecks, spread over the positions by the register."""
        raise self.unsupported(Op.RECEIPT_DISCOUNT)

    def pay(self, payment: Payment) -> None:
        """A payment before the last one (the last one goes with :meth:`close_receipt`)."""
        raise self.unsupported(Op.RECEIPT)

    def close_receipt(self, payment: Payment) -> None:
        """Close the receipt with its last payment: the fiscal document is made here."""
        raise self.unsupported(Op.RECEIPT)

    def cancel_receipt(self) -> None:
        """Аннулировать открытый чек."""
        raise self.unsupported(Op.RECEIPT)

    # -- cash --------------------------------------------------------------------------------
    def cash_in(self, amount: int, cashier: Cashier) -> None:
        """Внесение наличных."""
        raise self.unsupported(Op.CASH)

    def cash_out(self, amount: int, cashier: Cashier) -> None:
        """Выплата наличных."""
        raise self.unsupported(Op.CASH)

    def cash_in_drawer(self) -> int:
        """Наличность в денежном ящике, kopecks."""
        raise self.unsupported(Op.CASH)

    # -- registration ------------------------------------------------------------------------
    def register(self, registration: Registration, *, kind: RegistrationKind, cashier: Cashier,
                 reasons: int = 0, new_fn_number: str | None = None) -> None:
        """Регистрация, её изменение (``reasons``: 1101/1205) or a new ФН (``new_fn_number``)."""
        raise self.unsupported(Op.REGISTER)

    def close_fn(self, cashier: Cashier) -> None:
        """Закрытие фискального режима ФН."""
        raise self.unsupported(Op.CLOSE_FN)

    # -- settings ----------------------------------------------------------------------------
    def server_settings(self) -> ServerSettings:
        """The servers this register is set to talk to (an empty :class:`ServerSettings` if none)."""
        return ServerSettings()

    def set_server(self, kind: ServerKind, address: str, port: int | None = None) -> None:
        """Set the address (and port) of a server of ``kind``."""
        raise self.unsupported({ServerKind.OFD: Op.OFD_SERVER, ServerKind.VENDOR_CLOUD: Op.VENDOR_CLOUD,
                                ServerKind.KKT_SERVER: Op.KKT_SERVER}[kind])

    def set_operator_passwords(self, *, admin: int | None = None, system_admin: int | None = None) -> None:
        """Passwords of the administrator and system administrator, on families that log operators in."""
        raise self.unsupported(Op.OPERATOR_PASSWORDS)
