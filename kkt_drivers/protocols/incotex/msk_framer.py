"""«Меркурий MS-K» framing, sans-I/O: ``STX <body> <BCC hi> <BCC lo> ETX`` plus keep-alive ACK bytes.

A request body is ``CMD | password | 00 | field 00 | field 00 | …`` and an answer body is
``CMD | 00 | status (4 hex) | 00 | result (4 hex) | 00 | printer (2 hex) | 00 | data fields…``.
Rules (protocol-notes/incotex/README.md, "Framing"):

* the BCC is the sum of every body byte (from the command letter up to the byte before the BCC)
  modulo 256, sent as two ASCII hex digits; STX and ETX are not summed. Hosts send upper case,
  the device answers in lower case; the decoder takes either (captured frames, two encoders);
* there is no escaping: fields are ASCII or CP866 text, so ``02``/``03`` never occur inside a
  body. An STX inside a frame therefore means the previous frame was cut short: the decoder
  reports it and starts over, so one damaged frame never swallows the next one;
* a fixed-width field is left-aligned and padded with NUL bytes to its width, then terminated by
  one more NUL (``pack_field``/``FieldReader``);
* while the device executes a long command it sends single ``06`` (ACK) bytes between frames;
  :meth:`MskFramer.feed` reports them as :class:`Control` events. Any other byte between frames
  is noise and is dropped.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass

from ...errors import FrameError, InvalidParameter

STX, ETX, ACK, SEP = 0x02, 0x03, 0x06, 0x00
#: [S5] accepts an answer whose command byte is ``0`` (0x30) as an error answer to any request
ERROR_COMMAND = 0x30
#: ``I`` — «Повторить ответ»: the device sends its last answer again
REPEAT_COMMAND = 0x49
#: «пароль на связь» every public client sends (and the device's default)
DEFAULT_PASSWORD = b"0000"

#: Largest body accepted (without the two BCC digits). The largest captured request is a 20-record
#: fiscal document of 1235 bytes; 16 KiB leaves room for ~265 records of 61 bytes. A longer run is
#: refused so that memory stays bounded.
MAX_BODY = 16384

_HEX = frozenset(b"0123456789abcdefABCDEF")
_FORBIDDEN_IN_BODY = (bytes((STX,)), bytes((ETX,)))


class MskFrameError(FrameError):
    """A body or a field does not follow the MS-K layout."""


@dataclass(frozen=True, slots=True)
class Control:
    """A single control byte seen between frames (only ACK, the keep-alive, is reported)."""

    byte: int


@dataclass(frozen=True, slots=True)
class Frame:
    """A complete frame with a good BCC; ``body`` runs from the command letter to the byte before the BCC."""

    body: bytes

    @property
    def command(self) -> int:
        return self.body[0]


@dataclass(frozen=True, slots=True)
class BadFrame:
    """A frame that failed.

    ``reason``: ``bcc`` (checksum digits wrong or not hex), ``short`` (fewer than three bytes
    between STX and ETX), ``too-long`` (more than ``max_body`` bytes) or ``truncated`` (an STX
    arrived before the ETX, or the link gave up waiting). ``command`` is the first body byte when
    one arrived, so a link can tell whose answer was damaged.
    """

    reason: str
    command: int | None = None


Event = Control | Frame | BadFrame


def bcc(body: bytes) -> int:
    """Additive checksum of a body: the byte sum modulo 256."""
    return sum(body) & 0xFF


def encode(body: bytes, *, lowercase: bool = False) -> bytes:
    """Build the on-wire frame for ``body``. Hosts send upper-case BCC digits, devices lower case."""
    if not body:
        raise InvalidParameter("an MS-K frame needs at least the command byte",
                               message_ru="кадру МС-К нужен хотя бы байт команды")
    if len(body) > MAX_BODY:
        raise InvalidParameter(f"MS-K body too long: {len(body)} > {MAX_BODY}",
                               message_ru=f"тело кадра МС-К слишком длинное: {len(body)} > {MAX_BODY}")
    for forbidden in _FORBIDDEN_IN_BODY:
        if forbidden in body:
            raise InvalidParameter(f"MS-K body may not contain byte {forbidden.hex()} (no escaping exists)",
                                   message_ru=f"тело кадра МС-К не может содержать байт {forbidden.hex()} "
                                              "(экранирования нет)")
    digits = b"%02x" % bcc(body) if lowercase else b"%02X" % bcc(body)
    return bytes((STX,)) + body + digits + bytes((ETX,))


# -- fields ------------------------------------------------------------------------------------

def pack_field(value: bytes, width: int | None = None) -> bytes:
    """One field: ``value`` left-aligned, NUL-padded to ``width`` (if given), then the NUL terminator."""
    if b"\x00" in value or b"\x02" in value or b"\x03" in value:
        raise InvalidParameter(f"MS-K field may not contain NUL, STX or ETX: {value!r}",
                               message_ru=f"поле МС-К не может содержать NUL, STX или ETX: {value!r}")
    if width is not None:
        if len(value) > width:
            raise InvalidParameter(f"MS-K field {value!r} is longer than its width {width}",
                                   message_ru=f"поле МС-К {value!r} длиннее своей ширины {width}")
        value = value.ljust(width, b"\x00")
    return value + b"\x00"


class FieldReader:
    """Reads NUL-terminated fields from the data part of a body, strictly.

    :meth:`fixed` takes a field of a known width: the value must be left-aligned (nothing but NUL
    after the first NUL) and the byte after the width must be the terminator. :meth:`variable`
    reads up to the next NUL. Every violation raises :class:`MskFrameError`.
    """

    __slots__ = ("_data", "_pos")

    def __init__(self, data: bytes) -> None:
        self._data = data
        self._pos = 0

    @property
    def remaining(self) -> int:
        return len(self._data) - self._pos

    def at_end(self) -> bool:
        return self._pos >= len(self._data)

    def fixed(self, width: int, name: str = "field") -> bytes:
        end = self._pos + width
        if end >= len(self._data):
            raise MskFrameError(f"MS-K {name}: needs {width} bytes and a terminator, {self.remaining} left",
                                message_ru=f"МС-К {name}: нужно {width} байт и терминатор, осталось {self.remaining}")
        raw = self._data[self._pos:end]
        if self._data[end] != SEP:
            raise MskFrameError(f"MS-K {name}: byte after its {width}-byte width is "
                                f"{self._data[end]:02X}, not the NUL terminator",
                                message_ru=f"МС-К {name}: байт после поля шириной {width} байт равен "
                                           f"{self._data[end]:02X}, а не терминатору NUL")
        value, _, padding = raw.partition(b"\x00")
        if padding.strip(b"\x00"):
            raise MskFrameError(f"MS-K {name}: data after the NUL padding in {raw!r}",
                                message_ru=f"МС-К {name}: данные после дополнения NUL в {raw!r}")
        self._pos = end + 1
        return value

    def variable(self, name: str = "field") -> bytes:
        end = self._data.find(b"\x00", self._pos)
        if end < 0:
            raise MskFrameError(f"MS-K {name}: no NUL terminator", message_ru=f"МС-К {name}: нет терминатора NUL")
        value = self._data[self._pos:end]
        self._pos = end + 1
        return value

    def rest(self) -> bytes:
        value = self._data[self._pos:]
        self._pos = len(self._data)
        return value

    def expect_end(self, what: str = "data") -> None:
        if not self.at_end():
            raise MskFrameError(f"MS-K {what}: {self.remaining} unexpected bytes at the end: "
                                f"{self._data[self._pos:self._pos + 16]!r}",
                                message_ru=f"МС-К {what}: {self.remaining} лишних байт в конце: "
                                           f"{self._data[self._pos:self._pos + 16]!r}")


# -- request and answer bodies -----------------------------------------------------------------

@dataclass(frozen=True, slots=True)
class RequestFrame:
    """A request body split into its parts; ``data`` is everything after the password's terminator."""

    command: int
    password: bytes
    data: bytes


@dataclass(frozen=True, slots=True)
class AnswerFrame:
    """An answer body split into its header and ``data`` (the fields after the printer status)."""

    command: int
    status: int
    result: int
    printer: int
    data: bytes


def _check_command(command: int) -> None:
    if not 0x20 < command < 0x7F:
        raise InvalidParameter(f"MS-K command must be a printable ASCII byte, got {command:#04x}",
                               message_ru=f"команда МС-К должна быть печатным байтом ASCII, получено {command:#04x}")


def request_body(command: int, fields: Sequence[bytes] = (), *, password: bytes = DEFAULT_PASSWORD) -> bytes:
    """``CMD password 00`` followed by ``fields``, each already packed (see :func:`pack_field`)."""
    _check_command(command)
    head = bytes((command,)) + pack_field(password)
    return head + b"".join(fields)


def encode_request(command: int, fields: Sequence[bytes] = (), *, password: bytes = DEFAULT_PASSWORD) -> bytes:
    """The whole request frame, BCC in upper case as hosts send it."""
    return encode(request_body(command, fields, password=password))


def answer_body(command: int, status: int, result: int, printer: int, data: bytes = b"") -> bytes:
    """An answer body; the hex digits are lower case, as the device writes them."""
    if not 0 <= command <= 0xFF:
        raise InvalidParameter(f"command byte out of range: {command}",
                               message_ru=f"байт команды вне допустимых пределов: {command}")
    if not 0 <= status <= 0xFFFF or not 0 <= result <= 0xFFFF or not 0 <= printer <= 0xFF:
        raise InvalidParameter(f"status {status:#x}, result {result:#x} or printer {printer:#x} out of range",
                               message_ru=f"статус {status:#x}, результат {result:#x} или принтер {printer:#x} вне "
                                          "допустимых пределов")
    return b"%c\x00%04x\x00%04x\x00%02x\x00" % (command, status, result, printer) + data


def encode_answer(command: int, status: int, result: int, printer: int, data: bytes = b"") -> bytes:
    """The whole answer frame, BCC in lower case as the device sends it."""
    return encode(answer_body(command, status, result, printer, data), lowercase=True)


def _hex(raw: bytes, what: str) -> int:
    if not raw or any(b not in _HEX for b in raw):
        raise MskFrameError(f"MS-K answer {what} is not hex digits: {raw!r}",
                            message_ru=f"в ответе МС-К {what} — не шестнадцатеричные цифры: {raw!r}")
    return int(raw, 16)


def parse_request(body: bytes) -> RequestFrame:
    if not body:
        raise MskFrameError("empty MS-K request", message_ru="пустой запрос МС-К")
    end = body.find(b"\x00", 1)
    if end < 0:
        raise MskFrameError("MS-K request has no NUL after its password",
                            message_ru="в запросе МС-К нет NUL после пароля")
    return RequestFrame(body[0], body[1:end], body[end + 1:])


def parse_answer(body: bytes) -> AnswerFrame:
    """Split an answer body; the header is fixed: ``CMD 00 SSSS 00 RRRR 00 PP 00``."""
    if len(body) < 15:
        raise MskFrameError(f"MS-K answer too short for its header: {len(body)} bytes",
                            message_ru=f"ответ МС-К слишком короток для заголовка: {len(body)} байт")
    if body[1] != SEP or body[6] != SEP or body[11] != SEP or body[14] != SEP:
        raise MskFrameError(f"MS-K answer header separators misplaced: {body[:15]!r}",
                            message_ru=f"разделители заголовка ответа МС-К не на своих местах: {body[:15]!r}")
    return AnswerFrame(body[0], _hex(body[2:6], "status"), _hex(body[7:11], "result"),
                       _hex(body[12:14], "printer status"), body[15:])


# -- decoder -------------------------------------------------------------------------------------

class MskFramer:
    """Feed-style decoder for either direction. Memory stays below ``max_body + 2`` bytes."""

    __slots__ = ("_buf", "_max", "_state", "noise")

    _IDLE, _FRAME, _SKIP = 0, 1, 2

    def __init__(self, max_body: int = MAX_BODY) -> None:
        self._max = max_body
        self._buf = bytearray()
        self._state = self._IDLE
        #: count of bytes dropped as noise (between frames or after a too-long frame), for diagnostics
        self.noise = 0

    encode = staticmethod(encode)

    @property
    def in_frame(self) -> bool:
        """True while a frame has started and not ended (the inter-byte deadline applies)."""
        return self._state == self._FRAME

    @property
    def pending_command(self) -> int | None:
        """First body byte of the frame being received, if any."""
        return self._buf[0] if self._state == self._FRAME and self._buf else None

    def reset(self) -> None:
        self._buf.clear()
        self._state = self._IDLE

    def abandon(self) -> BadFrame | None:
        """Give up on a frame cut short (inter-byte timeout): report it and return to idle."""
        if self._state != self._FRAME:
            self._state = self._IDLE
            return None
        event = BadFrame("truncated", self.pending_command)
        self.reset()
        return event

    def _finish(self) -> Frame | BadFrame:
        buf = self._buf
        command = buf[0] if buf else None
        if len(buf) < 3:
            return BadFrame("short", command)
        digits = buf[-2:]
        if digits[0] not in _HEX or digits[1] not in _HEX:
            return BadFrame("bcc", command)
        body = bytes(buf[:-2])
        if int(digits, 16) != bcc(body):
            return BadFrame("bcc", command)
        return Frame(body)

    def feed(self, data: bytes) -> list[Event]:
        events: list[Event] = []
        buf = self._buf
        limit = self._max + 2
        i, n = 0, len(data)
        while i < n:
            if self._state == self._IDLE:
                byte = data[i]
                i += 1
                if byte == STX:
                    self._state = self._FRAME
                    buf.clear()
                elif byte == ACK:
                    events.append(Control(ACK))
                else:
                    self.noise += 1
                continue
            # inside a frame (or skipping the tail of a too-long one): jump to the next STX or ETX
            stx, etx = data.find(b"\x02", i), data.find(b"\x03", i)
            stop = min(p for p in (stx, etx, n) if p >= 0)
            if self._state == self._SKIP:
                self.noise += stop - i
            else:
                buf += data[i:min(stop, i + limit + 1 - len(buf))]  # never hold more than limit + 1
                if len(buf) > limit:
                    events.append(BadFrame("too-long", buf[0]))
                    buf.clear()
                    self._state = self._SKIP
            if stop == n:
                break
            i = stop + 1
            if data[stop] == ETX:
                if self._state == self._FRAME:
                    events.append(self._finish())
                else:
                    self.noise += 1
                buf.clear()
                self._state = self._IDLE
            else:  # STX: a new frame starts; one in progress was cut short
                if self._state == self._FRAME:
                    events.append(BadFrame("truncated", buf[0] if buf else None))
                buf.clear()
                self._state = self._FRAME
        return events
