"""The KKT↔ФН link frame, sans-I/O (FNS v1.2.06 §3.1–3.3, Tables 2 and 3).

``04 | LEN (Uint16 LE) | CMD or ANSWER | DATA (N bytes) | CRC16 (LE)`` where ``LEN = N + 1``.

* The CRC is CRC16-CCITT with polynomial 0x1021 over every byte except the leading ``04``
  (``LEN``, the code byte and ``DATA``), sent little-endian. The text names neither the initial
  value nor reflection; we use init 0xFFFF, no reflection, no final XOR (CRC-16/CCITT-FALSE,
  check value 0x29B1), the variant the same text spells out for the marking request header
  (§4.10.5.3) [inferred].
* ``DATA`` holds at most 1536 bytes (§3.1; the I²C note gives 1542 bytes for a whole packet, which
  is 1536 + 6 framing bytes). v1.1 drives allowed 1024.
* There is no byte stuffing: ``04`` may appear inside a frame, so a receiver can only resync by
  trying the next ``04`` after a frame fails.
* In an answer the low 7 bits of the code byte are the answer code and bit 7 is the warning bit.
* Over UART the KKT may send a lone ``ENQ`` (05h) to have the last answer sent again (§2.5).
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass

import crcmod

from ...errors import FrameError

MSG_START = 0x04
ENQ = 0x05
MAX_DATA = 1536
MAX_DATA_V11 = 1024
HEADER_SIZE = 3  # MSG_START + LEN
OVERHEAD = 6  # MSG_START + LEN + code + CRC16
MAX_FRAME = MAX_DATA + OVERHEAD
WARNING_BIT = 0x80
ANSWER_CODE_MASK = 0x7F

#: CRC-16/CCITT-FALSE: poly 0x1021, init 0xFFFF, MSB first, no final XOR
crc16: Callable[[bytes], int] = crcmod.mkCrcFun(0x11021, initCrc=0xFFFF, rev=False, xorOut=0)


@dataclass(frozen=True, slots=True)
class Frame:
    """One good frame: ``code`` is the command code (request) or the raw ANSWER byte (answer)."""

    code: int
    data: bytes = b""

    @property
    def answer_code(self) -> int:
        """The answer code proper (ANSWER without the warning bit)."""
        return self.code & ANSWER_CODE_MASK

    @property
    def warning(self) -> bool:
        """Bit 7 of ANSWER: the drive has a warning flag set (details in 30h)."""
        return bool(self.code & WARNING_BIT)

    def encode(self) -> bytes:
        return encode_frame(self.code, self.data)


@dataclass(frozen=True, slots=True)
class Enq:
    """A lone ENQ between frames: the KKT asks for the last answer again."""


# -- typed errors ----------------------------------------------------------------------------

class FnFrameError(FrameError):
    """A ФН frame failed its length or CRC rules."""


class FrameCrcError(FnFrameError):
    def __init__(self, expected: int, received: int, code: int) -> None:
        super().__init__(f"FN frame CRC mismatch: computed {expected:04X}, received {received:04X}",
                         message_ru=f"кадр ФН: CRC не совпадает, вычислено {expected:04X}, получено {received:04X}")
        self.expected = expected
        self.received = received
        self.code = code


class FrameTooLongError(FnFrameError):
    def __init__(self, length: int, limit: int) -> None:
        super().__init__(f"FN frame LEN {length} exceeds the limit {limit}",
                         message_ru=f"кадр ФН: LEN {length} больше предела {limit}")
        self.length = length
        self.limit = limit


class FrameTooShortError(FnFrameError):
    """``LEN`` is 0, so the frame has no command/answer byte."""

    def __init__(self) -> None:
        super().__init__("FN frame LEN is 0 (no code byte)", message_ru="кадр ФН: LEN равен 0 (нет байта кода)")


class FrameTruncatedError(FnFrameError):
    def __init__(self, have: int, need: int | None) -> None:
        need_text = "?" if need is None else str(need)
        super().__init__(f"FN frame cut short: {have} of {need_text} bytes",
                         message_ru=f"кадр ФН оборван: {have} из {need_text} байт")
        self.have = have
        self.need = need


class FrameStartError(FnFrameError):
    def __init__(self, byte: int | None) -> None:
        super().__init__("empty input" if byte is None else f"FN frame starts with {byte:02X}, not 04",
                         message_ru="нет данных" if byte is None else f"кадр ФН начинается с {byte:02X}, а не с 04")
        self.byte = byte


class TrailingBytesError(FnFrameError):
    def __init__(self, extra: int) -> None:
        super().__init__(f"{extra} bytes follow the FN frame", message_ru=f"после кадра ФН лишние байты: {extra}")
        self.extra = extra


Event = Frame | Enq | FnFrameError


# -- encoding --------------------------------------------------------------------------------

def encode_frame(code: int, data: bytes = b"", *, max_data: int = MAX_DATA) -> bytes:
    """Build ``04 LEN code DATA CRC``; raises ``ValueError`` on a bad code or oversize data."""
    if not 0 <= code <= 0xFF:
        raise ValueError(f"FN code byte out of range: {code}")
    if len(data) > max_data:
        raise ValueError(f"FN frame data too long: {len(data)} > {max_data}")
    body = (len(data) + 1).to_bytes(2, "little") + bytes((code,)) + data
    return bytes((MSG_START,)) + body + crc16(body).to_bytes(2, "little")


def encode_request(cmd: int, data: bytes = b"", *, max_data: int = MAX_DATA) -> bytes:
    """A KKT→ФН message (Table 2)."""
    return encode_frame(cmd, data, max_data=max_data)


def encode_answer(code: int, data: bytes = b"", *, warning: bool = False, max_data: int = MAX_DATA) -> bytes:
    """A ФН→KKT message (Table 3); ``code`` is the 7-bit answer code, ``warning`` sets bit 7."""
    if not 0 <= code <= ANSWER_CODE_MASK:
        raise ValueError(f"FN answer code out of range: {code}")
    return encode_frame(code | (WARNING_BIT if warning else 0), data, max_data=max_data)


# -- decoding --------------------------------------------------------------------------------

def decode_frame(raw: bytes, *, max_data: int = MAX_DATA) -> Frame:
    """Decode exactly one frame; raises a :class:`FnFrameError` subclass otherwise."""
    if not raw or raw[0] != MSG_START:
        raise FrameStartError(raw[0] if raw else None)
    if len(raw) < HEADER_SIZE:
        raise FrameTruncatedError(len(raw), None)
    length = int.from_bytes(raw[1:3], "little")
    if length == 0:
        raise FrameTooShortError()
    if length > max_data + 1:
        raise FrameTooLongError(length, max_data + 1)
    end = HEADER_SIZE + length + 2
    if len(raw) < end:
        raise FrameTruncatedError(len(raw), end)
    if len(raw) > end:
        raise TrailingBytesError(len(raw) - end)
    return _check(raw, end)


def _check(buf: bytes | bytearray, end: int) -> Frame:
    """CRC-check the frame ``buf[:end]`` (start byte at 0, lengths already validated)."""
    body = bytes(buf[1:end - 2])
    received = buf[end - 2] | (buf[end - 1] << 8)
    expected = crc16(body)
    if expected != received:
        raise FrameCrcError(expected, received, body[2])
    return Frame(body[2], body[3:])


class FrameDecoder:
    """Feed-style decoder: bytes in, :class:`Frame` / :class:`Enq` / typed errors out.

    Memory stays bounded: between calls the buffer holds less than one maximal frame. When a
    candidate frame fails (bad length or CRC) only its start byte is dropped and scanning resumes
    at the next ``04``, so a good frame hidden behind garbage is still found. The caller reports
    silence on the line (inter-byte timeout, end of input) with :meth:`flush`, which turns an
    unfinished candidate into :class:`FrameTruncatedError` and rescans what follows it.

    ``accept_enq`` (the drive's side) reports each ``05`` seen between frames as :class:`Enq`.
    """

    __slots__ = ("_buf", "accept_enq", "max_data", "noise")

    def __init__(self, *, max_data: int = MAX_DATA, accept_enq: bool = False) -> None:
        self.max_data = max_data
        self.accept_enq = accept_enq
        self._buf = bytearray()
        #: bytes skipped outside frames (ENQs reported as events are not counted)
        self.noise = 0

    @property
    def buffered(self) -> int:
        return len(self._buf)

    @property
    def in_frame(self) -> bool:
        return bool(self._buf)

    def reset(self) -> None:
        self._buf.clear()

    def feed(self, data: bytes) -> list[Event]:
        self._buf += data
        return self._scan(final=False)

    def flush(self) -> list[Event]:
        """No more bytes are coming for now: report an unfinished frame and rescan after it."""
        return self._scan(final=True)

    def _skip_noise(self, pos: int, stop: int, events: list[Event]) -> None:
        if stop <= pos:
            return
        if self.accept_enq:
            enqs = self._buf.count(ENQ, pos, stop)
            events.extend(Enq() for _ in range(enqs))
            self.noise += stop - pos - enqs
        else:
            self.noise += stop - pos

    def _scan(self, *, final: bool) -> list[Event]:
        events: list[Event] = []
        buf = self._buf
        limit = self.max_data + 1
        pos = 0
        while pos < len(buf):
            start = buf.find(MSG_START, pos)
            if start < 0:
                self._skip_noise(pos, len(buf), events)
                pos = len(buf)
                break
            self._skip_noise(pos, start, events)
            pos = start
            available = len(buf) - pos
            if available < HEADER_SIZE:
                if not final:
                    break
                events.append(FrameTruncatedError(available, None))
                pos += 1
                continue
            length = buf[pos + 1] | (buf[pos + 2] << 8)
            if length == 0:
                events.append(FrameTooShortError())
                pos += 1
                continue
            if length > limit:
                events.append(FrameTooLongError(length, limit))
                pos += 1
                continue
            size = HEADER_SIZE + length + 2
            if available < size:
                if not final:
                    break
                events.append(FrameTruncatedError(available, size))
                pos += 1
                continue
            try:
                events.append(_check(memoryview(buf)[pos:pos + size].tobytes(), size))
            except FrameCrcError as exc:
                events.append(exc.with_traceback(None))  # no frame kept alive (events -> exc -> frame -> events)
                pos += 1
                continue
            pos += size
        del buf[:pos]
        return events
