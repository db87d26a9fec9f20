"""Marked-goods commands B0h–B7h (v1.2.06 §4.10): the ФН checks a marking code before its position is added.

The sequence (§4.10.1): B1h hands the code to the drive for its own check; in data-transfer mode B5h forms
the «запрос о коде маркировки» that the KKT relays to the marking system (ОИСМ), and B6h hands back its
answer; B2h tells the drive to keep (1) or drop (0) the result. Only a kept code may then be added to a
receipt or correction: B7h sub-code 1 carries the 2007 «данные о маркированном товаре» for the
notification, sub-code 2 the position's 1059 instead of 07h. B3h clears every kept result; B0h is the status.

The notification commands BAh–BFh and the offline export D3h–D6h are not declared here.
"""

from __future__ import annotations

import construct as cs

from .datatypes import DataN, DateTimeAdapter, EnumField, Flag01, FlagsField, TlvList, Uint8, Uint16
from .enums import (
    CommandGroup,
    MarkingCheckState,
    MarkingCodeCheck,
    MarkingCommands,
    MarkingItemStep,
    MarkingNotCheckedReason,
)
from .registry import EMPTY, REGISTRY, FnCommand, layout

DOCS = CommandGroup.DOCUMENTS
#: the longest code B1h takes (§4.10.2)
MAX_MARKING_CODE = 255

MARKING_STATUS = REGISTRY.register(FnCommand(
    0xB0, "marking_status", "Запрос статуса ФН по работе с кодами маркировки", "Marking status of the drive",
    CommandGroup.STATUS, "§4.10.1, Tables 123–126",
    request=(EMPTY, layout("subcode" / Uint8)),
    answer=(
        layout(
            "check_state" / EnumField(MarkingCheckState),
            "notification_state" / Uint8,
            "allowed_commands" / FlagsField(MarkingCommands),
            "saved_results" / Uint8,
            "codes_in_notification" / Uint8,
            "storage_warning" / Uint8,
            "notifications_queued" / Uint16,
        ),
        layout("no_request_allowed" / Flag01()),
    ),
    note="variant 2 (subcode 0) answers whether the user may skip the marking request (1290 bits 14–16)",
))

CHECK_MARKING_CODE = REGISTRY.register(FnCommand(
    0xB1, "check_marking_code", "Передать код маркировки для проверки в ФН", "Check a marking code in the drive",
    DOCS, "§4.10.2, Tables 127–129",
    request=(
        layout(
            "code_type" / Uint8,
            "code" / cs.Prefixed(Uint8, cs.GreedyBytes),
            "offset_91" / Uint8,
            "offset_92" / Uint8,
        ),
        layout("code_type" / Uint8, "code" / cs.Prefixed(Uint8, cs.GreedyBytes)),
    ),
    answer=(layout("check_result" / EnumField(MarkingCodeCheck), "reason" / EnumField(MarkingNotCheckedReason)),),
    note="code_type is the 2100 value; the GS1 91/92 offsets are sent only for types 2 and 4; the shift "
         "must be open (02h); 35h when 128 results are kept",
))

SAVE_MARKING_RESULT = REGISTRY.register(FnCommand(
    0xB2, "save_marking_result", "Сохранить результаты проверки КМ", "Keep or drop the check result",
    DOCS, "§4.10.3, Tables 130–132",
    request=(layout("save" / Flag01()),),
    answer=(layout("product_check_result" / Uint8), EMPTY),
    note="with save = 1 the answer is the 2106 «результат проверки сведений о товаре» value; with 0 nothing",
))

CLEAR_MARKING_RESULTS = REGISTRY.register(FnCommand(
    0xB3, "clear_marking_results", "Очистить все результаты проверки КМ", "Clear every kept check result",
    DOCS, "§4.10.4, Table 133",
    note="02h with the shift closed or a receipt begun",
))

MARKING_REQUEST = REGISTRY.register(FnCommand(
    0xB5, "marking_request", "Сформировать запрос о коде маркировки", "Form the marking-code request",
    DOCS, "§4.10.5, Tables 134–136",
    request=(layout("datetime" / DateTimeAdapter(), "tlv_data" / TlvList()), EMPTY),
    answer=(layout("request" / DataN()),),
    note="no parameters: read the last request again; the request block starts with its length (Uint16, "
         "with itself) and a CRC16 (poly 1021h, init FFFFh); 2003 is required in tlv_data (3Ch)",
))

MARKING_RESPONSE = REGISTRY.register(FnCommand(
    0xB6, "marking_response", "Передать ответ на запрос о КМ", "Pass the marking system's answer",
    DOCS, "§4.10.6, Tables 137–140",
    request=(layout("response" / DataN()),),
    answer=(layout("product_check_result" / Uint8, "tlv_data" / TlvList()),),
    note="answer code 20h carries the MarkingResponseError reason byte",
))

MARKED_ITEM_DATA = REGISTRY.register(FnCommand(
    0xB7, "marked_item_data", "Передать данные для формирования ФД с данными о маркированных товарах",
    "Send the data of a marked position", DOCS, "§4.10.7, Tables 141–142",
    request=(layout("step" / EnumField(MarkingItemStep), "tlv_data" / TlvList(min_items=1)),),
    note="step 1: 2007 (2000, 2100, 2110, 2102…); step 2: the 1059 of that code; step 3: notification "
         "requisites. 3Eh when the code in 2007 was not kept with B2h",
))

__all__ = [
    "CHECK_MARKING_CODE",
    "CLEAR_MARKING_RESULTS",
    "MARKED_ITEM_DATA",
    "MARKING_REQUEST",
    "MARKING_RESPONSE",
    "MARKING_STATUS",
    "MAX_MARKING_CODE",
    "SAVE_MARKING_RESULT",
]
