"""The Shtrih-M personality: protocol v2.0 messages in, answers out, with Shtrih's modes, passwords and errors.

It takes a message apart with the same command declarations the driver uses
(:mod:`kkt_drivers.protocols.shtrih.commands`), checks the password against table 2 (cashiers 1–28, administrator
29, system administrator 30) or the tax inspector's, runs the handler and encodes the answer with the same
declarations. The mode (low nibble) and its status (high nibble) follow the vendor protocol's appendix 1: 4 shift
closed, 2 shift open, 3 shift past 24 hours, 8 a document open (status: its type), 6 a date awaiting
confirmation. Where the device's choice of error code or access rule is not published, the choice is marked
**[inferred]** in protocol-notes/shtrih.
"""

from __future__ import annotations

import enum
from collections.abc import Callable, Mapping
from dataclasses import dataclass
from datetime import datetime
from typing import Any, ClassVar

import construct as cs

from kkt_drivers.protocols.shtrih import commands as c
from kkt_drivers.protocols.shtrih.errors import SHTRIH_ERRORS
from kkt_drivers.protocols.shtrih.spec import Password, ShtrihCommandSpec

from ...core.clock import DeviceClock
from ...core.fiscal import FiscalCore
from ...core.incidents import Incidents
from .codes import (
    E_INTERNAL,
    E_MODE,
    E_NO_PAPER,
    E_NO_TABLE,
    E_PARAMETERS,
    E_PASSWORD,
    E_READ_ONLY,
    E_RECEIPT_OPEN,
    E_SHIFT_OPEN,
    E_UNSUPPORTED,
)
from .fiscal import FiscalHandlers, Refusal
from .profile import ShtrihProfile
from .receipt import OpenReceipt, PendingDocument
from .tables import ADMIN_ROW, READ_ONLY, SYSADMIN_ROW, ShtrihTables

#: mode numbers (low nibble of the mode byte)
MODE_SHIFT_OPEN, MODE_SHIFT_EXPIRED, MODE_SHIFT_CLOSED, MODE_DATE, MODE_DOCUMENT = 2, 3, 4, 6, 8
#: flags word of 10h/11h: bit 1 receipt roll present, bit 4 two decimals, bit 10 cover open, bit 11 drawer open
FLAG_RECEIPT_ROLL, FLAG_TWO_DECIMALS, FLAG_COVER, FLAG_DRAWER = 1 << 1, 1 << 4, 1 << 10, 1 << 11
#: the tax inspector's password of a new emulated register [inferred: set at fiscalisation on ЭКЛЗ-era devices]
TAX_INSPECTOR_PASSWORD = 0
#: default exchange parameters of every port: 115200 baud (code 6), byte timeout 50 ms (vendor protocol v2.0)
DEFAULT_EXCHANGE = (6, 50)


class Access(enum.Enum):
    """Whose password a command takes."""

    NONE = "none"
    OPERATOR = "operator"  # any row of table 2
    ADMIN = "admin"  # rows 29 and 30
    SYSADMIN = "sysadmin"  # row 30
    TAX_INSPECTOR = "tax-inspector"


#: access by the declared password kind; the vendor ФН protocol asks for the system administrator's
_BY_PASSWORD = {Password.NONE: Access.NONE, Password.OPERATOR: Access.OPERATOR, Password.ADMIN: Access.SYSADMIN,
                Password.TAX_INSPECTOR: Access.TAX_INSPECTOR}
#: exceptions: the daily reports take the administrator or system administrator (vendor protocol v2.0); the ФН
#: queries and the receipt's ФН commands take any operator — the vendor JavaPOS driver sends the cashier's password
#: with FF45h and FF46h [inferred for the queries: a harmless read]
ACCESS_OVERRIDES: dict[bytes, Access] = {
    c.X_REPORT.code: Access.ADMIN, c.Z_REPORT.code: Access.ADMIN,
    **{spec.code: Access.OPERATOR for spec in (
        c.CLOSE_RECEIPT_V2, c.SEND_TLV, c.SEND_OPERATION_TLV, c.FN_STATUS, c.FN_NUMBER, c.FN_VALIDITY, c.FN_VERSION,
        c.FIND_DOCUMENT, c.OFD_EXCHANGE_STATUS, c.REQUEST_DOCUMENT_TLV, c.READ_DOCUMENT_TLV, c.OFD_TICKET,
        c.UNCONFIRMED_COUNT, c.SHIFT_PARAMETERS)},
}


@dataclass(frozen=True)
class Execution:
    answer: bytes
    failed: bool
    seconds: float


Handler = Callable[[Any], dict[str, Any] | None]


def _dt3(value: datetime) -> dict[str, int]:
    return {"day": value.day, "month": value.month, "year": value.year % 100}


class ShtrihPersonality(FiscalHandlers):
    family = "shtrih"

    #: operation -> the command that makes its fiscal effect (as :meth:`command_bytes` shows it)
    operation_codes: ClassVar[dict[str, str]] = {
        "open_shift": "e0", "close_shift": "41", "x_report": "40", "state_report": "ff38",
        "begin_receipt": "8d", "add_position": "ff46",
        "pay": "ff45", "close_receipt": "ff45", "cancel_receipt": "88", "cash_in": "50", "cash_out": "51",
        "register": "ff06", "close_fn": "ff3e",
    }

    def __init__(self, profile: ShtrihProfile, clock: DeviceClock, core: FiscalCore, *,
                 tables: ShtrihTables | None = None, tape: Any = None, incidents: Incidents | None = None) -> None:
        self.profile = profile
        self.clock = clock
        self.core = core
        self.tables = tables or ShtrihTables(core)
        self.tape = tape
        self.incidents = incidents or Incidents()
        self._fresh_state()
        self._handlers: dict[bytes, Handler] = {
            c.SHORT_STATUS.code: self._short_status, c.FULL_STATUS.code: self._full_status,
            c.DEVICE_TYPE.code: self._device_type, c.BEEP.code: lambda _: None,
            c.PRINT_STRING.code: self._print_string, c.CUT.code: self._cut,
            c.CONTINUE_PRINT.code: self._continue_print, c.ERROR_TEXT.code: self._error_text,
            c.WRITE_TABLE.code: self._write_table, c.READ_TABLE.code: self._read_table,
            c.TABLE_STRUCTURE.code: self._table_structure, c.FIELD_STRUCTURE.code: self._field_structure,
            c.SET_EXCHANGE_PARAMETERS.code: self._set_exchange, c.READ_EXCHANGE_PARAMETERS.code: self._read_exchange,
            c.READ_MONEY_REGISTER.code: self._money_register,
            c.READ_OPERATION_REGISTER.code: self._operation_register,
            c.SET_TIME.code: self._set_time, c.SET_DATE.code: self._set_date, c.CONFIRM_DATE.code: self._confirm_date,
            c.DATE_RANGE.code: self._date_range, c.FISCAL_REPORT_BY_SHIFTS.code: self._fiscal_report,
            **self.fiscal_handlers(),
        }
        self._answer_fields = {spec.code: {sub.name for sub in getattr(spec.response, "subcons", ())}
                               for spec in c.REGISTRY}

    def _fresh_state(self) -> None:
        self.operator = 0
        self.paper_present = True
        self.cover_open = False
        self.drawer_open = False
        #: a date set with 22h, waiting for its confirmation (23h)
        self.pending_date: datetime | None = None
        self.receipt: OpenReceipt | None = None
        #: the connection that opened the receipt; no other may change anything until it is closed or gone
        self.receipt_owner: int | None = None
        self.pending: PendingDocument | None = None
        #: FF3Ah/FF3Bh reads in progress, per connection
        self._tlv_queues: dict[int, list[bytes]] = {}
        self._client = 0

    @property
    def fiscal(self) -> FiscalCore:
        return self.core

    # -- the personality contract ----------------------------------------------------------
    def control(self, op: str, request: Mapping[str, Any]) -> dict[str, Any] | None:
        """``paper present=0|1`` (out of paper: submode 1, printing refused with 6Bh) and ``cover open=0|1``."""
        if op == "paper":
            self.paper_present = _flag(request, "present")
            return {"paper_present": self.paper_present}
        if op == "cover":
            self.cover_open = _flag(request, "open")
            return {"cover_open": self.cover_open}
        return None

    def command_bytes(self, message: bytes) -> bytes:
        """The message as it is: a Shtrih message starts with its command code."""
        return message

    def close(self) -> None:
        self.core.close()

    def reset(self) -> None:
        self.core.reset()
        self.tables.reset()
        self._fresh_state()

    def client_gone(self, client: int) -> None:
        """A connection closed: a receipt it opened stays open (as on a real register) but is anyone's now."""
        self._tlv_queues.pop(client, None)
        if self.receipt_owner == client:
            self.receipt_owner = None

    def execute(self, message: bytes, client: int = 0) -> Execution:
        self._client = client
        split = c.split_message(message)
        spec = split.spec
        if spec is None or spec.code not in self._handlers:
            return Execution(c.encode_error(split.code, E_UNSUPPORTED), True, 0.0)
        try:
            if spec.takes_password and split.password is None:
                raise Refusal(E_PARAMETERS)
            operator = self._authorise(spec, split.password)
            if self.receipt is not None and self.receipt_owner not in (None, client) and not spec.idempotent:
                raise Refusal(E_RECEIPT_OPEN)  # another connection's receipt is open [inferred]
            try:
                request = spec.parse_params(split.params)
            except cs.ConstructError:
                raise Refusal(E_PARAMETERS) from None
            self.operator = operator
            fields = self._handlers[spec.code](request) or {}
        except Refusal as refusal:
            return Execution(c.encode_error(spec.code, refusal.code), True, 0.0)
        if "operator" in self._answer_fields[spec.code] and "operator" not in fields:
            fields["operator"] = self.operator
        return Execution(c.encode_answer(spec, fields), False, 0.0)

    def failure(self, message: bytes, error: BaseException) -> Execution:
        """A handler raised: answer 39h «Внутренняя ошибка ПО ККТ» [inferred: how a register reports an internal
        fault is not published]. What was being built stays as it was."""
        return Execution(c.encode_error(c.split_message(message).code, E_INTERNAL), True, 0.0)

    # -- passwords and modes ---------------------------------------------------------------
    def _access(self, spec: ShtrihCommandSpec) -> Access:
        return ACCESS_OVERRIDES.get(spec.code) or _BY_PASSWORD[spec.password]

    def _authorise(self, spec: ShtrihCommandSpec, password: int | None) -> int:
        """The table-2 row (operator number) the password belongs to, or 4Fh «Неверный пароль»."""
        access = self._access(spec)
        if access is Access.NONE:
            return self.operator
        if access is Access.TAX_INSPECTOR:
            if password != self.tax_inspector_password:
                raise Refusal(E_PASSWORD)
            return 0
        allowed = {Access.OPERATOR: (SYSADMIN_ROW, ADMIN_ROW, *range(1, 29)), Access.ADMIN: (SYSADMIN_ROW, ADMIN_ROW),
                   Access.SYSADMIN: (SYSADMIN_ROW,)}[access]
        for row in allowed:
            if self.tables.password(row) == password:
                return int(row)
        raise Refusal(E_PASSWORD)

    @property
    def tax_inspector_password(self) -> int:
        value = self.core.device_value("tax_inspector_password", TAX_INSPECTOR_PASSWORD)
        return value if isinstance(value, int) else TAX_INSPECTOR_PASSWORD

    def mode_byte(self) -> int:
        if self.pending_date is not None:
            return MODE_DATE
        if self.receipt is not None:
            return MODE_DOCUMENT | self.receipt.kind << 4
        shift = self.core.shift()
        if shift.open:
            return MODE_SHIFT_EXPIRED if shift.expired else MODE_SHIFT_OPEN
        return MODE_SHIFT_CLOSED

    def submode(self) -> int:
        return 0 if self.paper_present else 1  # 1: passive absence of paper

    def flags(self) -> int:
        return (FLAG_TWO_DECIMALS | (FLAG_RECEIPT_ROLL if self.paper_present else 0)
                | (FLAG_COVER if self.cover_open else 0) | (FLAG_DRAWER if self.drawer_open else 0))

    def _require_paper(self) -> None:
        if not self.paper_present:
            raise Refusal(E_NO_PAPER)

    # -- status and service ----------------------------------------------------------------
    def _short_status(self, _: Any) -> dict[str, Any]:
        operations = self.receipt.operations if self.receipt is not None else 0
        return {"flags": self.flags(), "mode": self.mode_byte(), "submode": self.submode(),
                "operations_low": operations & 0xFF, "battery_voltage": 0, "power_voltage": 0, "fp_error": 0,
                "eklz_error": 0, "operations_high": operations >> 8 & 0xFF, "reserved": b"\x00\x00\x00",
                "print_result": None}

    def _full_status(self, _: Any) -> dict[str, Any]:
        now = self.clock.now()
        shift = self.core.shift()
        status = self.core.status()
        validity = self.core.validity()
        registration = self.core.registration()
        p = self.profile
        return {
            "firmware_version": p.firmware_version, "firmware_build": p.firmware_build,
            "firmware_date": {"day": 13, "month": 6, "year": 19}, "hall_number": self.tables.number((1, 1, 1)),
            "document_number": status.last_fd_number & 0xFFFF, "flags": self.flags(), "mode": self.mode_byte(),
            "submode": self.submode(), "port": 0, "fp_version": "NA", "fp_build": 0,
            "fp_date": {"day": 1, "month": 1, "year": 16}, "date": _dt3(now),
            "time": {"hour": now.hour, "minute": now.minute, "second": now.second}, "fp_flags": 0,
            "serial_number": p.serial_number & 0xFFFF_FFFF,
            "last_closed_shift": shift.number - 1 if shift.open else shift.number, "free_fp_records": 0,
            "registrations": validity.registrations_done, "registrations_left": validity.registrations_left,
            "inn": int(registration.inn.strip()) if registration is not None else 0, "extension": b"",
        }

    def _device_type(self, _: Any) -> dict[str, Any]:
        p = self.profile
        return {"device_type": 0, "device_subtype": 0, "protocol_version": p.protocol_version,
                "protocol_subversion": 0, "model": p.model, "language": 0, "name": p.name}

    def _print_string(self, req: Any) -> None:
        self._require_paper()
        if self.tape is not None and req.flags & 0x02:
            self._tape(lambda: self.tape.print_line(req.text))

    def _cut(self, req: Any) -> None:
        if req.cut_type not in (0, 1):
            raise Refusal(E_PARAMETERS)
        self._require_paper()

    def _continue_print(self, _: Any) -> None:
        self._require_paper()

    def _error_text(self, req: Any) -> dict[str, str]:
        return {"text": SHTRIH_ERRORS.entry(req.error_code).ru}

    def _tape(self, action: Callable[[], None]) -> None:
        """Print; a printer failure never undoes what the register did (it is recorded)."""
        try:
            action()
        except Exception as exc:
            self.incidents.record("tape", exc)

    # -- tables ----------------------------------------------------------------------------
    def _write_table(self, req: Any) -> None:
        key = (req.table, req.row, req.field)
        if self.tables.table(req.table) is None:
            raise Refusal(E_NO_TABLE)
        spec = self.tables.spec(key)
        if spec is None:
            raise Refusal(E_PARAMETERS)
        if key in READ_ONLY:
            raise Refusal(E_READ_ONLY)
        value = bytes(req.value)
        if len(value) > spec.size:
            raise Refusal(E_PARAMETERS)
        if spec.text:
            stored = value.ljust(spec.size, b"\x00")
        else:
            number = int.from_bytes(value, "little")
            if not spec.minimum <= number <= spec.maximum:
                raise Refusal(E_PARAMETERS)
            stored = number.to_bytes(spec.size, "little")
        if req.table == 2 and req.field == 1 and self.core.shift().open:
            raise Refusal(E_SHIFT_OPEN)  # operators' passwords change only in a closed shift [inferred]
        self.tables.set(key, stored)

    def _read_table(self, req: Any) -> dict[str, bytes]:
        if self.tables.table(req.table) is None:
            raise Refusal(E_NO_TABLE)
        key = (req.table, req.row, req.field)
        if self.tables.spec(key) is None:
            raise Refusal(E_PARAMETERS)
        return {"value": self.tables.get(key)}

    def _table_structure(self, req: Any) -> dict[str, Any]:
        table = self.tables.table(req.table)
        if table is None:
            raise Refusal(E_NO_TABLE)
        return {"name": table.name, "rows": table.rows, "fields": max(table.fields)}

    def _field_structure(self, req: Any) -> dict[str, Any]:
        table = self.tables.table(req.table)
        if table is None:
            raise Refusal(E_NO_TABLE)
        spec = table.fields.get(req.field)
        if spec is None:
            raise Refusal(E_PARAMETERS)
        limits = b"" if spec.text else (spec.minimum.to_bytes(spec.size, "little")
                                        + spec.maximum.to_bytes(spec.size, "little"))
        return {"name": spec.name[:40], "field_type": int(spec.text), "size": spec.size, "limits": limits}

    # -- exchange parameters and registers --------------------------------------------------
    def _exchange(self) -> dict[str, list[int]]:
        stored = self.core.device_value("exchange", {})
        return stored if isinstance(stored, dict) else {}

    def _set_exchange(self, req: Any) -> None:
        if req.baud_code > 9:
            raise Refusal(E_PARAMETERS)
        self.core.store_device_values({"exchange": {**self._exchange(), str(req.port): [req.baud_code,
                                                                                       req.byte_timeout]}})

    def _read_exchange(self, req: Any) -> dict[str, int]:
        value = self._exchange().get(str(req.port), list(DEFAULT_EXCHANGE))
        try:
            code, timeout = (int(x) for x in value)
        except (TypeError, ValueError):
            code, timeout = DEFAULT_EXCHANGE
        return {"baud_code": code, "byte_timeout": timeout}

    def _money_register(self, req: Any) -> dict[str, int]:
        """Register 241 is the cash in the drawer; the others read 0 [inferred: not emulated]."""
        return {"value": self.drawer if req.register == 241 else 0}

    def _operation_register(self, req: Any) -> dict[str, int]:
        return {"value": 0}

    # -- clock -----------------------------------------------------------------------------
    def _set_time(self, req: Any) -> None:
        t = req.time
        if t.hour > 23 or t.minute > 59 or t.second > 59:
            raise Refusal(E_PARAMETERS)
        if self.core.shift().open:
            raise Refusal(E_SHIFT_OPEN)  # [inferred: the clock moves only with the shift closed]
        now = self.clock.now()
        self.core.set_clock(now.replace(hour=t.hour, minute=t.minute, second=t.second, microsecond=0, tzinfo=None))

    def _date_of(self, req: Any) -> datetime:
        d = req.date
        try:
            return datetime(2000 + d.year, d.month, d.day)
        except ValueError:
            raise Refusal(E_PARAMETERS) from None

    def _set_date(self, req: Any) -> None:
        if self.core.shift().open or self.receipt is not None:
            raise Refusal(E_SHIFT_OPEN)
        self.pending_date = self._date_of(req)  # mode 6 until 23h confirms it

    def _confirm_date(self, req: Any) -> None:
        if self.pending_date is None:
            raise Refusal(E_MODE)
        date = self._date_of(req)
        if date != self.pending_date:
            self.pending_date = None
            raise Refusal(0x7C)  # «Не совпадает дата»
        self.pending_date = None
        now = self.clock.now()
        self.core.set_clock(date.replace(hour=now.hour, minute=now.minute, second=now.second))

    # -- tax inspector ---------------------------------------------------------------------
    def _shift_dates(self) -> dict[str, Any]:
        """First and last shift: their dates (the registration's and today's) and numbers [inferred]."""
        if self.core.status().last_fd_number == 0:
            raise Refusal(0x08)
        first = self.core.document(1).datetime
        shift = self.core.shift()
        return {"first_date": _dt3(first), "last_date": _dt3(self.clock.now()), "first_shift": 1 if shift.number else 0,
                "last_shift": shift.number}

    def _date_range(self, _: Any) -> dict[str, Any]:
        return self._shift_dates()

    def _fiscal_report(self, req: Any) -> dict[str, Any]:
        answer = self._shift_dates()
        if req.report_type not in (0, 1) or not 1 <= req.first_shift <= req.last_shift <= answer["last_shift"]:
            raise Refusal(E_PARAMETERS)
        self._require_paper()
        return {**answer, "first_shift": req.first_shift, "last_shift": req.last_shift}


def _flag(request: Mapping[str, Any], name: str) -> bool:
    value = request.get(name, True)
    if isinstance(value, str):
        if value.lower() not in ("0", "1", "true", "false", "yes", "no"):
            raise ValueError(f"{name} must be 0 or 1, not {value!r}")
        return value.lower() in ("1", "true", "yes")
    return bool(value)
