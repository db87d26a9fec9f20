"""ATOL transport v2 framing, sans-I/O: ``STX <DLE-stuffed data> ETX LRC`` plus control bytes.

Rules (confirmed by two or more sources, see protocol-notes/atol/transport-v2.md):

* data bytes ``03`` (ETX) and ``10`` (DLE) are preceded by ``10``; nothing else is escaped;
* LRC = XOR of every on-wire byte after STX up to and including ETX (stuffing bytes included);
* the LRC itself is sent raw.

Between frames the line carries single control bytes (ENQ, ACK, NAK, EOT); :meth:`feed` reports
them as :class:`Control` events in arrival order with the frames.
"""

from __future__ import annotations

from dataclasses import dataclass

from ..common.crc import xor8

STX, ETX, EOT, ENQ, ACK, DLE, NAK = 0x02, 0x03, 0x04, 0x05, 0x06, 0x10, 0x15
CONTROL_BYTES = frozenset({EOT, ENQ, ACK, NAK})

#: Largest unstuffed payload accepted. ATOL answers (e.g. FN TLV chunks) stay far below it; a
#: longer run of bytes is treated as line noise so that memory stays bounded.
MAX_PAYLOAD = 2048

_STUFF = bytes.maketrans(b"", b"")


@dataclass(frozen=True, slots=True)
class Control:
    """A single control byte seen between frames."""

    byte: int


@dataclass(frozen=True, slots=True)
class Frame:
    """A complete frame with a good LRC; ``payload`` is unstuffed."""

    payload: bytes


@dataclass(frozen=True, slots=True)
class BadFrame:
    """A frame that failed: ``reason`` is ``"lrc"`` or ``"too-long"``."""

    reason: str


Event = Control | Frame | BadFrame


def stuff(payload: bytes) -> bytes:
    """Insert DLE before every ETX and DLE byte."""
    if b"\x03" not in payload and b"\x10" not in payload:
        return payload
    return payload.replace(b"\x10", b"\x10\x10").replace(b"\x03", b"\x10\x03")


def encode(payload: bytes) -> bytes:
    """Build the on-wire frame for ``payload``."""
    body = stuff(payload) + b"\x03"
    return b"\x02" + body + bytes((xor8(body),))


class AtolV2Framer:
    """Feed-style decoder. Bytes outside a frame that are not control bytes are dropped as noise."""

    __slots__ = ("_buf", "_escape", "_lrc", "_max", "_state", "noise")

    _IDLE, _DATA, _LRC = 0, 1, 2

    def __init__(self, max_payload: int = MAX_PAYLOAD) -> None:
        self._max = max_payload
        self._buf = bytearray()
        self._state = self._IDLE
        self._escape = False
        self._lrc = 0
        #: count of bytes dropped as noise, for diagnostics
        self.noise = 0

    def reset(self) -> None:
        self._buf.clear()
        self._state = self._IDLE
        self._escape = False
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
                    state = self._DATA
                    buf.clear()
                    self._lrc = 0
                    self._escape = False
                elif byte in CONTROL_BYTES:
                    events.append(Control(byte))
                else:
                    self.noise += 1
            elif state == self._DATA:
                self._lrc ^= byte
                if self._escape:
                    self._escape = False
                    buf.append(byte)
                elif byte == DLE:
                    self._escape = True
                    continue
                elif byte == ETX:
                    state = self._LRC
                    continue
                else:
                    buf.append(byte)
                if len(buf) > self._max:
                    events.append(BadFrame("too-long"))
                    buf.clear()
                    state = self._IDLE
            else:  # LRC byte
                state = self._IDLE
                if byte == self._lrc:
                    events.append(Frame(bytes(buf)))
                else:
                    events.append(BadFrame("lrc"))
                buf.clear()
        self._state = state
        return events
