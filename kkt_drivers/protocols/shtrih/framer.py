"""Shtrih-M standard lower level framing, sans-I/O: ``STX LEN <message> LRC`` plus control bytes.

Rules (vendor protocol «Протокол работы ККТ» v2.0, section «Стандартный нижний уровень»; the same rule is
coded in pyshtrih, shtrihm-fr and the vendor's JavaPOS driver, and every captured frame in
tests/vectors/shtrih.json satisfies it):

* ``STX`` is ``0x02``; ``LEN`` is the number of message bytes (command code and data), without STX, LEN and LRC;
* the message starts with the command code: one byte, or two bytes ``FF xx`` for the ФН commands;
* ``LRC`` is the XOR of ``LEN`` and every message byte;
* nothing is escaped: ``02`` inside a message is data, the length alone delimits the frame.

Between frames the line carries single control bytes — ENQ ``05``, ACK ``06``, NAK ``15`` — reported as
:class:`Control` events in arrival order with the frames. Any other byte outside a frame is noise (captured
traffic shows a device sending ``FF`` before its ACK); it is counted and dropped.

Because nothing is escaped, a decoder that lost sync reads the next frame's bytes as the tail of a broken one;
:meth:`ShtrihFramer.reset` (called by the links when the inter-byte deadline passes) resynchronises it.
"""

from __future__ import annotations

from dataclasses import dataclass

from ...errors import FrameError
from ..common.crc import xor8

STX, ENQ, ACK, NAK = 0x02, 0x05, 0x06, 0x15
CONTROL_BYTES = frozenset({ENQ, ACK, NAK})
#: prefix byte of the two-byte (ФН) command codes
EXTENDED = 0xFF

#: LEN is one byte, so a message holds at most 255 bytes
MAX_MESSAGE = 255


@dataclass(frozen=True, slots=True)
class Control:
    """A single control byte (ENQ, ACK or NAK) seen between frames."""

    byte: int


@dataclass(frozen=True, slots=True)
class Frame:
    """A complete frame whose LRC matched; ``payload`` is the message (command code and data)."""

    payload: bytes

    @property
    def code(self) -> bytes:
        return command_code(self.payload)


@dataclass(frozen=True, slots=True)
class BadFrame:
    """A frame that failed: ``reason`` is ``"lrc"``, ``"length"`` (LEN 0) or ``"too-long"`` (LEN above the limit).

    A refused LEN is reported as soon as it arrives; the bytes it announces (and the LRC) are then skipped.
    """

    reason: str


Event = Control | Frame | BadFrame


def command_code(message: bytes) -> bytes:
    """The command code at the start of a message or answer: ``FF xx`` or one byte (empty if there is none)."""
    if message[:1] == b"\xff":
        return message[:2]
    return message[:1]


def lrc(length: int, message: bytes) -> int:
    """XOR of the LEN byte and the message bytes."""
    return xor8(message, length)


def encode(payload: bytes) -> bytes:
    """Build the on-wire frame for a message of 1…255 bytes; raises :class:`FrameError` otherwise."""
    size = len(payload)
    if not 1 <= size <= MAX_MESSAGE:
        raise FrameError(f"a Shtrih message holds 1…{MAX_MESSAGE} bytes, got {size}",
                         message_ru=f"сообщение Штрих вмещает 1…{MAX_MESSAGE} байт, получено {size}")
    return bytes((STX, size)) + payload + bytes((lrc(size, payload),))


class ShtrihFramer:
    """Feed-style decoder. Memory is bounded by ``max_message`` (at most 255, the reach of LEN)."""

    __slots__ = ("_buf", "_lrc", "_max", "_need", "_state", "noise")

    _IDLE, _LEN, _DATA, _LRC, _SKIP = 0, 1, 2, 3, 4

    def __init__(self, max_message: int = MAX_MESSAGE) -> None:
        if not 1 <= max_message <= MAX_MESSAGE:
            raise ValueError(f"max_message must be 1…{MAX_MESSAGE}")
        self._max = max_message
        self._buf = bytearray()
        self._state = self._IDLE
        self._need = 0
        self._lrc = 0
        #: count of bytes dropped as noise, for diagnostics
        self.noise = 0

    def reset(self) -> None:
        """Drop a partly received frame (after the inter-byte deadline passed)."""
        self._buf.clear()
        self._state = self._IDLE
        self._need = 0
        self._lrc = 0

    @property
    def in_frame(self) -> bool:
        """True while a frame has started but not ended (the inter-byte deadline applies)."""
        return self._state != self._IDLE

    encode = staticmethod(encode)

    def feed(self, data: bytes) -> list[Event]:
        events: list[Event] = []
        buf = self._buf
        state = self._state
        for byte in data:
            if state == self._IDLE:
                if byte == STX:
                    state = self._LEN
                elif byte in CONTROL_BYTES:
                    events.append(Control(byte))
                else:
                    self.noise += 1
            elif state == self._LEN:
                if byte == 0 or byte > self._max:
                    # refused at once; its declared bytes and LRC are skipped unstored, which keeps sync
                    events.append(BadFrame("length" if byte == 0 else "too-long"))
                    self._need = byte + 1
                    state = self._SKIP
                else:
                    buf.clear()
                    self._need = byte
                    self._lrc = byte
                    state = self._DATA
            elif state == self._DATA:
                buf.append(byte)
                self._lrc ^= byte
                if len(buf) == self._need:
                    state = self._LRC
            elif state == self._LRC:
                events.append(Frame(bytes(buf)) if byte == self._lrc else BadFrame("lrc"))
                buf.clear()
                state = self._IDLE
            else:  # skipping a refused frame
                self._need -= 1
                if not self._need:
                    state = self._IDLE
        self._state = state
        return events
