"""What both Mercury protocols offer the driver: the fiscal-register steps, and the «Сервер ККТ» functions.

:class:`~.driver.MercuryDriver` is the one driver class of the family; it hands every step to the backend of
the protocol chosen by the URL (:mod:`.msk` or :mod:`.service`). Both backends build a receipt the same way:
``begin_receipt``, positions, requisites and payments are collected here (:class:`PendingReceipt`) and go
out when the receipt is closed — the MS-K register takes a whole document in one ``0x53``, the driver
service an OpenCheck/AddGoods/CloseCheck series — so a receipt the caller abandons never reaches the device.
"""

from __future__ import annotations

import abc
import datetime as dt
from dataclasses import dataclass, field

from ...errors import NotSupported
from ...register import Op
from ...session import Session
from ...types import (
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
    ShiftState,
    TaxationSystem,
)


@dataclass
class PendingReceipt:
    """A receipt (or correction) being collected until it is closed."""

    operation: ReceiptType
    correction: bool
    taxation: TaxationSystem | None
    cashier: Cashier
    ffd: str = "1.05"
    items: list[Item] = field(default_factory=list)
    #: receipt-level requisites as (tag, TLV value), in the order given
    requisites: list[tuple[int, bytes]] = field(default_factory=list)
    payments: list[Payment] = field(default_factory=list)


@dataclass(frozen=True)
class ServerExchangeStatus:
    """«СТАТУС СЕРВ. ККТ»: the last exchange with the «Сервер ККТ» (:class:`ExchangeState` numbers), goods in
    the register's base, sales not yet sent, and the register's message (a refused goods record is named
    there). [inferred]"""

    state: int
    last_exchange: dt.datetime | None
    goods: int
    unsent_sales: int
    message: str

    @property
    def ok(self) -> bool:
        from ...protocols.incotex.kkt_server import ExchangeState

        return self.state == ExchangeState.OK


class Backend(abc.ABC):
    """One protocol's way of doing the fiscal-register steps."""

    protocol: str
    session: Session
    limits: DeviceLimits

    def release(self) -> None:
        """Give back what the backend holds on the device side (a driver-service session); none by default."""
        return None

    #: the receipt-level requisites this protocol has a way to send; None: any TLV
    receipt_requisite_tags: frozenset[int] | None = None

    # -- queries ----------------------------------------------------------------------------
    @abc.abstractmethod
    def device_status(self) -> DeviceStatus: ...

    @abc.abstractmethod
    def fn_status(self) -> FnStatus: ...

    @abc.abstractmethod
    def last_document_number(self) -> int: ...

    @abc.abstractmethod
    def shift_state(self) -> ShiftState: ...

    @abc.abstractmethod
    def document(self, number: int) -> DocumentInfo: ...

    @abc.abstractmethod
    def document_tlv(self, number: int) -> bytes: ...

    @abc.abstractmethod
    def receipt_is_open(self) -> bool: ...

    @abc.abstractmethod
    def ofd_status(self) -> OfdStatus: ...

    # -- shift ------------------------------------------------------------------------------
    @abc.abstractmethod
    def open_shift(self, cashier: Cashier) -> None: ...

    @abc.abstractmethod
    def close_shift(self, cashier: Cashier) -> None: ...

    @abc.abstractmethod
    def x_report(self, cashier: Cashier) -> None: ...

    def state_report(self, cashier: Cashier) -> None:
        """Отчёт о текущем состоянии расчётов; a protocol without a command for it refuses before a byte."""
        raise NotSupported(Op.STATE_REPORT, "mercury")

    # -- receipt ----------------------------------------------------------------------------
    @abc.abstractmethod
    def check_no_receipt_open(self) -> None:
        """Raise the protocol's "a receipt is open" device error when one is (``Kkt`` then cancels it)."""

    @abc.abstractmethod
    def close_receipt(self, receipt: PendingReceipt) -> None:
        """Send the whole collected receipt; the fiscal document is made by its last command."""

    @abc.abstractmethod
    def cancel_receipt(self) -> None: ...

    # -- cash -------------------------------------------------------------------------------
    @abc.abstractmethod
    def cash_in(self, amount: int, cashier: Cashier) -> None: ...

    @abc.abstractmethod
    def cash_out(self, amount: int, cashier: Cashier) -> None: ...

    @abc.abstractmethod
    def cash_in_drawer(self) -> int: ...

    # -- registration -----------------------------------------------------------------------
    @abc.abstractmethod
    def register(self, registration: Registration, *, kind: RegistrationKind, cashier: Cashier, reasons: int,
                 new_fn_number: str | None) -> None: ...

    @abc.abstractmethod
    def close_fn(self, cashier: Cashier) -> None: ...

    # -- «Сервер ККТ» [inferred] ----------------------------------------------------------------
    @abc.abstractmethod
    def kkt_server_settings(self) -> tuple[str, str]:
        """The register's ID on the «Сервер ККТ» ("" when none) and the server's address."""

    @abc.abstractmethod
    def set_kkt_server(self, server_id: str, address: str | None = None) -> None: ...

    @abc.abstractmethod
    def kkt_server_status(self) -> ServerExchangeStatus: ...

    @abc.abstractmethod
    def kkt_server_test(self) -> ServerExchangeStatus: ...

    @abc.abstractmethod
    def kkt_server_exchange(self) -> ServerExchangeStatus: ...

