"""Typed results of the ATOL driver (frozen dataclasses; no dicts keyed by Russian names)."""

from __future__ import annotations

import enum
from dataclasses import dataclass
from datetime import datetime


class AtolMode(enum.IntEnum):
    """Режимы ККТ АТОЛ (low nibble of the mode byte)."""

    SELECT = 0  # выбор
    REGISTRATION = 1  # регистрация
    X_REPORTS = 2  # отчёты без гашения
    Z_REPORTS = 3  # отчёты с гашением
    PROGRAMMING = 4  # программирование
    FISCAL_MEMORY = 5  # доступ к ФП / ввод заводского номера
    FN_ACCESS = 6  # доступ к ФН
    EXTRA = 7  # дополнительный


@dataclass(frozen=True)
class ModeState:
    """Режим и подрежим."""

    mode: AtolMode
    sub_mode: int

    @classmethod
    def from_byte(cls, value: int) -> ModeState:
        low = value & 0x0F
        mode = AtolMode(low) if low in AtolMode._value2member_map_ else AtolMode.EXTRA
        return cls(mode, value >> 4)


@dataclass(frozen=True)
class AtolStatus:
    """Ответ на запрос состояния ККТ (``3F``)."""

    cashier: int
    hall_number: int
    datetime: datetime
    fiscalised: bool
    shift_open: bool
    drawer_open: bool
    paper_present: bool
    cover_open: bool
    fn_active: bool
    serial_number: str
    model: int
    firmware: bytes
    mode: ModeState
    receipt_number: int
    shift_number: int
    receipt_state: int
    receipt_sum: int  # kopecks
    decimal_point: int
    interface: int


@dataclass(frozen=True)
class AtolStateCode:
    """Ответ на запрос кода состояния (``45``)."""

    mode: ModeState
    no_paper: bool
    printer_link_lost: bool
    mechanical_error: bool
    cutter_error: bool
    recoverable_printer_error: bool
    paper_jam: bool
    presenter_error: bool
    paper_near_end: bool


@dataclass(frozen=True)
class DeviceInfo:
    """Тип устройства (``A5``)."""

    protocol: int
    device_type: int
    model: int
    mode_word: int
    version: bytes
    name: str


@dataclass(frozen=True)
class LastShiftTotals:
    """Последний сменный итог (``58``): приходы и расходы смены, kopecks."""

    income: int
    expense: int


@dataclass(frozen=True)
class FirmwareVersion:
    """Версия (``9D``) of one source: 1 the main program, 3 the boot block."""

    source: int
    version: int
    subversion: int
    language: int
    build: int


@dataclass(frozen=True)
class LastDocumentRecord:
    """Регистры 51 (последний чек) и 52 (последний ФД): number, type, total, time, fiscal sign.

    ``type`` is the receipt type as ``92`` takes it for register 51, the document type for 52 [inferred]."""

    number: int
    type: int
    total: int  # kopecks
    datetime: datetime | None
    fiscal_sign: int


@dataclass(frozen=True)
class ReceiptStateRecord:
    """Регистр 19: the current receipt's state, type, number in the shift and the next document number."""

    open: bool
    type: int
    receipt_number: int
    document_number: int


@dataclass(frozen=True)
class LineWidth:
    """Регистр 24: characters and dots per line for the printer's three fonts."""

    chars: tuple[int, int, int]
    pixels: tuple[int, int, int]
