"""Massa-K «Протокол 100» framing, sans-I/O: ``F8 55 CE | LEN (u16 LE) | CMD | DATA | CRC (u16 LE)``.

* ``LEN`` counts the body (``CMD`` and ``DATA``), so it is at least 1;
* the CRC covers the body only (header and ``LEN`` excluded). It is CRC-16 with polynomial 0x1021 and
  initial value 0 in its *pure remainder* form: the body read as a polynomial, divided by the
  generator, without the 16 zero bits a common CRC appends. Hence a one-byte body has itself as
  CRC (``23`` → ``23 00``) and ``massak_crc(body + 00 00)`` equals CRC-16/XMODEM of ``body``;
* the line carries nothing but frames: no control bytes, no stuffing. The decoder finds frames by
  the three header bytes and their length; whatever lies outside a frame is noise.

When a frame fails (bad CRC, impossible length) the decoder looks for the next header from the
byte after the failed one, so a corrupted length cannot swallow the frames behind it for good.

Sources and confidence: protocol-notes/scales/README.md §Massa-K.
"""

from __future__ import annotations

from dataclasses import dataclass

import crcmod

from ...errors import InvalidParameter

HEADER = b"\xf8\x55\xce"
#: bytes of a frame around its body: header (3), LEN (2), CRC (2)
OVERHEAD = 7
#: the largest body our host decoder accepts. Known replies stay far below it (the longest seen,
#: ACK_SCALE_PAR, has 82); a longer declared length is treated as a corrupted frame.
MAX_BODY = 1024
#: the largest body the device-side decoder accepts by default. Requests are short (the longest
#: known, SET_TARE, has 5); a small bound lets the device recognise a byte-swapped LEN (see
#: :class:`MassaKFramer`).
MAX_REQUEST_BODY = 255
MAX_LEN_FIELD = 0xFFFF

# CRC-16/XMODEM of the single byte ``b`` is ``b·x^16 mod P``: exactly the table the pure-remainder
# form needs (``crc ← T[crc >> 8] ⊕ (crc << 8) ⊕ byte``).
_xmodem = crcmod.mkCrcFun(0x11021, initCrc=0, rev=False, xorOut=0)
_TABLE: tuple[int, ...] = tuple(_xmodem(bytes((i,))) for i in range(256))


def massak_crc(body: bytes) -> int:
    """CRC of a «Протокол 100» body (``CMD`` + ``DATA``), as an integer (sent little-endian)."""
    crc = 0
    table = _TABLE
    for byte in body:
        crc = table[crc >> 8] ^ ((crc << 8) & 0xFFFF) ^ byte
    return crc


@dataclass(frozen=True, slots=True)
class Frame:
    """A complete frame. ``body`` is ``CMD`` + ``DATA``.

    ``crc_ok`` is false only from a decoder built with ``strict_crc=False`` (the device side), and
    then ``received_crc`` holds the CRC that came. ``length_swapped`` says that ``LEN`` arrived
    big-endian and was accepted as such (``accept_swapped_length``).
    """

    body: bytes
    crc_ok: bool = True
    received_crc: int | None = None
    length_swapped: bool = False

    @property
    def command(self) -> int:
        return self.body[0]

    @property
    def data(self) -> bytes:
        return self.body[1:]


@dataclass(frozen=True, slots=True)
class BadFrame:
    """A frame that failed: ``reason`` is ``"crc"`` or ``"length"`` (LEN is 0 or above the limit)."""

    reason: str


Event = Frame | BadFrame


def encode(body: bytes) -> bytes:
    """Build the on-wire frame for ``body`` (command byte first)."""
    size = len(body)
    if not 1 <= size <= MAX_LEN_FIELD:
        raise InvalidParameter(f"Massa-K frame body must hold 1..{MAX_LEN_FIELD} bytes, got {size}",
                               message_ru=f"тело кадра Масса-К должно занимать 1..{MAX_LEN_FIELD} байт, получено "
                                          f"{size}")
    crc = massak_crc(body)
    return HEADER + size.to_bytes(2, "little") + body + crc.to_bytes(2, "little")


def encode_with_crc(body: bytes, crc: int) -> bytes:
    """Build a frame with a chosen CRC (for tests and fault injection: real clients send wrong ones)."""
    if not 0 <= crc <= 0xFFFF:
        raise InvalidParameter(f"CRC must be 0..0xFFFF, got {crc}",
                               message_ru=f"CRC должна быть 0..0xFFFF, получено {crc}")
    frame = encode(body)
    return frame[:-2] + crc.to_bytes(2, "little")


class MassaKFramer:
    """Feed-style decoder with bounded memory.

    ``strict_crc`` (default) turns a CRC mismatch into ``BadFrame("crc")``. The device side passes
    ``strict_crc=False``: real scales answer requests whose CRC is wrong (Crystals' client sends
    CRC-16/AUG-CCITT, another client zeros), so the frame is delivered with ``crc_ok=False``.

    ``accept_swapped_length`` (device side, off by default): a ``LEN`` that is impossible as
    little-endian but possible big-endian is read big-endian (one TCP client sends ``00 01`` for a
    one-byte body). The frame then says ``length_swapped=True``.
    """

    __slots__ = ("_buf", "_max", "accept_swapped_length", "noise", "strict_crc")

    def __init__(self, *, max_body: int = MAX_BODY, strict_crc: bool = True,
                 accept_swapped_length: bool = False) -> None:
        if not 1 <= max_body <= MAX_LEN_FIELD:
            raise InvalidParameter(f"max_body must be 1..{MAX_LEN_FIELD}, got {max_body}",
                                   message_ru=f"max_body должен быть 1..{MAX_LEN_FIELD}, получено {max_body}")
        self._max = max_body
        self.strict_crc = strict_crc
        self.accept_swapped_length = accept_swapped_length
        self._buf = bytearray()
        #: count of bytes dropped while looking for a header, for diagnostics
        self.noise = 0

    encode = staticmethod(encode)

    def reset(self) -> None:
        self._buf.clear()

    @property
    def in_frame(self) -> bool:
        """True while the bytes kept could be the start of a frame (the inter-byte deadline applies)."""
        return bool(self._buf)

    @property
    def buffered(self) -> int:
        """Bytes held for an unfinished frame (never more than the largest frame)."""
        return len(self._buf)

    def _length(self, lo: int, hi: int) -> tuple[int, bool] | None:
        size = lo | (hi << 8)
        if 1 <= size <= self._max:
            return size, False
        if self.accept_swapped_length:
            swapped = (lo << 8) | hi
            if 1 <= swapped <= self._max:
                return swapped, True
        return None

    def feed(self, data: bytes) -> list[Event]:
        events: list[Event] = []
        buf = self._buf
        buf += data
        pos = 0
        end = len(buf)
        while True:
            start = buf.find(HEADER, pos)
            if start < 0:
                # keep a tail that may be the first bytes of a header split across feeds
                keep = 2 if buf.endswith(HEADER[:2]) else 1 if buf.endswith(HEADER[:1]) else 0
                keep = min(keep, end - pos)
                self.noise += end - pos - keep
                pos = end - keep
                break
            self.noise += start - pos
            pos = start
            if end - pos < 5:
                break
            length = self._length(buf[pos + 3], buf[pos + 4])
            if length is None:
                events.append(BadFrame("length"))
                pos += 1
                continue
            size, swapped = length
            total = size + OVERHEAD
            if end - pos < total:
                break
            body = bytes(buf[pos + 5:pos + 5 + size])
            received = buf[pos + 5 + size] | (buf[pos + 6 + size] << 8)
            if received == massak_crc(body):
                events.append(Frame(body, length_swapped=swapped))
                pos += total
            elif not self.strict_crc:
                events.append(Frame(body, crc_ok=False, received_crc=received, length_swapped=swapped))
                pos += total
            else:
                events.append(BadFrame("crc"))
                pos += 1  # look for a header inside the failed frame: its LEN may have been the damage
        del buf[:pos]
        return events
