"""The unified API integrators import: :class:`Kkt`.

Every method is one whole operation — a receipt, a shift, a registration — with typed input and
output. Receipts are validated before a byte is sent. When the answer to a closing command is lost,
the facade asks the device and its ФН whether the document exists and returns it; it never issues a
second document.
"""

from __future__ import annotations

from collections.abc import Callable, Iterable
from dataclasses import replace
from datetime import datetime

from .connect import connect
from .discounts import spread_discount
from .errors import ConfigurationError, DeviceError, NotExecuted, ProtocolError, UnknownOutcome
from .ffd import decode_document
from .ffd.enums import TaxationSystem
from .ffd.tlv import encode_tlv
from .ffd.vat import receipt_vat_requisites
from .register import FiscalRegister, Op
from .requisites import check_correction_type, check_item, needs_ffd, receipt_requisites
from .settle import (
    CORRECTION,
    FN_CLOSE,
    RECEIPT,
    REGISTRATION,
    SHIFT_CLOSE,
    SHIFT_OPEN,
    STATE_REPORT,
    TRANSIENT,
    Settler,
    line_dropped,
    may_have_run,
)
from .types import (
    Cashier,
    CorrectionReceipt,
    DeviceStatus,
    DocumentInfo,
    FnStatus,
    OfdStatus,
    Payment,
    PaymentType,
    Receipt,
    ReceiptResult,
    ReceiptType,
    Registration,
    RegistrationKind,
    ServerKind,
    ShiftState,
)
from .validation import (
    InvalidReceipt,
    buyer_contact,
    check_date,
    check_money,
    validate_cashier,
    validate_correction,
    validate_reasons,
    validate_receipt,
    validate_registration,
    validate_server,
)

#: the order payments go out in: cash last, so the closing payment gives change in cash
_PAYMENT_ORDER = (PaymentType.ELECTRONIC, PaymentType.PREPAID, PaymentType.CREDIT, PaymentType.OTHER,
                  PaymentType.CASH)


class Kkt:
    """A fiscal register (ККТ) of any family behind one device URL."""

    def __init__(self, device: FiscalRegister, *, cashier: Cashier | None = None,
                 admin_password: int | None = None, sysadmin_password: int | None = None,
                 taxation: TaxationSystem | None = None, ffd: str | None = None) -> None:
        if not isinstance(device, FiscalRegister):
            raise ConfigurationError(f"{getattr(device, 'family', type(device).__name__)} devices are not fiscal "
                                     "registers: Kkt needs one",
                                     message_ru=f"устройства {getattr(device, 'family', type(device).__name__)} — "
                                                "не ККТ, а Kkt работает только с ККТ")
        self.device = device
        self.cashier = cashier or Cashier()
        if admin_password is not None or sysadmin_password is not None:
            device.set_operator_passwords(admin=admin_password, system_admin=sysadmin_password)
        #: registered taxation systems, when known (set by :meth:`register`), for validation
        self.taxation = taxation
        #: the FFD version the ФН is registered in ("1.05" or "1.2"), when known (set by :meth:`register`);
        #: it decides whether a correction is given as amounts or as positions
        self.ffd = ffd
        #: settling a lost answer: questions asked, and the first pause (doubling, at most 2 s)
        self.settle_tries = 6
        self.settle_backoff = 0.2

    @classmethod
    def open(cls, url: str | None = None, **kwargs: object) -> Kkt:
        """Connect to ``url`` (default ``$KKT_DEVICE``, else the built-in emulator) and wrap its driver."""
        device = connect(url)
        try:
            return cls(device, **kwargs)  # type: ignore[arg-type]
        except BaseException:
            device.close()
            raise

    @property
    def driver(self) -> FiscalRegister:
        """The family driver under this facade, for the family's own commands."""
        return self.device

    @property
    def family(self) -> str:
        return self.device.family

    @property
    def capabilities(self) -> frozenset[str]:
        return self.device.capabilities

    def close(self) -> None:
        self.device.close()

    def __enter__(self) -> Kkt:
        return self

    def __exit__(self, *exc: object) -> None:
        self.close()

    def _settler(self) -> Settler:
        return Settler(self.device, tries=self.settle_tries, backoff=self.settle_backoff)

    def _require(self, *operations: str) -> None:
        """Refuse an operation the family does not have, before anything is sent."""
        for operation in operations:
            if not self.device.supports(operation):
                raise self.device.unsupported(operation)

    def _ffd_or_default(self) -> str:
        return self.ffd if self.ffd in ("1.05", "1.2") else "1.05"

    def _value(self, tag: int, value: int | str) -> bytes:
        """The TLV value of a requisite, encoded by the FFD tag table."""
        return encode_tlv(tag, value, self._ffd_or_default())[4:]

    # -- queries ---------------------------------------------------------------------------
    def status(self) -> DeviceStatus:
        """Состояние ККТ (``details`` holds the family's own status answer)."""
        return self.device.device_status()

    def shift_state(self) -> ShiftState:
        """Состояние смены: открыта ли, номер, следующий чек, истекли ли 24 часа."""
        return self.device.shift_state()

    def fn_status(self) -> FnStatus:
        """Статус ФН (фаза, предупреждения, номер, последний ФД) и срок его действия."""
        return self.device.fn_status()

    def ofd_status(self) -> OfdStatus:
        """Статус обмена с ОФД: очередь неотправленных документов."""
        self._require(Op.OFD_STATUS)
        return self.device.ofd_status()

    def document(self, number: int, *, with_tlv: bool = True) -> DocumentInfo:
        """Фискальный документ по номеру, with its TLV read back from the ФН."""
        if isinstance(number, bool) or not isinstance(number, int) or not 1 <= number <= 0xFFFFFFFF:
            raise InvalidReceipt("number", f"a document number is 1..4294967295, got {number!r}",
                                 f"номер документа от 1 до 4294967295, получено {number!r}")
        if with_tlv:
            self._require(Op.DOCUMENT_TLV)
        info = self.device.document(number)
        return replace(info, tlv=self.device.document_tlv(number)) if with_tlv else info

    def fn_ffd(self) -> str | None:
        """The FFD version of the registration ("1.05" or "1.2"), or None while the ФН is not registered.

        Known after :meth:`register`; otherwise read once from tag 1209 of the ФН's document 1 — every
        ФН starts with its registration report (a replaced ФН too) [inferred: a re-registration that changes
        the FFD version is not looked for].
        """
        if self.ffd is None:
            try:
                first = decode_document(self.device.document_tlv(1))
            except (DeviceError, ValueError):
                return None  # no document yet, or one we cannot read: the device will judge
            self.ffd = {2: "1.05", 4: "1.2"}.get(first.get(1209))  # type: ignore[arg-type]
        return self.ffd

    def last_document(self) -> DocumentInfo:
        """The ФН's last fiscal document (settles an :class:`UnknownOutcome`)."""
        with self.device.operation():
            return self.document(self.device.last_document_number(), with_tlv=False)

    # -- operations: atomic, and settled when an answer is lost ----------------------------
    def _fiscal_operation(self, action: Callable[[], None], types: frozenset[int]) -> DocumentInfo:
        """Run ``action`` (one fiscal document of ``types``) as one operation; if its answer is lost, ask the
        ФН whether the document exists — it is never made twice."""
        with self.device.operation():
            settler = self._settler()
            before = self.device.last_document_number()
            try:
                action()
            except BaseException as err:
                if not may_have_run(err):
                    raise
                interrupted = isinstance(err, KeyboardInterrupt)
                doc = settler.ask(lambda: settler.document_after(before, types), reconnect_first=line_dropped(err),
                                  tries=2 if interrupted else None, last_before=before)
                if interrupted:
                    err.kkt_document = doc  # type: ignore[attr-defined]
                    raise
                if doc is None:
                    raise NotExecuted(f"the device did not do it ({err}); no document was made, so it is safe to "
                                      "try again",
                                      message_ru=f"устройство не выполнило операцию ({err}); документ не "
                                                 "сформирован, её можно безопасно повторить") from err
                return doc
            return self._made(settler, before, types)

    @staticmethod
    def _made(settler: Settler, before: int, types: frozenset[int]) -> DocumentInfo:
        """The document the device just confirmed. If the line drops before it can be read, it is asked for
        again (reconnecting); a device that stays away is an :class:`UnknownOutcome`, never a bare error."""
        try:
            doc = settler.ask(lambda: settler.document_after(before, types), last_before=before)
        except UnknownOutcome as exc:
            raise UnknownOutcome(f"the device confirmed the operation, then stopped answering before its "
                                 f"document could be read ({exc.__cause__})", last_before=before) from exc
        if doc is None:
            raise ProtocolError(f"the device confirmed the operation but its ФН holds no document after №{before}",
                                message_ru=f"устройство подтвердило операцию, но в ФН нет документа после №{before}")
        return doc

    def open_shift(self) -> DocumentInfo:
        """Открыть смену."""
        self._require(Op.OPEN_SHIFT)
        validate_cashier(self.cashier, self.device.limits)
        return self._fiscal_operation(lambda: self.device.open_shift(self.cashier), SHIFT_OPEN)

    def close_shift(self) -> DocumentInfo:
        """Закрыть смену (Z-отчёт)."""
        self._require(Op.CLOSE_SHIFT)
        validate_cashier(self.cashier, self.device.limits)
        return self._fiscal_operation(lambda: self.device.close_shift(self.cashier), SHIFT_CLOSE)

    def x_report(self) -> None:
        """X-отчёт (без гашения)."""
        self._require(Op.X_REPORT)
        with self.device.operation():
            self.device.x_report(self.cashier)

    def state_report(self, cashier: Cashier | None = None) -> DocumentInfo:
        """Отчёт о текущем состоянии расчётов (ФД type 21): the document as the ФН keeps it — number, fiscal
        sign, time. The shift may be open or closed. A lost answer is settled from the ФН: the report is never
        made twice. ``cashier`` defaults to this facade's cashier."""
        self._require(Op.STATE_REPORT)
        who = self.cashier if cashier is None else cashier
        validate_cashier(who, self.device.limits)
        return self._fiscal_operation(lambda: self.device.state_report(who), STATE_REPORT)

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

    def cancel_receipt(self) -> bool:
        """Аннулировать открытый чек (one left open by a crashed program, say); True if one was open."""
        self._require(Op.RECEIPT)
        with self.device.operation():
            if not self.device.receipt_is_open():
                return False
            self.device.cancel_receipt()
            return True

    def _check_carried(self, tags: Iterable[int]) -> None:
        """Refuse, before the receipt is opened, a requisite the register's protocol cannot send."""
        missing = sorted({tag for tag in tags if not self.device.carries_requisite(tag)})
        if missing:
            names = ", ".join(str(tag) for tag in missing)
            raise InvalidReceipt(
                "requisites", f"this register's protocol cannot send requisite(s) {names}; nothing was sent",
                f"протокол обмена этой ККТ не передаёт реквизит(ы) {names}; ничего не отправлено")

    def _receipt(self, kind: ReceiptType, receipt: Receipt) -> ReceiptResult:
        self._require(Op.RECEIPT)
        validate_cashier(self.cashier, self.device.limits)  # everything before any byte goes out
        taxation = validate_receipt(receipt, self.taxation, self.device.limits)
        # the FFD version decides which requisites may go: known after register(), else read from the ФН —
        # only when the receipt carries requisites that differ between versions
        ffd = self.ffd if self.ffd in ("1.05", "1.2") else (self.fn_ffd() or "1.05") if needs_ffd(receipt) else "1.05"
        requisites = receipt_requisites(receipt, ffd)  # checked and encoded before a byte of the receipt goes out
        self._check_carried(tag for tag, _ in requisites)
        d = self.device
        native = bool(receipt.discount) and d.supports(Op.RECEIPT_DISCOUNT)
        # a receipt discount the register cannot spread itself is spread here, in kopecks that add up
        items = receipt.items if native else spread_discount(receipt.items, receipt.discount)

        def body() -> None:
            for item in items:
                d.add_position(item, ffd=ffd)
            if native:
                d.receipt_discount(receipt.discount)
            for tag, value in requisites:
                d.add_requisite(tag, value)

        return self._document(kind, False, body, taxation, receipt.payments, receipt.total)

    def _document(self, kind: ReceiptType, correction: bool, body: Callable[[], None],
                  taxation: TaxationSystem | None, payments: tuple[Payment, ...], total: int) -> ReceiptResult:
        """Open a receipt of ``kind``, write ``body`` and the payments, then close it — one atomic operation.

        Any failure before the close (a device refusal, a value that cannot be encoded, a timeout, Ctrl-C)
        cancels the receipt; the close is settled from the ФН if its answer is lost.

        The ФН's last document number that settling compares against is read just before the close: only the
        close makes the receipt's document, and while a receipt is open the register makes no other. Read there,
        it also collects what the family queued while the receipt was built (ATOL v3 sends the positions in the
        same write as this query and waits once).
        """
        types = CORRECTION if correction else RECEIPT
        with self.device.operation():
            d = self.device
            settler = self._settler()
            try:
                self._begin(kind, correction, taxation, settler)
                body()
                *first, last = _merge(payments)
                for payment in first:
                    d.pay(payment)
                before = d.last_document_number()
            except BaseException as err:
                settler.cancel_open_receipt(reconnect_first=line_dropped(err) or d.session.broken)
                raise
            return self._close(settler, before, last, types, max(sum(p.amount for p in payments) - total, 0))

    def _begin(self, kind: ReceiptType, correction: bool, taxation: TaxationSystem | None, settler: Settler) -> None:
        """Open the receipt; one left open before (by a failure we could not clean up, or a crashed program)
        is cancelled first."""
        try:
            self.device.begin_receipt(kind, correction=correction, taxation=taxation, cashier=self.cashier)
        except DeviceError:
            if not settler.cancel_open_receipt():
                raise
            self.device.begin_receipt(kind, correction=correction, taxation=taxation, cashier=self.cashier)

    def _close(self, settler: Settler, before: int, last: Payment, types: frozenset[int], change: int) -> ReceiptResult:
        try:
            self.device.close_receipt(last)
        except DeviceError:
            settler.cancel_open_receipt()
            raise
        except BaseException as err:
            return ReceiptResult(self._recover_close(settler, before, last, types, err), change, recovered=True)
        return ReceiptResult(self._made(settler, before, types), change)

    def _recover_close(self, settler: Settler, before: int, last: Payment, types: frozenset[int],
                       err: BaseException) -> DocumentInfo:
        """The close's answer was lost (or the line dropped, or Ctrl-C): settle from the ФН. The close is sent
        again only when the ФН proves the first one made nothing and the receipt is still open."""
        d = self.device
        interrupted = isinstance(err, KeyboardInterrupt)
        for attempt in range(2 if interrupted else settler.tries):
            try:
                if attempt or line_dropped(err) or d.session.broken:
                    settler.reconnect_quietly()
                doc = settler.document_after(before, types)
                if doc is not None:
                    if interrupted:
                        err.kkt_document = doc  # type: ignore[attr-defined]
                        raise err
                    return doc  # the document exists: never issue it again
                if not d.receipt_is_open():
                    if interrupted:
                        err.kkt_document = None  # type: ignore[attr-defined]
                        raise err
                    raise NotExecuted(f"the receipt was not made and is no longer open ({err}); nothing was "
                                      "fiscalised, so it is safe to try again",
                                      message_ru=f"чек не сформирован и больше не открыт ({err}); ничего не "
                                                 "фискализировано, поэтому операцию можно безопасно повторить") from err
                if interrupted:
                    d.cancel_receipt()
                    err.kkt_document = None  # type: ignore[attr-defined]
                    raise err
                d.close_receipt(last)  # the first close never ran; this one makes the document
            except DeviceError:
                settler.cancel_open_receipt()
                raise
            except TRANSIENT:
                settler.pause(attempt)
        raise UnknownOutcome(f"cannot tell whether the receipt was closed: {err}", last_before=before) from err

    def correction(self, correction: CorrectionReceipt) -> ReceiptResult:
        """Чек коррекции: type, basis, then amounts by VAT rate (FFD 1.05) or the positions (FFD 1.2)."""
        self._require(Op.CORRECTION)
        validate_cashier(self.cashier, self.device.limits)
        known = self.ffd
        taxation = validate_correction(correction, self.taxation, known, self.device.limits)
        ffd = self.fn_ffd()
        if ffd != known:  # learnt from the ФН just now: check the form again
            validate_correction(correction, self.taxation, ffd, self.device.limits)
        version = ffd if ffd in ("1.05", "1.2") else "1.05"
        check_correction_type(int(correction.type), version)
        for index, item in enumerate(correction.items):
            check_item(item, version, f"items[{index}]")
        # a basis date may not be later than the device's own date (a read-only query)
        today = self.device.device_status().datetime.date()
        check_date(correction.basis_date, "basis_date", today)
        contact = buyer_contact(correction.buyer) if correction.buyer is not None else None
        by_rate = {int(rate): amount for rate, amount in correction.vat_amounts}
        vat = receipt_vat_requisites(by_rate, version, today)  # 22 %, 5 %, 7 %: 1115/1119/1120
        self._check_carried([1173, 1174, *(tlv.tag for tlv in vat), *([1008] if contact is not None else [])])
        d = self.device

        def body() -> None:
            d.add_requisite(1173, self._value(1173, int(correction.correction_type)))
            d.add_requisite(1174, encode_basis(correction, ffd))
            for item in correction.items:
                d.add_position(item, ffd=version)
            for tlv in vat:
                d.add_requisite(tlv.tag, encode_tlv(tlv.tag, tlv.value, version)[4:])
            if contact is not None:
                d.add_requisite(1008, self._value(1008, contact))

        return self._document(correction.type, True, body, taxation, correction.payments, correction.total)

    # -- cash ------------------------------------------------------------------------------
    def cash_in(self, amount: int) -> None:
        """Внесение наличных."""
        check_money(amount, "amount", self.device.limits.max_sum)
        self._cash(amount, self.device.cash_in)

    def cash_out(self, amount: int) -> None:
        """Выплата (изъятие) наличных."""
        check_money(amount, "amount", self.device.limits.max_sum)
        self._cash(-amount, lambda value, cashier: self.device.cash_out(-value, cashier))

    def _cash(self, delta: int, action: Callable[[int, Cashier], None]) -> None:
        """Move cash in or out; a lost answer is settled from the drawer (it moved by ``delta`` or not at all),
        so a retry never counts the cash twice."""
        self._require(Op.CASH)
        check_money(abs(delta) if isinstance(delta, int) and not isinstance(delta, bool) else delta, "amount",
                    self.device.limits.max_sum)
        with self.device.operation():
            settler = self._settler()
            before = self.device.cash_in_drawer()
            try:
                action(delta, self.cashier)
            except BaseException as err:
                if not may_have_run(err):
                    raise
                now = settler.ask(self.device.cash_in_drawer, reconnect_first=line_dropped(err),
                                  tries=2 if isinstance(err, KeyboardInterrupt) else None)
                if isinstance(err, KeyboardInterrupt):
                    raise
                if now == before:
                    raise NotExecuted(f"the cash did not move ({err}); it is safe to try again",
                                      message_ru=f"деньги не внесены и не выплачены ({err}); операцию можно "
                                                 "безопасно повторить") from err
                if now != before + delta:
                    raise UnknownOutcome(f"the drawer moved from {before} to {now}, not by {delta} ({err})") from err

    def cash_in_drawer(self) -> int:
        """Наличность в денежном ящике, kopecks."""
        self._require(Op.CASH)
        return self.device.cash_in_drawer()

    # -- registration ----------------------------------------------------------------------
    def _check_registration(self, registration: Registration, new_fn_number: str | None = None) -> None:
        """Everything but the РНМ's check digits is checked before a byte; those need the KKT's serial number,
        which a status query (read-only) gives."""
        validate_cashier(self.cashier, self.device.limits)
        validate_registration(registration, self.device.limits, new_fn_number=new_fn_number)
        serial = self.device.device_status().serial_number
        validate_registration(registration, self.device.limits, kkt_serial=serial, new_fn_number=new_fn_number)

    def _registration(self, registration: Registration, kind: RegistrationKind,
                      reasons: int = 0, new_fn_number: str | None = None) -> DocumentInfo:
        self._require(Op.REGISTER)
        self._check_registration(registration)
        result = self._fiscal_operation(
            lambda: self.device.register(registration, kind=kind, cashier=self.cashier, reasons=reasons,
                                         new_fn_number=new_fn_number), REGISTRATION)
        self.taxation = registration.taxation
        self.ffd = registration.ffd
        return result

    def register(self, registration: Registration) -> DocumentInfo:
        """Регистрация ККТ (фискализация ФН)."""
        return self._registration(registration, RegistrationKind.REGISTER)

    def reregister(self, registration: Registration, reasons: int) -> DocumentInfo:
        """Перерегистрация (изменение параметров регистрации) с кодом(ами) причины."""
        validate_reasons(reasons)
        return self._registration(registration, RegistrationKind.CHANGE, reasons=reasons)

    def replace_fn(self, new_fn_number: str, registration: Registration) -> DocumentInfo:
        """Замена ФН: the old ФН must be closed; registers the new one (re-registration, reason 1)."""
        return self._replacement(registration, new_fn_number)

    def _replacement(self, registration: Registration, new_fn_number: str) -> DocumentInfo:
        """The new ФН numbers its documents from 1: it is the new ФН's number that tells the outcome."""
        self._require(Op.REGISTER)
        self._check_registration(registration, new_fn_number)
        d = self.device

        def made() -> DocumentInfo | None:
            if d.fn_status().fn_number != new_fn_number:
                return None
            return d.document(d.last_document_number())

        with d.operation():
            settler = self._settler()
            try:
                d.register(registration, kind=RegistrationKind.REPLACE_FN, cashier=self.cashier,
                           new_fn_number=new_fn_number)
            except BaseException as err:
                if not may_have_run(err):
                    raise
                doc = settler.ask(made, reconnect_first=line_dropped(err),
                                  tries=2 if isinstance(err, KeyboardInterrupt) else None)
                if isinstance(err, KeyboardInterrupt):
                    err.kkt_document = doc  # type: ignore[attr-defined]
                    raise
                if doc is None:
                    raise NotExecuted(f"the new ФН was not registered ({err}); it is safe to try again",
                                      message_ru=f"новый ФН не зарегистрирован ({err}); операцию можно безопасно "
                                                 "повторить") from err
            else:
                doc = made()
                if doc is None:
                    raise ProtocolError(f"the device confirmed the replacement but reports another ФН than "
                                        f"{new_fn_number}",
                                        message_ru="устройство подтвердило замену, но сообщает другой ФН, не "
                                                   f"{new_fn_number}")
        self.taxation = registration.taxation
        self.ffd = registration.ffd
        return doc

    def close_fn(self) -> DocumentInfo:
        """Закрытие фискального режима ФН."""
        self._require(Op.CLOSE_FN)
        validate_cashier(self.cashier, self.device.limits)
        return self._fiscal_operation(lambda: self.device.close_fn(self.cashier), FN_CLOSE)

    # -- server settings -------------------------------------------------------------------
    def set_ofd_server(self, address: str, port: int) -> None:
        """Адрес и порт сервера ОФД."""
        self._require(Op.OFD_SERVER)
        validate_server(address, port, self.device.limits)
        self.device.set_server(ServerKind.OFD, address, port)

    def set_cloud_server(self, address: str) -> None:
        """Адрес облачного сервера производителя (ATOL: личный кабинет)."""
        self._require(Op.VENDOR_CLOUD)
        validate_server(address, None, self.device.limits)
        self.device.set_server(ServerKind.VENDOR_CLOUD, address)

    def server_settings(self) -> dict[str, str | int]:
        """The servers the register is set to talk to: ``ofd_address``, ``ofd_port``, ``cloud_server``,
        ``kkt_server_id`` — each present where the family has it."""
        s = self.device.server_settings()
        values = {"ofd_address": s.ofd_address, "ofd_port": s.ofd_port, "cloud_server": s.vendor_cloud,
                  "kkt_server_id": s.kkt_server_id}
        return {key: value for key, value in values.items() if value is not None}


def _merge(payments: tuple[Payment, ...]) -> list[Payment]:
    """One payment per form, cash last (so the close command gives change in cash)."""
    totals: dict[PaymentType, int] = {}
    for p in payments:
        totals[p.type] = totals.get(p.type, 0) + p.amount
    return [Payment(t, totals[t]) for t in _PAYMENT_ORDER if t in totals]


def encode_basis(correction: CorrectionReceipt, ffd: str | None = None) -> bytes:
    """Основание для коррекции (STLV 1174): 1177 description (FFD 1.05 only), 1178 date, 1179 number."""
    from .ffd.tlv import encode_tlv

    when = datetime(correction.basis_date.year, correction.basis_date.month, correction.basis_date.day)
    described = correction.description and ffd != "1.2" and not correction.items
    return (encode_tlv(1177, correction.description) if described else b"") + \
        encode_tlv(1178, when) + encode_tlv(1179, correction.basis_number)


__all__ = ["Kkt", "UnknownOutcome"]
