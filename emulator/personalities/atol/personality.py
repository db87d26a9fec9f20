"""The ATOL personality: protocol 3.1 messages in, answers out, with ATOL's modes and errors.

It decodes a message with the same command specs the driver uses
(:mod:`kkt_drivers.protocols.atol.commands`), checks the access password and the mode, runs the
handler and encodes the answer with the same specs. Where the device's choice of error code is not
published, the code used here is marked inferred (see protocol-notes/atol/commands.md).
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass
from datetime import datetime, timedelta
from typing import Any, ClassVar

import construct as cs

from kkt_drivers.protocols.atol import commands as c
from kkt_drivers.protocols.atol import fiscal_commands as f
from kkt_drivers.protocols.atol.spec import AtolCommandSpec
from kkt_drivers.protocols.common.text import encode_atol

from ...core.clock import DeviceClock
from ...core.fiscal import FiscalCore
from ...core.incidents import Incidents
from .codes import (
    E_BAD_PASSWORD,
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


@dataclass(frozen=True)
class Execution:
    answer: bytes
    failed: bool
    seconds: float  # how long a real device would take (decides sync vs async in v3)


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
            **self.fiscal_handlers(),
        }
        self._refresh_counters()

    @property
    def fiscal(self) -> FiscalCore:
        return self.core

    #: operation -> the command that makes its fiscal effect
    operation_codes: ClassVar[dict[str, str]] = {
        "open_shift": "9a", "close_shift": "5a", "x_report": "67", "begin_receipt": "92", "add_position": "eb",
        "pay": "99", "close_receipt": "4a", "cancel_receipt": "59", "cash_in": "49", "cash_out": "4f",
        "register": "a6", "close_fn": "a7",
    }

    def control(self, op: str, request: Any) -> dict[str, Any] | None:
        """ATOL has no control ops of its own."""
        return None

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
        self._refresh_counters()

    # -- dispatch --------------------------------------------------------------------------
    def client_gone(self, client: int) -> None:
        """A connection closed: a receipt it opened stays open (as on a real register) but is anyone's now."""
        self._tlv_queues.pop(client, None)
        if self.receipt_owner == client:
            self.receipt_owner = None

    def execute(self, message: bytes, client: int = 0) -> Execution:
        self._client = client
        password, spec, params = c.split_message(message)
        if spec is None or spec.code not in self._handlers:
            return self._refuse(None, E_UNSUPPORTED if len(message) >= 3 else E_FORMAT)
        if password != self.tables.access_password():
            return self._refuse(spec, E_PASSWORD)
        if self.receipt is not None and self.receipt_owner not in (None, client) and not self._reads_only(spec):
            return self._refuse(spec, E_RECEIPT_OPEN)  # another connection's receipt is open [inferred]
        if spec.modes is not None and self.state.mode not in spec.modes:
            return self._refuse(spec, E_MODE)
        try:
            request = spec.parse_params(params)
        except cs.StreamError:
            return self._refuse(spec, E_LENGTH)  # too short
        except cs.ConstructError:
            return self._refuse(spec, E_BAD_PASSWORD if spec is c.ENTER_MODE else E_FORMAT)  # not BCD, etc.
        if spec.build_params(request) != params:
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
            "receipt_number": s.receipt_number, "shift_number": s.shift_number,
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

    def _read_register(self, req: Any) -> dict[str, bytes]:
        if req.register != f.REGISTER_SHIFT_STATE:
            raise Refusal(E_REGISTER)  # only register 18 is emulated
        shift = self.core.shift()
        if not shift.open or shift.opened_at is None:
            return {"value": bytes(7)}
        end = shift.opened_at + timedelta(hours=24)
        value = f.SHIFT_STATE_VALUE.build({"open": 1, "day": end.day, "month": end.month, "year": end.year % 100,
                                           "hour": end.hour, "minute": end.minute, "second": end.second})
        return {"value": value}
