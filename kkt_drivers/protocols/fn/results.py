"""Typed answers of the important ФН commands (field names match the command layouts)."""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass

from .enums import (
    CurrentDocument,
    FirmwareType,
    LifePhase,
    OfdExchangeFlags,
    TaxSystem,
    WarningFlags,
    WorkMode,
)


@dataclass(frozen=True, slots=True)
class FnStatus:
    """30h — Запрос статуса ФН (Table 7)."""

    phase: LifePhase | int
    current_document: CurrentDocument | int
    document_data_received: bool
    shift_open: bool
    warnings: WarningFlags
    last_document_datetime: dt.datetime | None
    fn_number: str
    last_fd_number: int


@dataclass(frozen=True, slots=True)
class FnValidity:
    """32h — Запрос срока действия ФН (Table 11)."""

    expiry_date: dt.date | None
    registrations_left: int
    registrations_done: int


@dataclass(frozen=True, slots=True)
class FnVersion:
    """33h — Запрос версии ФН (Table 12)."""

    firmware_version: str
    firmware_type: FirmwareType | int


@dataclass(frozen=True, slots=True)
class ShiftParameters:
    """10h — Запрос параметров текущей смены (Table 54).

    ``receipt_number``: last receipt of an open shift (0 before the first one); for a closed
    shift, the number of documents of that shift.
    """

    shift_open: bool
    shift_number: int
    receipt_number: int


@dataclass(frozen=True, slots=True)
class OfdExchangeStatus:
    """20h — Получить статус информационного обмена (Table 76)."""

    flags: OfdExchangeFlags
    message_reading: bool
    queue_length: int
    first_document_number: int
    first_document_datetime: dt.datetime | None


@dataclass(frozen=True, slots=True)
class DocumentResult:
    """03h, 05h, A3h — FD number and fiscal sign (ФПД) of the new document (Tables 40, 44, 52)."""

    fd_number: int
    fiscal_sign: int


@dataclass(frozen=True, slots=True)
class ShiftResult:
    """12h / 14h — shift opened/closed (Tables 58, 62); ``warnings`` only in FFD 1.1/1.2 mode."""

    shift_number: int
    fd_number: int
    fiscal_sign: int
    warnings: WarningFlags | None = None


@dataclass(frozen=True, slots=True)
class ReceiptResult:
    """16h — Сформировать чек (Table 67)."""

    receipt_number: int
    fd_number: int
    fiscal_sign: int


@dataclass(frozen=True, slots=True)
class StateReportResult:
    """19h — Сформировать отчет о текущем состоянии расчетов (Table 74)."""

    fd_number: int
    fiscal_sign: int
    unconfirmed_count: int
    first_unconfirmed_date: dt.date | None


@dataclass(frozen=True, slots=True)
class RegistrationTotals:
    """43h — registration totals, four layouts told apart by length (Tables 98, 99, 102, 103).

    ``extended_flags``/``ofd_inn`` are present in FFD 1.1/1.2 mode; ``reason`` only in variant 2
    (a byte, Table 39, in FFD 1.0 mode; Uint32 bits of tag 1205 in FFD 1.1/1.2 mode).
    """

    datetime: dt.datetime | None
    inn: str
    rnm: str
    tax_systems: TaxSystem
    work_mode: WorkMode
    fd_number: int
    fiscal_sign: int
    extended_flags: int | None = None
    ofd_inn: str | None = None
    reason: int | None = None


@dataclass(frozen=True, slots=True)
class OfdTicket:
    """41h — the OFD ticket for a document (Table 189): date, operator sign (ФПО), FD number."""

    datetime: dt.datetime | None
    operator_sign: bytes
    fd_number: int
