"""Shtrih-M's own commands over a :class:`~kkt_drivers.session.Session`, typed in and out: status, device type,
tables, exchange parameters, clock, printing.

Every command carries the password its declaration names (:class:`~kkt_drivers.protocols.shtrih.spec.Password`):
the operator's (the cashier's, 1 by default), the system administrator's (``password=`` of the URL, 30 by
default), or none. Device refusals raise :class:`~kkt_drivers.errors.DeviceError` with the code and its Russian
and English text.
"""

from __future__ import annotations

from datetime import datetime
from typing import Any

from ...errors import InvalidParameter
from ...protocols.shtrih import commands as c
from ...protocols.shtrih.fields import ENCODING, read_text
from ...protocols.shtrih.spec import Password, ShtrihCommandSpec
from ...session import Session
from .family import BAUD_RATES
from .types import FieldStructure, ShtrihDeviceType, ShtrihShortStatus, ShtrihStatus, _mode, device_datetime

#: the factory default of cashier 1 (row 1 of table 2); administrator 29, system administrator 30
CASHIER_PASSWORD, ADMIN_PASSWORD, SYSADMIN_PASSWORD = 1, 29, 30
#: money register 241: «накопление наличности в кассе» (vendor JavaPOS CashRegister)
CASH_REGISTER = 241
#: table 2 «Пароли кассиров и администраторов»: field 1 the password, field 2 the operator's name
OPERATOR_TABLE, PASSWORD_FIELD, NAME_FIELD = 2, 1, 2


def byte_timeout_seconds(code: int) -> float:
    """«Тайм-аут приёма байта» code of 14h/15h → seconds: 0…150 ms by 1, 300 ms … 15 s by 150 ms, 30 … 105 s by
    15 s (vendor protocol v2.0, note 5 to 14h)."""
    if not 0 <= code <= 255:
        raise InvalidParameter(f"byte-timeout code must be 0…255, got {code}",
                               message_ru=f"код межбайтового таймаута должен быть 0…255, получено {code}")
    if code <= 150:
        return code / 1000
    if code <= 249:
        return (code - 149) * 0.150
    return (code - 248) * 15.0


def byte_timeout_code(seconds: float) -> int:
    """The smallest code whose timeout is at least ``seconds`` (inverse of :func:`byte_timeout_seconds`)."""
    for code in range(256):
        if byte_timeout_seconds(code) >= seconds - 1e-9:
            return code
    raise InvalidParameter(f"a byte timeout of {seconds} s is beyond the longest code (105 s)",
                           message_ru=f"межбайтовый таймаут {seconds} с больше самого длинного кода (105 с)")


class ShtrihCommands:
    """Shtrih-M's own commands, one method per wire command."""

    def __init__(self, session: Session, *, password: int = SYSADMIN_PASSWORD,
                 cashier_password: int = CASHIER_PASSWORD) -> None:
        self.session = session
        #: the system administrator's password, sent with every command that asks for an administrator
        self.password = password
        #: the operator's password of commands that take one, unless the call names a cashier
        self.cashier_password = cashier_password

    # -- raw access ----------------------------------------------------------------------
    def execute(self, spec: ShtrihCommandSpec, params: dict[str, Any] | None = None, *,
                password: int | None = None) -> Any:
        """Send a declared command and return its parsed answer data."""
        if password is None:
            if spec.password is Password.ADMIN:
                password = self.password
            elif spec.password is Password.OPERATOR:
                password = self.cashier_password
        message = c.encode_message(spec, params, password=password)
        answer = self.session.exchange(message, timeout=spec.timeout, idempotent=spec.idempotent)
        return c.decode_answer(spec, answer)

    def raw(self, message: bytes, *, timeout: float = 30.0) -> bytes:
        """Send ``message`` (command code, password and data as the device expects them) and return the raw
        answer unchecked."""
        return self.session.exchange(message, timeout=timeout)

    # -- status --------------------------------------------------------------------------
    def short_status(self) -> ShtrihShortStatus:
        """Короткий запрос состояния (10h)."""
        return ShtrihShortStatus.from_answer(self.execute(c.SHORT_STATUS))

    def status(self) -> ShtrihStatus:
        """Запрос состояния ККТ (11h)."""
        a = self.execute(c.FULL_STATUS)
        serial = int(a.serial_number)
        extension = bytes(a.extension)
        if len(extension) >= 4:  # the 52-byte form appends the high word of the serial number
            serial |= int.from_bytes(extension[2:4], "little") << 32
        d, t, fd = a.date, a.time, a.firmware_date
        firmware_date = None
        if fd.month and fd.day:
            firmware_date = device_datetime(fd.year, fd.month, fd.day, what="firmware date")
        mode = int(a.mode)
        return ShtrihStatus(
            operator=int(a.operator), firmware=f"{a.firmware_version}.{a.firmware_build}",
            firmware_date=firmware_date, hall_number=int(a.hall_number), document_number=int(a.document_number),
            flags=int(a.flags), mode=_mode(mode), mode_status=mode >> 4, submode=int(a.submode), port=int(a.port),
            datetime=device_datetime(d.year, d.month or 1, d.day or 1, t.hour, t.minute, t.second,
                                     what="date and time"),
            serial_number=f"{serial:016d}", last_closed_shift=int(a.last_closed_shift),
            registrations=int(a.registrations), registrations_left=int(a.registrations_left), inn=str(a.inn))

    def device_type(self) -> ShtrihDeviceType:
        """Получить тип устройства (FCh, no password)."""
        a = self.execute(c.DEVICE_TYPE)
        return ShtrihDeviceType(int(a.device_type), int(a.device_subtype), int(a.protocol_version),
                                int(a.protocol_subversion), int(a.model), int(a.language), str(a.name))

    def model_name(self) -> str:
        """The model name from FCh (asked once per driver: it does not change)."""
        name: str | None = getattr(self, "_model_name", None)
        if name is None:
            name = self._model_name = self.device_type().name
        return name

    def error_text(self, code: int) -> str:
        """Название ошибки по коду (6Bh), as the device words it."""
        return str(self.execute(c.ERROR_TEXT, {"error_code": code}).text)

    # -- printing ------------------------------------------------------------------------
    def beep(self) -> None:
        """Гудок (13h)."""
        self.execute(c.BEEP)

    def print_string(self, text: str, *, receipt: bool = True, journal: bool = False) -> None:
        """Печать строки (17h) on the receipt tape and/or the journal."""
        self.execute(c.PRINT_STRING, {"flags": int(journal) | int(receipt) << 1, "text": text})

    def cut(self, *, partial: bool = False) -> None:
        """Отрезка чека (25h): full, or partial."""
        self.execute(c.CUT, {"cut_type": int(partial)})

    def continue_print(self) -> None:
        """Продолжение печати (B0h) after the paper ran out."""
        self.execute(c.CONTINUE_PRINT)

    # -- tables --------------------------------------------------------------------------
    def read_table(self, table: int, row: int, field: int) -> bytes:
        """Чтение таблицы (1Fh): the field's raw bytes."""
        return bytes(self.execute(c.READ_TABLE, {"table": table, "row": row, "field": field}).value)

    def read_table_int(self, table: int, row: int, field: int) -> int:
        """A number field (binary, least significant byte first)."""
        return int.from_bytes(self.read_table(table, row, field), "little")

    def read_table_text(self, table: int, row: int, field: int) -> str:
        """A text field (WIN1251, ends at its first NUL)."""
        return read_text(self.read_table(table, row, field))

    def write_table(self, table: int, row: int, field: int, value: bytes | int | str, *,
                    size: int | None = None) -> None:
        """Запись таблицы (1Eh). A number is sent in ``size`` bytes (default: as few as hold it), least
        significant first; a text in WIN1251."""
        if isinstance(value, bool) or not isinstance(value, (bytes, int, str)):
            raise InvalidParameter(f"table value must be bytes, int or str, got {type(value).__name__}",
                                   message_ru="значение поля таблицы должно быть bytes, int или str, получено "
                                              f"{type(value).__name__}")
        if isinstance(value, int):
            if value < 0:
                raise InvalidParameter(f"table numbers are unsigned, got {value}",
                                       message_ru=f"числа в таблицах беззнаковые, получено {value}")
            width = size or max(1, (value.bit_length() + 7) // 8)
            try:
                data = value.to_bytes(width, "little")
            except OverflowError as exc:
                raise InvalidParameter(f"{value} does not fit {width} bytes",
                                       message_ru=f"{value} не помещается в {width} байт") from exc
        elif isinstance(value, str):
            try:
                data = value.encode(ENCODING)
            except UnicodeEncodeError as exc:
                raise InvalidParameter(f"{value!r} is not encodable in {ENCODING}",
                                       message_ru=f"{value!r} нельзя записать в кодовой странице {ENCODING}") from exc
        else:
            data = value
        self.execute(c.WRITE_TABLE, {"table": table, "row": row, "field": field, "value": data})

    def table_structure(self, table: int) -> tuple[str, int, int]:
        """Структура таблицы (2Dh): (name, rows, fields)."""
        a = self.execute(c.TABLE_STRUCTURE, {"table": table})
        return str(a.name).rstrip("\x00"), int(a.rows), int(a.fields)

    def field_structure(self, table: int, field: int) -> FieldStructure:
        """Структура поля (2Eh)."""
        a = self.execute(c.FIELD_STRUCTURE, {"table": table, "field": field})
        size, limits = int(a.size), bytes(a.limits)
        name = str(a.name).split("\x00", 1)[0]
        if a.field_type == 1 or len(limits) < 2 * size:
            return FieldStructure(name, a.field_type == 1, size)
        return FieldStructure(name, False, size, int.from_bytes(limits[:size], "little"),
                              int.from_bytes(limits[size:2 * size], "little"))

    # -- exchange parameters -------------------------------------------------------------
    def exchange_parameters(self, port: int = 0) -> tuple[int, float]:
        """Чтение параметров обмена (15h): (baud rate, byte timeout in seconds) of ``port``."""
        a = self.execute(c.READ_EXCHANGE_PARAMETERS, {"port": port})
        rate = BAUD_RATES.get(int(a.baud_code))
        if rate is None:
            raise InvalidParameter(f"the device reports baud-rate code {a.baud_code}, not one of 0…9",
                                   message_ru=f"устройство сообщает код скорости {a.baud_code}, а допустимы 0…9")
        return rate, byte_timeout_seconds(int(a.byte_timeout))

    def set_exchange_parameters(self, port: int, baudrate: int, byte_timeout: float) -> None:
        """Установка параметров обмена (14h). The answer still comes at the old rate; reconnect at the new one."""
        codes = {rate: code for code, rate in BAUD_RATES.items()}
        if baudrate not in codes:
            raise InvalidParameter(f"baud rate must be one of {sorted(codes)}, got {baudrate}",
                                   message_ru=f"скорость обмена должна быть одной из {sorted(codes)}, получено "
                                              f"{baudrate}")
        self.execute(c.SET_EXCHANGE_PARAMETERS, {"port": port, "baud_code": codes[baudrate],
                                                 "byte_timeout": byte_timeout_code(byte_timeout)})

    # -- registers -----------------------------------------------------------------------
    def money_register(self, number: int) -> int:
        """Денежный регистр (1Ah), kopecks."""
        return int(self.execute(c.READ_MONEY_REGISTER, {"register": number}).value)

    def operation_register(self, number: int) -> int:
        """Операционный регистр (1Bh)."""
        return int(self.execute(c.READ_OPERATION_REGISTER, {"register": number}).value)

    # -- clock ---------------------------------------------------------------------------
    def read_datetime(self) -> datetime:
        """Дата и время ККТ (from the full status)."""
        return self.status().datetime

    def set_datetime(self, value: datetime) -> None:
        """Программирование времени (21h), даты (22h) и подтверждение даты (23h), in pyshtrih's order."""
        date = {"day": value.day, "month": value.month, "year": value.year % 100}
        self.execute(c.SET_TIME, {"time": {"hour": value.hour, "minute": value.minute, "second": value.second}})
        self.execute(c.SET_DATE, {"date": date})
        self.execute(c.CONFIRM_DATE, {"date": date})
