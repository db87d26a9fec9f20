"""Packed BCD (двоично-десятичный код), most significant byte first.

ATOL encodes money, quantities, passwords, dates and times as fixed-width packed BCD, zero-padded
on the left: 30 in four bytes is ``00 00 00 30``.
"""

from __future__ import annotations

from typing import Any

import construct as cs


def encode_bcd(value: int, width: int) -> bytes:
    """Encode a non-negative integer as ``width`` bytes of packed BCD."""
    if value < 0:
        raise ValueError(f"BCD cannot hold a negative number: {value}")
    digits = f"{value:0{width * 2}}"
    if len(digits) > width * 2:
        raise ValueError(f"{value} does not fit in {width} BCD bytes")
    return bytes.fromhex(digits)


def decode_bcd(data: bytes) -> int:
    """Decode packed BCD; raises ``ValueError`` on a nibble above 9."""
    text = data.hex()
    if not text.isdigit():
        raise ValueError(f"not BCD: {data.hex(' ')}")
    return int(text) if text else 0


#: one BCD byte's value by the byte (-1: a nibble above 9), and the byte of each value 0..99: most BCD fields
#: (dates, times, cashiers) are one byte wide
_BYTE_VALUE = tuple(int(f"{byte:02x}") if f"{byte:02x}".isdigit() else -1 for byte in range(256))
_VALUE_BYTE = tuple(bytes.fromhex(f"{value:02d}") for value in range(100))


def read_bcd(data: bytes, width: int) -> int:
    """Decode exactly ``width`` bytes read from a stream (construct errors, for compiled schemas)."""
    if len(data) != width:
        raise cs.StreamError(f"BCD field needs {width} bytes, got {len(data)}")
    if width == 1 and _BYTE_VALUE[data[0]] >= 0:
        return _BYTE_VALUE[data[0]]
    try:
        return decode_bcd(data)
    except ValueError as exc:
        raise cs.MappingError(str(exc)) from exc


def write_bcd(value: object, width: int) -> bytes:
    """Encode for a compiled schema (construct errors)."""
    try:
        number: int = int(value)  # type: ignore[call-overload]
        if width == 1 and 0 <= number <= 99:
            return _VALUE_BYTE[number]
        return encode_bcd(number, width)
    except (TypeError, ValueError) as exc:
        raise cs.MappingError(str(exc)) from exc


class BcdAdapter(cs.Adapter):  # type: ignore[misc]
    """construct field: an unsigned integer stored as ``width`` bytes of packed BCD.

    It compiles inline (``_emitparse``/``_emitbuild``), so schemas using it stay fully compiled.
    """

    def __init__(self, width: int) -> None:
        super().__init__(cs.Bytes(width))
        self.width = width

    def _decode(self, obj: bytes, context: Any, path: str) -> int:
        try:
            return decode_bcd(obj)
        except ValueError as exc:
            raise cs.MappingError(str(exc), path=path) from exc

    def _encode(self, obj: int, context: Any, path: str) -> bytes:
        try:
            return encode_bcd(int(obj), self.width)
        except ValueError as exc:
            raise cs.MappingError(str(exc), path=path) from exc

    def _emitparse(self, code: Any) -> str:
        code.append("from kkt_drivers.protocols.common.bcd import read_bcd as _kkt_read_bcd")
        return f"_kkt_read_bcd(io.read({self.width}), {self.width})"

    def _emitbuild(self, code: Any) -> str:
        code.append("from kkt_drivers.protocols.common.bcd import write_bcd as _kkt_write_bcd")
        return f"(io.write(_kkt_write_bcd(obj, {self.width})), obj)[1]"


def Bcd(width: int) -> BcdAdapter:  # noqa: N802 - construct naming style
    """Shorthand for :class:`BcdAdapter`."""
    return BcdAdapter(width)
