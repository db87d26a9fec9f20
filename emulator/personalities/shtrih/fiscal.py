"""Shtrih-M fiscal commands on top of the shared virtual ФН (:mod:`kkt_emu.core.fiscal`).

Shifts (E0h, 41h, FF41h/FF0Bh, FF42h/FF43h, 40h), receipts — the classic commands (80h–83h, 85h, 88h, 8Dh, 8Eh)
that ЭКЛЗ-era hosts such as pyshtrih send, and the ФФД 1.05/1.2 ones (FF46h, FF4Dh, FF0Ch, FF45h) — corrections
(8Dh 80h+, FF35h/FF36h/FF4Ah), cash (50h, 51h), ФН queries (FF01h…FF40h), registration (FF05h, FF06h, FF34h) and
closing the ФН (FF3Dh, FF3Eh). A receipt is accumulated here and handed to the ФН in one call at close.
"""

from __future__ import annotations

from dataclasses import replace
from datetime import datetime
from typing import TYPE_CHECKING, Any

from kkt_drivers.protocols.shtrih import commands as c
from kkt_drivers.protocols.shtrih.fields import NOT_GIVEN

from ...core.fiscal import CorrectionData, FiscalCore, FnError, ItemData, ReceiptData, Registration
from ...core.fiscal.documents import read_back_chunks
from .codes import (
    E_FN_EXPIRED,
    E_FN_NO_DATA,
    E_FN_PARAMETER,
    E_FN_STATE,
    E_FN_WAITING,
    E_NO_CASH,
    E_NONCASH_EXCEEDS,
    E_OTHER_OPERATOR,
    E_PARAMETERS,
    E_RECEIPT_CLOSED,
    E_RECEIPT_OPEN,
    E_RECEIPT_TYPE,
    E_SHIFT_CLOSED,
    E_SHIFT_EXPIRED,
    E_SHIFT_OPEN,
    E_TOTAL_OVERFLOW,
    E_UNDERPAID,
    E_ZERO_TOTAL,
    MAX_TOTAL,
    shtrih_code,
)
from .receipt import CORRECTION_FLAG, TYPE_BY_OPERATION, OpenReceipt, PendingDocument, split_tlvs
from .tables import ADMIN_ROW, SYSADMIN_ROW, ShtrihTables, encode_field, operator_name

#: classic tax number (row of table 6: 20 %, 10 %, 0 %, без НДС, 20/120, 10/110, 5 %, 7 %, 5/105, 7/107, 22 %,
#: 22/122) → 1199 VAT code; tax 0 (none given) → «НДС не облагается» [inferred]
VAT_BY_TAX_NUMBER = {0: 6, 1: 1, 2: 2, 3: 5, 4: 6, 5: 3, 6: 4, 7: 7, 8: 8, 9: 9, 10: 10, 11: 11, 12: 12}
#: FF46h tax byte → 1199 VAT code (vendor JavaPOS ``getVatCodeShtrih``; 90h/A0h are its ШТРИХ-НАНО codes for
#: 22 % and 22/122)
VAT_BY_TAX_BYTE = {0x01: 1, 0x02: 2, 0x04: 5, 0x08: 6, 0x10: 3, 0x20: 4, 0x81: 7, 0x82: 8, 0x84: 9, 0x88: 10,
                   0xCB: 11, 0xCC: 12, 0x90: 11, 0xA0: 12}
#: table 17 field 71 «замена НДС 20 на 22»: mode 1 replaces 20 % (and 20/120) from this day on
VAT_22_FROM = datetime(2026, 1, 1)
VAT_22_REPLACES = {1: 11, 3: 12}
#: the FF45h/8Eh payment sums: 1 cash, 2–13 «электронными», 14 prepaid, 15 credit, 16 other
CASH, PREPAID, CREDIT, OTHER = 0, 13, 14, 15
#: «режим работы» bits of FF06h/FF34h (ФН protocol)
MODE_BITS = {"encryption": 0x01, "autonomous": 0x02, "automatic": 0x04, "services": 0x08, "bso": 0x10,
             "internet": 0x20}
#: FF01h «текущий документ» while a document is being formed (research notes §5.4)
CURRENT_DOCUMENT = {"registration": 0x01, "open_shift": 0x02, "close_shift": 0x08, "close_fn": 0x10,
                    "correction": 0x14, "state_report": 0x17}
RECEIPT_DOCUMENT, CORRECTION_DOCUMENT, REREGISTRATION_DOCUMENT = 0x04, 0x14, 0x12
FFD_BY_CODE = {2: "1.05", 4: "1.2"}



def _check_total(receipt: OpenReceipt, amount: int) -> None:
    """A position that would take the receipt's total past the register's 5-byte sums is refused (48h)."""
    if receipt.total + amount > MAX_TOTAL:
        raise Refusal(E_TOTAL_OVERFLOW)

class Refusal(Exception):
    """A handler refuses the command with a Shtrih error code."""

    def __init__(self, code: int) -> None:
        super().__init__(f"0x{code:02X}")
        self.code = code


class FiscalHandlers:
    """Mixed into the Shtrih personality (which provides the attributes below)."""

    core: FiscalCore
    clock: Any
    tables: ShtrihTables
    tape: Any
    profile: Any
    incidents: Any
    operator: int
    receipt: OpenReceipt | None
    receipt_owner: int | None
    pending: PendingDocument | None
    _tlv_queues: dict[int, list[bytes]]
    _client: int

    if TYPE_CHECKING:  # provided by the personality
        def _require_paper(self) -> None: ...

        def _tape(self, action: Any) -> None: ...

    def fiscal_handlers(self) -> dict[bytes, Any]:
        return {
            c.OPEN_SHIFT.code: self._open_shift, c.Z_REPORT.code: self._z_report, c.X_REPORT.code: self._x_report,
            c.BEGIN_OPEN_SHIFT.code: self._begin(c.BEGIN_OPEN_SHIFT.code),
            c.BEGIN_CLOSE_SHIFT.code: self._begin(c.BEGIN_CLOSE_SHIFT.code),
            c.FN_OPEN_SHIFT.code: self._fn_open_shift, c.FN_CLOSE_SHIFT.code: self._fn_close_shift,
            c.CANCEL_FN_DOCUMENT.code: self._cancel_fn_document,
            c.OPEN_RECEIPT.code: self._open_receipt, c.SALE.code: self._classic_item(0),
            c.PURCHASE.code: self._classic_item(1), c.SALE_RETURN.code: self._classic_item(2),
            c.PURCHASE_RETURN.code: self._classic_item(3), c.CLOSE_RECEIPT.code: self._close_classic,
            c.CLOSE_RECEIPT_EXTENDED.code: self._close_extended, c.CANCEL_RECEIPT.code: self._cancel_receipt,
            c.OPERATION_V2.code: self._operation_v2, c.SEND_OPERATION_TLV.code: self._operation_tlv,
            c.SEND_TLV.code: self._send_tlv, c.CLOSE_RECEIPT_V2.code: self._close_v2,
            c.CASH_IN.code: self._cash(+1), c.CASH_OUT.code: self._cash(-1),
            c.BEGIN_CORRECTION.code: self._begin(c.BEGIN_CORRECTION.code),
            c.CORRECTION_RECEIPT.code: self._correction_v1, c.CORRECTION_RECEIPT_V2.code: self._correction_v2,
            c.BEGIN_SETTLEMENT_REPORT.code: self._begin(c.BEGIN_SETTLEMENT_REPORT.code),
            c.SETTLEMENT_REPORT.code: self._settlement_report,
            c.FN_STATUS.code: self._fn_status, c.FN_NUMBER.code: lambda _: {"fn_number": self.core.status().fn_number},
            c.FN_VALIDITY.code: self._fn_validity, c.FN_VERSION.code: lambda _: {"version": "kkt-emu ФН", "release": 1},
            c.REGISTRATION_TOTALS.code: self._registration_totals, c.FIND_DOCUMENT.code: self._find_document,
            c.OFD_EXCHANGE_STATUS.code: self._ofd_status, c.REQUEST_DOCUMENT_TLV.code: self._request_tlv,
            c.READ_DOCUMENT_TLV.code: self._read_tlv, c.OFD_TICKET.code: self._ofd_ticket,
            c.UNCONFIRMED_COUNT.code: lambda _: {"count": self.core.ofd_status().unsent_count & 0xFFFF,
                                                  "extension": b""},
            c.SHIFT_PARAMETERS.code: self._shift_parameters,
            c.BEGIN_REGISTRATION.code: self._begin_registration, c.REGISTRATION_REPORT.code: self._register,
            c.REREGISTRATION_REPORT.code: self._reregister,
            c.BEGIN_CLOSE_FISCAL_MODE.code: self._begin(c.BEGIN_CLOSE_FISCAL_MODE.code),
            c.CLOSE_FISCAL_MODE.code: self._close_fn,
        }

    # -- helpers ---------------------------------------------------------------------------
    @property
    def drawer(self) -> int:
        """Наличность в денежном ящике, kept with the ФН archive."""
        return int(self.core.device_value("drawer", 0))

    def operator_name(self, row: int) -> str:
        if 1 <= row <= SYSADMIN_ROW:
            name: str = self.tables.text((2, row, 2)).strip()
            return name or operator_name(row)
        return operator_name(SYSADMIN_ROW)

    def _fn(self, call: Any, *args: Any) -> Any:
        try:
            return call(*args)
        except FnError as err:
            raise Refusal(shtrih_code(err.code, int(self.core.status().warnings))) from None

    def _print(self, result: Any) -> None:
        """Print a document that already exists: a printer failure never undoes it."""
        if self.tape is not None:
            self._tape(lambda: self.tape.print_document(result.tlv))

    @staticmethod
    def _document(result: Any) -> dict[str, int]:
        return {"document_number": result.number, "fiscal_sign": result.fiscal_sign}

    def _require_receipt(self) -> OpenReceipt:
        if self.receipt is None:
            raise Refusal(E_RECEIPT_CLOSED)
        return self.receipt

    def _require_no_receipt(self) -> None:
        if self.receipt is not None:
            raise Refusal(E_RECEIPT_OPEN)

    def _same_operator(self, receipt: OpenReceipt) -> None:
        """59h «Документ открыт другим оператором»; the administrators may act on any receipt [inferred]."""
        if self.operator not in (receipt.operator, ADMIN_ROW, SYSADMIN_ROW):
            raise Refusal(E_OTHER_OPERATOR)

    def _precheck_sale(self) -> None:
        """What the register checks before a receipt opens: an open shift under 24 hours, then what the ФН would
        refuse at the start of a document (30 days without the OFD, validity, memory)."""
        shift = self.core.shift()
        if not shift.open:
            raise Refusal(E_SHIFT_CLOSED)
        if shift.expired:
            raise Refusal(E_SHIFT_EXPIRED)
        registration = self.core.registration()
        ofd = self.core.ofd_status()
        now = self.clock.now()
        if ofd.first_unsent_datetime is not None and not (registration and registration.autonomous):
            if (now - ofd.first_unsent_datetime).days >= 30:
                raise Refusal(E_FN_WAITING)
        if self.core.validity().valid_until < now.date():
            raise Refusal(E_FN_EXPIRED)

    def _start_receipt(self, kind: int, correction: bool) -> OpenReceipt:
        self._require_no_receipt()
        if self.pending is not None:
            raise Refusal(E_FN_STATE)
        self._require_paper()
        self._precheck_sale()
        self.receipt = OpenReceipt(kind, correction, self.operator)
        self.receipt_owner = self._client
        return self.receipt

    def _end_receipt(self) -> None:
        self.receipt = None
        self.receipt_owner = None

    # -- shift -----------------------------------------------------------------------------
    def _begin(self, code: bytes) -> Any:
        kind = {c.BEGIN_OPEN_SHIFT.code: "open_shift", c.BEGIN_CLOSE_SHIFT.code: "close_shift",
                c.BEGIN_CORRECTION.code: "correction", c.BEGIN_SETTLEMENT_REPORT.code: "state_report",
                c.BEGIN_CLOSE_FISCAL_MODE.code: "close_fn"}[code]

        def run(_: Any) -> None:
            self._require_no_receipt()
            if self.pending is not None:
                raise Refusal(E_FN_STATE)
            shift_open = self.core.shift().open
            if (kind == "open_shift" and shift_open) or (kind in ("close_shift", "correction") and not shift_open) \
                    or (kind == "close_fn" and shift_open):
                raise Refusal(E_FN_STATE)
            if kind == "state_report" and self.core.status().phase != 0x03:
                raise Refusal(E_FN_STATE)  # the ФН makes document 21 in its fiscal mode only
            self.pending = PendingDocument(kind)
        return run

    def _pending_cashier(self, kind: str) -> tuple[str, str | None]:
        """The cashier of a ФН document: 1021 (and 1203) sent with FF0Ch after its «начать» command, else the name
        of the operator whose password formed it (table 2)."""
        pending = self.pending if self.pending is not None and self.pending.kind == kind else None
        name = pending.text(1021) if pending is not None else None
        inn = pending.text(1203) if pending is not None else None
        return name or self.operator_name(self.operator), inn

    def _open_shift_in_fn(self) -> Any:
        self._require_no_receipt()
        if self.pending is not None and self.pending.kind != "open_shift":
            raise Refusal(E_FN_STATE)
        cashier, _ = self._pending_cashier("open_shift")
        result = self._fn(self.core.open_shift, cashier)
        self.pending = None
        self._print(result)
        return result

    def _open_shift(self, _: Any) -> None:
        """E0h: 3Ch when the shift is already open."""
        if self.core.shift().open:
            raise Refusal(E_SHIFT_OPEN)
        self._require_paper()
        self._open_shift_in_fn()

    def _fn_open_shift(self, _: Any) -> dict[str, int]:
        result = self._open_shift_in_fn()
        return {"shift_number": self.core.shift().number, **self._document(result)}

    def _close_shift_in_fn(self) -> Any:
        self._require_no_receipt()
        if self.pending is not None and self.pending.kind != "close_shift":
            raise Refusal(E_FN_STATE)
        if not self.core.shift().open:
            raise Refusal(E_SHIFT_CLOSED)
        cashier, _ = self._pending_cashier("close_shift")
        result = self._fn(self.core.close_shift, cashier)
        self.pending = None
        self._print(result)
        return result

    def _z_report(self, _: Any) -> None:
        self._require_paper()
        self._close_shift_in_fn()

    def _fn_close_shift(self, _: Any) -> dict[str, int]:
        result = self._close_shift_in_fn()
        return {"shift_number": self.core.shift().number, **self._document(result)}

    def _x_report(self, _: Any) -> None:
        self._require_no_receipt()
        self._require_paper()
        if self.tape is not None:
            self._tape(lambda: self.tape.print_x_report(self.core.shift(), self.drawer))

    def _cancel_fn_document(self, _: Any) -> None:
        """FF08h: drops a document begun with a «начать» command, or the open receipt."""
        if self.receipt is not None:
            self._end_receipt()
        elif self.pending is not None:
            self.pending = None
        else:
            raise Refusal(E_FN_STATE)

    # -- receipt ---------------------------------------------------------------------------
    def _open_receipt(self, req: Any) -> None:
        kind = req.receipt_type & ~CORRECTION_FLAG
        if kind not in (0, 1, 2, 3):
            raise Refusal(E_PARAMETERS)
        self._start_receipt(kind, bool(req.receipt_type & CORRECTION_FLAG))

    def _receipt_for(self, kind: int) -> OpenReceipt:
        """The open receipt, or one opened now by its first position (as the vendor protocol allows)."""
        receipt = self.receipt
        if receipt is None:
            return self._start_receipt(kind, False)
        self._same_operator(receipt)
        if receipt.kind != kind:
            raise Refusal(E_RECEIPT_TYPE)
        return receipt

    def _vat(self, code: int) -> int:
        """Table 17 field 71 = 1 turns 20 % into 22 % (and 20/120 into 22/122) from 2026 by the register's clock
        (fr_drv_ng issue #328)."""
        if self.tables.number((17, 1, 71)) == 1 and self.clock.now().replace(tzinfo=None) >= VAT_22_FROM:
            return VAT_22_REPLACES.get(code, code)
        return code

    @staticmethod
    def _name(text: str) -> str:
        """A name starting with «//» goes to the OFD but is not printed (vendor JavaPOS, FF46h notes): the FFD
        requisite is the rest [inferred]."""
        return text[2:] if text.startswith("//") else text

    def _classic_item(self, kind: int) -> Any:
        def run(req: Any) -> None:
            if req.quantity <= 0 or not (req.department <= 16 or req.department == 255):
                raise Refusal(E_PARAMETERS)
            vat = VAT_BY_TAX_NUMBER.get(req.tax1)
            if vat is None:
                raise Refusal(E_PARAMETERS)
            receipt = self._receipt_for(kind)
            if receipt.correction:
                raise Refusal(E_RECEIPT_TYPE)
            amount = (req.price * req.quantity + 500) // 1000
            _check_total(receipt, amount)
            receipt.items.append(ItemData(name=self._name(req.text.strip()) or "ТОВАР", price=req.price,
                                          quantity_milli=req.quantity, amount=amount, vat=self._vat(vat)))
            receipt.operations += 1
        return run

    def _operation_v2(self, req: Any) -> None:
        """FF46h. The quantity comes in millionths; the virtual ФН keeps thousandths, so a finer quantity is
        refused (33h) [emulator limit]. A sum below price × quantity is a discount (table 17 field 3 «режим
        исчисления скидок» ≠ 0), above it by more than a kopeck it is refused [inferred]."""
        if req.operation not in TYPE_BY_OPERATION or req.quantity <= 0 or req.quantity % 1000:
            raise Refusal(E_PARAMETERS)
        vat = VAT_BY_TAX_BYTE.get(req.tax_rate)
        if vat is None or not (req.department <= 16 or req.department == 255):
            raise Refusal(E_PARAMETERS)
        if not 1 <= req.payment_method <= 7 or not 1 <= req.payment_object <= 33:
            raise Refusal(E_PARAMETERS)
        receipt = self.receipt
        if receipt is None:
            receipt = self._receipt_for(TYPE_BY_OPERATION[req.operation])
        else:
            self._same_operator(receipt)
            if receipt.operation != req.operation:
                raise Refusal(E_RECEIPT_TYPE)
        gross = (req.price * req.quantity + 500_000) // 1_000_000
        amount = gross if req.amount == NOT_GIVEN else req.amount
        if amount > gross + 1 or (self.tables.number((17, 1, 3)) == 0 and abs(amount - gross) > 1):
            raise Refusal(E_PARAMETERS)
        _check_total(receipt, amount)
        receipt.items.append(ItemData(
            name=self._name(req.name), price=req.price, quantity_milli=req.quantity // 1000, amount=amount,
            vat=self._vat(vat), payment_method=req.payment_method, payment_subject=req.payment_object,
            vat_amount=None if req.tax_amount == NOT_GIVEN else req.tax_amount))
        receipt.operations += 1

    def _operation_tlv(self, req: Any) -> None:
        """FF4Dh: requisites of the position just added."""
        receipt = self._require_receipt()
        if not receipt.items:
            raise Refusal(E_FN_STATE)
        try:
            tlvs = split_tlvs(bytes(req.tlv))
        except Exception:
            raise Refusal(E_FN_PARAMETER) from None
        item = receipt.items[-1]
        receipt.items[-1] = replace(item, extra=(*item.extra, *tlvs))

    def _send_tlv(self, req: Any) -> None:
        """FF0Ch: a requisite of the open receipt, or of the ФН document begun with a «начать» command."""
        try:
            tlvs = split_tlvs(bytes(req.tlv))
        except Exception:
            raise Refusal(E_FN_PARAMETER) from None
        if self.receipt is not None:
            self.receipt.tags.extend(tlvs)
        elif self.pending is not None:
            self.pending.tags.extend(tlvs)
        else:
            raise Refusal(E_FN_STATE)

    def _taxation(self, given: int, receipt_tags: OpenReceipt | PendingDocument) -> int:
        if given:
            return given
        raw = receipt_tags.value(1055)
        if raw:
            return int.from_bytes(raw, "little")
        registered = self.core.registration()
        mask = int(registered.taxation) if registered is not None else 1
        return mask & -mask  # the lowest registered system

    def _close(self, receipt: OpenReceipt, payments: list[int], taxes: list[int], tax_system: int) -> tuple[Any, int]:
        """Form the receipt (or correction) in the ФН with the drawer committed beside it; (result, change)."""
        self._same_operator(receipt)
        self._require_paper()
        cash = payments[CASH]
        paid = sum(payments)
        by_amounts = receipt.correction and not receipt.items
        total = paid if by_amounts else receipt.total
        if not receipt.items and not receipt.correction:
            raise Refusal(E_ZERO_TOTAL)
        if total > MAX_TOTAL or paid > MAX_TOTAL:  # the sums of 16 payments may add up past 5 bytes
            raise Refusal(E_TOTAL_OVERFLOW)
        if paid < total:
            raise Refusal(E_UNDERPAID)
        if paid - cash > total:
            raise Refusal(E_NONCASH_EXCEEDS)
        change = paid - total
        cash_net = cash - change
        electronic = sum(payments[1:PREPAID])
        delta = cash_net if receipt.operation in (1, 4) else -cash_net
        drawer = {"drawer": self.drawer + delta}
        if drawer["drawer"] < 0:
            raise Refusal(E_NO_CASH)  # a refund or expense paid in more cash than the drawer holds [inferred]
        cashier = receipt.text(1021) or self.operator_name(receipt.operator)
        # what the ФН call takes as its own fields; the rest go in as they came
        handled = {1021, 1055, 1173, 1174} if receipt.correction else {1021, 1203, 1008, 1055}
        extra = tuple((tag, value) for tag, value in receipt.tags if tag not in handled)
        taxation = self._taxation(tax_system, receipt)
        if receipt.correction:
            when, number, text = receipt.basis(self.clock.now().date())
            data = CorrectionData(operation=receipt.operation, correction_type=receipt.number(1173, 0),
                                  basis_date=when, basis_number=number, description=text, cash=cash_net,
                                  electronic=electronic, prepaid=payments[PREPAID], credit=payments[CREDIT],
                                  other=payments[OTHER], total=total, taxation=taxation, cashier=cashier,
                                  vat_20=taxes[0], vat_10=taxes[1], sum_vat_0=taxes[2], sum_no_vat=taxes[3],
                                  vat_20_120=taxes[4], vat_10_110=taxes[5], items=tuple(receipt.items), extra=extra)
            result = self._fn(self.core.correction, data, drawer)
        else:
            result = self._fn(self.core.receipt, ReceiptData(
                operation=receipt.operation, items=tuple(receipt.items), cash=cash_net, electronic=electronic,
                prepaid=payments[PREPAID], credit=payments[CREDIT], other=payments[OTHER], total=total,
                taxation=taxation, cashier=cashier, cashier_inn=receipt.text(1203) or None,
                buyer_contact=receipt.text(1008) or None, extra=extra), drawer)
        self._end_receipt()
        self._print(result)
        return result, change

    def _close_v2(self, req: Any) -> dict[str, Any]:
        receipt = self._require_receipt()
        if req.tax_system & (req.tax_system - 1):
            raise Refusal(E_PARAMETERS)  # one system, one bit
        result, change = self._close(receipt, list(req.payments), list(req.taxes), req.tax_system)
        when = result.datetime
        return {"change": change, "document_number": result.number, "fiscal_sign": result.fiscal_sign,
                "datetime": {"year": when.year % 100, "month": when.month, "day": when.day, "hour": when.hour,
                             "minute": when.minute}}

    def _classic_discount(self, discount: int) -> None:
        if discount:
            raise Refusal(E_PARAMETERS)  # a receipt discount in percent is not emulated [emulator limit]

    def _close_classic(self, req: Any) -> dict[str, int]:
        """85h: cash and payment types 2–4 (all «электронными» in the ФН)."""
        receipt = self._require_receipt()
        self._classic_discount(req.discount)
        payments = [req.cash, req.payment2 + req.payment3 + req.payment4, *([0] * 14)]
        _, change = self._close(receipt, payments, [0] * 6, 0)
        return {"change": change}

    def _close_extended(self, req: Any) -> dict[str, int]:
        """8Eh: sixteen payment sums, as FF45h."""
        receipt = self._require_receipt()
        self._classic_discount(req.discount)
        _, change = self._close(receipt, list(req.payments), [0] * 6, 0)
        return {"change": change}

    def _cancel_receipt(self, _: Any) -> None:
        receipt = self._require_receipt()
        self._same_operator(receipt)
        self._end_receipt()

    # -- cash ------------------------------------------------------------------------------
    def _cash(self, sign: int) -> Any:
        def run(req: Any) -> dict[str, int]:
            self._require_no_receipt()
            self._require_paper()
            if req.amount <= 0:
                raise Refusal(E_PARAMETERS)
            if sign < 0 and req.amount > self.drawer:
                raise Refusal(E_NO_CASH)
            self.core.store_device_values({"drawer": self.drawer + sign * req.amount})
            return {"document_number": self.core.status().last_fd_number & 0xFFFF}
        return run

    # -- corrections (FFD 1.05 commands) ---------------------------------------------------
    def _pending_correction(self) -> PendingDocument:
        if self.pending is None or self.pending.kind != "correction":
            raise Refusal(E_FN_STATE)
        return self.pending

    def _form_correction(self, correction_type: int, operation: int, total: int, payments: list[int],
                         taxes: list[int], tax_system: int) -> dict[str, int]:
        pending = self._pending_correction()
        if operation not in (1, 2, 3, 4) or sum(payments) != total or correction_type not in (0, 1):
            raise Refusal(E_FN_PARAMETER)
        if total > MAX_TOTAL:
            raise Refusal(E_TOTAL_OVERFLOW)
        receipt = OpenReceipt(TYPE_BY_OPERATION[operation], True, self.operator, tags=list(pending.tags))
        data_basis = receipt.basis(self.clock.now().date())
        cashier = pending.text(1021) or self.operator_name(self.operator)
        data = CorrectionData(
            operation=operation, correction_type=correction_type, basis_date=data_basis[0],
            basis_number=data_basis[1], description=data_basis[2], cash=payments[0], electronic=payments[1],
            prepaid=payments[2], credit=payments[3], other=payments[4], total=total,
            taxation=self._taxation(tax_system, pending), cashier=cashier, vat_20=taxes[0], vat_10=taxes[1],
            sum_vat_0=taxes[2], sum_no_vat=taxes[3], vat_20_120=taxes[4], vat_10_110=taxes[5],
            extra=tuple((t, v) for t, v in pending.tags if t not in (1021, 1203, 1055, 1173, 1174)))
        delta = payments[0] if operation in (1, 4) else -payments[0]
        if self.drawer + delta < 0:
            raise Refusal(E_NO_CASH)
        result = self._fn(self.core.correction, data, {"drawer": self.drawer + delta})
        self.pending = None
        self._print(result)
        return {"receipt_number": result.receipt_number, **self._document(result)}

    def _correction_v1(self, req: Any) -> dict[str, int]:
        """FF36h: total and operation only — paid in cash [inferred]; 1173/1174 come by FF0Ch."""
        pending = self._pending_correction()
        raw = pending.value(1173)
        kind = int.from_bytes(raw, "little") if raw else 0
        return self._form_correction(kind, req.operation, req.total, [req.total, 0, 0, 0, 0], [0] * 6, 0)

    def _correction_v2(self, req: Any) -> dict[str, int]:
        return self._form_correction(req.correction_type, req.operation, req.total, list(req.payments),
                                     list(req.taxes), req.tax_system)

    def _settlement_report(self, _: Any) -> dict[str, Any]:
        """FF38h (after FF37h, or alone [inferred]): отчёт о текущем состоянии расчётов."""
        if self.pending is not None and self.pending.kind != "state_report":
            raise Refusal(E_FN_STATE)
        self._require_no_receipt()
        cashier = self.pending.text(1021) if self.pending is not None else None
        result = self._fn(self.core.state_report, cashier or self.operator_name(self.operator))
        self.pending = None
        self._print(result)
        ofd = self.core.ofd_status()
        first = ofd.first_unsent_datetime
        return {**self._document(result), "unconfirmed": ofd.unsent_count,
                "first_unconfirmed": {"year": first.year % 100 if first else 0, "month": first.month if first else 0,
                                      "day": first.day if first else 0}}

    # -- ФН queries ------------------------------------------------------------------------
    @staticmethod
    def _dt5(value: datetime | None) -> dict[str, int]:
        if value is None:
            return {"year": 0, "month": 0, "day": 0, "hour": 0, "minute": 0}
        return {"year": value.year % 100, "month": value.month, "day": value.day, "hour": value.hour,
                "minute": value.minute}

    def _current_document(self, status: Any) -> int:
        if self.receipt is not None:
            return CORRECTION_DOCUMENT if self.receipt.correction else RECEIPT_DOCUMENT
        if self.pending is not None:
            if self.pending.kind == "registration" and self.pending.report_type:
                return REREGISTRATION_DOCUMENT
            return CURRENT_DOCUMENT[self.pending.kind]
        return int(status.current_document)

    def _fn_status(self, _: Any) -> dict[str, Any]:
        s = self.core.status()
        has_data = bool(self.receipt is not None and (self.receipt.items or self.receipt.tags))
        return {"life_phase": int(s.phase), "current_document": self._current_document(s),
                "document_data": int(has_data), "shift_open": int(s.shift_open), "warnings": int(s.warnings),
                "datetime": self._dt5(s.last_document_datetime), "fn_number": s.fn_number,
                "last_document": s.last_fd_number}

    def _fn_validity(self, _: Any) -> dict[str, Any]:
        v = self.core.validity()
        return {"valid_until": {"year": v.valid_until.year % 100, "month": v.valid_until.month,
                                "day": v.valid_until.day},
                "registrations_left": v.registrations_left, "registrations_done": v.registrations_done}

    def _lookup(self, number: int) -> Any:
        if number <= 0:
            raise Refusal(E_FN_NO_DATA)
        return self._fn(self.core.document, number)

    def _registration_totals(self, _: Any) -> dict[str, Any]:
        """FF09h: the last registration report."""
        status = self.core.status()
        for number in range(status.last_fd_number, 0, -1):
            doc = self._lookup(number)
            if doc.document_type in (1, 11):
                tags = _top_level(doc.tlv)
                reg = self.core.registration()
                mode = _mode_bits(reg) if reg is not None else 0
                return {"datetime": self._dt5(doc.datetime),
                        "inn": tags.get(1018, b"").decode("ascii", "replace").ljust(12)[:12],
                        "rnm": tags.get(1037, b"").decode("ascii", "replace").ljust(20)[:20],
                        "tax_systems": _number(tags, 1062),
                        "work_mode": mode, "document_number": doc.number, "fiscal_sign": doc.fiscal_sign,
                        "extension": b""}
        raise Refusal(E_FN_NO_DATA)

    def _find_document(self, req: Any) -> dict[str, Any]:
        """FF0Ah: type, OFD ticket, and the document data: date and time, number, fiscal sign, then by type — a
        receipt's operation and total, a shift's number, a registration's INN, RNM, taxation and mode
        (the ФН protocol's «найти фискальный документ» layouts [inferred for the tails])."""
        doc = self._lookup(req.document_number)
        tags = _top_level(doc.tlv)
        rest = b""
        if doc.document_type in (3, 31):
            rest = _number(tags, 1054).to_bytes(1, "little") + _number(tags, 1020).to_bytes(5, "little")
        elif doc.document_type in (2, 5):
            rest = _number(tags, 1038).to_bytes(2, "little")
        elif doc.document_type in (1, 11):
            rest = (tags.get(1018, b"").ljust(12)[:12] + tags.get(1037, b"").ljust(20)[:20]
                    + _number(tags, 1062).to_bytes(1, "little") + b"\x00")
        head = c.FN_DOCUMENT_HEAD.build({"datetime": self._dt5(doc.datetime), "document_number": doc.number,
                                         "fiscal_sign": doc.fiscal_sign, "rest": rest})
        return {"document_type": doc.document_type, "ofd_ticket": int(doc.ofd_confirmed), "document": head}

    def _ofd_status(self, _: Any) -> dict[str, Any]:
        ofd = self.core.ofd_status()
        return {"status": 0x02 if ofd.unsent_count else 0, "reading": 0, "queue": ofd.unsent_count & 0xFFFF,
                "first_document": ofd.first_unsent_number, "first_datetime": self._dt5(ofd.first_unsent_datetime)}

    def _request_tlv(self, req: Any) -> dict[str, int]:
        doc = self._lookup(req.document_number)
        tag, size, self._tlv_queues[self._client] = read_back_chunks(doc.tlv)
        return {"document_type": tag, "length": size}

    def _read_tlv(self, _: Any) -> dict[str, bytes]:
        queue = self._tlv_queues.get(self._client)
        if not queue:
            raise Refusal(E_FN_NO_DATA)
        return {"tlv": queue.pop(0)}

    def _ofd_ticket(self, req: Any) -> dict[str, bytes]:
        self._lookup(req.document_number)
        raise Refusal(E_FN_NO_DATA)  # the simulated OFD keeps no tickets [emulator limit]

    def _shift_parameters(self, _: Any) -> dict[str, int]:
        shift = self.core.shift()
        return {"shift_open": int(shift.open), "shift_number": shift.number,
                "receipt_number": max(shift.next_receipt_number - 1, 0) if shift.open else 0}

    # -- registration ----------------------------------------------------------------------
    def _begin_registration(self, req: Any) -> None:
        if req.report_type not in (0, 1, 2):
            raise Refusal(E_FN_PARAMETER)
        self._require_no_receipt()
        if self.pending is not None or self.core.shift().open:
            raise Refusal(E_FN_STATE)
        self.pending = PendingDocument("registration", req.report_type)

    def _pending_registration(self, types: tuple[int, ...]) -> PendingDocument:
        pending = self.pending
        if pending is None or pending.kind != "registration" or pending.report_type not in types:
            raise Refusal(E_FN_STATE)
        return pending

    def _registration(self, req: Any, pending: PendingDocument) -> Registration:
        """The parameters: INN, RNM, taxation and mode from the command; the texts from FF0Ch, else table 18;
        the FFD version from table 17 field 17."""
        t = self.tables

        def text(tag: int, field: int, second: int | None = None) -> str:
            given = pending.text(tag)
            if given is not None:
                return given
            return t.long_text((18, 1, field), (18, 1, second)) if second else t.text((18, 1, field))

        mode = req.work_mode
        return Registration(
            user_name=text(1048, 7, 17), inn=str(req.inn).strip(), rnm=str(req.rnm).strip(),
            kkt_serial=f"{self.profile.serial_number:016d}", address=text(1009, 9, 18), place=text(1187, 14, 20),
            taxation=req.tax_systems, ofd_inn=text(1017, 12).strip(), ofd_name=text(1046, 10, 19),
            fns_site=text(1060, 13) or "www.nalog.gov.ru", sender_email=text(1117, 15) or None,
            ffd_version=t.number((17, 1, 17)), encryption=bool(mode & MODE_BITS["encryption"]),
            autonomous=bool(mode & MODE_BITS["autonomous"]), automatic=bool(mode & MODE_BITS["automatic"]),
            services=bool(mode & MODE_BITS["services"]), bso=bool(mode & MODE_BITS["bso"]),
            internet=bool(mode & MODE_BITS["internet"]))

    def _after_registration(self, reg: Registration, req: Any) -> None:
        """The register keeps what it registered in table 18 (fields 1–6)."""
        t = self.tables
        values = {(18, 1, 1): reg.kkt_serial, (18, 1, 2): reg.inn.ljust(12), (18, 1, 3): reg.rnm,
                  (18, 1, 4): self.core.status().fn_number, (18, 1, 5): reg.taxation, (18, 1, 6): req.work_mode}
        encoded: dict[tuple[int, int, int], bytes] = {}
        for key, value in values.items():
            spec = t.spec(key)
            assert spec is not None  # table 18 fields 1–6 are declared
            encoded[key] = encode_field(spec, value)
        t.set_many(encoded)

    def _register(self, req: Any) -> dict[str, int]:
        pending = self._pending_registration((0,))
        reg = self._registration(req, pending)
        cashier = pending.text(1021) or self.operator_name(self.operator)
        result = self._fn(self.core.register, reg, cashier)
        self.pending = None
        self._after_registration(reg, req)
        self._print(result)
        return self._document(result)

    def _reregister(self, req: Any) -> dict[str, int]:
        """FF34h after FF05h 1 (a new ФН: its number, 1041, by FF0Ch) or 2 (reasons: FF34h's byte; in FFD 1.2 the
        1205 mask of table 18 field 22 when it is set [inferred])."""
        pending = self._pending_registration((1, 2))
        reg = self._registration(req, pending)
        cashier = pending.text(1021) or self.operator_name(self.operator)
        if pending.report_type == 1:
            number = pending.value(1041)
            if number is None:
                raise Refusal(E_FN_PARAMETER)
            result = self._fn(self.core.replace_fn, number.decode("ascii", "replace").strip(), reg, cashier)
        else:
            reasons = req.reason
            if FFD_BY_CODE.get(reg.ffd_version) == "1.2" and self.tables.number((18, 1, 22)):
                reasons = self.tables.number((18, 1, 22))
            result = self._fn(self.core.reregister, reg, reasons, cashier)
        self.pending = None
        self._after_registration(reg, req)
        self._print(result)
        return self._document(result)

    def _close_fn(self, _: Any) -> dict[str, int]:
        pending = self.pending
        if pending is None or pending.kind != "close_fn":
            raise Refusal(E_FN_STATE)
        if self.core.shift().open:
            raise Refusal(E_SHIFT_OPEN)
        result = self._fn(self.core.close_fn, pending.text(1021) or self.operator_name(self.operator))
        self.pending = None
        self._print(result)
        return self._document(result)


def _top_level(document: bytes) -> dict[int, bytes]:
    """The raw values of a document's top-level requisites (the first of each tag), without decoding them all."""
    body, offset = document[4:], 0
    out: dict[int, bytes] = {}
    while offset + 4 <= len(body):
        tag = int.from_bytes(body[offset:offset + 2], "little")
        size = int.from_bytes(body[offset + 2:offset + 4], "little")
        out.setdefault(tag, body[offset + 4:offset + 4 + size])
        offset += 4 + size
    return out


def _number(tags: dict[int, bytes], tag: int) -> int:
    """A number requisite (byte, VLN, uint32: all little-endian), 0 when absent."""
    return int.from_bytes(tags.get(tag, b""), "little")


def _mode_bits(reg: Registration) -> int:
    return sum(bit for name, bit in MODE_BITS.items() if getattr(reg, name, False))


__all__ = ["FiscalHandlers", "Refusal"]
