"""ATOL fiscal commands on top of the shared virtual ФН (:mod:`kkt_emu.core.fiscal`).

Shift (9A, 5A, 67), receipts (92, EA, E8, EB, 99, 4A, 59), cash (49, 4F, 4D), ФН queries (A4 xx),
registration and closing of the ФН (A6, A7 with requisites written by E8 in mode 6) and settings
tables (50, 46). The receipt is accumulated here and handed to the ФН in one call at close, so a
document is either whole in the archive or absent.
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
    E_PRICE,
    E_QUANTITY,
    E_RECEIPT_CLOSED,
    E_RECEIPT_OPEN,
    E_RECEIPT_TYPE,
    E_REPORT_TYPE,
    E_SHIFT_EXPIRED,
    E_SHIFT_OPEN,
    E_UNDERPAID,
)
from .fn_errors import atol_code
from .receipt import OpenReceipt, RequisiteBlocks

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

    def fiscal_handlers(self) -> dict[bytes, Any]:
        return {
            f.OPEN_SHIFT.code: self._open_shift, f.Z_REPORT.code: self._z_report, f.REPORT.code: self._report,
            f.OPEN_RECEIPT.code: self._open_receipt, f.BEGIN_POSITION.code: self._begin_position,
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
        self._print(result)
        self._refresh_counters()

    def _z_report(self, _: Any) -> None:
        self._require_no_receipt()
        result = self._fn(self.core.close_shift, self.cashier_name())
        self._print(result)
        self._refresh_counters()

    def _report(self, req: Any) -> None:
        if req.type != 1:
            raise Refusal(E_REPORT_TYPE)
        if self.tape is not None:
            try:
                self.tape.print_x_report(self.core.shift(), self.core.shift_totals(), self.drawer)
            except Exception as exc:
                self.incidents.record("tape", exc)

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
        receipt = self._require_receipt()
        if not self._positions_allowed(receipt):
            raise Refusal(E_MODE)
        if receipt.discounted:
            raise Refusal(E_AFTER_DISCOUNT)
        if req.quantity <= 0:
            raise Refusal(E_QUANTITY)
        gross = (req.price * req.quantity + 500) // 1000
        discount = req.discount if req.discount_sign == 0 else -req.discount
        if req.amount != gross - discount or req.amount < 0:
            raise Refusal(E_PRICE)
        if not 1 <= req.vat <= 10 or not 1 <= req.method <= 7 or not 1 <= req.subject <= 33:
            raise Refusal(E_FORMAT)
        try:
            name = decode_atol(req.name).rstrip("\x00")
        except UnicodeDecodeError:
            raise Refusal(E_FORMAT) from None
        if not name:
            raise Refusal(E_LENGTH)
        receipt.items.append(ItemData(name=name, price=req.price, quantity_milli=req.quantity, amount=req.amount,
                                      vat=req.vat, payment_method=req.method, payment_subject=req.subject,
                                      extra=tuple(receipt.position_tags)))
        receipt.position_open = False
        receipt.position_tags = []
        self.state.receipt_sum = receipt.total

    def _discount(self, req: Any) -> None:
        """43: a discount or surcharge by sum or percent, on the last position or spread over the receipt.

        FFD has no receipt-level discount requisite, so a receipt discount is spread over the positions in
        proportion to their amounts (the remainder on the last one) — the way registers print it [inferred].
        """
        receipt = self._require_receipt()
        if receipt.is_correction or receipt.position_open or not receipt.items or receipt.payments:
            raise Refusal(E_MODE)
        if receipt.discounted:
            raise Refusal(E_AFTER_DISCOUNT)
        if req.area not in (0, 1) or req.type not in (0, 1) or req.sign not in (0, 1):
            raise Refusal(E_FORMAT)
        targets = receipt.items if req.area == 0 else receipt.items[-1:]
        base = sum(int(item.amount) for item in targets)
        size = req.size if req.type == 1 else (base * req.size + 5000) // 10000  # percent in hundredths
        if req.type == 0 and req.size > 10000 and not req.sign:
            raise Refusal(E_DISCOUNT_SIZE)
        if size <= 0 or (not req.sign and size > base):
            raise Refusal(E_DISCOUNT_SIZE)
        delta = size if req.sign else -size
        shares, left = [], delta
        for index, item in enumerate(targets):
            share = left if index == len(targets) - 1 else delta * int(item.amount) // base
            shares.append(share)
            left -= share
        offset = len(receipt.items) - len(targets)
        for index, share in enumerate(shares):
            item = receipt.items[offset + index]
            receipt.items[offset + index] = replace(item, amount=int(item.amount) + share)
        if req.area == 0:
            receipt.discounted = True
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
        self._require_receipt()
        self.receipt = None
        self.receipt_owner = None
        self.state.receipt_state = 0
        self.state.receipt_sum = 0
        self.state.sub_mode = 0

    def _cash_in(self, req: Any) -> None:
        self._require_no_receipt()
        if req.sum <= 0:
            raise Refusal(E_PRICE)
        self.core.store_device_values({"drawer": self.drawer + req.sum})

    def _cash_out(self, req: Any) -> None:
        self._require_no_receipt()
        if req.sum <= 0:
            raise Refusal(E_PRICE)
        if req.sum > self.drawer:
            raise Refusal(E_NO_CASH)
        self.core.store_device_values({"drawer": self.drawer - req.sum})

    # -- ФН queries ------------------------------------------------------------------------
    @staticmethod
    def _dt(value: datetime | None) -> dict[str, int]:
        if value is None:
            return {"year": 0, "month": 0, "day": 0, "hour": 0, "minute": 0}
        return {"year": value.year % 100, "month": value.month, "day": value.day, "hour": value.hour,
                "minute": value.minute}

    def _fn_shift(self, _: Any) -> dict[str, int]:
        shift = self.core.shift()
        return {"open": int(shift.open), "shift": shift.number,
                "receipt": max(shift.next_receipt_number - 1, 0) if shift.open else 0}

    def _fn_ofd(self, _: Any) -> dict[str, Any]:
        ofd = self.core.ofd_status()
        return {"flags": 0x02 if ofd.unsent_count else 0, "reading": 0, "unsent": ofd.unsent_count,
                "first_number": ofd.first_unsent_number, "first_datetime": self._dt(ofd.first_unsent_datetime)}

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
        return {"type": doc.document_type, "datetime": self._dt(doc.datetime), "number": doc.number,
                "fiscal_sign": doc.fiscal_sign, "rest": b""}

    def _fn_document_tlv(self, req: Any) -> dict[str, int]:
        doc = self._document(req.number)
        outer = decode_tlv(doc.tlv)[0]
        body = doc.tlv[4:]
        chunks, offset = [], 0
        while offset + 4 <= len(body):
            size = int.from_bytes(body[offset + 2:offset + 4], "little")
            chunks.append(body[offset:offset + 4 + size])
            offset += 4 + size
        self._tlv_queues[self._client] = chunks
        return {"type": outer.tag, "size": len(body)}

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
        for flag in ("autonomous", "encryption", "automatic", "internet", "services", "bso", "gambling",
                     "lottery", "excise"):
            values[flag] = bool(values.get(flag, False))
        values["taxation"] = int(values["taxation"])
        values.setdefault("ffd_version", 2)
        values["ffd_version"] = int(values["ffd_version"])
        values["kkt_serial"] = f"{self.profile.serial_number:08d}"  # as 3F reports it
        return Registration(**{k: v for k, v in values.items() if k in Registration.__dataclass_fields__})

    def _register(self, req: Any) -> None:
        if self.core.shift().open:
            raise Refusal(E_SHIFT_OPEN)
        registration = self._registration()
        if req.operation == 0:
            result = self._fn(self.core.register, registration, self.cashier_name())
        elif req.operation == 1:
            new_number = self.registration_tags.get(1041)
            if new_number is None:
                raise Refusal(E_FORMAT)
            result = self._fn(self.core.replace_fn, str(new_number), registration, self.cashier_name())
        elif req.operation == 2:
            result = self._fn(self.core.reregister, registration, req.reasons, self.cashier_name())
        else:
            raise Refusal(E_FORMAT)
        self.registration_tags.clear()
        self._print(result)
        self._refresh_counters()

    def _close_fn(self, _: Any) -> None:
        if self.core.shift().open:
            raise Refusal(E_SHIFT_OPEN)
        result = self._fn(self.core.close_fn, self.cashier_name())
        self._print(result)
        self._refresh_counters()
