"""CAS simple-weighing frames, sans-I/O.

Weight frame, the reply to DC1 (15 bytes)::

    SOH STX STA SIGN W W W W W W U U BCC ETX EOT
    01  02  'S'  ' '  6 ASCII chars  'kg' xx  03  04

* ``STA``: ``S`` stable, ``U`` unstable, ``F`` overload (some models);
* ``SIGN``: space positive, ``-`` negative (``F`` overflow in some documents);
* the weight: 6 ASCII characters with the decimal point, right-aligned, padded with spaces or zeros
  (``" 0.625"``, ``"00.488"``);
* the unit: ``kg``, ``lb`` (manuals write ``KG``/``LB``), ``" g"``;
* ``BCC``: XOR of ``STA`` … the second unit byte. Two captured frames confirm it.

Price frame of price-computing scales, the reply to DC2 (37 bytes): three ``STX … BCC ETX`` blocks —
total price (8 chars), the weight block above (10 chars), unit price (8 chars) — between ``SOH`` and
``EOT``; each block has its own BCC, XOR of its characters. One source only (OpenPapyrus); it computes
XOR while its comment speaks of an arithmetic sum, so :class:`CasFramer` can be told to accept either.

Between frames a scale sends single ``ACK`` (ready) or ``NAK`` (busy) bytes in reply to ``ENQ``;
:meth:`CasFramer.feed` reports them as :class:`Control` events in arrival order with the frames.
"""

from __future__ import annotations

from dataclasses import dataclass
from decimal import Decimal
from enum import Enum
from functools import reduce

from ...errors import FrameError, InvalidParameter, ProtocolError

SOH, STX, ETX, EOT, ENQ, ACK, NAK, DC1, DC2 = 0x01, 0x02, 0x03, 0x04, 0x05, 0x06, 0x15, 0x11, 0x12
CONTROL_BYTES = frozenset({ACK, NAK})
WEIGHT_FRAME_SIZE = 15
PRICE_FRAME_SIZE = 37
_START = bytes((SOH, STX))
#: byte offset that tells the two frames apart: a unit letter in a weight frame, ETX in a price frame
_KIND_AT = 11
#: a price frame's bytes up to its second block's STX: enough to check its first block
_PRICE_HEAD = 13


def bcc(data: bytes) -> int:
    """Block check character: XOR of ``data``."""
    return reduce(int.__xor__, data, 0)


def bcc_sum(data: bytes) -> int:
    """The other reading of the price-frame check byte: arithmetic sum modulo 256 [inf]."""
    return sum(data) & 0xFF


class BccRule(Enum):
    XOR = "xor"
    SUM = "sum"
    EITHER = "either"


# ---------------------------------------------------------------------------------------------
# typed contents
# ---------------------------------------------------------------------------------------------

def _ascii(text: str, size: int, name: str) -> bytes:
    try:
        data = text.encode("ascii")
    except UnicodeEncodeError:
        raise InvalidParameter(f"CAS {name} must be ASCII, got {text!r}",
                               message_ru=f"CAS {name}: допустимы только символы ASCII, получено {text!r}") from None
    if len(data) != size:
        raise InvalidParameter(f"CAS {name} must be {size} characters, got {text!r}",
                               message_ru=f"CAS {name}: должно быть {size} символов, получено {text!r}")
    return data


def _number(text: str, name: str) -> Decimal:
    """An unsigned decimal number, padded with spaces (or zeros) as the scales send it."""
    stripped = text.strip(" ")
    digits = stripped.replace(".", "", 1)
    if not digits or not all("0" <= c <= "9" for c in digits):
        raise ProtocolError(f"CAS {name} field {text!r} is not a number",
                            message_ru=f"CAS: поле {name} {text!r} не является числом")
    return Decimal(stripped)


@dataclass(frozen=True, slots=True)
class CasWeight:
    """The weight block: ``status`` (``S``/``U``/``F``), ``sign`` (`` ``/``-``/``F``), the 6-character
    weight text and the 2-character unit text, as they are on the wire."""

    status: str
    sign: str
    weight: str
    unit: str

    def __post_init__(self) -> None:
        self.to_block()  # validates the field sizes and the character set

    @property
    def stable(self) -> bool:
        return self.status == "S"

    @property
    def overload(self) -> bool:
        return self.status == "F" or self.sign == "F"

    @property
    def negative(self) -> bool:
        return self.sign == "-"

    @property
    def unit_name(self) -> str:
        """The unit in lower case without padding: ``kg``, ``lb``, ``g``."""
        return self.unit.strip(" ").lower()

    @property
    def value(self) -> Decimal | None:
        """The signed weight in :attr:`unit_name`; ``None`` when the scale reports overload."""
        if self.overload:
            return None
        number = _number(self.weight, "weight")
        return -number if self.negative else number

    def to_block(self) -> bytes:
        return (_ascii(self.status, 1, "status") + _ascii(self.sign, 1, "sign")
                + _ascii(self.weight, 6, "weight") + _ascii(self.unit, 2, "unit"))

    @classmethod
    def from_value(cls, value: Decimal | int | str, *, unit: str = "kg", decimals: int = 3,
                   stable: bool = True) -> CasWeight:
        """Format a weight the way the scales do (right-aligned, space padded): ``0.625`` → ``" 0.625"``."""
        amount = Decimal(value)
        text = f"{abs(amount):.{decimals}f}" if decimals else f"{abs(amount):.0f}"
        if len(text) > 6:
            raise InvalidParameter(f"CAS weight {value} does not fit 6 characters with {decimals} decimals",
                                   message_ru=f"масса CAS {value} не помещается в 6 символов с {decimals} знаками "
                                              "после запятой")
        return cls("S" if stable else "U", "-" if amount < 0 else " ", text.rjust(6), unit.rjust(2))

    @classmethod
    def overloaded(cls, *, unit: str = "kg") -> CasWeight:
        return cls("F", " ", " " * 6, unit.rjust(2))

    @classmethod
    def from_block(cls, block: bytes) -> CasWeight:
        if len(block) != 10:
            raise FrameError(f"CAS weight block must be 10 bytes, got {len(block)}",
                             message_ru=f"блок массы CAS должен занимать 10 байт, получено {len(block)}")
        try:
            text = block.decode("ascii")
        except UnicodeDecodeError:
            raise ProtocolError(f"CAS weight block is not ASCII: {block.hex(' ')}",
                                message_ru=f"блок массы CAS содержит символы не из ASCII: {block.hex(' ')}") from None
        if text[0] not in "SUF":
            raise ProtocolError(f"CAS status byte {text[0]!r} is none of S, U, F",
                                message_ru=f"байт состояния CAS {text[0]!r} — не S, U и не F")
        if text[1] not in " -F":
            raise ProtocolError(f"CAS sign byte {text[1]!r} is none of space, '-', F",
                                message_ru=f"байт знака CAS {text[1]!r} — не пробел, '-' и не F")
        weight = cls(text[0], text[1], text[2:8], text[8:10])
        weight.value  # noqa: B018 - a weight that is not a number is refused here, not later
        return weight


@dataclass(frozen=True, slots=True)
class CasPriceReading:
    """Reply to DC2: ``total`` (стоимость), the weight block and ``unit_price`` (цена), each 8 characters
    as on the wire. Whether the price texts carry a decimal point is not pinned down [inf]."""

    total: str
    weight: CasWeight
    unit_price: str

    def __post_init__(self) -> None:
        _ascii(self.total, 8, "total price")
        _ascii(self.unit_price, 8, "unit price")

    @property
    def total_value(self) -> Decimal:
        return _number(self.total, "total price")

    @property
    def unit_price_value(self) -> Decimal:
        return _number(self.unit_price, "unit price")


# ---------------------------------------------------------------------------------------------
# encode / parse whole frames
# ---------------------------------------------------------------------------------------------

def encode_weight_frame(weight: CasWeight) -> bytes:
    block = weight.to_block()
    return _START + block + bytes((bcc(block), ETX, EOT))


def encode_price_frame(reading: CasPriceReading, *, rule: BccRule = BccRule.XOR) -> bytes:
    check = bcc_sum if rule is BccRule.SUM else bcc
    out = bytearray((SOH,))
    for block in (_ascii(reading.total, 8, "total price"), reading.weight.to_block(),
                  _ascii(reading.unit_price, 8, "unit price")):
        out += bytes((STX,)) + block + bytes((check(block), ETX))
    out.append(EOT)
    return bytes(out)


def _check_ok(block: bytes, got: int, rule: BccRule) -> bool:
    if rule is BccRule.XOR:
        return bcc(block) == got
    if rule is BccRule.SUM:
        return bcc_sum(block) == got
    return got in (bcc(block), bcc_sum(block))


def _structure(frame: bytes, size: int) -> None:
    if len(frame) != size:
        raise FrameError(f"CAS frame must be {size} bytes, got {len(frame)}",
                         message_ru=f"кадр CAS должен занимать {size} байт, получено {len(frame)}")
    marks = ({0: SOH, 1: STX, 13: ETX, 14: EOT} if size == WEIGHT_FRAME_SIZE else
             {0: SOH, 1: STX, 11: ETX, 12: STX, 24: ETX, 25: STX, 35: ETX, 36: EOT})
    for offset, byte in marks.items():
        if frame[offset] != byte:
            raise FrameError(f"CAS frame byte {offset} is 0x{frame[offset]:02X}, expected 0x{byte:02X}",
                             message_ru=f"кадр CAS: байт {offset} равен 0x{frame[offset]:02X}, ожидалось 0x{byte:02X}")


def parse_weight_frame(frame: bytes) -> CasWeight:
    """The reading in a 15-byte weight frame; FrameError for a broken frame, ProtocolError for bad content."""
    _structure(frame, WEIGHT_FRAME_SIZE)
    block = frame[2:12]
    if bcc(block) != frame[12]:
        raise FrameError(f"CAS weight frame BCC 0x{frame[12]:02X}, computed 0x{bcc(block):02X}",
                         message_ru=f"кадр массы CAS: BCC 0x{frame[12]:02X}, вычислено 0x{bcc(block):02X}")
    return CasWeight.from_block(block)


def parse_price_frame(frame: bytes, *, rule: BccRule = BccRule.XOR) -> CasPriceReading:
    """The reading in a 37-byte DC2 frame."""
    _structure(frame, PRICE_FRAME_SIZE)
    for start, stop in ((2, 10), (13, 23), (26, 34)):
        if not _check_ok(frame[start:stop], frame[stop], rule):
            raise FrameError(f"CAS price frame check byte at {stop} is wrong",
                             message_ru=f"кадр цены CAS: неверный контрольный байт в позиции {stop}")
    try:
        total, unit_price = frame[2:10].decode("ascii"), frame[26:34].decode("ascii")
    except UnicodeDecodeError:
        raise ProtocolError("CAS price fields are not ASCII",
                            message_ru="поля цены CAS содержат символы не из ASCII") from None
    reading = CasPriceReading(total, CasWeight.from_block(frame[13:23]), unit_price)
    reading.total_value  # noqa: B018 - refuse a non-numeric price here
    reading.unit_price_value  # noqa: B018
    return reading


# ---------------------------------------------------------------------------------------------
# feed-style decoder (host side)
# ---------------------------------------------------------------------------------------------

@dataclass(frozen=True, slots=True)
class Control:
    """A single ACK or NAK byte seen between frames."""

    byte: int


@dataclass(frozen=True, slots=True)
class Frame:
    """A structurally valid frame with good check bytes: ``kind`` is ``"weight"`` (15 bytes) or ``"price"``
    (37 bytes). Its content is parsed by :func:`parse_weight_frame` / :func:`parse_price_frame`."""

    kind: str
    raw: bytes


@dataclass(frozen=True, slots=True)
class BadFrame:
    """A frame that failed: ``reason`` is ``"bcc"`` or ``"structure"``."""

    kind: str
    reason: str


Event = Control | Frame | BadFrame


class CasFramer:
    """Feed-style decoder with bounded memory (at most one price frame is buffered).

    A frame starts with ``SOH STX``; its kind is known at byte 11. A frame that fails is reported and
    the search for the next ``SOH STX`` starts at its second byte; the bytes of a failed frame never
    surface as control events. ``price_rule`` selects the check of the DC2 blocks.
    """

    __slots__ = ("_buf", "_quiet", "noise", "price_rule")

    def __init__(self, *, price_rule: BccRule = BccRule.XOR) -> None:
        self.price_rule = price_rule
        self._buf = bytearray()
        self._quiet = 0  # bytes at the front of _buf that belonged to a failed frame
        #: count of bytes dropped outside frames (control bytes not included)
        self.noise = 0

    def reset(self) -> None:
        self._buf.clear()
        self._quiet = 0

    @property
    def in_frame(self) -> bool:
        return bool(self._buf)

    @property
    def buffered(self) -> int:
        return len(self._buf)

    def _check(self, frame: bytes, kind: str) -> Event:
        try:
            _structure(frame, WEIGHT_FRAME_SIZE if kind == "weight" else PRICE_FRAME_SIZE)
        except FrameError:
            return BadFrame(kind, "structure")
        if kind == "weight":
            ok = bcc(frame[2:12]) == frame[12]
        else:
            ok = all(_check_ok(frame[a:b], frame[b], self.price_rule) for a, b in ((2, 10), (13, 23), (26, 34)))
        return Frame(kind, frame) if ok else BadFrame(kind, "bcc")

    def _price_head(self, buf: bytearray, pos: int) -> BadFrame | None:
        """A price frame's first block, checked as soon as it is in (its STX after ETX, its check byte): a
        weight frame with ETX at the kind offset (a damaged byte) fails here instead of holding the frames after
        it until 37 bytes have come. Always checked first, so every chunking of a stream gives the same events."""
        if buf[pos + _PRICE_HEAD - 1] != STX:
            return BadFrame("price", "structure")
        if not _check_ok(bytes(buf[pos + 2:pos + 10]), buf[pos + 10], self.price_rule):
            return BadFrame("price", "bcc")
        return None

    def feed(self, data: bytes) -> list[Event]:
        events: list[Event] = []
        buf = self._buf
        buf += data
        pos, end = 0, len(buf)
        while pos < end:
            byte = buf[pos]
            if byte != SOH:
                if pos >= self._quiet and byte in CONTROL_BYTES:
                    events.append(Control(byte))
                else:
                    self.noise += 1
                pos += 1
                continue
            if end - pos < 2:
                break  # a lone SOH at the end: wait for the next byte
            if buf[pos + 1] != STX:
                self.noise += 1
                pos += 1
                continue
            if end - pos <= _KIND_AT:
                break
            kind = "price" if buf[pos + _KIND_AT] == ETX else "weight"
            size = PRICE_FRAME_SIZE if kind == "price" else WEIGHT_FRAME_SIZE
            early = self._price_head(buf, pos) if kind == "price" and end - pos >= _PRICE_HEAD else None
            if early is None and end - pos < size:
                break
            event = early or self._check(bytes(buf[pos:pos + size]), kind)
            events.append(event)
            if isinstance(event, Frame):
                pos += size
            else:
                self._quiet = max(self._quiet, pos + size)
                pos += 1
        del buf[:pos]
        self._quiet = max(0, self._quiet - pos)
        return events
