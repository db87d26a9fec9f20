"""CAS LP 1.6 commands and records, both directions.

A request is one command byte and a fixed number of data bytes; the reply is a fixed number of data bytes
(none for most commands) and then the ready byte ``80``. A refused command is answered ``EE`` (then ``80``).
Numbers are little-endian; money is in kopecks; texts are cp1251, NUL-padded.

======  ==========  ========  ==================================================================
code    request     reply     meaning
======  ==========  ========  ==================================================================
0x81    PLU u32     100       прочитать ПЛУ (the 83-byte record + totals of the PLU)
0x82    83          —         записать ПЛУ
0x83    msg u16     400       прочитать сообщение (8 lines × 50 characters)
0x84    402         —         записать сообщение (number + 400 bytes)
0x85    —           40        итоги продаж (free PLU and message counts at 36 and 38)
0x86    —           —         обнулить итоги
0x89    —           15        состояние: status byte, weight, price, sum, PLU
0x8D    PLU u32     —         удалить ПЛУ
0x8E    msg u16     —         удалить сообщение
0x92    PLU u32     —         обнулить итоги ПЛУ
0x9B    —           13        заводские установки (НПВ, decimal points, tare limit…)
======  ==========  ========  ==================================================================

The 83-byte record::

     0  4  PLU number (u32)
     4  6  item code, one decimal digit per byte
    10 28  name, line 1
    38 28  name, line 2
    66  4  price (u32, kopecks)
    70  3  shelf life: ``00 HH TT`` = days (BCD hundreds, BCD tens and units), or ``DD MM YY`` (BCD) = a date
    73  2  tare (u16, g)
    75  6  group code, one decimal digit per byte
    81  2  message number (u16)

The two sources disagree on the order of the digits of the item and group codes (least significant first in
one, most significant first in the other); :class:`DigitOrder` selects it and the default is our reading
(protocol-notes/scales/caslp.md).
"""

from __future__ import annotations

import datetime as dt
import struct
from dataclasses import dataclass
from enum import Enum, IntEnum

from ...errors import DeviceError, InvalidParameter, ProtocolError

READY = 0x80
REFUSED = 0xEE
#: acknowledgement one client expects after a write instead of the ready byte [1src]; accepted, never sent
ACCEPTED = 0xAA
ENCODING = "cp1251"
NAME_BYTES = 28
RECORD_SIZE = 83
READBACK_SIZE = 100
STATUS_SIZE = 15
TOTALS_SIZE = 40
FACTORY_SIZE = 13
MESSAGE_BYTES = 400
#: the highest logical number (номер весов) of the handshake
MAX_LOGICAL_NUMBER = 0x7F


class Cmd(IntEnum):
    READ_PLU = 0x81
    WRITE_PLU = 0x82
    READ_MESSAGE = 0x83
    WRITE_MESSAGE = 0x84
    TOTALS = 0x85
    RESET_TOTALS = 0x86
    STATUS = 0x89
    DELETE_PLU = 0x8D
    DELETE_MESSAGE = 0x8E
    RESET_PLU_TOTALS = 0x92
    FACTORY_SETTINGS = 0x9B


#: data bytes after the command byte
REQUEST_SIZES: dict[int, int] = {
    Cmd.READ_PLU: 4, Cmd.WRITE_PLU: RECORD_SIZE, Cmd.READ_MESSAGE: 2, Cmd.WRITE_MESSAGE: 2 + MESSAGE_BYTES,
    Cmd.TOTALS: 0, Cmd.RESET_TOTALS: 0, Cmd.STATUS: 0, Cmd.DELETE_PLU: 4, Cmd.DELETE_MESSAGE: 2,
    Cmd.RESET_PLU_TOTALS: 4, Cmd.FACTORY_SETTINGS: 0,
}
#: data bytes of the reply, before the ready byte
REPLY_SIZES: dict[int, int] = {
    Cmd.READ_PLU: READBACK_SIZE, Cmd.READ_MESSAGE: MESSAGE_BYTES, Cmd.TOTALS: TOTALS_SIZE,
    Cmd.STATUS: STATUS_SIZE, Cmd.FACTORY_SETTINGS: FACTORY_SIZE,
}


def reply_size(command: int) -> int:
    return REPLY_SIZES.get(command, 0)


def refused(command: int) -> DeviceError:
    """The error for an ``EE`` answer: the scale refused the command or was busy."""
    return DeviceError(REFUSED, "The scale refused the command or is busy (EE)",
                       "Весы не выполнили команду или заняты (EE)", family="caslp", command=f"0x{command:02X}")


class DigitOrder(Enum):
    """Order of the six one-digit bytes of the item and group codes."""

    LEAST_FIRST = "lsd"
    MOST_FIRST = "msd"


def encode_digits(value: int, order: DigitOrder, field: str = "code") -> bytes:
    if isinstance(value, bool) or not isinstance(value, int) or not 0 <= value <= 999_999:
        raise InvalidParameter(f"CAS LP {field} must be 0..999999, got {value!r}",
                               message_ru=f"CAS LP {field}: должно быть 0..999999, получено {value!r}")
    digits = bytes(int(c) for c in f"{value:06d}")
    return digits[::-1] if order is DigitOrder.LEAST_FIRST else digits


def decode_digits(data: bytes, order: DigitOrder, field: str = "code") -> int:
    if len(data) != 6 or any(b > 9 for b in data):
        raise ProtocolError(f"CAS LP {field} must be six bytes of 0..9, got {data.hex(' ')}",
                            message_ru=f"CAS LP {field}: должно быть шесть байт 0..9, получено {data.hex(' ')}")
    ordered = data[::-1] if order is DigitOrder.LEAST_FIRST else data
    return int("".join(str(b) for b in ordered))


def _bcd(value: int) -> int:
    return ((value // 10) << 4) | (value % 10)


def _unbcd(byte: int, field: str) -> int:
    high, low = byte >> 4, byte & 0x0F
    if high > 9 or low > 9:
        raise ProtocolError(f"CAS LP {field}: 0x{byte:02X} is not BCD",
                            message_ru=f"CAS LP {field}: 0x{byte:02X} — не BCD")
    return high * 10 + low


@dataclass(frozen=True, slots=True)
class ShelfLife:
    """Срок годности: ``days`` (0..9999; 0 — none) or a fixed ``date`` (дата окончания срока)."""

    days: int = 0
    date: dt.date | None = None

    def encode(self) -> bytes:
        if self.date is not None:
            if self.days:
                raise InvalidParameter("CAS LP shelf life is either days or a date, not both",
                                       message_ru="срок годности CAS LP задаётся либо днями, либо датой, но не тем и "
                                                  "другим")
            if not 2000 <= self.date.year <= 2099:
                raise InvalidParameter(f"CAS LP shelf-life date must be in 2000..2099, got {self.date}",
                                       message_ru="дата срока годности CAS LP должна быть в 2000..2099, получено "
                                                  f"{self.date}")
            return bytes((_bcd(self.date.day), _bcd(self.date.month), _bcd(self.date.year % 100)))
        if isinstance(self.days, bool) or not isinstance(self.days, int) or not 0 <= self.days <= 9999:
            raise InvalidParameter(f"CAS LP shelf life must be 0..9999 days, got {self.days!r}",
                                   message_ru=f"срок годности CAS LP должен быть 0..9999 дней, получено {self.days!r}")
        return bytes((0, _bcd(self.days // 100), _bcd(self.days % 100)))

    @classmethod
    def decode(cls, data: bytes) -> ShelfLife:
        if data[0] == 0:
            return cls(days=_unbcd(data[1], "shelf life") * 100 + _unbcd(data[2], "shelf life"))
        day, month, year = (_unbcd(b, "shelf-life date") for b in data)
        try:
            return cls(date=dt.date(2000 + year, month, day))
        except ValueError:
            raise ProtocolError(f"CAS LP shelf-life date {data.hex(' ')} is no date",
                                message_ru=f"дата срока годности CAS LP {data.hex(' ')} — не дата") from None


def _text(value: str, field: str) -> bytes:
    try:
        data = value.encode(ENCODING)
    except UnicodeEncodeError as exc:
        raise InvalidParameter(f"CAS LP {field}: {value!r} has a character outside cp1251 ({exc.reason})",
                               message_ru=f"CAS LP {field}: в {value!r} есть символ вне кодовой страницы cp1251 "
                                          f"({exc.reason})") from None
    if len(data) > NAME_BYTES:
        raise InvalidParameter(f"CAS LP {field}: {len(data)} bytes, at most {NAME_BYTES} fit",
                               message_ru=f"CAS LP {field}: {len(data)} байт, помещается не более {NAME_BYTES}")
    if b"\x00" in data:
        raise InvalidParameter(f"CAS LP {field} cannot contain NUL",
                               message_ru=f"CAS LP {field}: символ NUL недопустим")
    return data.ljust(NAME_BYTES, b"\x00")


def _untext(data: bytes) -> str:
    return data.split(b"\x00", 1)[0].rstrip(b" ").decode(ENCODING, errors="replace")


_RECORD_HEAD = struct.Struct("<I")
_MIDDLE = struct.Struct("<I")
_TAIL = struct.Struct("<H")


@dataclass(frozen=True, slots=True)
class PluRecord:
    """A goods record (ПЛУ) of a CAS LP scale; ``price`` in kopecks, ``tare_g`` in grams."""

    plu: int
    code: int = 0
    name1: str = ""
    name2: str = ""
    price: int = 0
    shelf_life: ShelfLife = ShelfLife()
    tare_g: int = 0
    group: int = 0
    message: int = 0

    def encode(self, order: DigitOrder = DigitOrder.LEAST_FIRST) -> bytes:
        """The 83 bytes of command 82h."""
        for name, value, top in (("plu", self.plu, 0xFFFFFFFF), ("price", self.price, 0xFFFFFFFF),
                                 ("tare", self.tare_g, 0xFFFF), ("message", self.message, 0xFFFF)):
            if isinstance(value, bool) or not isinstance(value, int) or not 0 <= value <= top:
                raise InvalidParameter(f"CAS LP {name} must be 0..{top}, got {value!r}",
                                       message_ru=f"CAS LP {name}: должно быть 0..{top}, получено {value!r}")
        return b"".join((
            _RECORD_HEAD.pack(self.plu), encode_digits(self.code, order, "item code"),
            _text(self.name1, "name line 1"), _text(self.name2, "name line 2"), _MIDDLE.pack(self.price),
            self.shelf_life.encode(), _TAIL.pack(self.tare_g), encode_digits(self.group, order, "group code"),
            _TAIL.pack(self.message),
        ))

    @classmethod
    def decode(cls, data: bytes, order: DigitOrder = DigitOrder.LEAST_FIRST) -> PluRecord:
        """The record in the first 83 bytes of ``data`` (a write request, or the start of a read-back)."""
        if len(data) < RECORD_SIZE:
            raise ProtocolError(f"CAS LP PLU record needs {RECORD_SIZE} bytes, got {len(data)}",
                                message_ru=f"записи PLU CAS LP нужно {RECORD_SIZE} байт, получено {len(data)}")
        return cls(
            plu=_RECORD_HEAD.unpack_from(data, 0)[0], code=decode_digits(data[4:10], order, "item code"),
            name1=_untext(data[10:38]), name2=_untext(data[38:66]), price=_MIDDLE.unpack_from(data, 66)[0],
            shelf_life=ShelfLife.decode(data[70:73]), tare_g=_TAIL.unpack_from(data, 73)[0],
            group=decode_digits(data[75:81], order, "group code"), message=_TAIL.unpack_from(data, 81)[0],
        )


@dataclass(frozen=True, slots=True)
class PluTotals:
    """The 17 bytes after the record in a 81h reply: last reset (BCD ss mm hh DD MM YY), sum (kopecks),
    weight (g) and count of sales of this PLU [1src]."""

    last_reset: bytes = bytes(6)
    total_sum: int = 0
    total_weight: int = 0
    sales: int = 0

    def encode(self) -> bytes:
        if len(self.last_reset) != 6:
            raise InvalidParameter("CAS LP last reset must be six BCD bytes",
                                   message_ru="дата последнего сброса CAS LP должна занимать шесть байт BCD")
        sums = struct.pack("<II", self.total_sum, self.total_weight)
        return self.last_reset + sums + self.sales.to_bytes(3, "little")

    @classmethod
    def decode(cls, data: bytes) -> PluTotals:
        total_sum, weight = struct.unpack_from("<II", data, 6)
        return cls(bytes(data[:6]), total_sum, weight, int.from_bytes(data[14:17], "little"))


def encode_readback(record: PluRecord, totals: PluTotals = PluTotals(),
                    order: DigitOrder = DigitOrder.LEAST_FIRST) -> bytes:
    """The 100 data bytes of a 81h reply (device side)."""
    return record.encode(order) + totals.encode()


def decode_readback(data: bytes, order: DigitOrder = DigitOrder.LEAST_FIRST) -> tuple[PluRecord, PluTotals]:
    if len(data) != READBACK_SIZE:
        raise ProtocolError(f"CAS LP PLU read-back must be {READBACK_SIZE} bytes, got {len(data)}",
                            message_ru=f"обратное чтение PLU CAS LP должно занимать {READBACK_SIZE} байт, получено "
                                       f"{len(data)}")
    return PluRecord.decode(data, order), PluTotals.decode(data[RECORD_SIZE:])


class StatusBit(IntEnum):
    """Bits of the 89h status byte (bits 1 and 4 are always 0)."""

    OVERLOAD = 0x01
    TARE = 0x04
    ZERO = 0x08
    DUAL_RANGE = 0x20
    STABLE = 0x40
    NEGATIVE = 0x80


#: bits that are always 0 in a status byte: a byte with any of them is not a status (it is ``AA`` or ``EE``)
STATUS_ZERO_BITS = 0x12
_STATUS = struct.Struct("<BHIII")


@dataclass(frozen=True, slots=True)
class ScaleStatus:
    """89h: ``weight_g`` signed grams (the wire has the magnitude and a sign bit), the selected PLU's price,
    the sum on the display (kopecks), the selected PLU."""

    flags: int
    weight_g: int
    price: int = 0
    amount: int = 0
    plu: int = 0

    @property
    def overload(self) -> bool:
        return bool(self.flags & StatusBit.OVERLOAD)

    @property
    def stable(self) -> bool:
        return bool(self.flags & StatusBit.STABLE)

    @property
    def tare(self) -> bool:
        return bool(self.flags & StatusBit.TARE)

    @property
    def zero(self) -> bool:
        return bool(self.flags & StatusBit.ZERO)

    def encode(self) -> bytes:
        if not -0xFFFF <= self.weight_g <= 0xFFFF:
            raise InvalidParameter(f"CAS LP status weight must fit 16 bits, got {self.weight_g}",
                                   message_ru="масса в статусе CAS LP должна помещаться в 16 бит, получено "
                                              f"{self.weight_g}")
        if self.flags & STATUS_ZERO_BITS or not 0 <= self.flags <= 0xFF:
            raise InvalidParameter(f"CAS LP status flags 0x{self.flags:02X} set a bit that is always 0",
                                   message_ru=f"флаги статуса CAS LP 0x{self.flags:02X}: установлен бит, который "
                                              "всегда равен 0")
        flags = (self.flags & ~StatusBit.NEGATIVE) | (StatusBit.NEGATIVE if self.weight_g < 0 else 0)
        return _STATUS.pack(flags, abs(self.weight_g), self.price, self.amount, self.plu)

    @classmethod
    def decode(cls, data: bytes) -> ScaleStatus:
        if len(data) != STATUS_SIZE:
            raise ProtocolError(f"CAS LP status must be {STATUS_SIZE} bytes, got {len(data)}",
                                message_ru=f"состояние CAS LP должно занимать {STATUS_SIZE} байт, получено {len(data)}")
        flags, magnitude, price, amount, plu = _STATUS.unpack(data)
        if flags & STATUS_ZERO_BITS:
            raise ProtocolError(f"CAS LP status byte 0x{flags:02X} sets a bit that is always 0",
                                message_ru=f"байт состояния CAS LP 0x{flags:02X}: установлен бит, который всегда "
                                           "равен 0")
        return cls(flags, -magnitude if flags & StatusBit.NEGATIVE else magnitude, price, amount, plu)


@dataclass(frozen=True, slots=True)
class Totals:
    """85h, the fields a driver needs: free PLU and message cells [1src]; ``raw`` keeps all 40 bytes."""

    free_plu: int
    free_messages: int
    raw: bytes

    @classmethod
    def decode(cls, data: bytes) -> Totals:
        if len(data) != TOTALS_SIZE:
            raise ProtocolError(f"CAS LP totals must be {TOTALS_SIZE} bytes, got {len(data)}",
                                message_ru=f"итоги CAS LP должны занимать {TOTALS_SIZE} байт, получено {len(data)}")
        free_plu, free_messages = struct.unpack_from("<HH", data, 36)
        return cls(free_plu, free_messages, bytes(data))


# -- requests -------------------------------------------------------------------------------------

def _u32(value: int, field: str) -> bytes:
    if isinstance(value, bool) or not isinstance(value, int) or not 0 <= value <= 0xFFFFFFFF:
        raise InvalidParameter(f"CAS LP {field} must be 0..4294967295, got {value!r}",
                               message_ru=f"CAS LP {field}: должно быть 0..4294967295, получено {value!r}")
    return value.to_bytes(4, "little")


def write_plu(record: PluRecord, order: DigitOrder = DigitOrder.LEAST_FIRST) -> bytes:
    return bytes((Cmd.WRITE_PLU,)) + record.encode(order)


def read_plu(plu: int) -> bytes:
    return bytes((Cmd.READ_PLU,)) + _u32(plu, "PLU number")


def delete_plu(plu: int) -> bytes:
    return bytes((Cmd.DELETE_PLU,)) + _u32(plu, "PLU number")


def status() -> bytes:
    return bytes((Cmd.STATUS,))


def totals() -> bytes:
    return bytes((Cmd.TOTALS,))


def check_request(message: bytes) -> int:
    """The command of a request; InvalidParameter when it is unknown or its data has the wrong size."""
    if not message:
        raise InvalidParameter("CAS LP request needs a command byte", message_ru="в запросе CAS LP нет байта команды")
    command = message[0]
    if command not in REQUEST_SIZES:
        raise InvalidParameter(f"CAS LP has no command 0x{command:02X}",
                               message_ru=f"у CAS LP нет команды 0x{command:02X}")
    if len(message) - 1 != REQUEST_SIZES[command]:
        raise InvalidParameter(f"CAS LP command 0x{command:02X} takes {REQUEST_SIZES[command]} data bytes, "
                               f"got {len(message) - 1}",
                               message_ru=f"команда CAS LP 0x{command:02X} принимает {REQUEST_SIZES[command]} байт "
                                          f"данных, получено {len(message) - 1}")
    return command
