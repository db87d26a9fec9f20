"""The ATOL personality: protocol 3.1 messages in, answers out, with ATOL's modes and errors.

It decodes a message with the same command specs the driver uses
(:mod:`kkt_drivers.protocols.atol.commands`), checks the access password and the mode, runs the
handler and encodes the answer with the same specs. Where the device's choice of error code is not
published, the code used here is marked inferred (see protocol-notes/atol/commands.md).
"""

from __future__ import annotations

import time
from collections.abc import Callable
from dataclasses import dataclass, replace
from datetime import datetime, timedelta
from typing import Any, ClassVar

import construct as cs

from kkt_drivers.ffd.tlv import decode_tlv
from kkt_drivers.protocols.atol import commands as c
from kkt_drivers.protocols.atol import fiscal_commands as f
from kkt_drivers.protocols.atol.spec import AtolCommandSpec
from kkt_drivers.protocols.common.text import encode_atol

from ...core.clock import DeviceClock
from ...core.fiscal import FiscalCore
from ...core.incidents import Incidents
from .codes import (
    E_BAD_PASSWORD,
    E_BUSY,
    E_FIELD,
    E_FORMAT,
    E_INTERNAL,
    E_INVALID_DATE,
    E_INVALID_TIME,
    E_LENGTH,
    E_MODE,
    E_PASSWORD,
    E_RECEIPT_OPEN,
    E_REGISTER,
    E_ROW,
    E_SECURITY_CODE,
    E_SHIFT_OPEN,
    E_TABLE,
    E_UNSUPPORTED,
)
from .fiscal import FiscalHandlers, Refusal
from .profile import AtolProfile
from .receipt import OpenReceipt, RequisiteBlocks
from .state import AtolState
from .tables import ACCESS_PASSWORD, SettingsTables

# error codes (names in kkt_drivers.protocols.atol.error_table)

#: which table-3 rows may enter each mode (inferred for modes 5 and 6)
MODE_OPERATORS: dict[int, frozenset[int]] = {
    1: frozenset(range(1, 31)),
    2: frozenset(range(1, 31)),
    3: frozenset({29, 30}),
    4: frozenset({30}),
    6: frozenset({30}),
}
TAX_INSPECTOR_PASSWORD = 0  # mode 5, inferred
#: the printing sub-mode after a report (2.2 X-report, 3.2 Z-report) [A4J, KAZ and CRY poll until it ends]
PRINTING_SUB_MODE = 2
#: 9D sources: 1 the main program, 3 the boot block [A4J, CDRV]; the boot block's version is ours [inferred]
BOOT_VERSION = {"version": 1, "subversion": 0, "language": 0, "build": 1}
#: registers 51-53 look this many documents back for the last receipt
LOOK_BACK = 1000


@dataclass(frozen=True)
class Execution:
    answer: bytes
    failed: bool
    seconds: float  # how long a real device would take
    #: > 0: the register is busy (printing a report) this much longer and did not run the command; the v3 task
    #: buffer keeps the task and runs it then, the v2 link answers the refusal
    busy_for: float = 0.0


Handler = Callable[[Any], dict[str, Any] | None]


class AtolPersonality(FiscalHandlers):
    family = "atol"

    def __init__(self, profile: AtolProfile, clock: DeviceClock, core: FiscalCore, *,
                 tables: SettingsTables | None = None, tape: Any = None, incidents: Incidents | None = None) -> None:
        self.profile = profile
        self.incidents = incidents or Incidents()
        self.clock = clock
        self.core = core
        self.tables = tables or SettingsTables()
        self.tape = tape
        self.state = AtolState(profile)
        self.receipt: OpenReceipt | None = None
        self.registration_tags: dict[int, Any] = {}
        #: A4 45/46 reads in progress, per connection (two clients reading documents never mix)
        self._tlv_queues: dict[int, list[bytes]] = {}
        #: the connection that opened the receipt; no other may change anything until it is closed or gone
        self.receipt_owner: int | None = None
        self._client = 0
        self._requisite_blocks: RequisiteBlocks | None = None
        #: how long a report prints (seconds; the sub-mode x.2 lasts that long), and the clock that times it
        self.print_seconds = profile.report_seconds
        self.monotonic: Callable[[], float] = time.monotonic
        self._printing_until = 0.0
        #: the last error code answered (B3)
        self.last_error = 0
        self._handlers: dict[bytes, Handler] = {
            c.STATUS.code: self._status,
            c.STATE_CODE.code: self._state_code,
            c.DEVICE_TYPE.code: self._device_type,
            c.ENTER_MODE.code: self._enter_mode,
            c.EXIT_MODE.code: self._exit_mode,
            c.SET_DATETIME.code: self._set_datetime,
            f.WRITE_TABLE.code: self._write_table,
            f.READ_TABLE.code: self._read_table,
            f.READ_REGISTER.code: self._read_register,
            c.LAST_SHIFT_TOTALS.code: self._last_shift_totals,
            c.FIRMWARE_VERSION.code: self._firmware_version,
            c.SECURITY_CODE_STATE.code: self._security_code_state,
            c.LAST_ERROR.code: lambda _: {"last_error": self.last_error},
            **self.fiscal_handlers(),
        }
        self._refresh_counters()

    @property
    def fiscal(self) -> FiscalCore:
        return self.core

    #: operation -> the command that makes its fiscal effect
    operation_codes: ClassVar[dict[str, str]] = {
        "open_shift": "9a", "close_shift": "5a", "x_report": "6701", "state_report": "6709",
        "begin_receipt": "92", "add_position": "eb",
        "pay": "99", "close_receipt": "4a", "cancel_receipt": "59", "cash_in": "49", "cash_out": "4f",
        "register": "a6", "close_fn": "a7",
    }

    def control(self, op: str, request: Any) -> dict[str, Any] | None:
        """ATOL's own control op: ``set_print_time seconds=S`` — how long a report prints (the sub-mode x.2)."""
        if op != "set_print_time":
            return None
        seconds = float(request.get("seconds", -1))
        if not 0 <= seconds <= 600:
            raise ValueError("seconds must be between 0 and 600")
        self.print_seconds = seconds
        return {"seconds": seconds}

    def command_bytes(self, message: bytes) -> bytes:
        """The message without its two-byte access password."""
        return message[2:]

    def close(self) -> None:
        self.core.close()

    def reset(self) -> None:
        self.core.reset()
        self.tables.reset()
        self.state = AtolState(self.profile)
        self.receipt = None
        self.registration_tags = {}
        self._tlv_queues = {}
        self.receipt_owner = None
        self._requisite_blocks = None
        self._printing_until = 0.0
        self.last_error = 0
        self._refresh_counters()

    # -- dispatch --------------------------------------------------------------------------
    def client_gone(self, client: int) -> None:
        """A connection closed: a receipt it opened stays open (as on a real register) but is anyone's now."""
        self._tlv_queues.pop(client, None)
        if self.receipt_owner == client:
            self.receipt_owner = None

    def execute(self, message: bytes, client: int = 0) -> Execution:
        self._client = client
        self._settle_printing()
        outcome = self._execute(message, client)
        if outcome.failed and not outcome.busy_for:
            self.last_error = outcome.answer[1] if len(outcome.answer) > 1 else outcome.answer[0]
        return outcome

    def _start_printing(self) -> None:
        if self.print_seconds > 0:
            self.state.sub_mode = PRINTING_SUB_MODE
            self._printing_until = self.monotonic() + self.print_seconds

    def _settle_printing(self) -> None:
        if self._printing_until and self.monotonic() >= self._printing_until:
            self._printing_until = 0.0
            if self.state.sub_mode == PRINTING_SUB_MODE:
                self.state.sub_mode = 0

    def _execute(self, message: bytes, client: int) -> Execution:
        password, spec, params = c.split_message(message)
        if spec is None or spec.code not in self._handlers:
            return self._refuse(None, E_UNSUPPORTED if len(message) >= 3 else E_FORMAT)
        if password != self.tables.access_password():
            return self._refuse(spec, E_PASSWORD)
        if self.receipt is not None and self.receipt_owner not in (None, client) and not self._reads_only(spec):
            return self._refuse(spec, E_RECEIPT_OPEN)  # another connection's receipt is open [inferred]
        if self._printing_until and not self._reads_only(spec):  # the report is still printing [inferred code]
            refusal = self._refuse(spec, E_BUSY)
            return replace(refusal, busy_for=max(self._printing_until - self.monotonic(), 0.001))
        if spec.modes is not None and self.state.mode not in spec.modes:
            return self._refuse(spec, E_MODE)
        try:
            request = spec.parse_params(params)
        except cs.StreamError:
            return self._refuse(spec, E_LENGTH)  # too short
        except cs.ConstructError:
            return self._refuse(spec, E_BAD_PASSWORD if spec is c.ENTER_MODE else E_FORMAT)  # not BCD, etc.
        size = spec.exact_request_size()
        if (len(params) != size) if size is not None else (spec.build_params(request) != params):
            return self._refuse(spec, E_LENGTH)  # trailing bytes
        try:
            fields = self._handlers[spec.code](request)
        except Refusal as refusal:
            return self._refuse(spec, refusal.code)
        return Execution(c.encode_answer(spec, fields or {}), False, float(spec.timeout.value))

    def failure(self, message: bytes, error: BaseException) -> Execution:
        """A handler raised: answer 0xD5 «Неисправимая ошибка ФН» [inferred: how a register reports an
        internal fault is not published]. The receipt being built, if any, stays as it was."""
        _, spec, _ = c.split_message(message)
        return self._refuse(spec, E_INTERNAL)

    @staticmethod
    def _reads_only(spec: AtolCommandSpec) -> bool:
        """Queries and ФН reads (A4 xx) change nothing a receipt depends on."""
        return spec.idempotent or spec.code[:1] == b"\xa4"

    def _refuse(self, spec: AtolCommandSpec | None, code: int) -> Execution:
        if spec is None:
            return Execution(bytes((0x55, code, 0)), True, 1.0)
        return Execution(c.encode_answer(spec, error=code), True, 1.0)

    # -- handlers --------------------------------------------------------------------------
    def _status(self, _: Any) -> dict[str, Any]:
        s, now = self.state, self.clock.now()
        return {
            "cashier": s.operator if s.mode else 0, "hall_number": s.hall_number,
            "year": now.year % 100, "month": now.month, "day": now.day,
            "hour": now.hour, "minute": now.minute, "second": now.second,
            "flags": {"battery_flag": False, "fn_active": s.fn_active, "cover_open": s.cover_open,
                      "_unused": False, "paper_present": s.paper_present, "drawer_open": s.drawer_open,
                      "shift_open": s.shift_open, "fiscalised": s.fiscalised},
            "serial_number": self.profile.serial_number, "model": self.profile.model,
            "firmware": self.profile.firmware, "mode": s.mode_byte,
            "receipt_number": s.receipt_number % 10000, "shift_number": s.shift_number % 10000,
            "receipt_state": s.receipt_state, "receipt_sum": s.receipt_sum,
            "decimal_point": 2, "interface": self.profile.interface,
        }

    def _state_code(self, _: Any) -> dict[str, Any]:
        s = self.state
        return {"mode": s.mode_byte, "flags": {
            "paper_near_end": False, "presenter_error": False, "paper_jam": False,
            "recoverable_printer_error": False, "cutter_error": False, "mechanical_error": False,
            "printer_link_lost": False, "no_paper": not s.paper_present}}

    def _device_type(self, _: Any) -> dict[str, Any]:
        p = self.profile
        return {"protocol": 1, "device_type": 1, "model": p.model, "mode": b"\x10\x00",
                "version": p.version, "name": encode_atol(p.name)}

    def _enter_mode(self, req: Any) -> None:
        s = self.state
        mode, password = req.mode & 0x0F, req.password
        if mode == 5:
            if password != TAX_INSPECTOR_PASSWORD:
                raise Refusal(E_PASSWORD)
            operator = 0
        elif mode in MODE_OPERATORS:
            rows = [row for row in MODE_OPERATORS[mode] if self.tables.password(row) == password]
            if not rows:
                raise Refusal(E_PASSWORD)
            operator = max(rows)
        else:
            raise Refusal(E_FORMAT)
        s.mode, s.sub_mode, s.operator = mode, 0, operator

    def _exit_mode(self, _: Any) -> None:
        s = self.state
        if s.receipt_state:
            raise Refusal(E_RECEIPT_OPEN)
        if s.sub_mode:
            s.sub_mode = 0
        else:
            s.mode, s.operator = 0, 0

    def _set_datetime(self, req: Any) -> None:
        if self.state.shift_open:
            raise Refusal(E_SHIFT_OPEN)
        try:
            date = datetime(2000 + req.year, req.month, req.day)
        except ValueError:
            raise Refusal(E_INVALID_DATE) from None
        if req.hour > 23 or req.minute > 59 or req.second > 59:
            raise Refusal(E_INVALID_TIME)
        # through the ФН, which records the jump for its 5-minute rule
        self.core.set_clock(date.replace(hour=req.hour, minute=req.minute, second=req.second))

    def _write_table(self, req: Any) -> None:
        key = (req.table, req.row, req.field)
        if not SettingsTables.valid_key(key):
            raise Refusal(E_TABLE if not 1 <= req.table <= 30 else E_ROW if not 1 <= req.row <= 200 else E_FIELD)
        if key == ACCESS_PASSWORD and not req.value.hex().isdigit():
            raise Refusal(E_BAD_PASSWORD)
        self.tables.set(key, req.value)

    def _read_table(self, req: Any) -> dict[str, bytes]:
        key = (req.table, req.row, req.field)
        if not SettingsTables.valid_key(key):
            raise Refusal(E_TABLE)
        value = self.tables.get(key)
        if value is None:
            raise Refusal(E_FIELD)
        return {"value": value}

    def _last_shift_totals(self, _: Any) -> dict[str, int]:
        """58: сменный итог приходов и расходов — the current (or last) shift's приход and расход totals
        [inferred: which operations count is not published; returns are not subtracted]."""
        totals = self.core.shift_totals()
        income = totals.receipts.get(1)
        expense = totals.receipts.get(3)
        return {"income": (income.total if income else 0) % 10**14,
                "expense": (expense.total if expense else 0) % 10**14}

    def _firmware_version(self, req: Any) -> dict[str, int]:
        """9D: the main program's version is the one A5 reports (major, minor, language, build BCD 2)."""
        if req.source == 1:
            v = self.profile.version
            return {"version": int(v[:1].hex()), "subversion": int(v[1:2].hex()), "language": int(v[2:3].hex()),
                    "build": int(v[3:5].hex())}
        if req.source == 3:
            return dict(BOOT_VERSION)
        raise Refusal(E_FORMAT)  # [inferred code]

    def _security_code_state(self, req: Any) -> dict[str, int]:
        """74: protection codes 1..30 live in table 10 (field 1, BCD 8); none is entered on a new register."""
        if not 1 <= req.number <= 30:
            raise Refusal(E_SECURITY_CODE)
        raw = self.tables.get((10, req.number, 1)) or b""
        return {"activated": int(any(raw))}

    # -- registers (91) ----------------------------------------------------------------------
    def _read_register(self, req: Any) -> dict[str, bytes]:
        reader = self._registers.get(req.register)
        if reader is None:
            raise Refusal(E_REGISTER)
        return {"value": reader(req.p1, req.p2)}

    @property
    def _registers(self) -> dict[int, Callable[[int, int], bytes]]:
        return {
            f.REGISTER_PAYMENTS: self._reg_payments, f.REGISTER_CASH_INS: lambda *_: self._reg_cash("cash_ins"),
            f.REGISTER_CASH_OUTS: lambda *_: self._reg_cash("cash_outs"), f.REGISTER_REVENUE: self._reg_revenue,
            f.REGISTER_DATETIME: self._reg_datetime, f.REGISTER_SHIFT_STATE: self._reg_shift_state,
            f.REGISTER_RECEIPT_STATE: self._reg_receipt_state, f.REGISTER_SHIFT_NUMBER: self._reg_shift_number,
            f.REGISTER_SERIAL: lambda *_: f.SERIAL_VALUE.build({"serial": self.profile.serial_number}),
            f.REGISTER_LINE_WIDTH: self._reg_line_width,
            f.REGISTER_FN_NUMBER: lambda *_: f.FN_NUMBER_VALUE.build({"number": self.core.status().fn_number}),
            f.REGISTER_LAST_RECEIPT: lambda *_: self._reg_last_document(receipts_only=True),
            f.REGISTER_LAST_DOCUMENT: lambda *_: self._reg_last_document(receipts_only=False),
            f.REGISTER_LAST_RECEIPT_NUMBERS: self._reg_last_receipt_numbers,
            f.REGISTER_EXTENDED_ERROR: lambda *_: f.EXTENDED_ERROR_VALUE.build({"code": 0}),
        }

    @staticmethod
    def _dt6(value: datetime) -> dict[str, int]:
        return {"day": value.day, "month": value.month, "year": value.year % 100, "hour": value.hour,
                "minute": value.minute, "second": value.second}

    def _reg_datetime(self, *_: int) -> bytes:
        return bytes(f.DATETIME_VALUE.build(self._dt6(self.clock.now())))

    def _reg_shift_state(self, *_: int) -> bytes:
        shift = self.core.shift()
        if not shift.open or shift.opened_at is None:
            return bytes(7)
        end = shift.opened_at + timedelta(hours=24)
        return bytes(f.SHIFT_STATE_VALUE.build({"open": 1, **self._dt6(end)}))

    def _reg_receipt_state(self, *_: int) -> bytes:
        """19: state (0 closed, 1 open), receipt type, the receipt's number in the shift, the next document
        number [field meanings inferred]."""
        s = self.state
        return bytes(f.RECEIPT_STATE_VALUE.build({
            "state": int(bool(s.receipt_state)), "type": s.receipt_state, "receipt_number": s.receipt_number % 10000,
            "document_number": (self.core.status().last_fd_number + 1) % 10**8}))

    def _reg_shift_number(self, *_: int) -> bytes:
        return bytes(f.SHIFT_NUMBER_VALUE.build({"shift": self.core.shift().number % 10000}))

    def _reg_payments(self, receipt_type: int, payment_type: int) -> bytes:
        """3: the shift's payments of one type (p2: 1 cash … 5 other) in receipts of one type (p1: 1, 2, 4, 5)."""
        operation = f.OPERATION_BY_RECEIPT_TYPE.get(receipt_type)
        fields = {1: "cash", 2: "electronic", 3: "prepaid", 4: "credit", 5: "other"}
        if operation is None or payment_type not in fields:
            raise Refusal(E_FORMAT)
        totals = self.core.shift_totals().receipts.get(operation)
        return bytes(f.PAYMENTS_VALUE.build({"sum": (getattr(totals, fields[payment_type]) if totals else 0)
                                             % 10**14}))

    def _reg_cash(self, key: str) -> bytes:
        """4 / 5: cash put in / taken out during the shift (kept with the drawer)."""
        return bytes(f.CASH_MOVES_VALUE.build({"sum": int(self.core.device_value(key, 0)) % 10**12}))

    def _reg_revenue(self, *_: int) -> bytes:
        """11: выручка of the shift — приход less its returns, plus возврат расхода less расход [inferred]."""
        receipts = self.core.shift_totals().receipts
        value = sum((1 if op in (1, 4) else -1) * totals.total for op, totals in receipts.items())
        return bytes(f.REVENUE_VALUE.build({"sign": int(value < 0), "sum": abs(value) % 10**12}))

    def _reg_line_width(self, *_: int) -> bytes:
        chars, pixels = self.profile.line_width, self.profile.line_pixels
        return bytes(f.LINE_WIDTH_VALUE.build({"chars_1": chars, "pixels_1": pixels, "chars_2": chars * 4 // 3,
                                               "pixels_2": pixels, "chars_3": chars // 2, "pixels_3": pixels}))

    def _last_receipt_document(self, *, receipts_only: bool) -> Any:
        """The newest document (or receipt, among the last :data:`LOOK_BACK` documents), or None."""
        number = self.core.status().last_fd_number
        for candidate in range(number, max(number - LOOK_BACK, 0), -1):
            doc = self.core.document(candidate)
            if not receipts_only or doc.document_type in (3, 31):
                return doc
        return None

    def _reg_last_document(self, *, receipts_only: bool) -> bytes:
        """51 (the last receipt) and 52 (the last fiscal document): FD number, type (the receipt's type as 92
        takes it, or the document type), total, date-time, fiscal sign; zeros before the first one [inferred]."""
        doc = self._last_receipt_document(receipts_only=receipts_only)
        if doc is not None:
            return bytes(f.LAST_DOCUMENT_VALUE.build({
                "number": doc.number % 10**10, "type": self._document_kind(doc, receipts_only),
                "total": self._document_total(doc) % 10**14, **self._dt5(doc.datetime),
                "fiscal_sign": doc.fiscal_sign % 10**10, "reserved": bytes(3)}))
        return bytes(f.LAST_DOCUMENT_VALUE.sizeof())

    @staticmethod
    def _dt5(value: datetime) -> dict[str, int]:
        return {"day": value.day, "month": value.month, "year": value.year % 100, "hour": value.hour,
                "minute": value.minute}

    @staticmethod
    def _document_kind(doc: Any, receipts_only: bool) -> int:
        if not receipts_only:
            return int(doc.document_type) & 0xFF
        tlvs = {t.tag: t.value for t in decode_tlv(doc.tlv)[0].children}
        operation = tlvs.get(1054, 0)
        table = f.CORRECTION_TYPE_BY_OPERATION if doc.document_type == 31 else f.RECEIPT_TYPE_BY_OPERATION
        return table.get(operation, 0) if isinstance(operation, int) else 0

    @staticmethod
    def _document_total(doc: Any) -> int:
        tlvs = {t.tag: t.value for t in decode_tlv(doc.tlv)[0].children}
        value = tlvs.get(1020, 0)
        return int(value) if isinstance(value, int) else 0

    def _reg_last_receipt_numbers(self, *_: int) -> bytes:
        """53: shift and receipt number (1038, 1042) of the last receipt [inferred sizes]."""
        doc = self._last_receipt_document(receipts_only=True)
        if doc is None:
            return bytes(4)
        return bytes(f.RECEIPT_NUMBERS_VALUE.build({"shift": doc.shift_number % 10000,
                                                    "receipt": doc.receipt_number % 10000}))
