"""Codecs for the FFD value types (типы данных реквизитов ФФД).

Every function here works on the *value* part of a TLV only; tag and length are handled by
:mod:`kkt_drivers.ffd.tlv`. All integers are little-endian.

==========  =====================================================================================
Type        Encoding
==========  =====================================================================================
BYTE        one unsigned byte; flags (признаки) are 0/1, some tags are bit masks
UINT16      2 bytes
UINT32      4 bytes
VLN         unsigned integer of variable length, as few bytes as possible (0 → ``00``); sums are
            in kopecks. Decoding accepts any length from 0 to 8 bytes: values padded by other
            encoders (YOFD pads to the tag maximum) and the zero-length 0 some KKTs write (a real
            FN-signed FFD 1.05 receipt has 1081/1215–1217 of length 0) read back correctly. Such a
            value decodes to :class:`WrittenVln`, an ``int`` that remembers its width, and
            re-encodes in that width, so a document round-trips byte for byte.
FVLN        byte 0 = number of digits after the decimal point (0..8), then the value × 10^n as a
            VLN; quantities (1023). Python side is :class:`decimal.Decimal`, whose exponent keeps
            the scale: ``Decimal("1.000")`` ↔ ``03 E8 03``, ``Decimal(1)`` ↔ ``00 01``.
UNIXTIME    UINT32 seconds since 1970-01-01 00:00. **Convention:** the seconds count the KKT's
            local wall-clock time as if it were UTC — no time-zone shift is applied (Shtrih's
            driver does this, and YOFD's OFD-side validator allows documents 24 h "ahead" of UTC
            for that reason; research confidence M). Python side is a *naive*
            :class:`~datetime.datetime` holding that local time; aware datetimes are refused so
            that nobody passes a UTC instant by mistake. Microseconds are dropped.
STRING      CP866 bytes (DOS Cyrillic), no terminator. Fixed-length tags (INNs, 1037, 1041…) are
            right-padded with spaces; decoding keeps the padding so documents re-encode
            byte-identically.
BYTE[]      raw bytes (1077 ФПД, 1078 ФПО, 1162…).
STLV        a nested TLV list — see :mod:`kkt_drivers.ffd.tlv`.
==========  =====================================================================================
"""

from __future__ import annotations

import codecs
import enum
from datetime import datetime, timedelta
from decimal import Decimal
from typing import Final

from .errors import (
    LengthLimitError,
    MalformedValueError,
    TextEncodingError,
    ValueRangeError,
    ValueTypeMismatch,
)


class ValueType(enum.Enum):
    """FFD value types (§1.2 of the research)."""

    BYTE = "BYTE"
    UINT16 = "UINT16"
    UINT32 = "UINT32"
    VLN = "VLN"
    FVLN = "FVLN"
    UNIXTIME = "UNIXTIME"
    STRING = "STRING"
    BYTES = "BYTE[]"
    STLV = "STLV"


#: Python values of the scalar FFD types (STLV values are handled by the TLV layer).
Scalar = int | Decimal | datetime | str | bytes


class WrittenVln(int):
    """A VLN read from a non-minimal form (zero-padded, or the zero-length 0): an ``int`` that keeps the
    width it was written in, so that re-encoding gives the same bytes. Arithmetic gives plain ints."""

    width: int

    def __new__(cls, value: int, width: int) -> WrittenVln:
        number = super().__new__(cls, value)
        number.width = width
        return number

    def __getnewargs__(self) -> tuple[int, int]:  # type: ignore[override]  # copy and pickle keep the width
        return int(self), self.width

    def __repr__(self) -> str:
        return f"WrittenVln({int(self)}, width={self.width})"

#: Widest VLN any tag uses (counters 1136–1143 etc. allow 8 bytes).
VLN_MAX_BYTES: Final = 8
#: Most digits after the decimal point an FVLN may carry.
FVLN_MAX_SCALE: Final = 8
#: Structural FVLN limit: the scale byte plus a VLN of at most 8 bytes.
FVLN_MAX_BYTES: Final = 1 + VLN_MAX_BYTES
#: FFD strings are CP866 — also what the FN protocol calls "ASCII".
STRING_ENCODING: Final = "cp866"
#: Length of tag 1077 (ФПД) inside a document.
FISCAL_SIGN_LEN: Final = 6

_EPOCH: Final = datetime(1970, 1, 1)
_UINT32_MAX: Final = 0xFFFF_FFFF

_FIXED = {
    ValueType.BYTE: (1, 0xFF),
    ValueType.UINT16: (2, 0xFFFF),
    ValueType.UINT32: (4, _UINT32_MAX),
}


def _require_int(value: object, what: str) -> int:
    # bool is accepted: flags (признаки) are naturally written True/False.
    if not isinstance(value, int):
        raise ValueTypeMismatch(f"{what} needs an int, got {type(value).__name__}",
                                message_ru=f"{what}: нужно int, получено {type(value).__name__}")
    return int(value)


# --- fixed-width integers -------------------------------------------------------------------


def encode_fixed_int(vtype: ValueType, value: int) -> bytes:
    """Encode BYTE, UINT16 or UINT32."""
    width, top = _FIXED[vtype]
    number = _require_int(value, vtype.value)
    if not 0 <= number <= top:
        raise ValueRangeError(f"{vtype.value} holds 0..{top}, got {number}",
                              message_ru=f"{vtype.value} вмещает 0..{top}, получено {number}")
    return number.to_bytes(width, "little")


def decode_fixed_int(vtype: ValueType, data: bytes) -> int:
    """Decode BYTE, UINT16 or UINT32; the data must be exactly the type's width."""
    width, _top = _FIXED[vtype]
    if len(data) != width:
        raise MalformedValueError(f"{vtype.value} needs {width} byte(s), got {len(data)}",
                                  message_ru=f"{vtype.value}: нужно {width} байт, получено {len(data)}")
    return int.from_bytes(data, "little")


def encode_byte(value: int) -> bytes:
    """BYTE: one unsigned byte."""
    return encode_fixed_int(ValueType.BYTE, value)


def decode_byte(data: bytes) -> int:
    """BYTE: one unsigned byte."""
    return decode_fixed_int(ValueType.BYTE, data)


def encode_uint16(value: int) -> bytes:
    """UINT16, little-endian."""
    return encode_fixed_int(ValueType.UINT16, value)


def decode_uint16(data: bytes) -> int:
    """UINT16, little-endian."""
    return decode_fixed_int(ValueType.UINT16, data)


def encode_uint32(value: int) -> bytes:
    """UINT32, little-endian."""
    return encode_fixed_int(ValueType.UINT32, value)


def decode_uint32(data: bytes) -> int:
    """UINT32, little-endian."""
    return decode_fixed_int(ValueType.UINT32, data)


# --- VLN / FVLN -----------------------------------------------------------------------------


def encode_vln(value: int, max_len: int = VLN_MAX_BYTES) -> bytes:
    """VLN: unsigned little-endian integer in the fewest bytes (at least one), at most ``max_len``.

    A :class:`WrittenVln` is written in its own width when the number fits in it.
    """
    number = _require_int(value, "VLN")
    if number < 0:
        raise ValueRangeError(f"VLN cannot be negative: {number}",
                              message_ru=f"VLN не может быть отрицательным: {number}")
    size = max(1, (number.bit_length() + 7) // 8)
    if isinstance(value, WrittenVln) and (number.bit_length() + 7) // 8 <= value.width <= max_len:
        size = value.width
    if size > max_len:
        raise ValueRangeError(f"VLN {number} needs {size} bytes, the limit is {max_len}",
                              message_ru=f"VLN {number} требует {size} байт, предел {max_len}")
    return number.to_bytes(size, "little")


def decode_vln(data: bytes, max_len: int = VLN_MAX_BYTES) -> int:
    """VLN: accepts 0..``max_len`` bytes; a non-minimal form (zero-padded, or empty = 0) gives a
    :class:`WrittenVln` that re-encodes to the same bytes."""
    if len(data) > max_len:
        raise MalformedValueError(f"VLN must be 0..{max_len} bytes, got {len(data)}",
                                  message_ru=f"VLN должно занимать 0..{max_len} байт, получено {len(data)}")
    number = int.from_bytes(data, "little")
    if len(data) != max(1, (number.bit_length() + 7) // 8):
        return WrittenVln(number, len(data))
    return number


def encode_fvln(value: Decimal | int, max_len: int = FVLN_MAX_BYTES) -> bytes:
    """FVLN: scale byte + minimal VLN of the unscaled integer; ``max_len`` counts both parts.

    The scale is taken from the Decimal's exponent, so ``Decimal("2.50")`` is written with two
    decimals. Floats are refused: quantities must be exact.
    """
    if isinstance(value, bool) or not isinstance(value, (Decimal, int)):
        raise ValueTypeMismatch(f"FVLN needs a Decimal or int, got {type(value).__name__}",
                                message_ru=f"FVLN: нужно Decimal или int, получено {type(value).__name__}")
    number = Decimal(value)
    if not number.is_finite():
        raise ValueRangeError(f"FVLN cannot hold {number}", message_ru=f"FVLN не может содержать {number}")
    sign, digits, exponent = number.as_tuple()
    assert isinstance(exponent, int)  # finite, checked above
    unscaled = int("".join(map(str, digits)) or "0")
    if sign and unscaled:
        raise ValueRangeError(f"FVLN cannot be negative: {number}",
                              message_ru=f"FVLN не может быть отрицательным: {number}")
    if exponent >= 0:
        scale, unscaled = 0, unscaled * 10**exponent
    else:
        scale = -exponent
    if scale > FVLN_MAX_SCALE:
        raise ValueRangeError(f"FVLN allows at most {FVLN_MAX_SCALE} decimal places, got {scale}",
                              message_ru=f"FVLN допускает не более {FVLN_MAX_SCALE} знаков после запятой, получено "
                                         f"{scale}")
    try:
        body = encode_vln(unscaled, max_len - 1)
    except ValueRangeError as exc:
        raise ValueRangeError(f"FVLN {number} does not fit in {max_len} bytes",
                              message_ru=f"FVLN {number} не помещается в {max_len} байт") from exc
    return bytes([scale]) + body


def decode_fvln(data: bytes, max_len: int = FVLN_MAX_BYTES) -> Decimal:
    """FVLN → Decimal with the encoded number of decimal places (``03 E8 03`` → ``Decimal("1.000")``)."""
    if len(data) < 2:
        raise MalformedValueError(f"FVLN needs at least 2 bytes, got {len(data)}",
                                  message_ru=f"FVLN: нужно не менее 2 байт, получено {len(data)}")
    if len(data) > max_len:
        raise MalformedValueError(f"FVLN must be at most {max_len} bytes, got {len(data)}",
                                  message_ru=f"FVLN должно занимать не более {max_len} байт, получено {len(data)}")
    scale = data[0]
    if scale > FVLN_MAX_SCALE:
        raise MalformedValueError(f"FVLN scale byte {scale} is above {FVLN_MAX_SCALE}",
                                  message_ru=f"FVLN: байт порядка {scale} больше {FVLN_MAX_SCALE}")
    unscaled = int.from_bytes(data[1:], "little")
    # Built from the digit tuple so that no decimal context can round it.
    return Decimal((0, tuple(int(ch) for ch in str(unscaled)), -scale))


# --- UNIXTIME ---------------------------------------------------------------------------------


def encode_unixtime(value: datetime) -> bytes:
    """UNIXTIME from a naive datetime holding the KKT's local wall-clock time (see module doc)."""
    if not isinstance(value, datetime):
        raise ValueTypeMismatch(f"UNIXTIME needs a datetime, got {type(value).__name__}",
                                message_ru=f"UNIXTIME: нужно datetime, получено {type(value).__name__}")
    if value.tzinfo is not None:
        raise ValueTypeMismatch(
            "UNIXTIME takes a naive datetime in the KKT's local time; call .replace(tzinfo=None) "
            "on a local-time value (FFD writes local wall-clock time as if it were UTC)",
            message_ru="UNIXTIME принимает datetime без часового пояса, в местном времени ККТ; вызовите "
                       ".replace(tzinfo=None) для местного времени (ФФД записывает местное время как UTC)",
        )
    delta = value - _EPOCH
    seconds = delta.days * 86400 + delta.seconds
    if not 0 <= seconds <= _UINT32_MAX:
        raise ValueRangeError(f"{value.isoformat()} is outside the UNIXTIME range 1970..2106",
                              message_ru=f"{value.isoformat()} вне диапазона UNIXTIME 1970..2106")
    return encode_uint32(seconds)


def decode_unixtime(data: bytes) -> datetime:
    """UNIXTIME → naive datetime of the KKT's local wall-clock time."""
    if len(data) != 4:
        raise MalformedValueError(f"UNIXTIME needs 4 bytes, got {len(data)}",
                                  message_ru=f"UNIXTIME: нужно 4 байта, получено {len(data)}")
    return _EPOCH + timedelta(seconds=decode_uint32(data))


def unixtime_seconds(value: datetime) -> int:
    """The number written for ``value`` (local time counted as UTC seconds), e.g. for FNS JSON."""
    return decode_uint32(encode_unixtime(value))


# --- STRING / BYTE[] ----------------------------------------------------------------------------


def encode_string(value: str, *, fixed_len: int | None = None) -> bytes:
    """STRING in CP866; with ``fixed_len`` the text is right-padded with spaces to that length."""
    if not isinstance(value, str):
        raise ValueTypeMismatch(f"STRING needs a str, got {type(value).__name__}",
                                message_ru=f"STRING: нужно str, получено {type(value).__name__}")
    try:
        data = codecs.encode(value, STRING_ENCODING)
    except UnicodeEncodeError as exc:
        char = value[exc.start]
        raise TextEncodingError(
            f"character {char!r} (U+{ord(char):04X}) at position {exc.start} is not in CP866",
            message_ru=f"символа {char!r} (U+{ord(char):04X}) в позиции {exc.start} нет в кодовой странице CP866",
        ) from exc
    if fixed_len is not None:
        if len(data) > fixed_len:
            raise LengthLimitError(f"string of {len(data)} bytes exceeds the fixed length {fixed_len}",
                                   message_ru=f"строка из {len(data)} байт превышает фиксированную длину {fixed_len}")
        data = data.ljust(fixed_len, b" ")
    return data


def decode_string(data: bytes) -> str:
    """CP866 bytes → text. Every byte has a CP866 character, so this cannot fail; padding is kept."""
    return codecs.decode(data, STRING_ENCODING)


def encode_bytes(value: bytes) -> bytes:
    """BYTE[]: raw bytes."""
    if not isinstance(value, (bytes, bytearray, memoryview)):
        raise ValueTypeMismatch(f"BYTE[] needs bytes, got {type(value).__name__}",
                                message_ru=f"BYTE[]: нужно bytes, получено {type(value).__name__}")
    return bytes(value)


# --- dispatch -----------------------------------------------------------------------------------


def encode_scalar(vtype: ValueType, value: Scalar, *, max_len: int | None = None, fixed: bool = False) -> bytes:
    """Encode a non-STLV value and check it against the tag's length rules.

    ``max_len`` is the tag's maximum value length; with ``fixed`` it is the exact length (strings
    are space-padded to it, other types must already have it).
    """
    if vtype is ValueType.STLV:
        raise ValueTypeMismatch("STLV values are encoded by kkt_drivers.ffd.tlv",
                                message_ru="значения STLV кодирует kkt_drivers.ffd.tlv")
    data: bytes
    if vtype in _FIXED:
        data = encode_fixed_int(vtype, value)  # type: ignore[arg-type]  # checked inside
    elif vtype is ValueType.VLN:
        data = encode_vln(value, max_len or VLN_MAX_BYTES)  # type: ignore[arg-type]
    elif vtype is ValueType.FVLN:
        data = encode_fvln(value, max_len or FVLN_MAX_BYTES)  # type: ignore[arg-type]
    elif vtype is ValueType.UNIXTIME:
        data = encode_unixtime(value)  # type: ignore[arg-type]
    elif vtype is ValueType.STRING:
        data = encode_string(value, fixed_len=max_len if fixed else None)  # type: ignore[arg-type]
    else:
        data = encode_bytes(value)  # type: ignore[arg-type]
    if max_len is not None:
        if fixed and len(data) != max_len:
            raise LengthLimitError(f"{vtype.value} value must be exactly {max_len} bytes, got {len(data)}",
                                   message_ru=f"значение {vtype.value} должно занимать ровно {max_len} байт, "
                                              f"получено {len(data)}")
        if len(data) > max_len:
            raise LengthLimitError(f"{vtype.value} value of {len(data)} bytes exceeds the limit {max_len}",
                                   message_ru=f"значение {vtype.value} из {len(data)} байт превышает предел {max_len}")
    return data


def decode_scalar(vtype: ValueType, data: bytes) -> Scalar:
    """Decode a non-STLV value. Only structural rules are checked (not per-tag maximum lengths)."""
    if vtype in _FIXED:
        return decode_fixed_int(vtype, data)
    if vtype is ValueType.VLN:
        return decode_vln(data)
    if vtype is ValueType.FVLN:
        return decode_fvln(data)
    if vtype is ValueType.UNIXTIME:
        return decode_unixtime(data)
    if vtype is ValueType.STRING:
        return decode_string(data)
    if vtype is ValueType.BYTES:
        return bytes(data)
    raise MalformedValueError("STLV values are decoded by kkt_drivers.ffd.tlv",
                              message_ru="значения STLV декодирует kkt_drivers.ffd.tlv")


# --- ФПД (tag 1077) ------------------------------------------------------------------------------


def fiscal_sign_number(raw: bytes) -> int:
    """The printed ФПД (the ``fp=`` of the QR code) from the 6-byte tag 1077 value.

    Bytes 2..5 read big-endian give the number; bytes 0..1 are a prefix (``21 04`` in every sample
    seen — its meaning is not documented publicly). Example: ``21 04 AA 10 75 41`` → 2853205313.
    """
    if len(raw) != FISCAL_SIGN_LEN:
        raise MalformedValueError(f"tag 1077 must be {FISCAL_SIGN_LEN} bytes, got {len(raw)}",
                                  message_ru=f"реквизит 1077 должен занимать {FISCAL_SIGN_LEN} байт, получено "
                                             f"{len(raw)}")
    return int.from_bytes(raw[2:], "big")


def fiscal_sign_bytes(number: int, prefix: bytes = b"\x21\x04") -> bytes:
    """Inverse of :func:`fiscal_sign_number`. The default prefix is the observed one (inferred)."""
    value = _require_int(number, "ФПД")
    if not 0 <= value <= _UINT32_MAX:
        raise ValueRangeError(f"ФПД is a uint32, got {value}", message_ru=f"ФПД — uint32, получено {value}")
    if len(prefix) != 2:
        raise LengthLimitError(f"ФПД prefix must be 2 bytes, got {len(prefix)}",
                               message_ru=f"префикс ФПД должен занимать 2 байта, получено {len(prefix)}")
    return bytes(prefix) + value.to_bytes(4, "big")
