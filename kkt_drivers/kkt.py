"""The unified API integrators import: :class:`Kkt`.

Every method is one whole operation — a receipt, a shift, a registration — with typed input and
output. Receipts are validated before a byte is sent. When the answer to a closing command is lost,
the facade asks the device and its ФН whether the document exists and returns it; it never issues a
second document.
"""

from __future__ import annotations

import time
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from datetime import datetime

from .connect import DEFAULT_DEVICE, connect
from .drivers.atol import ADMIN_PASSWORD, SYSADMIN_PASSWORD, AtolDriver
from .drivers.atol_fiscal import fn_datetime
from .drivers.atol_types import AtolMode, AtolStatus
from .errors import ConnectionLost, DeviceError, KktError, Timeout, TransportError
from .ffd import decode_document
from .ffd.enums import TaxationSystem
from .protocols.atol import fiscal_commands as f
from .types import (
    Cashier,
    CorrectionReceipt,
    DocumentInfo,
    FnPhase,
    FnStatus,
    Item,
    OfdStatus,
    Payment,
    PaymentType,
    Receipt,
    ReceiptResult,
    ReceiptType,
    Registration,
    ShiftState,
)
from .validation import buyer_contact, validate_correction, validate_receipt

#: VAT rate (1199 code) -> the correction's VAT-sum tag
VAT_SUM_TAG = {1: 1102, 2: 1103, 5: 1104, 6: 1105, 3: 1106, 4: 1107}


class UnknownOutcome(KktError):
    """The device could not tell whether a fiscal document was made; nothing was sent twice."""


class Kkt:
    """A fiscal register (ККТ) behind one device URL."""

    def __init__(self, driver: AtolDriver, *, cashier: Cashier | None = None,
                 admin_password: int = ADMIN_PASSWORD, sysadmin_password: int = SYSADMIN_PASSWORD,
                 taxation: TaxationSystem | None = None, ffd: str | None = None) -> None:
        self.driver = driver
        self.cashier = cashier or Cashier()
        self.admin_password = admin_password
        self.sysadmin_password = sysadmin_password
        #: registered taxation systems, when known (set by :meth:`register`), for validation
        self.taxation = taxation
        #: the FFD version the ФН is registered in ("1.05" or "1.2"), when known (set by :meth:`register`);
        #: it decides whether a correction is given as amounts or as positions
        self.ffd = ffd

    @classmethod
    def open(cls, url: str = DEFAULT_DEVICE, **kwargs: object) -> Kkt:
        return cls(connect(url), **kwargs)  # type: ignore[arg-type]

    def close(self) -> None:
        self.driver.close()

    def __enter__(self) -> Kkt:
        return self

    def __exit__(self, *exc: object) -> None:
        self.close()

    # -- modes -----------------------------------------------------------------------------
    @contextmanager
    def _mode(self, mode: AtolMode, password: int) -> Iterator[None]:
        d = self.driver
        current = d.state_code().mode
        if current.mode is not mode:
            if current.mode is not AtolMode.SELECT:
                d.to_select_mode()
            d.enter_mode(mode, password)
        yield

    # -- queries ---------------------------------------------------------------------------
    def status(self) -> AtolStatus:
        """Состояние ККТ."""
        return self.driver.status()

    def shift_state(self) -> ShiftState:
        """Состояние смены: открыта ли, номер, следующий чек, истекли ли 24 часа."""
        fn = self.driver.fn_shift()
        raw = self.driver.execute(f.READ_REGISTER, {"register": f.REGISTER_SHIFT_STATE, "p1": 0, "p2": 0}).value
        reg = f.SHIFT_STATE_VALUE.parse(raw)
        expires = None
        if reg.open and reg.month:
            expires = datetime(2000 + reg.year, reg.month, reg.day, reg.hour, reg.minute, reg.second)
        now = self.driver.read_datetime()
        return ShiftState(open=bool(fn.open), number=int(fn.shift),
                          next_receipt_number=int(fn.receipt) + 1 if fn.open else 1,
                          expired=bool(expires and now > expires), expires_at=expires)

    def fn_status(self) -> FnStatus:
        """Статус ФН (фаза, предупреждения, номер, последний ФД) и срок его действия."""
        s = self.driver.fn_status_raw()
        v = self.driver.fn_validity()
        valid = datetime(2000 + v.year, v.month, v.day).date() if v.month else None
        return FnStatus(phase=FnPhase(s.phase) if s.phase in FnPhase._value2member_map_ else FnPhase.SETUP,
                        shift_open=bool(s.shift_open), warnings=int(s.warnings),
                        last_document_datetime=fn_datetime(s.datetime), fn_number=str(s.fn_number),
                        last_document_number=int(s.last_document), valid_until=valid,
                        registrations_left=int(v.left))

    def ofd_status(self) -> OfdStatus:
        """Статус обмена с ОФД: очередь неотправленных документов."""
        o = self.driver.fn_ofd()
        return OfdStatus(unsent_count=int(o.unsent), first_unsent_number=int(o.first_number),
                         first_unsent_datetime=fn_datetime(o.first_datetime), connected=bool(o.flags & 1))

    def document(self, number: int, *, with_tlv: bool = True) -> DocumentInfo:
        """Фискальный документ по номеру, with its TLV read back from the ФН."""
        d = self.driver.fn_document(number)
        tlv = self.driver.fn_document_tlv(number) if with_tlv else b""
        return DocumentInfo(number=int(d.number), fiscal_sign=int(d.fiscal_sign),
                            datetime=fn_datetime(d.datetime) or datetime.min, document_type=int(d.type), tlv=tlv)

    def fn_ffd(self) -> str | None:
        """The FFD version of the registration ("1.05" or "1.2"), or None while the ФН is not registered.

        Known after :meth:`register`; otherwise read once from tag 1209 of the ФН's document 1 — every
        ФН starts with its registration report (a replaced ФН too) [inferred: a re-registration that changes
        the FFD version is not looked for].
        """
        if self.ffd is None:
            try:
                first = decode_document(self.driver.fn_document_tlv(1))
            except (DeviceError, ValueError):
                return None  # no document yet, or one we cannot read: the device will judge
            self.ffd = {2: "1.05", 4: "1.2"}.get(first.get(1209))  # type: ignore[arg-type]
        return self.ffd

    def last_document(self) -> DocumentInfo:
        return self.document(self.driver.fn_status_raw().last_document, with_tlv=False)

    # -- shift -----------------------------------------------------------------------------
    def _fiscal_operation(self, action: Callable[[], None], done: Callable[[int], bool]) -> DocumentInfo:
        """Run ``action``; if its answer is lost, ask the ФН whether it happened (``done(last number before)``)."""
        before = int(self.driver.fn_status_raw().last_document)
        try:
            action()
        except (Timeout, ConnectionLost) as err:
            if isinstance(err, Timeout) and not err.maybe_executed:
                raise
            if not self._settle(lambda: done(before)):
                raise UnknownOutcome(f"the device did not confirm the operation: {err}") from err
        return self.document(int(self.driver.fn_status_raw().last_document), with_tlv=False)

    def _settle(self, check: Callable[[], bool], tries: int = 5) -> bool:
        """Ask the device (reconnecting if the line dropped) until ``check`` can be answered."""
        for attempt in range(tries):
            try:
                return bool(check())
            except (Timeout, ConnectionLost, TransportError):
                time.sleep(0.2 * (attempt + 1))
                try:
                    self.driver.session.reconnect()
                except TransportError:
                    pass
        return False

    def open_shift(self) -> DocumentInfo:
        """Открыть смену."""
        with self._mode(AtolMode.REGISTRATION, self.cashier.password):
            return self._fiscal_operation(lambda: self.driver.open_shift_command(self.cashier.name),
                                          lambda before: bool(self.driver.fn_shift().open))

    def close_shift(self) -> DocumentInfo:
        """Закрыть смену (Z-отчёт)."""
        with self._mode(AtolMode.Z_REPORTS, self.admin_password):
            result = self._fiscal_operation(self.driver.z_report_command,
                                            lambda before: not self.driver.fn_shift().open)
        self.driver.to_select_mode()
        return result

    def x_report(self) -> None:
        """X-отчёт (без гашения)."""
        with self._mode(AtolMode.X_REPORTS, self.admin_password):
            self.driver.x_report_command()
        self.driver.to_select_mode()

    # -- receipts --------------------------------------------------------------------------
    def sell(self, receipt: Receipt) -> ReceiptResult:
        """Чек прихода."""
        return self._receipt(ReceiptType.SELL, receipt)

    def refund(self, receipt: Receipt) -> ReceiptResult:
        """Чек возврата прихода."""
        return self._receipt(ReceiptType.SELL_RETURN, receipt)

    def buy(self, receipt: Receipt) -> ReceiptResult:
        """Чек расхода."""
        return self._receipt(ReceiptType.BUY, receipt)

    def buy_refund(self, receipt: Receipt) -> ReceiptResult:
        """Чек возврата расхода."""
        return self._receipt(ReceiptType.BUY_RETURN, receipt)

    def _receipt(self, kind: ReceiptType, receipt: Receipt) -> ReceiptResult:
        taxation = validate_receipt(receipt, self.taxation)  # before any byte goes out
        d = self.driver

        def body() -> None:
            self._register_items(receipt.items)
            if receipt.discount:
                d.discount(receipt.discount)
            if receipt.buyer is not None:
                d.write_requisite(1008, buyer_contact(receipt.buyer))

        return self._document(f.RECEIPT_TYPE_BY_OPERATION[int(kind)], body, taxation, receipt.payments,
                              receipt.total)

    def _register_items(self, items: tuple[Item, ...]) -> None:
        for item in items:
            self.driver.register_position(
                name=item.name, price=item.price, quantity_milli=int(item.quantity * 1000), amount=item.amount,
                vat=int(item.vat), method=int(item.payment_method), subject=int(item.payment_subject),
                discount=item.discount)

    def _document(self, atol_type: int, body: Callable[[], None], taxation: TaxationSystem | None,
                  payments: tuple[Payment, ...], total: int) -> ReceiptResult:
        """Open a receipt of ``atol_type``, write ``body``, taxation, cashier and payments, then close it.

        A device refusal while building cancels the receipt; the close is guarded against a lost answer.
        """
        d = self.driver
        with self._mode(AtolMode.REGISTRATION, self.cashier.password):
            before = int(d.fn_status_raw().last_document)
            d.open_receipt(atol_type)
            try:
                body()
                if taxation is not None:
                    d.write_requisite(1055, int(taxation))
                self._write_cashier()
                *first, last = _merge(payments)
                for payment in first:
                    d.pay(int(payment.type), payment.amount)
            except DeviceError:
                self._cancel_quietly()
                raise
            return self._close(before, last, total, sum(p.amount for p in payments))

    def _write_cashier(self) -> None:
        self.driver.write_requisite(1021, self.cashier.name)
        if self.cashier.inn:
            self.driver.write_requisite(1203, self.cashier.inn)

    def _cancel_quietly(self) -> None:
        try:
            if self.driver.status().receipt_state:
                self.driver.cancel_receipt()
        except KktError:
            pass

    def _close(self, before: int, last: Payment, total: int, paid: int) -> ReceiptResult:
        d = self.driver
        recovered = False
        try:
            d.close_receipt_command(int(last.type), last.amount)
        except DeviceError:
            self._cancel_quietly()
            raise
        except (Timeout, ConnectionLost) as err:
            if isinstance(err, Timeout) and not err.maybe_executed:
                self._cancel_quietly()
                raise
            recovered = True
            self._recover_close(before, last, err)
        document = self.document(int(d.fn_status_raw().last_document), with_tlv=False)
        return ReceiptResult(document=document, change=max(paid - total, 0), recovered=recovered)

    def _recover_close(self, before: int, last: Payment, err: Exception) -> None:
        """The close command's answer was lost: find out whether the receipt became a document."""
        d = self.driver
        for attempt in range(5):
            try:
                if isinstance(err, ConnectionLost) or attempt:
                    d.session.reconnect()
                if int(d.fn_status_raw().last_document) > before and not d.status().receipt_state:
                    return  # the document exists: never issue it again
                if d.status().receipt_state:  # still open, so the close never ran: close it now
                    d.close_receipt_command(int(last.type), last.amount)
                    return
            except (Timeout, ConnectionLost, TransportError):
                time.sleep(0.2 * (attempt + 1))
        raise UnknownOutcome(f"cannot tell whether the receipt was closed: {err}") from err

    def correction(self, correction: CorrectionReceipt) -> ReceiptResult:
        """Чек коррекции: type, basis, then amounts by VAT rate (FFD 1.05) or the positions (FFD 1.2).

        The receipt is opened with the correction type (92 type 7..10); in FFD 1.2 the positions are
        registered with EA/EB as in a receipt [inferred sequence: the protocol text lists only the tags].
        """
        taxation = validate_correction(correction, self.taxation, self.fn_ffd())
        d = self.driver

        def body() -> None:
            d.write_requisite(1173, int(correction.correction_type))
            d.write_requisite_raw(1174, encode_basis(correction, self.fn_ffd()))
            self._register_items(correction.items)
            for rate, amount in correction.vat_amounts:
                d.write_requisite(VAT_SUM_TAG[int(rate)], amount)
            if correction.buyer is not None:
                d.write_requisite(1008, buyer_contact(correction.buyer))

        return self._document(f.CORRECTION_TYPE_BY_OPERATION[int(correction.type)], body, taxation,
                              correction.payments, correction.total)

    # -- cash ------------------------------------------------------------------------------
    def cash_in(self, amount: int) -> None:
        """Внесение наличных."""
        if amount <= 0:
            raise ValueError("amount must be a positive number of kopecks")
        with self._mode(AtolMode.REGISTRATION, self.cashier.password):
            self.driver.cash_in_command(amount)

    def cash_out(self, amount: int) -> None:
        """Выплата (изъятие) наличных."""
        if amount <= 0:
            raise ValueError("amount must be a positive number of kopecks")
        with self._mode(AtolMode.REGISTRATION, self.cashier.password):
            self.driver.cash_out_command(amount)

    def cash_in_drawer(self) -> int:
        return self.driver.cash_in_drawer()

    # -- registration ----------------------------------------------------------------------
    def _write_registration(self, reg: Registration) -> None:
        d = self.driver
        ffd_code = {"1.05": 2, "1.2": 4}[reg.ffd]
        values: list[tuple[int, object]] = [
            (1048, reg.user_name), (1018, reg.inn.ljust(12)), (1037, reg.rnm.ljust(20)), (1009, reg.address),
            (1187, reg.place), (1062, int(reg.taxation)), (1017, reg.ofd_inn.ljust(12)), (1046, reg.ofd_name),
            (1060, reg.fns_site), (1209, ffd_code), (1002, int(reg.autonomous)), (1109, int(reg.services)),
            (1108, int(reg.internet)),
        ]
        if reg.sender_email:
            values.append((1117, reg.sender_email))
        for tag, value in values:
            d.write_requisite(tag, value)

    def register(self, registration: Registration) -> DocumentInfo:
        """Регистрация ККТ (фискализация ФН)."""
        with self._mode(AtolMode.FN_ACCESS, self.sysadmin_password):
            self._write_registration(registration)
            result = self._fiscal_operation(lambda: self.driver.register_command(0),
                                            lambda before: self.driver.fn_status_raw().last_document > before)
        self.driver.to_select_mode()
        self.taxation = registration.taxation
        self.ffd = registration.ffd
        return result

    def reregister(self, registration: Registration, reasons: int) -> DocumentInfo:
        """Перерегистрация (изменение параметров регистрации) с кодом(ами) причины."""
        with self._mode(AtolMode.FN_ACCESS, self.sysadmin_password):
            self._write_registration(registration)
            result = self._fiscal_operation(lambda: self.driver.register_command(2, reasons),
                                            lambda before: self.driver.fn_status_raw().last_document > before)
        self.driver.to_select_mode()
        self.taxation = registration.taxation
        self.ffd = registration.ffd
        return result

    def replace_fn(self, new_fn_number: str, registration: Registration) -> DocumentInfo:
        """Замена ФН: the old ФН must be closed; registers the new one (re-registration, reason 1)."""
        with self._mode(AtolMode.FN_ACCESS, self.sysadmin_password):
            self._write_registration(registration)
            self.driver.write_requisite_raw(1041, new_fn_number.encode("ascii"))
            result = self._fiscal_operation(lambda: self.driver.register_command(1, 1),
                                            lambda before: self.driver.fn_status_raw().fn_number == new_fn_number)
        self.driver.to_select_mode()
        self.taxation = registration.taxation
        self.ffd = registration.ffd
        return result

    def close_fn(self) -> DocumentInfo:
        """Закрытие фискального режима ФН."""
        with self._mode(AtolMode.FN_ACCESS, self.sysadmin_password):
            result = self._fiscal_operation(self.driver.close_fn_command,
                                            lambda before: self.driver.fn_status_raw().last_document > before)
        self.driver.to_select_mode()
        return result

    # -- server settings -------------------------------------------------------------------
    def set_ofd_server(self, address: str, port: int) -> None:
        """Адрес и порт сервера ОФД (таблица 19, поля 1 и 2)."""
        with self._mode(AtolMode.PROGRAMMING, self.sysadmin_password):
            self.driver.write_table(19, 1, 1, address.encode("ascii"))
            self.driver.write_table(19, 1, 2, port.to_bytes(2, "big"))
        self.driver.to_select_mode()

    def set_cloud_server(self, address: str) -> None:
        """Адрес сервера личного кабинета АТОЛ (таблица 19, поле 9)."""
        with self._mode(AtolMode.PROGRAMMING, self.sysadmin_password):
            self.driver.write_table(19, 1, 9, address.encode("ascii"))
        self.driver.to_select_mode()

    def server_settings(self) -> dict[str, str | int]:
        with self._mode(AtolMode.PROGRAMMING, self.sysadmin_password):
            address = self.driver.read_table(19, 1, 1).decode("ascii", "replace")
            port = int.from_bytes(self.driver.read_table(19, 1, 2), "big")
            cloud = self.driver.read_table(19, 1, 9).decode("ascii", "replace")
        self.driver.to_select_mode()
        return {"ofd_address": address, "ofd_port": port, "cloud_server": cloud}


def _merge(payments: tuple[Payment, ...]) -> list[Payment]:
    """One payment per type, cash last (so the close command gives change in cash)."""
    totals: dict[PaymentType, int] = {}
    for p in payments:
        totals[p.type] = totals.get(p.type, 0) + p.amount
    order = sorted(totals, key=lambda t: (t is PaymentType.CASH, int(t)))
    return [Payment(t, totals[t]) for t in order]


def encode_basis(correction: CorrectionReceipt, ffd: str | None = None) -> bytes:
    """Основание для коррекции (STLV 1174): 1177 description (FFD 1.05 only), 1178 date, 1179 number."""
    from .ffd.tlv import encode_tlv

    when = datetime(correction.basis_date.year, correction.basis_date.month, correction.basis_date.day)
    described = correction.description and ffd != "1.2" and not correction.items
    return (encode_tlv(1177, correction.description) if described else b"") + \
        encode_tlv(1178, when) + encode_tlv(1179, correction.basis_number)


__all__ = ["Kkt", "UnknownOutcome"]
