"""Штрих-Принт commands: request builders (bodies ``CMD`` + parameters) and typed reply parsers.

Lengths below are the vendor's «длина сообщения» (``LEN``: command byte included) from the protocol
description v1.3; the tests check every builder against them.

======  ===========  =========  ====================================================================
code    request LEN  reply LEN  meaning
======  ===========  =========  ====================================================================
0x11    1            74         запрос состояния весов (no password)
0x12    1            5          запрос текущего режима весов (no password; the only command served
                                while the goods table is being cleared)
0x13    1            2          гудок (no password)
0x18    5            2          очистить базу товаров и сообщений (starts the clearing; poll 0x12)
0x38    5            4          запрос веса, г (signed)
0x54    7            2          очистить ПЛУ
0x55    FF (dynamic) 4          записать блок ПЛУ расширенного формата (1..5 records; v1.6: 1..6)
0x56    6            2          управление быстрой загрузкой
0x57    87           2          записать ПЛУ расширенного формата
0x58    7            82         получить ПЛУ расширенного формата
0xD0    5            4          запрос макс. количества ПЛУ
0xFC    1            8+X        получить тип устройства (no password)
======  ===========  =========  ====================================================================

The administrator password is four ASCII digits (the factory value seen on live scales is
``0030``); five wrong tries lock the device (error 170).
"""

from __future__ import annotations

import struct
from collections.abc import Sequence
from dataclasses import dataclass
from enum import IntEnum
from typing import Any

import construct as cs

from ...errors import DeviceError, InvalidParameter, ProtocolError
from .error_table import SHTRIHPRINT_ERRORS
from .plu import PluFieldError, PluRecord, decode_readback, encode_record

DEFAULT_PASSWORD = "0030"
#: records per 55h block: 5 in the v1.3 description, 6 in the v1.6 reading of one client
BLOCK_RECORDS_V13 = 5
BLOCK_RECORDS_V16 = 6


class Cmd(IntEnum):
    STATUS = 0x11
    MODE = 0x12
    BEEP = 0x13
    CLEAR_DATABASE = 0x18
    GET_WEIGHT = 0x38
    CLEAR_PLU = 0x54
    WRITE_PLU_BLOCK = 0x55
    FAST_LOAD = 0x56
    WRITE_PLU = 0x57
    READ_PLU = 0x58
    MAX_PLU = 0xD0
    DEVICE_TYPE = 0xFC


#: error codes after which 11h still carries its data (clock failure, database structure error)
STATUS_DATA_ERRORS = frozenset({0, 165, 168})


def password(text: str = DEFAULT_PASSWORD) -> bytes:
    """The 4-byte password field: four ASCII digits."""
    if len(text) != 4 or not all("0" <= c <= "9" for c in text):
        raise InvalidParameter(f"Штрих-Принт password must be 4 digits, got {text!r}",
                               message_ru=f"пароль Штрих-Принт должен состоять из 4 цифр, получено {text!r}")
    return text.encode("ascii")


def _plu_number(plu: int, plu_table_size: int | None) -> bytes:
    top = 0xFFFF if plu_table_size is None else min(plu_table_size, 0xFFFF)
    if isinstance(plu, bool) or not isinstance(plu, int) or not 1 <= plu <= top:
        raise PluFieldError("plu", f"{plu!r} is outside 1..{top}")
    return plu.to_bytes(2, "little")


# -- requests ---------------------------------------------------------------------------------

def status() -> bytes:
    """11h Запрос состояния весов."""
    return bytes((Cmd.STATUS,))


def mode() -> bytes:
    """12h Запрос текущего режима весов."""
    return bytes((Cmd.MODE,))


def beep() -> bytes:
    """13h Гудок."""
    return bytes((Cmd.BEEP,))


def device_type() -> bytes:
    """FCh Получить тип устройства."""
    return bytes((Cmd.DEVICE_TYPE,))


def clear_database(pwd: str = DEFAULT_PASSWORD) -> bytes:
    """18h Очистить базу товаров и сообщений: only starts the clearing (see :class:`ScaleMode`)."""
    return bytes((Cmd.CLEAR_DATABASE,)) + password(pwd)


def get_weight(pwd: str = DEFAULT_PASSWORD) -> bytes:
    """38h Запрос веса."""
    return bytes((Cmd.GET_WEIGHT,)) + password(pwd)


def max_plu(pwd: str = DEFAULT_PASSWORD) -> bytes:
    """D0h Запрос макс. количества ПЛУ."""
    return bytes((Cmd.MAX_PLU,)) + password(pwd)


def clear_plu(plu: int, pwd: str = DEFAULT_PASSWORD, *, plu_table_size: int | None = None) -> bytes:
    """54h Очистить ПЛУ (delete one record)."""
    return bytes((Cmd.CLEAR_PLU,)) + password(pwd) + _plu_number(plu, plu_table_size)


def read_plu(plu: int, pwd: str = DEFAULT_PASSWORD, *, plu_table_size: int | None = None) -> bytes:
    """58h Получить ПЛУ расширенного формата."""
    return bytes((Cmd.READ_PLU,)) + password(pwd) + _plu_number(plu, plu_table_size)


def fast_load(enabled: bool, pwd: str = DEFAULT_PASSWORD) -> bytes:
    """56h Управление быстрой загрузкой (also blocks weighing while on: always switch it off again)."""
    return bytes((Cmd.FAST_LOAD,)) + password(pwd) + bytes((1 if enabled else 0,))


def write_plu(record: PluRecord, pwd: str = DEFAULT_PASSWORD, **device_limits: int | None) -> bytes:
    """57h Записать ПЛУ расширенного формата; the record is validated first (:func:`.plu.validate`)."""
    return bytes((Cmd.WRITE_PLU,)) + password(pwd) + encode_record(record, **device_limits)


def write_plu_block(records: Sequence[PluRecord], pwd: str = DEFAULT_PASSWORD, *,
                    max_records: int = BLOCK_RECORDS_V13, **device_limits: int | None) -> bytes:
    """55h Записать блок ПЛУ расширенного формата; frame it with ``dynamic_length=True``."""
    if not 1 <= len(records) <= max_records:
        raise InvalidParameter(f"Штрих-Принт block holds 1..{max_records} records, got {len(records)}",
                               message_ru=f"блок Штрих-Принт вмещает 1..{max_records} записей, получено {len(records)}")
    return (bytes((Cmd.WRITE_PLU_BLOCK,)) + password(pwd) + bytes((len(records),))
            + b"".join(encode_record(r, **device_limits) for r in records))


# -- replies ----------------------------------------------------------------------------------

@dataclass(frozen=True, slots=True)
class Reply:
    """A reply body: ``command`` (echo of the request), ``error`` (0 = success) and ``data``."""

    command: int
    error: int
    data: bytes = b""

    def to_body(self) -> bytes:
        return bytes((self.command, self.error)) + self.data

    @property
    def ok(self) -> bool:
        return self.error == 0

    def device_error(self) -> DeviceError:
        return SHTRIHPRINT_ERRORS.error(self.error, f"0x{self.command:02X}")


def parse_reply(body: bytes) -> Reply:
    if len(body) < 2:
        raise ProtocolError(f"Штрих-Принт reply needs CMD and ERR, got {body.hex(' ')!r}",
                            message_ru=f"ответу Штрих-Принт нужны CMD и ERR, получено {body.hex(' ')!r}")
    return Reply(body[0], body[1], bytes(body[2:]))


def check(reply: Reply, command: int, *, data_size: int | None = None,
          data_errors: frozenset[int] = frozenset({0})) -> bytes:
    """The data of ``reply`` to ``command``: DeviceError for an error code outside ``data_errors``,
    ProtocolError for a foreign echo or a wrong data size."""
    if reply.command != command:
        raise ProtocolError(f"Штрих-Принт reply 0x{reply.command:02X} does not answer 0x{command:02X}",
                            message_ru=f"ответ Штрих-Принт 0x{reply.command:02X} не соответствует команде "
                                       f"0x{command:02X}")
    if reply.error not in data_errors:
        raise reply.device_error()
    if data_size is not None and len(reply.data) != data_size:
        raise ProtocolError(f"Штрих-Принт reply 0x{command:02X} needs {data_size} data bytes, got {len(reply.data)}",
                            message_ru=f"ответу Штрих-Принт 0x{command:02X} нужно {data_size} байт данных, получено "
                                       f"{len(reply.data)}")
    return reply.data


STATUS_DATA = cs.Struct(
    "version" / cs.Bytes(2),
    "hardware_variant" / cs.Int16ul,
    "software_date" / cs.Bytes(3),
    "plu_table_size" / cs.Int16ul,
    "message_table_size" / cs.Int16ul,
    "message_lines" / cs.Int8ul,
    "max_capacity_kg" / cs.Int8ul,
    "discreteness" / cs.Int8ul,
    "scale_number" / cs.Int8ul,
    "label_number" / cs.Int16ul,
    "mode" / cs.Int16ul,
    "submode" / cs.Int8ul,
    "keyboard" / cs.Int8ul,
    "date" / cs.Bytes(3),
    "time" / cs.Bytes(3),
    "date_format" / cs.Int8ul,
    "time_format" / cs.Int8ul,
    "language" / cs.Int8ul,
    "decimal_point" / cs.Int8ul,
    "packing" / cs.Int8ul,
    "sound" / cs.Int8ul,
    "print_mode" / cs.Int8ul,
    "autoprint_weight" / cs.Int16ul,
    "printer_state" / cs.Int8ul,
    "weight_state" / cs.Int8ul,
    "weight" / cs.Int16sl,
    "tare" / cs.Int16sl,
    "price" / cs.Int32ul,
    "amount" / cs.Int32ul,
    "selected_plu" / cs.Int16ul,
    "piece" / cs.Int8ul,
    "currency_flag" / cs.Int8ul,
    "currency_rate" / cs.Int32ul,
    "currency_amount" / cs.Int32ul,
    "summator" / cs.Bytes(7),
    "ethernet" / cs.Bytes(2),
    "display" / cs.Int8ul,
)
STATUS_SIZE = 72
_STATUS: Any = STATUS_DATA.compile()


class WeightState(IntEnum):
    """Bits of «состояние весового устройства» (11h byte 37, 3Ah)."""

    FIXED = 0x01
    AUTOZERO = 0x02
    AUTOZERO_INIT = 0x04
    TARE = 0x08
    STABLE = 0x10
    AUTOZERO_ERROR = 0x20
    OVERLOAD = 0x40
    MEASUREMENT_ERROR = 0x80


@dataclass(frozen=True, slots=True)
class ScaleMode:
    """«Режим весов» (bit field) and «подрежим» (bit 0 clearing goods, bit 1 clearing totals, bit 3/4 their
    failure, bit 6 broadcast enabled)."""

    mode: int
    submode: int

    @property
    def clearing(self) -> bool:
        return bool(self.submode & 0x03)

    @property
    def clear_failed(self) -> bool:
        return bool(self.submode & 0x18)

    @property
    def fast_load(self) -> bool:
        return bool(self.mode & 0x4000)


@dataclass(frozen=True, slots=True)
class ScaleStatus:
    """11h: the fields a driver needs (``raw`` keeps all 72 bytes)."""

    version: str
    hardware_variant: int
    plu_table_size: int
    message_table_size: int
    message_lines: int
    max_capacity_kg: int
    scale_number: int
    mode: ScaleMode
    decimal_point: int
    printer_state: int
    weight_state: int
    weight_g: int
    tare_g: int
    price: int
    amount: int
    selected_plu: int
    piece: bool
    error: int
    raw: bytes

    @property
    def stable(self) -> bool:
        return bool(self.weight_state & WeightState.STABLE)

    @property
    def overload(self) -> bool:
        return bool(self.weight_state & WeightState.OVERLOAD)

    @property
    def has_paper(self) -> bool:
        return bool(self.printer_state & 0x01)


def parse_status(reply: Reply) -> ScaleStatus:
    """11h reply; also served with error 165 (clock failure) or 168 (database structure error)."""
    data = check(reply, Cmd.STATUS, data_errors=STATUS_DATA_ERRORS)
    if len(data) < STATUS_SIZE:
        raise ProtocolError(f"Штрих-Принт status needs {STATUS_SIZE} data bytes, got {len(data)}",
                            message_ru=f"состоянию Штрих-Принт нужно {STATUS_SIZE} байт данных, получено {len(data)}")
    p = _STATUS.parse(data[:STATUS_SIZE])
    return ScaleStatus(
        version=".".join(p.version.decode("ascii", errors="replace")),
        hardware_variant=p.hardware_variant, plu_table_size=p.plu_table_size,
        message_table_size=p.message_table_size, message_lines=p.message_lines,
        max_capacity_kg=p.max_capacity_kg, scale_number=p.scale_number, mode=ScaleMode(p.mode, p.submode),
        decimal_point=p.decimal_point, printer_state=p.printer_state, weight_state=p.weight_state,
        weight_g=p.weight, tare_g=p.tare, price=p.price, amount=p.amount, selected_plu=p.selected_plu,
        piece=bool(p.piece), error=reply.error, raw=bytes(data[:STATUS_SIZE]),
    )


def parse_mode(reply: Reply) -> ScaleMode:
    data = check(reply, Cmd.MODE, data_size=3)
    return ScaleMode(int.from_bytes(data[:2], "little"), data[2])


def parse_weight(reply: Reply) -> int:
    """38h: the weight in grams (signed)."""
    data = check(reply, Cmd.GET_WEIGHT, data_size=2)
    value: int = struct.unpack("<h", data)[0]
    return value


def parse_max_plu(reply: Reply) -> int:
    return int.from_bytes(check(reply, Cmd.MAX_PLU, data_size=2), "little")


def parse_read_plu(reply: Reply, plu: int) -> PluRecord | None:
    """58h: the record, or ``None`` for an empty cell (error 140 «Пустое ПЛУ»; v1.6 also 156)."""
    if reply.command == Cmd.READ_PLU and reply.error in (140, 156):
        return None
    return decode_readback(plu, check(reply, Cmd.READ_PLU, data_size=80))


def parse_block_reply(reply: Reply) -> int:
    """55h: the PLU number the device reports (the last one handled, as we read it [inf])."""
    return int.from_bytes(check(reply, Cmd.WRITE_PLU_BLOCK, data_size=2), "little")


def parse_ack(reply: Reply, command: int) -> None:
    """Replies without data (18h, 54h, 56h, 57h, 13h…)."""
    check(reply, command, data_size=0)


@dataclass(frozen=True, slots=True)
class DeviceType:
    """FCh: device type 1 = scales, subtype 1 = label printing, model 0 = «Штрих-Принт», 1 = «Штрих-ПАК110»."""

    device_type: int
    subtype: int
    protocol_version: int
    protocol_subversion: int
    model: int
    language: int
    name: str


def parse_device_type(reply: Reply) -> DeviceType:
    data = check(reply, Cmd.DEVICE_TYPE)
    if len(data) < 6:
        raise ProtocolError(f"Штрих-Принт device type needs at least 6 data bytes, got {len(data)}",
                            message_ru="типу устройства Штрих-Принт нужно не менее 6 байт данных, получено "
                                       f"{len(data)}")
    name = data[6:].rstrip(b"\x00 ").decode("cp1251", errors="replace")
    return DeviceType(data[0], data[1], data[2], data[3], data[4], data[5], name)
