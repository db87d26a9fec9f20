"""OFD exchange commands 20h–26h (v1.2.06 §4.7).

The KKT relays messages: 22h/23h/25h read the next message for the OFD block by block, 26h hands
the OFD's ticket to the drive. The text defines no commands 27h–2Fh, nor 51h–53h.
"""

from __future__ import annotations

from .datatypes import DataN, DateTimeAdapter, Flag01, FlagsField, Uint8, Uint16, Uint32
from .enums import CommandGroup, OfdExchangeFlags
from .registry import REGISTRY, FnCommand, layout
from .results import OfdExchangeStatus

OFD = CommandGroup.OFD_EXCHANGE

OFD_STATUS = REGISTRY.register(FnCommand(
    0x20, "ofd_status", "Получить статус информационного обмена", "OFD exchange status", OFD,
    "§4.7.1, Tables 76–77",
    answer=(layout(
        "flags" / FlagsField(OfdExchangeFlags),
        "message_reading" / Flag01(),
        "queue_length" / Uint16,
        "first_document_number" / Uint32,
        "first_document_datetime" / DateTimeAdapter(),
    ),),
    result=OfdExchangeStatus,
))

TRANSPORT_STATUS = REGISTRY.register(FnCommand(
    0x21, "transport_status", "Передать статус транспортного соединения с Сервером ОФД",
    "Report the OFD transport connection state", OFD, "§4.7.2, Tables 78–79",
    request=(layout("connected" / Flag01()),),
))

BEGIN_OFD_READ = REGISTRY.register(FnCommand(
    0x22, "begin_ofd_read", "Начать чтение Сообщения для Сервера ОФД", "Begin reading the OFD message",
    OFD, "§4.7.3, Tables 80–81",
    answer=(layout("message_length" / Uint16),),
    note="11h without a transport connection, 08h when nothing is queued",
))

READ_OFD_BLOCK = REGISTRY.register(FnCommand(
    0x23, "read_ofd_block", "Прочитать блок сообщения для Сервера ОФД", "Read a block of the OFD message",
    OFD, "§4.7.4, Tables 82–84",
    request=(layout("offset" / Uint16, "length" / Uint16),),
    answer=(layout("block" / DataN()),),
    note="returns fewer bytes when the message ends sooner; 01h when offset > message length",
))

CANCEL_OFD_READ = REGISTRY.register(FnCommand(
    0x24, "cancel_ofd_read", "Отменить чтение Сообщения для Сервера ОФД", "Cancel reading the OFD message",
    OFD, "§4.7.5, Table 85",
))

FINISH_OFD_READ = REGISTRY.register(FnCommand(
    0x25, "finish_ofd_read", "Завершить чтение Сообщения для Сервера ОФД",
    "Finish reading the OFD message", OFD, "§4.7.5.4, Table 86",
))

OFD_TICKET = REGISTRY.register(FnCommand(
    0x26, "ofd_ticket", "Передать Квитанцию от Сервера ОФД", "Pass the OFD ticket to the drive", OFD,
    "§4.7.6, Tables 87–90",
    request=(layout("message" / DataN()),),
    answer=(layout("ofd_answer_code" / Uint8, "operator_message" / DataN()),),
    note="operator_message is an optional STLV; with answer code 20h the DATA is a reject reason "
         "(Table 90), decoded by FnError",
))
