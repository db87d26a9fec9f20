"""The Shtrih-M driver: the fiscal-register protocol on Shtrih's terms — operator passwords, the ФН commands
(FFxxh), TLV requisites by FF0Ch/FF4Dh, settings in tables.

Every method of :class:`~kkt_drivers.register.FiscalRegister` becomes Shtrih commands here. A cashier is an
operator known by the password of his row in table 2 (cashiers 1–28, administrator 29, system administrator
30); administrator commands carry the system administrator's password (``password=`` of the URL). Payment forms
map to the sixteen sums of FF45h, VAT rates to FF46h's tax byte, requisites travel as TLV.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import datetime
from decimal import Decimal

from ...device import atomic
from ...errors import DeviceError, InvalidParameter, ProtocolError
from ...ffd.tlv import encode_tlv
from ...protocols.shtrih.fields import ENCODING
from ...register import FiscalRegister, Op
from ...requisites import item_requisites
from ...types import (
    Cashier,
    DeviceLimits,
    DeviceStatus,
    DocumentInfo,
    FnPhase,
    FnStatus,
    Item,
    OfdStatus,
    Payment,
    PaymentType,
    ReceiptType,
    Registration,
    RegistrationKind,
    ServerKind,
    ServerSettings,
    ShiftState,
    TaxationSystem,
)
from .base import CASH_REGISTER, SYSADMIN_PASSWORD, ShtrihCommands
from .family import CAPABILITIES
from .fiscal import ShtrihFiscalCommands, fn_datetime
from .types import ShtrihMode, device_datetime


def _encodable(text: str) -> bool:
    """WIN1251 on the wire, and CP866 in the ФН's requisites (FFD): a character must exist in both
    [inferred: how a register would store «, » or — that CP866 lacks is not published]."""
    try:
        text.encode("cp1251")
        text.encode("cp866")
    except UnicodeEncodeError:
        return False
    return True


#: what the register stores: WIN1251 text that the ФН can keep, FF46h names of up to 128 bytes (one per character)
LIMITS = DeviceLimits(code_page="cp1251", max_name=128, encodable=_encodable)

#: receipt type of 8Dh per 1054 operation (0 sale, 1 purchase, 2 sale return, 3 purchase return); a correction
#: adds 80h (vendor JavaPOS PrinterConst.SMFP_RECTYPE_*)
RECEIPT_TYPE = {1: 0, 2: 2, 3: 1, 4: 3}
CORRECTION_FLAG = 0x80

#: 1199 VAT rate → FF46h «налоговая ставка» byte: the six classic rates as one bit each, 5 %/7 % (and their
#: «расчётные») with bit 7 set, 22 % and 22/122 as C0h + their row in table 6 (11, 12). Vendor JavaPOS @ af0a237
#: (2026-02-18) ``FiscalPrinterImpl.getVatCodeShtrih``; rows 11/12 of table 6 hold 22 % and 22/122 (fr_drv_ng
#: issue #328, the POScenter maintainer; the vendor's table dump of a ШТРИХ-НАНО-Ф, fw C.3.664 of 2026).
VAT_TAX_BYTE: dict[int, int] = {1: 0x01, 2: 0x02, 5: 0x04, 6: 0x08, 3: 0x10, 4: 0x20, 7: 0x81, 8: 0x82, 9: 0x84,
                                10: 0x88, 11: 0xCB, 12: 0xCC}

#: payment form (FFD tag) → index of its sum among the sixteen of FF45h: 1 cash, 2–13 «электронными» (we use 2),
#: 14 prepaid, 15 credit, 16 other (vendor JavaPOS FSCloseReceipt)
PAYMENT_INDEX: dict[PaymentType, int] = {PaymentType.CASH: 0, PaymentType.ELECTRONIC: 1, PaymentType.PREPAID: 13,
                                         PaymentType.CREDIT: 14, PaymentType.OTHER: 15}

#: receipt-level VAT sums of a correction (FFD 1.05) → their slot among FF45h's six tax sums (20 %, 10 %, 0 %,
#: without VAT, 20/120, 10/110)
CORRECTION_TAX_SLOT = {1102: 0, 1103: 1, 1104: 2, 1105: 3, 1106: 4, 1107: 5}

#: table 18 «Fiscal storage»: registration requisites by field, with the «строка 2» continuation field of the long
#: ones (the vendor's table dump of a ШТРИХ-НАНО-Ф: fields 7 user, 9 address, 10 OFD name, 12 OFD INN, 13 FNS site,
#: 14 place, 15 sender e-mail; 17–20 the second lines); field 22 the 1205 reasons of FFD 1.2
FISCAL_TABLE = 18
FIELD_USER, FIELD_ADDRESS, FIELD_OFD_NAME, FIELD_OFD_INN = 7, 9, 10, 12
FIELD_FNS_SITE, FIELD_PLACE, FIELD_EMAIL = 13, 14, 15
SECOND_LINE = {FIELD_USER: 17, FIELD_ADDRESS: 18, FIELD_OFD_NAME: 19, FIELD_PLACE: 20}
FIELD_REASONS_12 = 22
#: one line of a long table-18 text
LINE = 128
#: table 17 «Региональные настройки», field 17 «формат ФД»: the 1209 code (2 — FFD 1.05, 4 — FFD 1.2)
REGIONAL_TABLE, FIELD_FFD = 17, 17
FFD_CODE = {"1.05": 2, "1.2": 4}
#: table 19 «Параметры ОФД»: field 1 server, field 2 port
OFD_TABLE, OFD_SERVER, OFD_PORT = 19, 1, 2
#: «режим работы» of FF06h/FF34h (ФН protocol): bit 1 autonomous, bit 3 services, bit 5 internet
MODE_AUTONOMOUS, MODE_SERVICES, MODE_INTERNET = 0x02, 0x08, 0x20
#: FF05h report types
REPORT_REGISTRATION, REPORT_NEW_FN, REPORT_CHANGE = 0, 1, 2
#: 1101 «замена ФН» (FFD 1.05)
REASON_NEW_FN = 1
#: the admin's rows may act on any operator's receipt [inferred]; 59h «документ открыт другим оператором»
E_OTHER_OPERATOR = 0x59


@dataclass
class _Receipt:
    """What the driver keeps of the receipt it opened until FF45h closes it."""

    operation: int
    correction: bool
    taxation: int
    password: int
    payments: list[int] = field(default_factory=lambda: [0] * 16)
    taxes: list[int] = field(default_factory=lambda: [0] * 6)


class ShtrihDriver(ShtrihFiscalCommands, ShtrihCommands, FiscalRegister):
    """A Shtrih-M register: the fiscal-register protocol for :class:`~kkt_drivers.kkt.Kkt`, and Shtrih's own
    commands (``short_status()``, ``read_table()``, ``execute(spec)``, ``raw(bytes)``…) for everything else."""

    family = "shtrih"
    capabilities = CAPABILITIES
    limits = LIMITS

    _receipt: _Receipt | None = None
    #: the document FF45h just reported (number, fiscal sign, time): :meth:`document` answers the next question
    #: about that very number from it once, instead of asking the ФН again with FF0Ah
    _closed: DocumentInfo | None = None
    #: the administrator's password for the daily reports (``None``: the system administrator's)
    admin_password: int | None = None

    # -- passwords -------------------------------------------------------------------------
    def _cashier_password(self, cashier: Cashier) -> int:
        return self.cashier_password if cashier.password is None else cashier.password

    def _report_password(self) -> int:
        return self.password if self.admin_password is None else self.admin_password

    def set_operator_passwords(self, *, admin: int | None = None, system_admin: int | None = None) -> None:
        """The administrator (row 29, daily reports) and system administrator (row 30, everything else)."""
        for value in (admin, system_admin):
            if value is not None and not 0 <= value <= 99_999_999:
                raise InvalidParameter(f"a Shtrih password is a number of up to eight digits, got {value}",
                                       message_ru=f"пароль Штрих — число не более чем из восьми цифр, получено {value}")
        if admin is not None:
            self.admin_password = admin
        if system_admin is not None:
            self.password = system_admin

    # -- queries ---------------------------------------------------------------------------
    @atomic
    def device_status(self) -> DeviceStatus:
        s = self.status()
        phase = int(self.fn_status_raw().life_phase)
        return DeviceStatus(
            family=self.family, model=self.model_name(), serial_number=s.serial_number, datetime=s.datetime,
            fiscalised=phase == FnPhase.FISCAL, shift_open=s.shift_open, receipt_open=s.receipt_open,
            paper_present=s.paper_present, cover_open=s.cover_open, drawer_open=s.drawer_open,
            firmware=s.firmware, details=s)

    @atomic
    def fn_status(self) -> FnStatus:
        s = self.fn_status_raw()
        v = self.fn_validity()
        until = v.valid_until
        valid = device_datetime(until.year, until.month, until.day, what="ФН validity date").date() \
            if until.month and until.day else None
        phase = int(s.life_phase)
        return FnStatus(phase=FnPhase(phase) if phase in FnPhase._value2member_map_ else FnPhase.SETUP,
                        shift_open=bool(s.shift_open), warnings=int(s.warnings),
                        last_document_datetime=fn_datetime(s.datetime), fn_number=str(s.fn_number).strip("\x00 "),
                        last_document_number=int(s.last_document), valid_until=valid,
                        registrations_left=int(v.registrations_left))

    def last_document_number(self) -> int:
        return int(self.fn_status_raw().last_document)

    @atomic
    def shift_state(self) -> ShiftState:
        p = self.shift_parameters()
        is_open = bool(p.shift_open)
        expired = is_open and self.short_status().mode is ShtrihMode.SHIFT_EXPIRED
        return ShiftState(open=is_open, number=int(p.shift_number),
                          next_receipt_number=int(p.receipt_number) + 1 if is_open else 1, expired=expired)

    def ofd_status(self) -> OfdStatus:
        o = self.ofd_exchange_status()
        return OfdStatus(unsent_count=int(o.queue), first_unsent_number=int(o.first_document),
                         first_unsent_datetime=fn_datetime(o.first_datetime), connected=bool(o.status & 1),
                         extra={"status": int(o.status), "reading": int(o.reading)})

    def document(self, number: int) -> DocumentInfo:
        closed, self._closed = self._closed, None
        if closed is not None and closed.number == number:
            return closed  # the ФН's own answer to FF45h, a moment ago, about this document
        answer, head = self.find_document(number)
        when = fn_datetime(head.datetime)
        if int(head.document_number) != number:
            raise ProtocolError(f"FF0A: asked for document {number}, the ФН gave {head.document_number}",
                                message_ru=f"FF0A: запрошен документ {number}, а ФН выдал {head.document_number}")
        return DocumentInfo(number=number, fiscal_sign=int(head.fiscal_sign), datetime=when or datetime.min,
                            document_type=int(answer.document_type))

    def document_tlv(self, number: int) -> bytes:
        return self.read_document_tlv(number)

    def receipt_is_open(self) -> bool:
        return self.short_status().receipt_open

    # -- shift -----------------------------------------------------------------------------
    def _cashier_requisites(self, cashier: Cashier) -> None:
        """1021 (and 1203) of the document being formed, by FF0Ch."""
        self.send_tlv(1021, encode_tlv(1021, cashier.name)[4:])
        if cashier.inn:
            self.send_tlv(1203, encode_tlv(1203, cashier.inn)[4:])

    @atomic
    def open_shift(self, cashier: Cashier) -> None:
        """FF41h, the cashier's requisites, E0h with the cashier's password (the vendor JavaPOS order)."""
        self.begin_open_shift()
        try:
            self._cashier_requisites(cashier)
        except BaseException:
            self._drop_fn_document()
            raise
        self.open_shift_command(self._cashier_password(cashier))

    @atomic
    def close_shift(self, cashier: Cashier) -> None:
        """FF42h, the cashier's requisites, 41h (Z-report) with the administrator's password."""
        self.begin_close_shift()
        try:
            self._cashier_requisites(cashier)
        except BaseException:
            self._drop_fn_document()
            raise
        self.z_report_command(self._report_password())

    def x_report(self, cashier: Cashier) -> None:
        self.x_report_command(self._report_password())

    @atomic
    def state_report(self, cashier: Cashier) -> None:
        """FF37h, the cashier's requisites, FF38h (the order of close_shift; the ФН leaves 1021 out of document 21,
        the register prints it)."""
        self.begin_settlement_report()
        try:
            self._cashier_requisites(cashier)
        except BaseException:
            self._drop_fn_document()
            raise
        try:
            self.settlement_report()
        except DeviceError:
            self._drop_fn_document()  # refused: nothing was made, the begun document would block the next one
            raise

    def _drop_fn_document(self) -> None:
        """Best effort: cancel a ФН document begun with FF41h/FF42h/FF05h/FF3Dh after a failure."""
        try:
            self.cancel_fn_document()
        except DeviceError:
            pass

    # -- receipt ---------------------------------------------------------------------------
    @atomic
    def begin_receipt(self, operation: ReceiptType, *, correction: bool, taxation: TaxationSystem | None,
                      cashier: Cashier) -> None:
        """8Dh (a correction: 80h + the type), then the cashier's 1021/1203 by FF0Ch."""
        kind = int(operation)
        password = self._cashier_password(cashier)
        self._receipt = None
        self.open_receipt(RECEIPT_TYPE[kind] | (CORRECTION_FLAG if correction else 0), password)
        self._receipt = _Receipt(kind, correction, int(taxation or 0), password)
        self._cashier_requisites(cashier)

    def _open(self) -> _Receipt:
        if self._receipt is None:
            # a receipt this driver did not open (another program's): take its type from the device
            s = self.short_status()
            if not s.receipt_open:
                raise InvalidParameter("no receipt is open on the register", message_ru="на ККТ нет открытого чека")
            operation = {0: 1, 1: 3, 2: 2, 3: 4}.get(s.mode_status & 0x0F, 1)
            self._receipt = _Receipt(operation, False, 0, self.cashier_password)
        return self._receipt

    @atomic
    def add_position(self, item: Item, *, ffd: str = "1.05") -> None:
        """FF46h (quantity in millionths, the position's amount given, VAT as the tax byte), then the position's
        requisites (:func:`kkt_drivers.requisites.item_requisites`) by FF4Dh, one TLV each."""
        receipt = self._open()
        tax = VAT_TAX_BYTE.get(int(item.vat))
        if tax is None:
            raise InvalidParameter(f"VAT rate {item.vat!r} has no Shtrih tax byte",
                                   message_ru=f"для ставки НДС {item.vat!r} нет байта налога Штрих")
        requisites = item_requisites(item, ffd)  # checked before the position goes out
        self.operation_v2(operation=receipt.operation, quantity=int(Decimal(item.quantity) * 1_000_000),
                          price=item.price, amount=item.amount, tax_rate=tax,
                          payment_method=int(item.payment_method), payment_object=int(item.payment_subject),
                          name=item.name, password=receipt.password)
        for tag, value in requisites:
            self.send_operation_tlv(tag, value)

    def add_requisite(self, tag: int, value: bytes) -> None:
        """FF0Ch; a correction's VAT sums (1102–1107) go into FF45h's tax sums instead."""
        receipt = self._receipt
        if receipt is not None and receipt.correction and tag in CORRECTION_TAX_SLOT:
            receipt.taxes[CORRECTION_TAX_SLOT[tag]] = int.from_bytes(value, "little")
            return
        self.send_tlv(tag, value)

    def pay(self, payment: Payment) -> None:
        """Payments are kept and sent all at once with FF45h."""
        receipt = self._open()
        receipt.payments[PAYMENT_INDEX[payment.type]] += payment.amount

    @atomic
    def close_receipt(self, payment: Payment) -> None:
        """FF45h with every payment, the VAT sums of a correction and the taxation system."""
        receipt = self._open()
        payments = list(receipt.payments)
        payments[PAYMENT_INDEX[payment.type]] += payment.amount
        self._closed = None
        answer = self.close_receipt_v2(payments, taxes=receipt.taxes, tax_system=receipt.taxation,
                                       password=receipt.password)
        self._receipt = None
        when = fn_datetime(answer.datetime) if answer.datetime is not None else None
        if answer.document_number is not None and answer.fiscal_sign is not None and when is not None:
            self._closed = DocumentInfo(number=int(answer.document_number), fiscal_sign=int(answer.fiscal_sign),
                                        datetime=when, document_type=31 if receipt.correction else 3)

    @atomic
    def cancel_receipt(self) -> None:
        """88h with the password the receipt was opened with; another operator's receipt with the system
        administrator's [inferred: the administrator may act on any operator's document]."""
        password = self._receipt.password if self._receipt is not None else self.cashier_password
        self._receipt = None
        try:
            self.cancel_receipt_command(password)
        except DeviceError as err:
            if err.code != E_OTHER_OPERATOR or password == self.password:
                raise
            self.cancel_receipt_command(self.password)

    # -- cash ------------------------------------------------------------------------------
    def cash_in(self, amount: int, cashier: Cashier) -> None:
        self.cash_in_command(amount, self._cashier_password(cashier))

    def cash_out(self, amount: int, cashier: Cashier) -> None:
        self.cash_out_command(amount, self._cashier_password(cashier))

    def cash_in_drawer(self) -> int:
        """Money register 241 «накопление наличности в кассе»."""
        return self.money_register(CASH_REGISTER)

    # -- registration ----------------------------------------------------------------------
    def _write_text(self, table: int, field_number: int, text: str) -> None:
        """A table-18 text in WIN1251; a long one goes on in its «строка 2» field (emptied otherwise)."""
        try:
            data = text.encode(ENCODING)
        except UnicodeEncodeError as exc:
            raise InvalidParameter(f"{text!r} is not encodable in {ENCODING}",
                                   message_ru=f"{text!r} нельзя записать в кодовой странице {ENCODING}") from exc
        second = SECOND_LINE.get(field_number)
        limit = LINE * (2 if second else 1)
        if len(data) > limit:
            raise InvalidParameter(f"table {table} field {field_number}: {len(data)} bytes, at most {limit}",
                                   message_ru=f"таблица {table}, поле {field_number}: {len(data)} байт, допустимо не "
                                              f"более {limit}")
        self.write_table(table, 1, field_number, data[:LINE])
        if second:
            self.write_table(table, 1, second, data[LINE:])

    def _write_registration(self, reg: Registration) -> None:
        """The registration requisites the register forms its report from: table 18, and the FFD version in
        table 17 field 17."""
        for number, text in ((FIELD_USER, reg.user_name), (FIELD_ADDRESS, reg.address),
                             (FIELD_OFD_NAME, reg.ofd_name), (FIELD_PLACE, reg.place),
                             (FIELD_OFD_INN, reg.ofd_inn.ljust(12)), (FIELD_FNS_SITE, reg.fns_site),
                             (FIELD_EMAIL, reg.sender_email)):
            self._write_text(FISCAL_TABLE, number, text)
        self.write_table(REGIONAL_TABLE, 1, FIELD_FFD, FFD_CODE[reg.ffd], size=1)

    @staticmethod
    def _work_mode(reg: Registration) -> int:
        return ((MODE_AUTONOMOUS if reg.autonomous else 0) | (MODE_SERVICES if reg.services else 0)
                | (MODE_INTERNET if reg.internet else 0))

    @atomic
    def register(self, registration: Registration, *, kind: RegistrationKind, cashier: Cashier,
                 reasons: int = 0, new_fn_number: str | None = None) -> None:
        """Tables 17/18, FF05h, the cashier's requisites (and for a new ФН its number, 1041, when the register
        reports another), then FF06h (registration) or FF34h (a change, a new ФН)."""
        reg = registration
        if reg.ffd not in FFD_CODE:
            raise InvalidParameter(f"ffd must be 1.05 or 1.2, got {reg.ffd!r}",
                                   message_ru=f"версия ФФД должна быть 1.05 или 1.2, получено {reg.ffd!r}")
        if kind is RegistrationKind.REPLACE_FN and not new_fn_number:
            raise InvalidParameter("a ФН replacement needs the new ФН number",
                                   message_ru="для замены ФН нужен номер нового ФН")
        self._write_registration(reg)
        if kind is RegistrationKind.CHANGE and reg.ffd == "1.2":
            self.write_table(FISCAL_TABLE, 1, FIELD_REASONS_12, reasons, size=4)
        report = {RegistrationKind.REGISTER: REPORT_REGISTRATION, RegistrationKind.REPLACE_FN: REPORT_NEW_FN,
                  RegistrationKind.CHANGE: REPORT_CHANGE}[kind]
        self.begin_registration(report)
        try:
            self._cashier_requisites(cashier)
            if kind is RegistrationKind.REPLACE_FN and self.fn_number() != new_fn_number:
                # a real register reads the number from the ФН it holds; the emulator installs this one
                # [inferred: emulator-only meaning of 1041 here]
                self.send_tlv(1041, str(new_fn_number).encode("ascii"))
        except BaseException:
            self._drop_fn_document()
            raise
        taxes, mode = int(reg.taxation), self._work_mode(reg)
        if kind is RegistrationKind.REGISTER:
            self.registration_report(reg.inn, reg.rnm, taxes, mode)
        else:
            reason = REASON_NEW_FN if kind is RegistrationKind.REPLACE_FN else reasons if reasons <= 0xFF else 0
            self.reregistration_report(reg.inn, reg.rnm, taxes, mode, reason)

    @atomic
    def close_fn(self, cashier: Cashier) -> None:
        """FF3Dh, the cashier's requisites, FF3Eh."""
        self.begin_close_fiscal_mode()
        try:
            self._cashier_requisites(cashier)
        except BaseException:
            self._drop_fn_document()
            raise
        self.close_fiscal_mode()

    # -- server settings -------------------------------------------------------------------
    @atomic
    def server_settings(self) -> ServerSettings:
        """Table 19: the OFD server and port."""
        return ServerSettings(ofd_address=self.read_table_text(OFD_TABLE, 1, OFD_SERVER),
                              ofd_port=self.read_table_int(OFD_TABLE, 1, OFD_PORT))

    @atomic
    def set_server(self, kind: ServerKind, address: str, port: int | None = None) -> None:
        """Table 19 fields 1 and 2. Shtrih has no vendor cloud or KKT server setting."""
        if kind is ServerKind.VENDOR_CLOUD:
            raise self.unsupported(Op.VENDOR_CLOUD)
        if kind is ServerKind.KKT_SERVER:
            raise self.unsupported(Op.KKT_SERVER)
        if port is not None and not 0 < port <= 0xFFFF:
            raise InvalidParameter(f"port must be 1…65535, got {port}",
                                   message_ru=f"порт должен быть 1…65535, получено {port}")
        self.write_table(OFD_TABLE, 1, OFD_SERVER, address)
        if port is not None:
            self.write_table(OFD_TABLE, 1, OFD_PORT, port, size=2)


__all__ = ["LIMITS", "PAYMENT_INDEX", "SYSADMIN_PASSWORD", "VAT_TAX_BYTE", "ShtrihDriver"]
