"""Штрих-Принт framing, sans-I/O.

A message is ``STX | LEN | CMD | PARAMS`` where ``LEN`` counts ``CMD`` and ``PARAMS``:

* on RS-232 an ``LRC`` byte follows: XOR of every byte after ``STX``; each message is confirmed by a
  single ``ACK`` (or ``NAK``), and ``ENQ`` asks the device's state;
* on Ethernet one message travels in one UDP datagram, without ``LRC``. ``STX`` may be replaced by
  ``STE`` (0x03) to ask for the synchronised mode; ``LEN`` is ``FF`` for the block upload (55h), whose
  length the datagram gives. Service datagrams are a single ``ENQ``/``ACK``/``NAK`` byte, or the
  seven-byte ``BUSY`` (0x0B) naming the host that holds the device.

A reply's body is ``CMD ERR DATA``; when ``ERR`` is not 0 only ``CMD ERR`` come (a few commands
excepted). Sources: the vendor's protocol description v1.3 and two clients (protocol-notes/scales).
"""

from __future__ import annotations

from dataclasses import dataclass
from functools import reduce

from ...errors import FrameError, InvalidParameter

STX, STE, ENQ, ACK, NAK, BUSY = 0x02, 0x03, 0x05, 0x06, 0x15, 0x0B
CONTROL_BYTES = frozenset({ENQ, ACK, NAK})
DYNAMIC_LENGTH = 0xFF
MAX_LEN = 0xFE  # LEN FF means "dynamic"


def lrc(data: bytes | bytearray) -> int:
    """XOR of ``data`` (the RS-232 check byte over ``LEN … last parameter``)."""
    return reduce(int.__xor__, data, 0)


def encode(body: bytes, *, serial: bool = False, sync: bool = False, dynamic_length: bool = False) -> bytes:
    """Frame a body (``CMD`` + ``PARAMS``): an Ethernet datagram, or with ``serial=True`` an RS-232 message.

    ``sync`` starts the datagram with STE (Ethernet only). ``dynamic_length`` writes ``LEN`` = FF
    (Ethernet only; the vendor requires it for 55h, whose body may exceed 255 bytes).
    """
    if not body:
        raise InvalidParameter("Штрих-Принт message needs a command byte",
                               message_ru="сообщению Штрих-Принт нужен байт команды")
    if serial and (sync or dynamic_length):
        raise InvalidParameter("Штрих-Принт: STE and the dynamic length exist on Ethernet only",
                               message_ru="Штрих-Принт: STE и динамическая длина есть только в Ethernet")
    if dynamic_length:
        length = DYNAMIC_LENGTH
    elif len(body) <= MAX_LEN:
        length = len(body)
    else:
        raise InvalidParameter(f"Штрих-Принт body of {len(body)} bytes needs the dynamic length (LEN FF)",
                               message_ru=f"тело Штрих-Принт из {len(body)} байт требует динамической длины (LEN FF)")
    head = bytes((STE if sync else STX, length))
    if serial:
        return head + body + bytes((lrc(head[1:] + body),))
    return head + body


@dataclass(frozen=True, slots=True)
class Message:
    """A command or reply: ``body`` is ``CMD`` + parameters (a reply: ``CMD ERR DATA``)."""

    body: bytes
    sync: bool = False

    @property
    def command(self) -> int:
        return self.body[0]


@dataclass(frozen=True, slots=True)
class Control:
    """A single ``ENQ``, ``ACK`` or ``NAK`` byte (a datagram of its own on Ethernet)."""

    byte: int


@dataclass(frozen=True, slots=True)
class Busy:
    """``BUSY``: the device is held in the synchronised mode by another host (``address``, ``port``)."""

    address: str
    port: int


def decode_datagram(datagram: bytes) -> Message | Control | Busy:
    """Decode one UDP datagram; FrameError when it is none of the message forms."""
    size = len(datagram)
    if size == 0:
        raise FrameError("Штрих-Принт: empty datagram", message_ru="Штрих-Принт: пустая датаграмма")
    first = datagram[0]
    if size == 1:
        if first in CONTROL_BYTES:
            return Control(first)
        raise FrameError(f"Штрих-Принт: one-byte datagram 0x{first:02X} is no service message",
                         message_ru=f"Штрих-Принт: однобайтовая датаграмма 0x{first:02X} — не служебное сообщение")
    if first == BUSY:
        if size != 7:
            raise FrameError(f"Штрих-Принт: BUSY datagram must be 7 bytes, got {size}",
                             message_ru=f"Штрих-Принт: датаграмма BUSY должна занимать 7 байт, получено {size}")
        # the address comes as its 2nd, 1st, 4th and 3rd byte; the port is little-endian [inf: byte order of the port]
        address = ".".join(str(b) for b in (datagram[2], datagram[1], datagram[4], datagram[3]))
        return Busy(address, int.from_bytes(datagram[5:7], "little"))
    if first not in (STX, STE):
        raise FrameError(f"Штрих-Принт: datagram starts with 0x{first:02X}, not STX/STE",
                         message_ru=f"Штрих-Принт: датаграмма начинается с 0x{first:02X}, а не с STX/STE")
    length = datagram[1]
    body = datagram[2:]
    if length == DYNAMIC_LENGTH:
        if not body:
            raise FrameError("Штрих-Принт: dynamic-length datagram without a body",
                             message_ru="Штрих-Принт: датаграмма с динамической длиной без тела")
    elif length == 0 or length != len(body):
        raise FrameError(f"Штрих-Принт: LEN {length} does not match the {len(body)} bytes of the datagram",
                         message_ru=f"Штрих-Принт: LEN {length} не совпадает с {len(body)} байтами датаграммы")
    return Message(bytes(body), sync=first == STE)


@dataclass(frozen=True, slots=True)
class BadFrame:
    """An RS-232 message that failed: ``reason`` is ``"lrc"`` or ``"length"`` (LEN 0)."""

    reason: str


SerialEvent = Message | Control | BadFrame


class ShtrihPrintSerialFramer:
    """Feed-style RS-232 decoder with bounded memory (one message of at most 258 bytes is buffered).

    Control bytes between messages are reported in arrival order. A message that fails its LRC is
    reported and the search for the next STX starts at its second byte; the bytes of a failed
    message never surface as control events.
    """

    __slots__ = ("_buf", "_quiet", "noise")

    def __init__(self) -> None:
        self._buf = bytearray()
        self._quiet = 0
        self.noise = 0

    encode = staticmethod(encode)

    def reset(self) -> None:
        self._buf.clear()
        self._quiet = 0

    @property
    def in_frame(self) -> bool:
        return bool(self._buf)

    @property
    def buffered(self) -> int:
        return len(self._buf)

    def feed(self, data: bytes) -> list[SerialEvent]:
        events: list[SerialEvent] = []
        buf = self._buf
        buf += data
        pos, end = 0, len(buf)
        while pos < end:
            byte = buf[pos]
            if byte != STX:
                if pos >= self._quiet and byte in CONTROL_BYTES:
                    events.append(Control(byte))
                else:
                    self.noise += 1
                pos += 1
                continue
            if end - pos < 2:
                break
            length = buf[pos + 1]
            if length == 0:
                events.append(BadFrame("length"))
                pos += 1
                continue
            total = length + 3
            if end - pos < total:
                break
            body = bytes(buf[pos + 2:pos + 2 + length])
            if lrc(buf[pos + 1:pos + 2 + length]) == buf[pos + 2 + length]:
                events.append(Message(body))
                pos += total
            else:
                events.append(BadFrame("lrc"))
                self._quiet = max(self._quiet, pos + total)
                pos += 1
        del buf[:pos]
        self._quiet = max(0, self._quiet - pos)
        return events
