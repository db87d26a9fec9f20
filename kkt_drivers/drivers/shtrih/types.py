"""Typed answers of Shtrih-M's own commands (status, device type, exchange parameters)."""

from __future__ import annotations

import enum
from dataclasses import dataclass
from datetime import datetime

from ...errors import ProtocolError


def device_datetime(year: int, month: int, day: int, hour: int = 0, minute: int = 0, second: int = 0, *,
                    what: str = "date") -> datetime:
    """A date and time the device sent as separate bytes (year 20YY); a value no calendar has (month 13, a 31st
    of April, hour 24) is a garbled answer — :class:`ProtocolError`, not a ``ValueError`` from ``datetime``."""
    try:
        return datetime(2000 + year, month, day, hour, minute, second)
    except ValueError:
        raise ProtocolError(f"Shtrih-M answer carries no valid {what}: "
                            f"{day:02d}.{month:02d}.{year:02d} {hour:02d}:{minute:02d}:{second:02d}",
                            message_ru=f"в ответе Штрих-М недопустимое значение ({what}): {day:02d}.{month:02d}."
                                       f"{year:02d} {hour:02d}:{minute:02d}:{second:02d}") from None


class ShtrihMode(enum.IntEnum):
    """Режим ККТ: the low nibble of the mode byte of 10h/11h (vendor protocol v2.0, appendix 1)."""

    PRINTER = 0  #: принтер в рабочем режиме
    DATA_OUTPUT = 1  #: выдача данных
    SHIFT_OPEN = 2  #: открытая смена, 24 часа не кончились
    SHIFT_EXPIRED = 3  #: открытая смена, 24 часа кончились
    SHIFT_CLOSED = 4  #: закрытая смена
    TAX_INSPECTOR_LOCK = 5  #: блокировка по неправильному паролю налогового инспектора
    DATE_CONFIRMATION = 6  #: ожидание подтверждения ввода даты
    DECIMAL_POINT = 7  #: разрешение изменения положения десятичной точки
    DOCUMENT_OPEN = 8  #: открытый документ
    TECHNOLOGICAL_RESET = 9  #: разрешение технологического обнуления
    TEST_RUN = 10  #: тестовый прогон
    FULL_FISCAL_REPORT = 11  #: печать полного фискального отчёта
    EKLZ_REPORT = 12  #: печать отчёта ЭКЛЗ
    SLIP_FISCAL = 13  #: работа с фискальным подкладным документом
    SLIP_PRINT = 14  #: печать подкладного документа
    SLIP_READY = 15  #: фискальный подкладной документ сформирован


class ShtrihSubmode(enum.IntEnum):
    """Подрежим ККТ (vendor protocol v2.0, appendix 1)."""

    PAPER_PRESENT = 0  #: бумага есть
    PASSIVE_NO_PAPER = 1  #: пассивное отсутствие бумаги
    ACTIVE_NO_PAPER = 2  #: активное отсутствие бумаги (кончилась во время печати)
    AWAIT_CONTINUE = 3  #: после активного отсутствия бумаги, ждёт команду продолжения печати (B0h)
    PRINTING_REPORTS = 4  #: печать полных фискальных отчётов
    PRINTING = 5  #: печать операции


#: flags word of 10h/11h (bit numbers, vendor protocol v2.0 and the shtrihm-fr flag table)
FLAG_JOURNAL_ROLL, FLAG_RECEIPT_ROLL, FLAG_COVER, FLAG_DRAWER = 0, 1, 10, 11


def _mode(value: int) -> ShtrihMode:
    return ShtrihMode(value & 0x0F)


@dataclass(frozen=True)
class ShtrihShortStatus:
    """Короткий запрос состояния (10h)."""

    operator: int
    flags: int
    mode: ShtrihMode
    #: the high nibble of the mode byte: the document type in mode 8 (0 sale, 1 purchase, 2 and 3 returns)
    mode_status: int
    submode: int
    operations: int  #: operations in the open receipt
    print_result: int | None = None

    @classmethod
    def from_answer(cls, a: object) -> ShtrihShortStatus:
        from ...protocols.shtrih.commands import receipt_operations

        mode = int(a.mode)  # type: ignore[attr-defined]
        return cls(operator=int(a.operator), flags=int(a.flags), mode=_mode(mode),  # type: ignore[attr-defined]
                   mode_status=mode >> 4, submode=int(a.submode),  # type: ignore[attr-defined]
                   operations=receipt_operations(a),
                   print_result=a.print_result)  # type: ignore[attr-defined]

    @property
    def receipt_open(self) -> bool:
        return self.mode is ShtrihMode.DOCUMENT_OPEN

    @property
    def paper_present(self) -> bool:
        return bool(self.flags >> FLAG_RECEIPT_ROLL & 1)


@dataclass(frozen=True)
class ShtrihStatus:
    """Запрос состояния ККТ (11h)."""

    operator: int
    firmware: str  #: version and build, e.g. "C2.34865"
    firmware_date: datetime | None
    hall_number: int
    document_number: int  #: сквозной номер документа
    flags: int
    mode: ShtrihMode
    mode_status: int
    submode: int
    port: int
    datetime: datetime
    serial_number: str
    last_closed_shift: int
    registrations: int
    registrations_left: int
    inn: str

    @property
    def receipt_open(self) -> bool:
        return self.mode is ShtrihMode.DOCUMENT_OPEN

    @property
    def shift_open(self) -> bool:
        return self.mode in (ShtrihMode.SHIFT_OPEN, ShtrihMode.SHIFT_EXPIRED, ShtrihMode.DOCUMENT_OPEN)

    @property
    def paper_present(self) -> bool:
        return bool(self.flags >> FLAG_RECEIPT_ROLL & 1)

    @property
    def cover_open(self) -> bool:
        return bool(self.flags >> FLAG_COVER & 1)

    @property
    def drawer_open(self) -> bool:
        return bool(self.flags >> FLAG_DRAWER & 1)


@dataclass(frozen=True)
class ShtrihDeviceType:
    """Получить тип устройства (FCh)."""

    device_type: int
    device_subtype: int
    protocol_version: int
    protocol_subversion: int
    model: int
    language: int
    name: str


@dataclass(frozen=True)
class FieldStructure:
    """Структура поля таблицы (2Eh): name, ``is_text`` (CHAR, else a binary number), size in bytes and, for
    numbers, the range."""

    name: str
    is_text: bool
    size: int
    minimum: int | None = None
    maximum: int | None = None
