"""ATOL protocol 3.1 commands over transport v2 or v3, typed in and out: status, modes, clock."""

from __future__ import annotations

from datetime import datetime
from typing import Any

from ...errors import InvalidParameter
from ...protocols.atol import commands as c
from ...protocols.atol.spec import AtolCommandSpec
from ...protocols.common.bcd import encode_bcd
from ...session import Session
from .types import AtolMode, AtolStateCode, AtolStatus, DeviceInfo, ModeState

#: default mode passwords (table 3): cashiers 1..28 use their row number
SYSADMIN_PASSWORD = 30
ADMIN_PASSWORD = 29


class AtolCommands:
    """ATOL's own commands, one method per wire command, on a :class:`~kkt_drivers.session.Session`.

    Device refusals raise :class:`~kkt_drivers.errors.DeviceError` with the code and its Russian and
    English text.
    """

    def __init__(self, session: Session, *, access_password: int = 0) -> None:
        self.session = session
        self.access_password = access_password

    # -- raw access ----------------------------------------------------------------------
    def execute(self, spec: AtolCommandSpec, params: dict[str, Any] | None = None) -> Any:
        """Send a declared command and return its parsed answer data."""
        message = c.encode_message(spec, params, password=self.access_password)
        answer = self.session.exchange(message, timeout=spec.timeout_seconds, idempotent=spec.idempotent)
        return c.decode_answer(spec, answer)

    def raw(self, command: bytes, *, timeout: float = 10.0) -> bytes:
        """Send ``command`` (code + parameters, no password) and return the raw answer unchecked."""
        message = encode_bcd(self.access_password, 2) + command
        return self.session.exchange(message, timeout=timeout)

    # -- status --------------------------------------------------------------------------
    def status(self) -> AtolStatus:
        """Запрос состояния ККТ (``3F``)."""
        a = self.execute(c.STATUS)
        f = a.flags
        return AtolStatus(
            cashier=a.cashier, hall_number=a.hall_number,
            datetime=datetime(2000 + a.year, a.month, a.day, a.hour, a.minute, a.second),
            fiscalised=f.fiscalised, shift_open=f.shift_open, drawer_open=f.drawer_open,
            paper_present=f.paper_present, cover_open=f.cover_open, fn_active=f.fn_active,
            serial_number=f"{a.serial_number:08d}", model=a.model, firmware=bytes(a.firmware),
            mode=ModeState.from_byte(a.mode), receipt_number=a.receipt_number, shift_number=a.shift_number,
            receipt_state=a.receipt_state, receipt_sum=a.receipt_sum, decimal_point=a.decimal_point,
            interface=a.interface,
        )

    def state_code(self) -> AtolStateCode:
        """Запрос кода состояния ККТ (``45``)."""
        a = self.execute(c.STATE_CODE)
        f = a.flags
        return AtolStateCode(
            mode=ModeState.from_byte(a.mode), no_paper=f.no_paper, printer_link_lost=f.printer_link_lost,
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

    def exit_mode(self) -> None:
        """Выход из текущего режима."""
        self.execute(c.EXIT_MODE)

    def to_select_mode(self) -> None:
        """Leave any mode and sub-mode until the device is in the select mode (at most three exits)."""
        for _ in range(3):
            if self.state_code().mode.mode is AtolMode.SELECT:
                return
            self.exit_mode()

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
