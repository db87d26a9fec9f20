"""Commands that form fiscal documents (v1.2.06 §4.3–4.6).

Every document follows one pattern (§4.3.1): a "begin" command, one or more 07h carrying whole
TLVs, then a "finish" command that numbers the document and returns its fiscal sign; 06h drops a
begun document. ``tlv_limit`` on a begin command is the most TLV data 07h may add (the text gives
kilobytes; we read 1 KB as 1024 bytes [inferred]).
"""

from __future__ import annotations

import construct as cs

from .datatypes import (
    DateAdapter,
    DateTimeAdapter,
    EnumField,
    Flag01,
    FlagsField,
    SpacePadded,
    TlvList,
    Uint8,
    Uint16,
    Uint32,
    Uint40,
)
from .enums import (
    CommandGroup,
    FfdVersion,
    LifePhase,
    OperationType,
    ReportType,
    ReregistrationReason,
    TaxSystem,
    WarningFlags,
    WorkMode,
)
from .frame import MAX_DATA
from .registry import REGISTRY, FnCommand, layout
from .results import DocumentResult, ReceiptResult, ShiftParameters, ShiftResult, StateReportResult

KB = 1024
DOCS = CommandGroup.DOCUMENTS
ACTIVATION = CommandGroup.ACTIVATION
#: 02h/A2h with type 0 or 1 run in phase 1, type 2 (re-registration) in phase 2 (§4.4.1)
REGISTRATION_PHASES = frozenset({LifePhase.READY_FOR_FISCAL, LifePhase.FISCAL_MODE})
#: 06h/07h serve activation (phase 1) as well as documents and FN closing (phase 2)
DATA_PHASES = REGISTRATION_PHASES

DOCUMENT_RESULT = layout("fd_number" / Uint32, "fiscal_sign" / Uint32)


def _dated() -> tuple[cs.Construct, ...]:
    return (layout("datetime" / DateTimeAdapter()),)


# -- §4.3 common -----------------------------------------------------------------------------------

CANCEL_DOCUMENT = REGISTRY.register(FnCommand(
    0x06, "cancel_document", "Отменить документ", "Cancel the begun document", DOCS, "§4.3.2",
    phases=DATA_PHASES,
    note="drops all data sent with 07h",
))

SEND_DOCUMENT_DATA = REGISTRY.register(FnCommand(
    0x07, "send_document_data", "Передать данные документа", "Send document data (TLV list)", DOCS,
    "§4.3.3, Tables 30–31",
    request=(layout("tlv_data" / TlvList(min_items=1)),),
    phases=DATA_PHASES,
    note=f"whole TLV/STLV objects only, at least one; at most {MAX_DATA} bytes per frame",
))

# -- §4.4 registration / FN close (FFD 1.0/1.05) -----------------------------------------------

BEGIN_REGISTRATION = REGISTRY.register(FnCommand(
    0x02, "begin_registration", "Начать отчет о регистрации/перерегистрации",
    "Begin the registration / re-registration report", ACTIVATION, "§4.4.1, Tables 32–33",
    request=(layout("report_type" / cs.Optional(EnumField(ReportType))),),
    phases=REGISTRATION_PHASES,
    tlv_limit=6 * KB,
    note="FFD ≤ 1.05 KKT only; an absent report_type means 0 (registration)",
))

FINISH_REGISTRATION = REGISTRY.register(FnCommand(
    0x03, "finish_registration", "Сформировать отчет о регистрации/перерегистрации",
    "Finish the registration / re-registration report", ACTIVATION, "§4.4.2, Tables 34–41",
    request=(layout(
        "datetime" / DateTimeAdapter(),
        "inn" / SpacePadded(12),
        "rnm" / SpacePadded(20),
        "tax_systems" / FlagsField(TaxSystem),
        "work_mode" / FlagsField(WorkMode),
        "reason" / cs.Optional(EnumField(ReregistrationReason)),
    ),),
    answer=(DOCUMENT_RESULT,),
    result=DocumentResult,
    phases=REGISTRATION_PHASES,
    note="reason (Table 39) only for a re-registration without FN replacement (Table 35); "
         "moves the drive to phase 2 after a registration",
))

BEGIN_CLOSE_FN = REGISTRY.register(FnCommand(
    0x04, "begin_close_fn", "Начать закрытие ФН", "Begin closing the fiscal mode",
    CommandGroup.FN_CLOSE, "§4.4.3, Table 42",
    tlv_limit=4 * KB,
    note="09h in data-transfer mode while documents or notifications are still unsent",
))

CLOSE_FN = REGISTRY.register(FnCommand(
    0x05, "close_fn", "Закрыть ФН", "Close the fiscal mode", CommandGroup.FN_CLOSE,
    "§4.4.4, Tables 43–45",
    request=(layout("datetime" / DateTimeAdapter(), "rnm" / SpacePadded(20)),),
    answer=(DOCUMENT_RESULT,),
    result=DocumentResult,
    note="moves the drive to phase 3 (data-transfer mode) or 4 (autonomous mode)",
))

# -- §4.5 registration (FFD 1.1/1.2) ------------------------------------------------------------

BEGIN_REGISTRATION_V2 = REGISTRY.register(FnCommand(
    0xA2, "begin_registration_v2", "Начать отчет о регистрации/перерегистрации (ФФД 1.1/1.2)",
    "Begin the registration / re-registration report (FFD 1.1/1.2)", ACTIVATION,
    "§4.5.1, Tables 46–47",
    request=(layout(
        "report_type" / EnumField(ReportType),
        "ffd_version" / cs.Optional(EnumField(FfdVersion)),
    ),),
    phases=REGISTRATION_PHASES,
    tlv_limit=6 * KB,
    note="ffd_version 3 = FFD 1.1 (may be omitted), 4 = FFD 1.2; the 6 KB limit is taken from 02h, "
         "which A2h is said to mirror [inferred]",
))

FINISH_REGISTRATION_V2 = REGISTRY.register(FnCommand(
    0xA3, "finish_registration_v2", "Сформировать отчет о регистрации/перерегистрации (ФФД 1.1/1.2)",
    "Finish the registration / re-registration report (FFD 1.1/1.2)", ACTIVATION,
    "§4.5.2, Tables 48–53",
    request=(layout(
        "datetime" / DateTimeAdapter(),
        "inn" / SpacePadded(12),
        "rnm" / SpacePadded(20),
        "tax_systems" / FlagsField(TaxSystem),
        "work_mode" / FlagsField(WorkMode),
        "extended_flags" / Uint8,
        "ofd_inn" / SpacePadded(12),
        "reason_bits" / cs.Optional(Uint32),
    ),),
    answer=(DOCUMENT_RESULT,),
    result=DocumentResult,
    phases=REGISTRATION_PHASES,
    note="reason_bits (tag 1205 coding) only for variant 2 (re-registration); extended_flags per "
         "Table 50 (FFD 1.1) or 51 (FFD 1.2); ofd_inn '000000000000' in autonomous mode",
))

# -- §4.6 shifts, receipts, state report --------------------------------------------------------

SHIFT_PARAMETERS = REGISTRY.register(FnCommand(
    0x10, "shift_parameters", "Запрос параметров текущей смены", "Current shift parameters", DOCS,
    "§4.6.1, Tables 54–55",
    answer=(layout("shift_open" / Flag01(), "shift_number" / Uint16, "receipt_number" / Uint16),),
    result=ShiftParameters,
))

SHIFT_RESULT = layout(
    "shift_number" / Uint16,
    "fd_number" / Uint32,
    "fiscal_sign" / Uint32,
    "warnings" / cs.Optional(FlagsField(WarningFlags)),
)

BEGIN_OPEN_SHIFT = REGISTRY.register(FnCommand(
    0x11, "begin_open_shift", "Начать открытие смены", "Begin opening a shift", DOCS,
    "§4.6.2, Tables 56–57", request=_dated(), tlv_limit=4 * KB,
))

OPEN_SHIFT = REGISTRY.register(FnCommand(
    0x12, "open_shift", "Открыть смену", "Open the shift", DOCS, "§4.6.3, Tables 58–59",
    answer=(SHIFT_RESULT,), result=ShiftResult,
    note="the warnings byte is added only in FFD 1.1/1.2 mode",
))

BEGIN_CLOSE_SHIFT = REGISTRY.register(FnCommand(
    0x13, "begin_close_shift", "Начать закрытие смены", "Begin closing the shift", DOCS,
    "§4.6.4, Tables 60–61", request=_dated(), tlv_limit=1 * KB,
    note="the text says the drive must be in its 3rd stage; stage 2 is meant (Table 61) [inferred]",
))

CLOSE_SHIFT = REGISTRY.register(FnCommand(
    0x14, "close_shift", "Закрыть смену", "Close the shift", DOCS, "§4.6.5, Tables 62–63",
    answer=(SHIFT_RESULT,), result=ShiftResult,
    note="the warnings byte is added only in FFD 1.1/1.2 mode",
))

BEGIN_RECEIPT = REGISTRY.register(FnCommand(
    0x15, "begin_receipt", "Начать формирование чека (БСО)", "Begin a receipt (BSO)", DOCS,
    "§4.6.6, Tables 64–65", request=_dated(), tlv_limit=30 * KB,
))

FINISH_RECEIPT = REGISTRY.register(FnCommand(
    0x16, "finish_receipt", "Сформировать чек", "Finish the receipt (also closes a correction)", DOCS,
    "§4.6.7, Tables 66–69",
    request=(layout(
        "datetime" / DateTimeAdapter(),
        "operation" / EnumField(OperationType),
        "total" / Uint40,
    ),),
    answer=(layout("receipt_number" / Uint16, "fd_number" / Uint32, "fiscal_sign" / Uint32),),
    result=ReceiptResult,
    note="total in kopecks; finishes receipts begun with 15h and corrections begun with 17h",
))

BEGIN_CORRECTION = REGISTRY.register(FnCommand(
    0x17, "begin_correction", "Начать формирование чека коррекции (БСО)",
    "Begin a correction receipt (BSO); finish it with 16h", DOCS, "§4.6.8, Tables 70–71",
    request=_dated(), tlv_limit=30 * KB,
))

BEGIN_STATE_REPORT = REGISTRY.register(FnCommand(
    0x18, "begin_state_report", "Начать формирование отчета о текущем состоянии расчетов",
    "Begin the current-state report", DOCS, "§4.6.9, Tables 72–73",
    request=_dated(), tlv_limit=2 * KB,
))

STATE_REPORT = REGISTRY.register(FnCommand(
    0x19, "state_report", "Сформировать отчет о текущем состоянии расчетов",
    "Finish the current-state report", DOCS, "§4.6.10, Tables 74–75",
    answer=(layout(
        "fd_number" / Uint32,
        "fiscal_sign" / Uint32,
        "unconfirmed_count" / Uint32,
        "first_unconfirmed_date" / DateAdapter(),
    ),),
    result=StateReportResult,
))
