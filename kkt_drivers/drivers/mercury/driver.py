"""The Incotex «Меркурий» driver: the fiscal-register protocol over MS-K or over the driver service.

One class for the family whatever the protocol: every step goes to the backend the URL chose
(``protocol=msk`` → :class:`~.msk.MskBackend`, ``protocol=json`` → :class:`~.service.JsonBackend`), which
are reachable as :attr:`MercuryDriver.backend` for their own commands. Beyond the fiscal register it offers
the «Сервер ККТ» functions of the register («ID КАССЫ», «СТАТУС СЕРВ. ККТ», «ТЕСТ.СЕРВ.ККТ», an
exchange) — their device side is our design, see protocol-notes/incotex/server-id.md.
"""

from __future__ import annotations

from dataclasses import replace

from ...device import atomic
from ...errors import InvalidParameter
from ...register import FiscalRegister, Op
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
    ServerKind,
    ServerSettings,
    ShiftState,
    TaxationSystem,
)
from .backend import Backend, PendingReceipt, ServerExchangeStatus
from .family import CAPABILITIES, MSK_LACKS


class MercuryDriver(FiscalRegister):
    """An Incotex Меркурий register, through MS-K or the driver service (``driver.protocol``)."""

    family = "mercury"
    capabilities = CAPABILITIES

    def __init__(self, session: Session, backend: Backend) -> None:
        self.session = session
        self.backend = backend
        self.limits: DeviceLimits = backend.limits
        self._receipt: PendingReceipt | None = None

    def close(self) -> None:
        try:
            self.backend.release()
        finally:
            super().close()

    @property
    def protocol(self) -> str:
        """``msk`` or ``json``."""
        return self.backend.protocol

    # -- queries ---------------------------------------------------------------------------
    def device_status(self) -> DeviceStatus:
        return self.backend.device_status()

    def fn_status(self) -> FnStatus:
        return self.backend.fn_status()

    def last_document_number(self) -> int:
        return self.backend.last_document_number()

    def shift_state(self) -> ShiftState:
        return self.backend.shift_state()

    def document(self, number: int) -> DocumentInfo:
        return self.backend.document(number)

    def document_tlv(self, number: int) -> bytes:
        return self.backend.document_tlv(number)

    def receipt_is_open(self) -> bool:
        return self.backend.receipt_is_open()

    def ofd_status(self) -> OfdStatus:
        return self.backend.ofd_status()

    # -- shift -----------------------------------------------------------------------------
    def open_shift(self, cashier: Cashier) -> None:
        self.backend.open_shift(cashier)

    def close_shift(self, cashier: Cashier) -> None:
        self.backend.close_shift(cashier)

    def x_report(self, cashier: Cashier) -> None:
        self.backend.x_report(cashier)

    def state_report(self, cashier: Cashier) -> None:
        """Over the driver service only: MS-K has no command for it (:class:`MskMercuryDriver`)."""
        if not self.supports(Op.STATE_REPORT):
            raise self.unsupported(Op.STATE_REPORT)
        self.backend.state_report(cashier)

    # -- receipt ---------------------------------------------------------------------------
    @atomic
    def begin_receipt(self, operation: ReceiptType, *, correction: bool, taxation: TaxationSystem | None,
                      cashier: Cashier) -> None:
        """Starts collecting the receipt; a receipt left open on the register is reported as the device error
        it is (``Kkt`` cancels it and begins again)."""
        self._receipt = None
        self.backend.check_no_receipt_open()
        self._receipt = PendingReceipt(operation, correction, taxation, cashier)

    def _pending(self) -> PendingReceipt:
        if self._receipt is None:
            raise InvalidParameter("no receipt is being built: begin_receipt first",
                                   message_ru="чек не формируется: сначала вызовите begin_receipt")
        return self._receipt

    def add_position(self, item: Item, *, ffd: str = "1.05") -> None:
        receipt = self._pending()
        receipt.ffd = ffd
        receipt.items.append(item)

    def add_requisite(self, tag: int, value: bytes) -> None:
        self._pending().requisites.append((tag, bytes(value)))

    def carries_requisite(self, tag: int) -> bool:
        tags = self.backend.receipt_requisite_tags
        return tags is None or tag in tags

    def receipt_discount(self, amount: int) -> None:
        """Скидка на чек: spread over the positions by their amounts, the remainder on the last, as each
        position's own discount (both protocols carry a position's discounted amount: 1043 / ``sum``)."""
        receipt = self._pending()
        items = receipt.items
        base = sum(item.amount for item in items)
        if not items or not 0 < amount <= base:
            raise InvalidParameter(f"a receipt discount must be more than 0 and at most the total {base}, "
                                   f"got {amount}",
                                   message_ru=f"скидка на чек должна быть больше 0 и не больше суммы {base}, "
                                              f"получено {amount}")
        left = amount
        for index, item in enumerate(items):
            share = left if index == len(items) - 1 else amount * item.amount // base
            left -= share
            items[index] = replace(item, discount=item.discount + share)

    def pay(self, payment: Payment) -> None:
        self._pending().payments.append(payment)

    @atomic
    def close_receipt(self, payment: Payment) -> None:
        """Send the whole receipt; its last command makes the fiscal document. Sent again only by ``Kkt``,
        after the ФН shows the first attempt made no document."""
        receipt = self._pending()
        receipt = PendingReceipt(receipt.operation, receipt.correction, receipt.taxation, receipt.cashier,
                                 receipt.ffd, list(receipt.items), list(receipt.requisites),
                                 [*receipt.payments, payment])
        self.backend.close_receipt(receipt)
        self._receipt = None

    def cancel_receipt(self) -> None:
        self._receipt = None
        self.backend.cancel_receipt()

    # -- cash ------------------------------------------------------------------------------
    def cash_in(self, amount: int, cashier: Cashier) -> None:
        self.backend.cash_in(amount, cashier)

    def cash_out(self, amount: int, cashier: Cashier) -> None:
        self.backend.cash_out(amount, cashier)

    def cash_in_drawer(self) -> int:
        return self.backend.cash_in_drawer()

    # -- registration ----------------------------------------------------------------------
    def register(self, registration: Registration, *, kind: RegistrationKind, cashier: Cashier,
                 reasons: int = 0, new_fn_number: str | None = None) -> None:
        if kind is RegistrationKind.REPLACE_FN and not new_fn_number:
            raise ValueError("a ФН replacement needs the new ФН number")
        self.backend.register(registration, kind=kind, cashier=cashier, reasons=reasons,
                              new_fn_number=new_fn_number)

    def close_fn(self, cashier: Cashier) -> None:
        self.backend.close_fn(cashier)

    # -- «Сервер ККТ» ------------------------------------------------------------------------
    def server_settings(self) -> ServerSettings:
        server_id, _ = self.backend.kkt_server_settings()
        return ServerSettings(kkt_server_id=server_id or None)

    def set_server(self, kind: ServerKind, address: str, port: int | None = None) -> None:
        """``ServerKind.KKT_SERVER``: ``address`` is the register's ID on the «Сервер ККТ» («ID КАССЫ»)."""
        if kind is not ServerKind.KKT_SERVER:
            raise self.unsupported(Op.OFD_SERVER if kind is ServerKind.OFD else Op.VENDOR_CLOUD)
        self.set_kkt_server(address)

    def kkt_server_settings(self) -> tuple[str, str]:
        """«ID КАССЫ» ("" when none) and the address of the «Сервер ККТ» the register talks to."""
        return self.backend.kkt_server_settings()

    def set_kkt_server(self, server_id: str, address: str | None = None) -> None:
        """Set «ID КАССЫ» (up to 10 digits; "" clears it) and, if given, the server's ``host:port``."""
        server_id = server_id.strip()
        if server_id and not (server_id.isascii() and server_id.isdigit() and len(server_id) <= 10):
            raise InvalidParameter(f"«ID КАССЫ» is up to 10 digits, got {server_id!r}",
                                   message_ru=f"«ID КАССЫ» — не более 10 цифр, получено {server_id!r}")
        if address is not None and (len(address) > 40 or not address.isascii()):
            raise InvalidParameter(f"the server address is up to 40 ASCII characters, got {address!r}",
                                   message_ru=f"адрес сервера — не более 40 символов ASCII, получено {address!r}")
        self.backend.set_kkt_server(server_id, address)

    def kkt_server_status(self) -> ServerExchangeStatus:
        """«СТАТУС СЕРВ. ККТ»: how the last exchange went."""
        return self.backend.kkt_server_status()

    def kkt_server_test(self) -> ServerExchangeStatus:
        """«ТЕСТ.СЕРВ.ККТ»: the register connects to its server now."""
        return self.backend.kkt_server_test()

    def kkt_server_exchange(self) -> ServerExchangeStatus:
        """Fetch the goods base from the «Сервер ККТ» (the register's groups, at its percent) and send the
        sales journal; a base with a bad record is refused whole (the status names the record)."""
        return self.backend.kkt_server_exchange()


class MskMercuryDriver(MercuryDriver):
    """A Меркурий over MS-K: the same driver less what the wire protocol has no command for — the отчёт о
    текущем состоянии расчётов (no MS-K command for it is known); it is refused before a byte is sent."""

    capabilities = CAPABILITIES - MSK_LACKS
