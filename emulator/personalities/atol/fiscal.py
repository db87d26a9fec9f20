"""ATOL fiscal commands on top of the shared virtual ФН (:mod:`kkt_emu.core.fiscal`).

Shift (9A, 5A, 67 — the X-report and the отчёт о текущем состоянии расчётов), receipts (92, E6, EA, E8, EB,
43, 99, 4A, 59), cash (49, 4F, 4D), ФН queries (A4 xx), registration and closing of the ФН (A6, A7 with
requisites written by E8 in mode 6) and settings tables (50, 46). The receipt is accumulated here and handed
to the ФН in one call at close, so a document is either whole in the archive or absent.
"""

from __future__ import annotations

from dataclasses import replace
from datetime import datetime
from typing import Any

from kkt_drivers.ffd.tlv import decode_tlv
from kkt_drivers.protocols.atol import fiscal_commands as f
from kkt_drivers.protocols.common.text import decode_atol

from ...core.clock import DeviceClock
from ...core.fiscal import CorrectionData, FiscalCore, FnError, ItemData, ReceiptData, Registration
from ...core.fiscal.documents import read_back_chunks
from ...core.fiscal.marking import oism_answer
from .codes import (
    E_30_DAYS,
    E_AFTER_DISCOUNT,
    E_DISCOUNT_SIZE,
    E_FN_NO_DATA,
    E_FN_RESOURCE,
    E_FN_STATE,
    E_FORMAT,
    E_LENGTH,
    E_MODE,
    E_NO_CASH,
    E_NONCASH_EXCEEDS,
    E_NOT_FISCAL,
    E_PAYMENT_TYPE,
    E_PAYMENTS_OVERFLOW,
    E_PRICE,
    E_QUANTITY,
    E_RECEIPT_CLOSED,
    E_RECEIPT_OPEN,
    E_RECEIPT_TYPE,
    E_REPORT_TYPE,
    E_SHIFT_EXPIRED,
    E_SHIFT_OPEN,
    E_TOTAL_OVERFLOW,
    E_UNDERPAID,
)
from .fn_errors import atol_code
from .receipt import OpenReceipt, RequisiteBlocks

#: the largest sum a 5-byte BCD field holds (the receipt total in 3F, payments in 99 and 4A), kopecks
MAX_SUM = 9_999_999_999
#: VAT codes the position commands accept: tag 1199 codes 1..10, and 11 (22 %) / 12 (22/122) of 2026 — the
#: wire byte for the 2026 rates is not published; it follows the 1199 code like the others [inferred]
VAT_CODES = range(1, 13)
#: E6 «налог»: row of settings table 13 -> tag 1199 code. The order is the DTO8 driver's tax list (1 НДС 0 %,
#: 2 НДС 10 %, 3 НДС 18/20 %, 4 без НДС, 5 НДС 10/110, 6 НДС 18/118 = 20/120) [single source; inferred that the
#: default rows of table 13 follow it]; 0 takes the tax number of the section (table 7, field 2; default 1)
E6_TAX_ROWS = {1: 5, 2: 2, 3: 1, 4: 6, 5: 4, 6: 3}

#: E8 tags of a position the register consumes itself for the ФН's check of a marking code (2000 the code as
#: scanned, 2003 the planned status) — they are not requisites of the receipt's 1059 [inferred: how an ATOL
#: register receives a marking code is not published]
MARKING_INPUT_TAGS = (2000, 2003)
#: the requisites of a position the ФН's marking request (B5h) may carry besides 2003
MARKING_REQUEST_TAGS = (2102, 1023, 2108, 1291)
#: 1290 «признаки условий применения ККТ» bits -> registration flags (FFD 1.2)
USAGE_FLAGS = {1 << 1: "printer_in_machine", 1 << 2: "bso", 1 << 5: "internet", 1 << 6: "excise",
               1 << 8: "marking", 1 << 9: "services", 1 << 10: "gambling", 1 << 11: "lottery"}

REGISTRATION_TAGS = {
    1048: "user_name", 1018: "inn", 1037: "rnm", 1009: "address", 1187: "place", 1062: "taxation",
    1017: "ofd_inn", 1046: "ofd_name", 1060: "fns_site", 1117: "sender_email", 1209: "ffd_version",
    1002: "autonomous", 1056: "encryption", 1001: "automatic", 1108: "internet", 1109: "services",
    1110: "bso", 1193: "gambling", 1126: "lottery", 1207: "excise", 1036: "machine_number",
}


class Refusal(Exception):
    """A handler refuses the command with an ATOL error code."""

    def __init__(self, code: int) -> None:
        super().__init__(f"0x{code:02X}")
        self.code = code


class FiscalHandlers:
    """Mixed into the ATOL personality; expects ``state``, ``core``, ``tables``, ``tape``, ``clock``."""

    state: Any
    core: FiscalCore
    clock: DeviceClock
    tables: Any
    tape: Any
    profile: Any
    receipt: OpenReceipt | None
    registration_tags: dict[int, Any]
    _tlv_queues: dict[int, list[bytes]]
    _client: int
    receipt_owner: int | None
    _requisite_blocks: RequisiteBlocks | None
    incidents: Any

    def _start_printing(self) -> None:
        """The printing sub-mode (x.2) after a report; the personality ends it when the report is out."""
        raise NotImplementedError

    def fiscal_handlers(self) -> dict[bytes, Any]:
        return {
            f.OPEN_SHIFT.code: self._open_shift, f.Z_REPORT.code: self._z_report, f.REPORT.code: self._report,
            f.OPEN_RECEIPT.code: self._open_receipt, f.BEGIN_POSITION.code: self._begin_position,
            f.REGISTER_ITEM.code: self._register_item, f.FN_NUMBER.code: self._fn_number,
            f.END_POSITION.code: self._end_position, f.WRITE_REQUISITE.code: self._write_requisite,
            f.PAYMENT.code: self._payment, f.DISCOUNT.code: self._discount, f.CLOSE_RECEIPT.code: self._close_receipt,
            f.CANCEL_RECEIPT.code: self._cancel_receipt, f.CASH_IN.code: self._cash_in,
            f.CASH_OUT.code: self._cash_out, f.CASH_IN_DRAWER.code: lambda _: {"sum": self.drawer},
            f.FN_SHIFT.code: self._fn_shift, f.FN_OFD_STATUS.code: self._fn_ofd, f.FN_STATUS.code: self._fn_status,
            f.FN_VALIDITY.code: self._fn_validity, f.FN_DOCUMENT.code: self._fn_document,
            f.FN_DOCUMENT_TLV.code: self._fn_document_tlv, f.FN_DOCUMENT_CHUNK.code: self._fn_document_chunk,
            f.REGISTER.code: self._register, f.CLOSE_FN.code: self._close_fn,
        }

    # -- helpers ---------------------------------------------------------------------------
    @property
    def drawer(self) -> int:
        """Наличность в денежном ящике, kept with the ФН archive."""
        return int(self.core.device_value("drawer", 0))

    def cashier_name(self) -> str:
        raw = self.tables.get((3, self.state.operator or 30, 2)) or b""
        return decode_atol(raw).strip() or "КАССИР"

    def _fn(self, call: Any, *args: Any) -> Any:
        try:
            return call(*args)
        except FnError as err:
            raise Refusal(atol_code(err.code, self.core.status().warnings)) from None

    def _print(self, result: Any) -> None:
        """Print a document that already exists: a printer failure never undoes it (it is recorded)."""
        if self.tape is not None:
            try:
                self.tape.print_document(result.tlv)
            except Exception as exc:
                self.incidents.record("tape", exc)

    def _refresh_counters(self) -> None:
        shift = self.core.shift()
        status = self.core.status()
        self.state.shift_open = shift.open
        self.state.shift_number = shift.number if not shift.open else max(shift.number - 1, 0)
        self.state.receipt_number = shift.next_receipt_number if shift.open else 1
        self.state.fiscalised = status.phase == 0x03
        self.state.fn_active = status.phase != 0x01

    def _require_receipt(self) -> OpenReceipt:
        if self.receipt is None:
            raise Refusal(E_RECEIPT_CLOSED)
        return self.receipt

    def _require_no_receipt(self) -> None:
        if self.receipt is not None:
            raise Refusal(E_RECEIPT_OPEN)

    def _precheck_document(self) -> None:
        """What the ФН would refuse at the start of a document (checked before a receipt opens)."""
        status = self.core.status()
        if status.phase != 0x03:
            raise Refusal(E_NOT_FISCAL)
        shift = self.core.shift()
        if not shift.open:
            raise Refusal(E_FN_STATE)
        if shift.expired:
            raise Refusal(E_SHIFT_EXPIRED)
        registration = self.core.registration()
        ofd = self.core.ofd_status()
        if ofd.first_unsent_datetime is not None and not (registration and registration.autonomous):
            if (self.clock.now() - ofd.first_unsent_datetime).days >= 30:
                raise Refusal(E_30_DAYS)
        if self.core.validity().valid_until < self.clock.now().date():
            raise Refusal(E_FN_RESOURCE)

    # -- shift -----------------------------------------------------------------------------
    def _open_shift(self, req: Any) -> None:
        self._require_no_receipt()
        if self.core.shift().open:
            raise Refusal(E_SHIFT_OPEN)
        text = decode_atol(req.text).strip() if req.text else ""
        result = self._fn(self.core.open_shift, text or self.cashier_name())
        self.core.store_device_values({"cash_ins": 0, "cash_outs": 0})  # registers 4 and 5 count per shift
        self._print(result)
        self._refresh_counters()

    def _z_report(self, _: Any) -> None:
        self._require_no_receipt()
        result = self._fn(self.core.close_shift, self.cashier_name())
        self._print(result)
        self._refresh_counters()
        self._start_printing()

    def _report(self, req: Any) -> None:
        """67: type 1 prints the X-report; type 9 has the ФН make the отчёт о текущем состоянии расчётов
        (document 21) and prints it [single source for type 9]. Either way the register then prints in sub-mode
        2.2, as after the X-report; another type is refused."""
        if req.type == f.REPORT_SETTLEMENTS:
            self._state_report()
            return
        if req.type != f.REPORT_X:
            raise Refusal(E_REPORT_TYPE)
        if self.tape is not None:
            try:
                self.tape.print_x_report(self.core.shift(), self.core.shift_totals(), self.drawer)
            except Exception as exc:
                self.incidents.record("tape", exc)
        self._start_printing()

    def _state_report(self) -> None:
        """Document 21, with the shift open or closed; not while a receipt is open. The cashier printed is the
        operator who entered the mode (table 3) — 67 carries no name [inferred]."""
        self._require_no_receipt()
        result = self._fn(self.core.state_report, self.cashier_name())
        self._print(result)
        self._start_printing()

    # -- receipt ---------------------------------------------------------------------------
    def _open_receipt(self, req: Any) -> None:
        self._require_no_receipt()
        if req.type not in f.OPERATION_BY_RECEIPT_TYPE and req.type not in f.OPERATION_BY_CORRECTION_TYPE:
            raise Refusal(E_RECEIPT_TYPE)
        self._precheck_document()
        self.receipt = OpenReceipt(req.type)
        self.receipt_owner = self._client
        self.state.receipt_state = req.type
        self.state.receipt_sum = 0

    def _positions_allowed(self, receipt: OpenReceipt) -> bool:
        """Positions go into receipts, and into corrections only in FFD 1.2 (Табл.120 has 1059) [inferred]."""
        return not self.state.sub_mode and (not receipt.is_correction or self.core.config.ffd == "1.2")

    def _begin_position(self, _: Any) -> None:
        receipt = self._require_receipt()
        if not self._positions_allowed(receipt):
            raise Refusal(E_MODE)
        if receipt.discounted:
            raise Refusal(E_AFTER_DISCOUNT)
        receipt.position_open = True
        receipt.position_tags = []

    def _end_position(self, req: Any) -> None:
        """EB: the position's amount is what it costs; one other than price × quantity is a discount (or a
        surcharge) the register prints [CRY: «При отличии Цены х Количество от EndPositionPrice, ККТ считает
        разницу скидкой»]. The discount field comes on top of the amount [inferred from CRY, which sends a
        discount only with amount = price × quantity]."""
        receipt = self._require_receipt()
        if not self._positions_allowed(receipt):
            raise Refusal(E_MODE)
        if receipt.discounted:
            raise Refusal(E_AFTER_DISCOUNT)
        if req.quantity <= 0:
            raise Refusal(E_QUANTITY)
        if req.discount_sign not in (0, 1):
            raise Refusal(E_FORMAT)
        amount = req.amount - req.discount if req.discount_sign == 0 else req.amount + req.discount
        if amount < 0:
            raise Refusal(E_PRICE)
        if req.vat not in VAT_CODES or not 1 <= req.method <= 7 or not 1 <= req.subject <= 33:
            raise Refusal(E_FORMAT)
        name = self._position_name(req.name)
        if receipt.total + amount > MAX_SUM:
            raise Refusal(E_TOTAL_OVERFLOW)
        code, extra = self._check_marking(receipt, receipt.position_tags)
        self._add_item(receipt, ItemData(name=name, price=req.price, quantity_milli=req.quantity, amount=amount,
                                         vat=req.vat, payment_method=req.method, payment_subject=req.subject,
                                         extra=tuple(extra), marking_code=code))
        receipt.position_open = False
        receipt.position_tags = []

    def _check_marking(self, receipt: OpenReceipt,
                       tags: list[tuple[int, bytes]]) -> tuple[str | None, list[tuple[int, bytes]]]:
        """A position with a marking code (E8 2000 between EA and EB): the register has the ФН check it — B1h,
        the marking request B5h and the marking system's answer B6h (simulated: accepted unless the code is
        in the ФН's reject list; none in autonomous mode), then B2h keeps the result for the receipt, whose
        2106 the ФН writes [inferred sequence, after ФН protocol v1.2.06 §4.10]. Returns the code and the
        position's own requisites."""
        raw = next((value for tag, value in tags if tag == 2000), None)
        rest = [(tag, value) for tag, value in tags if tag not in MARKING_INPUT_TAGS]
        if raw is None:
            return None, rest
        try:
            code = raw.decode("cp866")
        except UnicodeDecodeError:
            raise Refusal(E_FORMAT) from None
        planned = next((value for tag, value in tags if tag == 2003),
                       bytes((3 if receipt.atol_type in (2, 8) else 1,)))  # sold, or returned [inferred default]
        core = self.core
        self._fn(core.check_marking_code, code)
        registration = core.registration()
        if registration is None or not registration.autonomous:
            request = self._fn(core.marking_request, self.clock.now(),
                               [(2003, planned), *((tag, value) for tag, value in rest if tag in MARKING_REQUEST_TAGS)])
            self._fn(core.marking_response, oism_answer(request, accepted=code not in core.marking_rejects))
        self._fn(core.save_marking_result, True)
        receipt.marked = True
        return code, rest

    @staticmethod
    def _position_name(raw: bytes) -> str:
        try:
            name = decode_atol(bytes(raw)).rstrip("\x00")
        except UnicodeDecodeError:
            raise Refusal(E_FORMAT) from None
        if not name.strip():
            raise Refusal(E_LENGTH)
        return name

    def _add_item(self, receipt: OpenReceipt, item: ItemData) -> None:
        if receipt.total + int(item.amount) > MAX_SUM:
            raise Refusal(E_TOTAL_OVERFLOW)
        receipt.items.append(item)
        self.state.receipt_sum = receipt.total

    def _e6_vat(self, tax: int, section: int) -> int:
        row = tax
        if tax == 0:
            raw = self.tables.get((7, max(section, 1), 2))
            row = int(raw.hex()) if raw and raw.hex().isdigit() else 1
        if row not in E6_TAX_ROWS:
            raise Refusal(E_FORMAT)
        return E6_TAX_ROWS[row]

    def _register_item(self, req: Any) -> None:
        """E6: a whole position in one command, as clients before FFD 1.05 send it. Its discount is on the
        position (type 0 percent in hundredths, 1 sum); payment method 4 and subject 1 (товар) [inferred]."""
        receipt = self._require_receipt()
        if not self._positions_allowed(receipt) or receipt.position_open:
            raise Refusal(E_MODE)
        if receipt.discounted:
            raise Refusal(E_AFTER_DISCOUNT)
        if req.quantity <= 0:
            raise Refusal(E_QUANTITY)
        if req.discount_type not in (0, 1) or req.discount_sign not in (0, 1):
            raise Refusal(E_FORMAT)
        gross = (req.price * req.quantity + 500) // 1000
        if req.discount_type == 0 and req.discount > 10000 and not req.discount_sign:
            raise Refusal(E_DISCOUNT_SIZE)
        size = req.discount if req.discount_type == 1 else (gross * req.discount + 5000) // 10000
        amount = gross + size if req.discount_sign else gross - size
        if amount < 0:
            raise Refusal(E_DISCOUNT_SIZE)
        vat = self._e6_vat(req.tax, req.section)
        name = self._position_name(bytes(req.name).rstrip(b"\x00"))
        if req.flags & 0x01:  # режим проверки: checked, not registered
            return
        self._add_item(receipt, ItemData(name=name, price=req.price, quantity_milli=req.quantity, amount=amount,
                                         vat=vat, payment_method=4, payment_subject=1))

    def _discount(self, req: Any) -> None:
        """43: a discount or surcharge on the last position (a sum, or a percentage in hundredths), or on the
        whole receipt — where a register with a ФН only rounds off the kopecks of the total: a discount by sum,
        at most the kopecks of the total, 0 meaning all of them («округлить до рубля») [ALX: error −3813
        «Скидки на чек запрещены в старом виде… только в рамках копеек»; A4J: «если 0 — округляет итог до рубля
        в меньшую сторону»]; anything else there is refused with 7B.

        FFD has no receipt-level discount requisite, so the kopecks are taken off the positions in proportion to
        their amounts (the remainder from the last one) [inferred].
        """
        receipt = self._require_receipt()
        if receipt.is_correction or receipt.position_open or not receipt.items or receipt.payments:
            raise Refusal(E_MODE)
        if receipt.discounted:
            raise Refusal(E_AFTER_DISCOUNT)
        if req.area not in (0, 1) or req.type not in (0, 1) or req.sign not in (0, 1):
            raise Refusal(E_FORMAT)
        if req.area == 0:
            if req.type != 1 or req.sign != 0:
                raise Refusal(E_DISCOUNT_SIZE)
            kopecks = receipt.total % 100
            size = req.size or kopecks
            if size > kopecks:
                raise Refusal(E_DISCOUNT_SIZE)
            receipt.discounted = True
            if not size:
                return
            targets = receipt.items
        else:
            targets = receipt.items[-1:]
            base = int(targets[0].amount)
            if req.type == 0 and req.size > 10000 and not req.sign:
                raise Refusal(E_DISCOUNT_SIZE)
            size = req.size if req.type == 1 else (base * req.size + 5000) // 10000  # percent in hundredths
            if size <= 0 or (not req.sign and size > base):
                raise Refusal(E_DISCOUNT_SIZE)
            if req.sign and receipt.total + size > MAX_SUM:
                raise Refusal(E_TOTAL_OVERFLOW)
        base = sum(int(item.amount) for item in targets)
        delta = size if req.sign else -size
        shares, left = [], delta
        for index, item in enumerate(targets):
            share = left if index == len(targets) - 1 else (delta * int(item.amount) // base if base else 0)
            shares.append(share)
            left -= share
        offset = len(receipt.items) - len(targets)
        for index, share in enumerate(shares):
            item = receipt.items[offset + index]
            receipt.items[offset + index] = replace(item, amount=int(item.amount) + share)
        self.state.receipt_sum = receipt.total

    def _write_requisite(self, req: Any) -> None:
        """E8: one TLV, whole in block 0 or cut into numbered blocks sent in order [inferred reassembly]."""
        if req.blocks == 0 or req.block >= req.blocks:
            self._requisite_blocks = None
            raise Refusal(E_FORMAT)
        if req.blocks > 1:
            pending = self._requisite_blocks
            if req.block == 0:
                pending = self._requisite_blocks = RequisiteBlocks(req.blocks)
            if pending is None or not pending.accepts(req.blocks, req.block):
                self._requisite_blocks = None
                raise Refusal(E_FORMAT)  # a block out of order, or one of another requisite
            try:
                pending.add(bytes(req.data))
            except ValueError:
                self._requisite_blocks = None
                raise Refusal(E_FORMAT) from None
            if not pending.complete:
                return
            self._requisite_blocks = None
            data = bytes(pending.data)
        else:
            self._requisite_blocks = None
            data = bytes(req.data)
        try:
            tlvs = decode_tlv(data)
        except Exception:
            raise Refusal(E_FORMAT) from None
        if self.receipt is not None:
            self.receipt.add_tlv(data)
        elif self.state.mode == 6:
            for tlv in tlvs:
                self.registration_tags[tlv.tag] = tlv.value
        else:
            raise Refusal(E_RECEIPT_CLOSED)

    def _payment(self, req: Any) -> dict[str, int]:
        receipt = self._require_receipt()
        if req.type not in (1, 2, 3, 4, 5):
            raise Refusal(E_PAYMENT_TYPE)
        if req.sum <= 0:
            raise Refusal(E_PRICE)
        if receipt.paid + req.sum > MAX_SUM:
            raise Refusal(E_PAYMENTS_OVERFLOW)
        receipt.payments[req.type] = receipt.payments.get(req.type, 0) + req.sum
        if receipt.paid - receipt.payments.get(1, 0) > receipt.total and not receipt.by_amounts:
            receipt.payments[req.type] -= req.sum
            raise Refusal(E_NONCASH_EXCEEDS)
        self.state.sub_mode = 4  # 1.4: accepting payments
        return {"remainder": receipt.remainder, "change": receipt.change}

    def _close_receipt(self, req: Any) -> None:
        receipt = self._require_receipt()
        if receipt.position_open:
            raise Refusal(E_MODE)
        if req.type not in (1, 2, 3, 4, 5):
            raise Refusal(E_PAYMENT_TYPE)
        amount = req.sum or (receipt.remainder if not receipt.by_amounts else 0)
        if receipt.paid + amount > MAX_SUM:
            raise Refusal(E_PAYMENTS_OVERFLOW)
        if amount:
            receipt.payments[req.type] = receipt.payments.get(req.type, 0) + amount
        try:
            if receipt.paid < receipt.total or (not receipt.items and not receipt.is_correction):
                raise Refusal(E_UNDERPAID)
            if not receipt.by_amounts and receipt.paid - receipt.payments.get(1, 0) > receipt.total:
                raise Refusal(E_NONCASH_EXCEEDS)
            cash_delta = receipt.payments.get(1, 0) - receipt.change
            operation = f.OPERATION_BY_RECEIPT_TYPE.get(receipt.atol_type) or f.OPERATION_BY_CORRECTION_TYPE[
                receipt.atol_type]
            # the drawer is committed with the document: both or neither survive a crash
            drawer = {"drawer": self.drawer + (cash_delta if operation in (1, 4) else -cash_delta)}
            if drawer["drawer"] < 0:
                raise Refusal(E_NO_CASH)  # a refund or expense paid in more cash than the drawer holds [inferred]
            if receipt.is_correction:
                result = self._fn(self.core.correction, self._correction_data(receipt), drawer)
            else:
                result = self._fn(self.core.receipt, self._receipt_data(receipt), drawer)
        except BaseException:  # refused, or the archive failed: the receipt stays as it was, still open
            if amount:
                receipt.payments[req.type] -= amount
            raise
        self.receipt = None
        self.receipt_owner = None
        self.state.receipt_state = 0
        self.state.receipt_sum = 0
        self.state.sub_mode = 0
        self._print(result)
        self._refresh_counters()

    @staticmethod
    def _payments_by_form(receipt: OpenReceipt) -> tuple[int, int, int, int, int]:
        """Cash (less the change), electronic, prepaid, credit, other."""
        p = receipt.payments
        return p.get(1, 0) - receipt.change, p.get(2, 0), p.get(3, 0), p.get(4, 0), p.get(5, 0)

    def _taxation(self, receipt: OpenReceipt) -> int:
        registered = self.core.registration()
        value = receipt.number(1055, 0)
        if value:
            return value
        mask = int(registered.taxation) if registered is not None else 1
        return mask & -mask  # the lowest registered system

    def _receipt_data(self, receipt: OpenReceipt) -> ReceiptData:
        contact = receipt.text(1008) or None
        cash, electronic, prepaid, credit, other = self._payments_by_form(receipt)
        handled = {1008, 1055, 1021, 1203}
        extra = tuple((tag, raw) for tag, raw in receipt.raw_tags if tag not in handled)
        return ReceiptData(operation=f.OPERATION_BY_RECEIPT_TYPE[receipt.atol_type], items=tuple(receipt.items),
                           total=receipt.total, taxation=self._taxation(receipt),
                           cashier=receipt.text(1021) or self.cashier_name(), cashier_inn=receipt.text(1203) or None,
                           buyer_contact=contact, extra=extra, cash=cash, electronic=electronic, prepaid=prepaid,
                           credit=credit, other=other)

    def _correction_data(self, receipt: OpenReceipt) -> CorrectionData:
        when, number, text = receipt.basis(self.clock.now().date())
        cash, electronic, prepaid, credit, other = self._payments_by_form(receipt)
        vat = {tag: receipt.number(tag, 0) for tag in (1102, 1103, 1104, 1105, 1106, 1107)}
        handled = {1173, 1174, 1055, 1021, *vat}
        extra = tuple((tag, raw) for tag, raw in receipt.raw_tags if tag not in handled)  # 1008 and the like
        return CorrectionData(operation=f.OPERATION_BY_CORRECTION_TYPE[receipt.atol_type],
                              correction_type=receipt.number(1173, 0), basis_date=when, basis_number=number,
                              description=text, total=receipt.total, taxation=self._taxation(receipt),
                              cashier=receipt.text(1021) or self.cashier_name(),
                              vat_20=vat[1102], vat_10=vat[1103], sum_vat_0=vat[1104], sum_no_vat=vat[1105],
                              vat_20_120=vat[1106], vat_10_110=vat[1107], cash=cash, electronic=electronic,
                              prepaid=prepaid, credit=credit, other=other, items=tuple(receipt.items), extra=extra)

    def _cancel_receipt(self, _: Any) -> None:
        receipt = self._require_receipt()
        if receipt.marked:  # the ФН forgets the codes checked for this receipt (B3h) [inferred]
            try:
                self.core.clear_marking_results()
            except FnError as err:
                self.incidents.record("marking", err)
        self.receipt = None
        self.receipt_owner = None
        self.state.receipt_state = 0
        self.state.receipt_sum = 0
        self.state.sub_mode = 0

    def _cash_in(self, req: Any) -> None:
        self._require_no_receipt()
        if req.sum <= 0:
            raise Refusal(E_PRICE)
        self.core.store_device_values({"drawer": self.drawer + req.sum,
                                       "cash_ins": int(self.core.device_value("cash_ins", 0)) + req.sum})

    def _cash_out(self, req: Any) -> None:
        self._require_no_receipt()
        if req.sum <= 0:
            raise Refusal(E_PRICE)
        if req.sum > self.drawer:
            raise Refusal(E_NO_CASH)
        self.core.store_device_values({"drawer": self.drawer - req.sum,
                                       "cash_outs": int(self.core.device_value("cash_outs", 0)) + req.sum})

    # -- ФН queries ------------------------------------------------------------------------
    @staticmethod
    def _dt(value: datetime | None) -> dict[str, int]:
        if value is None:
            return {"year": 0, "month": 0, "day": 0, "hour": 0, "minute": 0}
        return {"year": value.year % 100, "month": value.month, "day": value.day, "hour": value.hour,
                "minute": value.minute}

    def _fn_shift(self, _: Any) -> dict[str, int]:
        """The ФН's two-byte counters wrap past 65535 [inferred: the ФН protocol gives the fields, not what
        happens beyond them]."""
        shift = self.core.shift()
        return {"open": int(shift.open), "shift": shift.number & 0xFFFF,
                "receipt": (max(shift.next_receipt_number - 1, 0) if shift.open else 0) & 0xFFFF}

    def _fn_ofd(self, _: Any) -> dict[str, Any]:
        ofd = self.core.ofd_status()
        return {"flags": 0x02 if ofd.unsent_count else 0, "reading": 0, "unsent": min(ofd.unsent_count, 0xFFFF),
                "first_number": ofd.first_unsent_number & 0xFFFFFFFF,
                "first_datetime": self._dt(ofd.first_unsent_datetime)}

    def _fn_number(self, _: Any) -> dict[str, str]:
        return {"number": self.core.status().fn_number}

    def _fn_status(self, _: Any) -> dict[str, Any]:
        s = self.core.status()
        return {"phase": s.phase, "document": s.current_document, "data": 0, "shift_open": int(s.shift_open),
                "warnings": int(s.warnings), "datetime": self._dt(s.last_document_datetime),
                "fn_number": s.fn_number, "last_document": s.last_fd_number}

    def _fn_validity(self, _: Any) -> dict[str, int]:
        v = self.core.validity()
        return {"year": v.valid_until.year % 100, "month": v.valid_until.month, "day": v.valid_until.day,
                "left": v.registrations_left, "done": v.registrations_done}

    def _document(self, number: int) -> Any:
        return self._fn(self.core.document, number)

    def _fn_document(self, req: Any) -> dict[str, Any]:
        doc = self._document(req.number)
        return {"type": doc.document_type, "ticket_received": int(doc.ofd_confirmed),
                "datetime": self._dt(doc.datetime), "number": doc.number, "fiscal_sign": doc.fiscal_sign, "rest": b""}

    def _fn_document_tlv(self, req: Any) -> dict[str, int]:
        doc = self._document(req.number)
        tag, size, self._tlv_queues[self._client] = read_back_chunks(doc.tlv)
        return {"type": tag, "size": size}

    def _fn_document_chunk(self, _: Any) -> dict[str, bytes]:
        queue = self._tlv_queues.get(self._client)
        if not queue:
            raise Refusal(E_FN_NO_DATA)
        return {"tlv": queue.pop(0)}

    # -- registration ----------------------------------------------------------------------
    def _registration(self) -> Registration:
        values: dict[str, Any] = {}
        for tag, name in REGISTRATION_TAGS.items():
            if tag in self.registration_tags:
                values[name] = self.registration_tags[tag]
        current = self.core.registration()
        if current is not None:
            base = {name: getattr(current, name) for name in REGISTRATION_TAGS.values() if hasattr(current, name)}
            base.update(values)
            values = base
        required = ("user_name", "inn", "rnm", "address", "place", "taxation", "ofd_inn", "ofd_name")
        if any(name not in values for name in required):
            raise Refusal(E_FORMAT)
        usage = self.registration_tags.get(1290)
        if isinstance(usage, int):  # FFD 1.2: the flags as one bit mask
            for bit, flag in USAGE_FLAGS.items():
                values[flag] = bool(usage & bit)
        for flag in ("autonomous", "encryption", "automatic", "internet", "services", "bso", "gambling",
                     "lottery", "excise", *USAGE_FLAGS.values()):
            values[flag] = bool(values.get(flag, False))
        values["taxation"] = int(values["taxation"])
        values.setdefault("ffd_version", 2)
        values["ffd_version"] = int(values["ffd_version"])
        values["kkt_serial"] = f"{self.profile.serial_number:08d}"  # as 3F reports it
        return Registration(**{k: v for k, v in values.items() if k in Registration.__dataclass_fields__})

    def _register(self, _: Any) -> None:
        """A6 «Активизация ФН», without parameters [CDRV]. Which operation it makes follows from the ФН and the
        requisites written before it in mode 6 [inferred: no source shows how a register tells them apart]:
        1041 (a new ФН number) — replacement of the ФН; a ФН ready for activation — registration; a ФН in the
        fiscal mode — a change of the registration, its reasons in 1101 (FFD 1.05) or 1205 (FFD 1.2)."""
        if self.core.shift().open:
            raise Refusal(E_SHIFT_OPEN)
        registration = self._registration()
        tags = self.registration_tags
        cashier = self.cashier_name()
        if 1041 in tags:
            result = self._fn(self.core.replace_fn, str(tags[1041]).strip(), registration, cashier)
        elif self.core.status().phase == 0x03:
            reasons = tags.get(1205, tags.get(1101))
            if not isinstance(reasons, int):
                raise Refusal(E_FORMAT)  # a change of the registration needs its reasons [inferred code]
            result = self._fn(self.core.reregister, registration, reasons, cashier)
        else:
            result = self._fn(self.core.register, registration, cashier)
        self.registration_tags.clear()
        self._print(result)
        self._refresh_counters()

    def _close_fn(self, _: Any) -> None:
        if self.core.shift().open:
            raise Refusal(E_SHIFT_OPEN)
        result = self._fn(self.core.close_fn, self.cashier_name())
        self._print(result)
        self._refresh_counters()
