"""Archive commands 40h–47h and 50h (v1.2.06 §4.8–4.9, appendix §5.1).

40h returns ``document type, ticket received, record``; the record layout depends on the type
(Tables 180–189). Registration and re-registration records come in an FFD 1.0 and a longer
FFD 1.1 form, told apart by length. Types the appendix does not describe stay raw bytes.
"""

from __future__ import annotations

import construct as cs
from construct import this

from .datatypes import (
    DataN,
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
from .enums import ArchiveFormat, CommandGroup, DocumentType, OperationType, TaxSystem, WorkMode
from .registry import EMPTY, REGISTRY, FnCommand, layout
from .results import OfdTicket, RegistrationTotals

ARCHIVE = CommandGroup.ARCHIVE


def _head() -> tuple[cs.Construct, ...]:
    return (
        "datetime" / DateTimeAdapter(),
        "fd_number" / Uint32,
        "fiscal_sign" / Uint32,
    )


def _registration(*tail: cs.Construct) -> tuple[cs.Construct, ...]:
    return (
        "inn" / SpacePadded(12),
        "rnm" / SpacePadded(20),
        "tax_systems" / FlagsField(TaxSystem),
        "work_mode" / FlagsField(WorkMode),
        *tail,
    )


_FFD11_EXTRA = ("extended_flags" / Uint8, "ofd_inn" / SpacePadded(12))

# Tables 180/181 and 182/183: the longer (FFD 1.1) form is tried first
REGISTRATION_RECORD = cs.Select(
    cs.Struct(*_head(), *_registration(*_FFD11_EXTRA), cs.Terminated),
    cs.Struct(*_head(), *_registration(), cs.Terminated),
)
REREGISTRATION_RECORD = cs.Select(
    cs.Struct(*_head(), *_registration(*_FFD11_EXTRA, "reason_bits" / Uint32), cs.Terminated),
    cs.Struct(*_head(), *_registration("reason" / Uint8), cs.Terminated),
)
RECEIPT_RECORD = cs.Struct(*_head(), "operation" / EnumField(OperationType), "total" / Uint40)  # Table 184
SHIFT_RECORD = cs.Struct(*_head(), "shift_number" / Uint16)  # Tables 185, 186
CLOSE_FN_RECORD = cs.Struct(*_head(), "inn" / SpacePadded(12), "rnm" / SpacePadded(20))  # Table 187
STATE_REPORT_RECORD = cs.Struct(  # Table 188 (its "DATE_TIME, 3" is a DATE)
    *_head(), "unconfirmed_count" / Uint32, "first_unconfirmed_date" / DateAdapter(),
)
CONFIRMATION_RECORD = cs.Struct(  # Table 189
    "datetime" / DateTimeAdapter(), "operator_sign" / cs.Bytes(18), "fd_number" / Uint32,
)

ARCHIVE_RECORDS: dict[int, cs.Construct] = {
    DocumentType.REGISTRATION_REPORT: REGISTRATION_RECORD,
    DocumentType.REREGISTRATION_REPORT: REREGISTRATION_RECORD,
    DocumentType.RECEIPT: RECEIPT_RECORD,
    DocumentType.BSO: RECEIPT_RECORD,
    DocumentType.CORRECTION_RECEIPT: RECEIPT_RECORD,
    DocumentType.CORRECTION_BSO: RECEIPT_RECORD,
    DocumentType.OPEN_SHIFT_REPORT: SHIFT_RECORD,
    DocumentType.CLOSE_SHIFT_REPORT: SHIFT_RECORD,
    DocumentType.CLOSE_FN_REPORT: CLOSE_FN_RECORD,
    DocumentType.STATE_REPORT: STATE_REPORT_RECORD,
    DocumentType.OPERATOR_CONFIRMATION: CONFIRMATION_RECORD,
}

FOUND_DOCUMENT = cs.Struct(
    "document_type" / EnumField(DocumentType),
    "ticket_received" / Flag01(),
    "record" / cs.Switch(this.document_type, ARCHIVE_RECORDS, default=cs.GreedyBytes),
)

FIND_DOCUMENT = REGISTRY.register(FnCommand(
    0x40, "find_document", "Найти фискальный документ по номеру", "Find a fiscal document by number",
    ARCHIVE, "§4.8.1, Tables 91–93; §5.1",
    request=(layout("fd_number" / Uint32),),
    answer=(cs.Struct(*FOUND_DOCUMENT.subcons, cs.Terminated),),
    note="Table 93 asks for stage 2 or 3 while Table 6 opens archive reading in every stage",
))

OFD_TICKET_BY_NUMBER = REGISTRY.register(FnCommand(
    0x41, "ofd_ticket_by_number",
    "Запрос квитанции о получении фискального документа ОФД по номеру документа",
    "OFD ticket of a document", ARCHIVE, "§4.8.2, Tables 94–96; Table 189",
    request=(layout("fd_number" / Uint32),),
    answer=(cs.Struct(*CONFIRMATION_RECORD.subcons, cs.Terminated),),
    result=OfdTicket,
))

UNCONFIRMED_COUNT = REGISTRY.register(FnCommand(
    0x42, "unconfirmed_count", "Запрос количества ФД, на которые нет квитанции",
    "Number of documents without an OFD ticket", ARCHIVE, "§4.8.3, Table 97",
    answer=(layout("count" / Uint16),),
))

_TOTALS_TAIL = ("fd_number" / Uint32, "fiscal_sign" / Uint32)

REGISTRATION_TOTALS = REGISTRY.register(FnCommand(
    0x43, "registration_totals", "Запрос итогов регистрации/перерегистрации ККТ",
    "Registration totals (current, or by report index)", ARCHIVE, "§4.8.4–4.8.5, Tables 98–104",
    request=(EMPTY, layout("report_index" / Uint8)),
    answer=(
        layout("datetime" / DateTimeAdapter(), *_registration(), *_TOTALS_TAIL),  # Table 98
        layout("datetime" / DateTimeAdapter(), *_registration("reason" / Uint8), *_TOTALS_TAIL),  # 102
        layout("datetime" / DateTimeAdapter(), *_registration(*_FFD11_EXTRA), *_TOTALS_TAIL),  # 99
        layout("datetime" / DateTimeAdapter(),  # Table 103
               *_registration(*_FFD11_EXTRA, "reason" / Uint32), *_TOTALS_TAIL),
    ),
    result=RegistrationTotals,
))

REGISTRATION_PARAMETER = REGISTRY.register(FnCommand(
    0x44, "registration_parameter", "Запрос параметра открытия ФН",
    "One registration parameter as TLV (FFFFh: start iterating with 47h)", ARCHIVE,
    "§4.8.6–4.8.7, Tables 105–110",
    request=(layout("tag" / Uint16), layout("report_index" / Uint8, "tag" / Uint16)),
    answer=(layout("tlv" / TlvList(max_items=1)),),
    note="variant 2 with tag FFFFh answers with no data",
))

DOCUMENT_TLV_INFO = REGISTRY.register(FnCommand(
    0x45, "document_tlv_info", "Запрос фискального документа в TLV формате",
    "Start reading a document as TLV: its STLV type and length", ARCHIVE, "§4.8.8, Tables 111–113",
    request=(layout("fd_number" / Uint32),),
    answer=(layout("document_type" / EnumField(DocumentType, Uint16), "length" / Uint16),),
    note="Table 113 asks for stage 3 or 4, Table 115 (46h) for 2 or 3; Table 6 allows all",
))

READ_DOCUMENT_TLV = REGISTRY.register(FnCommand(
    0x46, "read_document_tlv", "Чтение TLV фискального документа",
    "Next top-level TLV of the document (08h at the end)", ARCHIVE, "§4.8.9, Tables 114–115",
    answer=(layout("tlv" / TlvList(min_items=1, max_items=1)),),
))

READ_REGISTRATION_TLV = REGISTRY.register(FnCommand(
    0x47, "read_registration_tlv", "Чтение TLV параметров открытия ФН",
    "Next TLV of the registration parameters (after 44h with FFFFh; 08h at the end)", ARCHIVE,
    "§4.8.10 (numbered 4.8.1), Tables 116–117",
    answer=(layout("tlv" / TlvList(min_items=1, max_items=1)),),
))

#: Table 119 for format 1 and 2 (receipts and corrections signed with the archive sign ФПА)
SIGNED_RECORD = cs.Struct(
    "has_1192" / Flag01(),
    "document_type" / EnumField(DocumentType),
    "datetime" / DateTimeAdapter(),
    "fd_number" / Uint32,
    "fiscal_sign" / Uint32,
    "operation" / EnumField(OperationType),
    "total" / Uint40,
    "archive_sign" / cs.Bytes(12),
    "cash" / Uint40,
    "electronic" / Uint40,
    "prepayment" / Uint40,
    "credit" / Uint40,
    "counter_provision" / Uint40,
    "vat_18" / Uint40,
    "vat_10" / Uint40,
    "total_vat_0" / Uint40,
    "total_no_vat" / Uint40,
    "vat_18_118" / Uint40,
    "vat_10_110" / Uint40,
    "additional_1192" / cs.If(this.has_1192, cs.Bytes(16)),
    # up to 10 STLV 1059 items, TLV 1055 (FFD 1.2), TLV 1228 or 1245+1246 — kept raw
    "tail" / DataN(),
)

FIND_DOCUMENT_SIGNED = REGISTRY.register(FnCommand(
    0x50, "find_document_signed", "Найти фискальный документ формата по номеру (ФФД 1.1/1.2)",
    "Find a document in the FFD 1.1/1.2 archive format (with ФПА)", ARCHIVE, "§4.9.1, Tables 118–122",
    request=(layout("fd_number" / Uint32),),
    answer=(layout(
        "format" / EnumField(ArchiveFormat),
        "document" / cs.Switch(this.format, {
            ArchiveFormat.AS_40H: FOUND_DOCUMENT,
            ArchiveFormat.SIGNED_FPA: SIGNED_RECORD,
            ArchiveFormat.SIGNED_FPA_FFD_1_2: SIGNED_RECORD,
        }, default=cs.GreedyBytes),
    ),),
    note="has_1192 = 1 means the 16-byte value of tag 1192 follows (the table words both values "
         "as 'absent') [inferred]",
))
