"""ATOL protocol 3.1 commands over transport v2 or v3, typed in and out: status, modes, clock."""

from __future__ import annotations

import time
from collections.abc import Callable, Sequence
from datetime import datetime
from typing import Any, TypeVar

from ...errors import DeviceError, InvalidParameter, Timeout
from ...protocols.atol import commands as c
from ...protocols.atol.spec import AtolCommandSpec
from ...protocols.common.bcd import encode_bcd
from ...session import Session
from .types import AtolMode, AtolStateCode, AtolStatus, DeviceInfo, FirmwareVersion, LastShiftTotals, ModeState

T = TypeVar("T")

#: default mode passwords (table 3): cashiers 1..28 use their row number
SYSADMIN_PASSWORD = 30
ADMIN_PASSWORD = 29

#: (mode, sub-mode) while a report prints: 2.2 X-report, 3.2 Z-report, 7.1 after a Z-report [A4J, KAZ, CRY poll
#: until the register leaves them; a command sent meanwhile is refused]
PRINTING = frozenset({(AtolMode.X_REPORTS, 2), (AtolMode.Z_REPORTS, 2), (AtolMode.EXTRA, 1)})
#: how long a report may keep printing (seconds; ATOL's T5 for a Z-report is 40)
PRINT_TIMEOUT = 40.0
#: commands after which the register is in the mode it was in before (queries, receipts, cash): the driver keeps
#: the mode it knows across them. Any other command (entering or leaving a mode, reports, registration,
#: programming), and any failure, makes the mode unknown until the next ``45``/``3F``.
MODE_KEEPING = frozenset({
    b"\x3f", b"\x45", b"\xa5", b"\xa4", b"\x91", b"\x46", b"\x4d", b"\x58", b"\x9d", b"\x74", b"\xb3",
    b"\x92", b"\xe8", b"\xea", b"\xeb", b"\xe6", b"\x43", b"\x99", b"\x4a", b"\x59", b"\x49", b"\x4f",
})


class AtolCommands:
    """ATOL's own commands, one method per wire command, on a :class:`~kkt_drivers.session.Session`.

    Device refusals raise :class:`~kkt_drivers.errors.DeviceError` with the code and its Russian and
    English text.
    """

    def __init__(self, session: Session, *, access_password: int = 0) -> None:
        self.session = session
        self.access_password = access_password
        #: the register's mode as the driver last saw or set it; None when unknown (see :data:`MODE_KEEPING`)
        self.known_mode: AtolMode | None = None

    # -- raw access ----------------------------------------------------------------------
    def message(self, spec: AtolCommandSpec, params: dict[str, Any] | None = None) -> bytes:
        """The wire message of a declared command (access password, code, parameters)."""
        return c.encode_message(spec, params, password=self.access_password)

    def execute(self, spec: AtolCommandSpec, params: dict[str, Any] | None = None, *,
                prefetch: Sequence[tuple[AtolCommandSpec, dict[str, Any] | None]] = ()) -> Any:
        """Send a declared command and return its parsed answer data. ``prefetch``: queries sent after it in the
        same batch where the link can queue (:meth:`~kkt_drivers.session.Session.exchange`)."""
        message = self.message(spec, params)
        ahead = [(self.message(query, query_params), query.timeout_seconds) for query, query_params in prefetch]
        try:
            answer = self.session.exchange(message, timeout=spec.timeout_seconds, idempotent=spec.idempotent,
                                           prefetch=ahead)
            result = c.decode_answer(spec, answer)
        except BaseException:
            self.known_mode = None
            raise
        if spec.code[:1] not in MODE_KEEPING:
            self.known_mode = None
        return result

    def submit(self, spec: AtolCommandSpec, params: dict[str, Any] | None = None) -> None:
        """Send a command whose answer carries nothing but success: queued in the device's task buffer with the
        next exchange where the link can queue (v3), at once otherwise (v2). A refusal raises
        :class:`~kkt_drivers.errors.DeviceError` then — from the exchange that sends it."""
        message = self.message(spec, params)
        keeps = spec.code[:1] in MODE_KEEPING

        def check(answer: bytes) -> None:
            try:
                c.decode_answer(spec, answer)
            except BaseException:
                self.known_mode = None
                raise

        if not keeps:
            self.known_mode = None
        self.session.defer(message, timeout=spec.timeout_seconds, check=check)

    def raw(self, command: bytes, *, timeout: float = 10.0) -> bytes:
        """Send ``command`` (code + parameters, no password) and return the raw answer unchecked."""
        message = encode_bcd(self.access_password, 2) + command
        self.known_mode = None
        return self.session.exchange(message, timeout=timeout)

    # -- status --------------------------------------------------------------------------
    def status(self) -> AtolStatus:
        """Запрос состояния ККТ (``3F``)."""
        a = self.execute(c.STATUS)
        f = a.flags
        mode = ModeState.from_byte(a.mode)
        self.known_mode = mode.mode if not mode.sub_mode else None
        return AtolStatus(
            cashier=a.cashier, hall_number=a.hall_number,
            datetime=datetime(2000 + a.year, a.month, a.day, a.hour, a.minute, a.second),
            fiscalised=f.fiscalised, shift_open=f.shift_open, drawer_open=f.drawer_open,
            paper_present=f.paper_present, cover_open=f.cover_open, fn_active=f.fn_active,
            serial_number=f"{a.serial_number:08d}", model=a.model, firmware=bytes(a.firmware),
            mode=mode, receipt_number=a.receipt_number, shift_number=a.shift_number,
            receipt_state=a.receipt_state, receipt_sum=a.receipt_sum, decimal_point=a.decimal_point,
            interface=a.interface,
        )

    def state_code(self) -> AtolStateCode:
        """Запрос кода состояния ККТ (``45``)."""
        a = self.execute(c.STATE_CODE)
        f = a.flags
        mode = ModeState.from_byte(a.mode)
        self.known_mode = mode.mode if not mode.sub_mode else None
        return AtolStateCode(
            mode=mode, no_paper=f.no_paper, printer_link_lost=f.printer_link_lost,
            mechanical_error=f.mechanical_error, cutter_error=f.cutter_error,
            recoverable_printer_error=f.recoverable_printer_error, paper_jam=f.paper_jam,
            presenter_error=f.presenter_error, paper_near_end=f.paper_near_end,
        )

    def device_info(self) -> DeviceInfo:
        """Получить тип устройства (``A5``)."""
        a = self.execute(c.DEVICE_TYPE)
        return DeviceInfo(protocol=a.protocol, device_type=a.device_type, model=a.model,
                          mode_word=int.from_bytes(a.mode, "big"), version=bytes(a.version),
                          name=c.device_name(a.name))

    # -- modes ---------------------------------------------------------------------------
    def enter_mode(self, mode: AtolMode, password: int) -> None:
        """Вход в режим с паролем оператора."""
        self.execute(c.ENTER_MODE, {"mode": int(mode), "password": password})
        self.known_mode = mode

    def in_mode(self, mode: AtolMode, password: int, command: Callable[[], T]) -> T:
        """Run ``command`` (one command that needs ``mode``). When the driver knows the register is in that mode
        it is sent at once; if the register refuses it — it may have left the mode behind the driver's back (a
        restart, another program) — the mode is checked with ``45`` and entered, and the command sent again (a
        refused command did nothing)."""
        if self.known_mode is mode:
            try:
                return command()
            except DeviceError:
                self.known_mode = None
        current = self.wait_printed()
        if current.mode is not mode:
            if current.mode is not AtolMode.SELECT:
                self.to_select_mode()
            self.enter_mode(mode, password)
        return command()

    def exit_mode(self) -> None:
        """Выход из текущего режима."""
        self.execute(c.EXIT_MODE)

    def wait_printed(self, timeout: float = PRINT_TIMEOUT) -> ModeState:
        """Wait while the register prints a report (sub-modes 2.2, 3.2, 7.1, polled with ``45``); the mode
        it is in afterwards."""
        deadline = time.monotonic() + timeout
        pause = 0.02
        while True:
            mode = self.state_code().mode
            if (mode.mode, mode.sub_mode) not in PRINTING:
                return mode
            if time.monotonic() >= deadline:
                raise Timeout(f"the register is still printing a report after {timeout:.0f} s (mode "
                              f"{int(mode.mode)}.{mode.sub_mode})", phase="execution",
                              message_ru=f"ККТ печатает отчёт дольше {timeout:.0f} с")
            time.sleep(pause)
            pause = min(pause * 2, 0.5)

    def to_select_mode(self) -> None:
        """Leave any mode and sub-mode until the device is in the select mode (at most three exits); a report
        still printing is waited for first."""
        for _ in range(3):
            if self.wait_printed().mode is AtolMode.SELECT:
                return
            self.exit_mode()

    # -- other queries -------------------------------------------------------------------
    def last_shift_totals(self) -> LastShiftTotals:
        """Последний сменный итог (``58``)."""
        a = self.execute(c.LAST_SHIFT_TOTALS)
        return LastShiftTotals(income=int(a.income), expense=int(a.expense))

    def firmware_version(self, source: int = 1) -> FirmwareVersion:
        """Получение версии (``9D``): ``source`` 1 — the main program, 3 — the boot block."""
        a = self.execute(c.FIRMWARE_VERSION, {"source": source})
        return FirmwareVersion(source=source, version=int(a.version), subversion=int(a.subversion),
                               language=int(a.language), build=int(a.build))

    def security_code_active(self, number: int) -> bool:
        """Запрос активизированности кода защиты ККТ (``74``)."""
        return bool(self.execute(c.SECURITY_CODE_STATE, {"number": number}).activated)

    def last_error(self) -> int:
        """Получить последний код ошибки (``B3``)."""
        return int(self.execute(c.LAST_ERROR).last_error)

    # -- clock ---------------------------------------------------------------------------
    def read_datetime(self) -> datetime:
        """Дата и время ККТ (from the full status)."""
        return self.status().datetime

    def set_datetime(self, value: datetime) -> None:
        """Программирование даты и времени (``ED``): the register keeps a two-digit year, 2000–2099."""
        if not 2000 <= value.year <= 2099:
            raise InvalidParameter(f"the register's clock holds years 2000..2099, not {value.year}",
                                   message_ru=f"часы ККТ хранят годы 2000..2099, а не {value.year}")
        self.execute(c.SET_DATETIME, {"day": value.day, "month": value.month, "year": value.year % 100,
                                      "hour": value.hour, "minute": value.minute, "second": value.second})
