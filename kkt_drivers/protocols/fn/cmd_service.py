"""Status and service commands: 30h–3Fh, A7h, ABh (v1.2.06 §4.1–4.2) and the v1.1 debug 60h."""

from __future__ import annotations

import construct as cs

from .datatypes import (
    Ascii,
    DataN,
    DateAdapter,
    DateTimeAdapter,
    EnumField,
    Flag01,
    FlagsField,
    Uint8,
    Uint16,
    Uint32,
    Uint48,
)
from .enums import CommandGroup, CounterType, FfdVersion, FirmwareType, LifePhase, OperationType, WarningFlags
from .enums import CurrentDocument as CurrentDocumentEnum
from .registry import REGISTRY, FnCommand, layout
from .results import FnStatus, FnValidity, FnVersion

STATUS_GROUP = CommandGroup.STATUS

STATUS = REGISTRY.register(FnCommand(
    0x30, "status", "Запрос статуса ФН", "Drive status", STATUS_GROUP, "§4.1.1, Tables 7–9",
    answer=(layout(
        "phase" / EnumField(LifePhase),
        "current_document" / EnumField(CurrentDocumentEnum),
        "document_data_received" / Flag01(),
        "shift_open" / Flag01(),
        "warnings" / FlagsField(WarningFlags),
        "last_document_datetime" / DateTimeAdapter(),
        "fn_number" / Ascii(16),
        "last_fd_number" / Uint32,
    ),),
    result=FnStatus,
))

FN_NUMBER = REGISTRY.register(FnCommand(
    0x31, "fn_number", "Запрос номера ФН", "Drive serial number", STATUS_GROUP, "§4.1.2, Table 10",
    answer=(layout("fn_number" / Ascii(16)),),
))

VALIDITY = REGISTRY.register(FnCommand(
    0x32, "validity", "Запрос срока действия ФН", "Drive validity", STATUS_GROUP, "§4.1.3, Table 11",
    answer=(layout(
        "expiry_date" / DateAdapter(),
        "registrations_left" / Uint8,
        "registrations_done" / Uint8,
    ),),
    result=FnValidity,
))

VERSION = REGISTRY.register(FnCommand(
    0x33, "version", "Запрос версии ФН", "Drive firmware version", STATUS_GROUP, "§4.1.4, Table 12",
    answer=(layout(
        "firmware_version" / Ascii(16),
        "firmware_type" / EnumField(FirmwareType),
    ),),
    result=FnVersion,
))

LAST_ERRORS = REGISTRY.register(FnCommand(
    0x35, "last_errors", "Запрос последних ошибок ФН", "Drive diagnostic dump", STATUS_GROUP,
    "§4.1.5, Table 13",
    answer=(layout("diagnostics" / DataN(256)),),
))

EXECUTION = REGISTRY.register(FnCommand(
    0x3F, "execution", "Запрос исполнения ФН", "Drive execution (variant) string", STATUS_GROUP,
    "§4.1.1 (second), Table 14",
    answer=(layout("execution" / Ascii(48)),),
))

#: Table 17: counters of one calculation sign (76 bytes)
OPERATION_COUNTERS = cs.Struct(
    "count" / Uint32,
    "total" / Uint48,
    "cash" / Uint48,
    "electronic" / Uint48,
    "prepayment" / Uint48,
    "credit" / Uint48,
    "counter_provision" / Uint48,
    "vat_18" / Uint48,
    "vat_10" / Uint48,
    "total_vat_0" / Uint48,
    "total_no_vat" / Uint48,
    "vat_18_118" / Uint48,
    "vat_10_110" / Uint48,
)

#: Table 18: correction receipt counters (44 bytes)
CORRECTION_COUNTERS = cs.Struct(
    "count" / Uint32,
    "income_count" / Uint32,
    "income_total" / Uint48,
    "income_return_count" / Uint32,
    "income_return_total" / Uint48,
    "expense_count" / Uint32,
    "expense_total" / Uint48,
    "expense_return_count" / Uint32,
    "expense_return_total" / Uint48,
)

COUNTERS = REGISTRY.register(FnCommand(
    0x36, "counters", "Запрос счетчиков ФН", "Drive counters", STATUS_GROUP, "§4.2.1, Tables 15–18",
    request=(layout("counter_type" / EnumField(CounterType)),),
    answer=(layout(
        "shift_number" / Uint16,
        "operations" / Uint32,
        "income" / OPERATION_COUNTERS,
        "income_return" / OPERATION_COUNTERS,
        "expense" / OPERATION_COUNTERS,
        "expense_return" / OPERATION_COUNTERS,
        "corrections" / CORRECTION_COUNTERS,
    ),),
    note="FFD 1.1/1.2 mode only; shift_number is the shift number or the count of shifts",
))

OPERATION_COUNT = REGISTRY.register(FnCommand(
    0x37, "operation_counters", "Запрос счетчиков операций ФН", "Operation counts", STATUS_GROUP,
    "§4.2.2, Tables 19–20",
    request=(layout("counter_type" / EnumField(CounterType)),),
    answer=(layout(
        "shift_number" / Uint16,
        "receipts" / Uint32,
        "income" / Uint32,
        "income_return" / Uint32,
        "expense" / Uint32,
        "expense_return" / Uint32,
        "corrections" / Uint32,
        "correction_income" / Uint32,
        "correction_income_return" / Uint32,
        "correction_expense" / Uint32,
        "correction_expense_return" / Uint32,
    ),),
    note="FFD 1.1/1.2 mode only",
))

COUNTERS_BY_TYPE = REGISTRY.register(FnCommand(
    0x38, "counters_by_type", "Запрос счетчиков ФН по заданному типу расчетов",
    "Counters of one calculation sign", STATUS_GROUP, "§4.2.3, Tables 21–22",
    request=(layout("counter_type" / EnumField(CounterType), "operation" / EnumField(OperationType)),),
    answer=(layout(
        "counters" / OPERATION_COUNTERS,
        "correction_count" / Uint32,
        "correction_total" / Uint48,
    ),),
    note="Table 22 points to Table 16 for the 76-byte structure; Table 17 is meant [inferred]",
))

UNSENT_TOTALS = REGISTRY.register(FnCommand(
    0x39, "unsent_totals", "Запрос счётчиков итогов непереданных документов",
    "Totals of documents not yet sent to the OFD", STATUS_GROUP, "§4.2.4, Table 23",
    answer=(layout(
        "count" / Uint32,
        "income_count" / Uint32,
        "income_total" / Uint48,
        "income_return_count" / Uint32,
        "income_return_total" / Uint48,
        "expense_count" / Uint32,
        "expense_total" / Uint48,
        "expense_return_count" / Uint32,
        "expense_return_total" / Uint48,
    ),),
    note="answers 08h when the drive works without data transfer",
))

FFD_FORMAT = REGISTRY.register(FnCommand(
    0x3A, "ffd_format", "Запрос формата ФН", "FFD version in use and supported", STATUS_GROUP,
    "§4.2.5, Table 24",
    answer=(layout("active" / EnumField(FfdVersion), "supported" / EnumField(FfdVersion)),),
))

DAYS_LEFT = REGISTRY.register(FnCommand(
    0x3B, "days_left", "Запрос оставшегося срока действия ФН", "Days of validity left", STATUS_GROUP,
    "§4.2.6, Tables 25–26",
    request=(layout("datetime" / DateTimeAdapter()),),
    answer=(layout("days" / Uint16),),
    note="the time part of the request is ignored; 0 when the date is past expiry",
))

FREE_MEMORY = REGISTRY.register(FnCommand(
    0x3D, "free_memory", "Запрос ресурса свободной памяти в ФН", "Free memory", STATUS_GROUP,
    "§4.2.7, Table 27",
    answer=(layout(
        "documents_left" / Uint32,
        "free_kb_30_day" / Uint32,
        "notifications_fill_percent" / cs.Optional(Uint8),
    ),),
    note="the last byte is present only in FFD 1.2 mode with marked goods",
))

DATA_SIZE = REGISTRY.register(FnCommand(
    0xA7, "data_size", "Запрос общего размера данных, переданных командой 07h или командой B7h",
    "Size of the data sent so far with 07h/B7h", STATUS_GROUP, "§4.2.8, Table 28",
    answer=(layout("document_size" / Uint32, "notification_size" / cs.Optional(Uint32)),),
    note="notification_size is present only in FFD 1.2 mode",
))

UART_SPEED = REGISTRY.register(FnCommand(
    0xAB, "uart_speed", "Переход на повышенную скорость работы по UART", "Switch UART speed",
    STATUS_GROUP, "§4.2.9, Table 29",
    request=(layout("baud_rate" / Uint32),),
    note="effective until the drive restarts; power-up speed is 115200",
))

RESET = REGISTRY.register(FnCommand(
    0x60, "reset", "Сброс состояния ФН", "Reset the drive (debug firmware)", CommandGroup.DEBUG,
    "v1.1 §4.8.1, Table 90",
    request=(layout("request_code" / Uint8),),
    note="v1.1 only, debug firmware; code 16h wipes the archive and returns to phase 1",
))
