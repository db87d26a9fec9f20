"""Field encodings of the KKT↔ФН protocol (FNS v1.2.06 §5.5, Table 190) as construct adapters.

* integers are unsigned little-endian: Uint16, Uint32, Uint40 (5 bytes), Uint48 (6 bytes);
* ``DATE_TIME`` is five binary bytes ``YY MM DD hh mm`` with ``YY = year - 2000``; ``DATE`` is the
  first three of them. An all-zero value (what a drive reports before its first document) decodes
  to ``None`` and ``None`` encodes to zeros;
* ``ASCII`` is a fixed-width CP866 string, left-aligned and padded. Table 190 pads with 0; the
  notes to command A3h pad INN and RNM with spaces, so every text field names its pad byte.
  Decoding strips trailing NULs and spaces alike;
* ``TLV`` is ``tag: Uint16 LE, length: Uint16 LE, value``.
"""

from __future__ import annotations

import datetime as dt
import enum
from collections.abc import Iterator, Mapping
from dataclasses import fields, is_dataclass
from typing import Any

import construct as cs

Uint8 = cs.Int8ul
Uint16 = cs.Int16ul
Uint32 = cs.Int32ul
Uint40 = cs.BytesInteger(5, swapped=True)
Uint48 = cs.BytesInteger(6, swapped=True)

TEXT_ENCODING = "cp866"
DATE_EPOCH = 2000


class DateTimeAdapter(cs.Adapter):  # type: ignore[misc]
    """``DATE_TIME``: 5 bytes ``YY MM DD hh mm``; all zeros ⇄ ``None``. Seconds are dropped."""

    def __init__(self) -> None:
        super().__init__(cs.Bytes(5))

    def _decode(self, obj: bytes, context: Any, path: str) -> dt.datetime | None:
        if not any(obj):
            return None
        yy, month, day, hour, minute = obj
        try:
            return dt.datetime(DATE_EPOCH + yy, month, day, hour, minute)
        except ValueError as exc:
            raise cs.MappingError(f"bad DATE_TIME {obj.hex(' ')}: {exc}", path=path) from exc

    def _encode(self, obj: dt.datetime | None, context: Any, path: str) -> bytes:
        if obj is None:
            return bytes(5)
        if not isinstance(obj, dt.datetime):
            raise cs.MappingError(f"DATE_TIME needs a datetime, got {obj!r}", path=path)
        return bytes((_year_byte(obj.year, path), obj.month, obj.day, obj.hour, obj.minute))


class DateAdapter(cs.Adapter):  # type: ignore[misc]
    """``DATE``: 3 bytes ``YY MM DD``; all zeros ⇄ ``None``."""

    def __init__(self) -> None:
        super().__init__(cs.Bytes(3))

    def _decode(self, obj: bytes, context: Any, path: str) -> dt.date | None:
        if not any(obj):
            return None
        yy, month, day = obj
        try:
            return dt.date(DATE_EPOCH + yy, month, day)
        except ValueError as exc:
            raise cs.MappingError(f"bad DATE {obj.hex(' ')}: {exc}", path=path) from exc

    def _encode(self, obj: dt.date | None, context: Any, path: str) -> bytes:
        if obj is None:
            return bytes(3)
        if not isinstance(obj, dt.date):
            raise cs.MappingError(f"DATE needs a date, got {obj!r}", path=path)
        return bytes((_year_byte(obj.year, path), obj.month, obj.day))


def _year_byte(year: int, path: str) -> int:
    if not DATE_EPOCH <= year <= DATE_EPOCH + 255:
        raise cs.MappingError(f"year {year} does not fit the one-byte YY field", path=path)
    return year - DATE_EPOCH


class AsciiAdapter(cs.Adapter):  # type: ignore[misc]
    """Fixed-width CP866 text, left-aligned, padded on the right with ``pad``."""

    def __init__(self, width: int, pad: bytes = b"\x00") -> None:
        super().__init__(cs.Bytes(width))
        self.width = width
        self.pad = pad

    def _decode(self, obj: bytes, context: Any, path: str) -> str:
        return obj.rstrip(b"\x00 ").decode(TEXT_ENCODING)

    def _encode(self, obj: str, context: Any, path: str) -> bytes:
        if not isinstance(obj, str):
            raise cs.MappingError(f"text field needs str, got {obj!r}", path=path)
        try:
            raw = obj.encode(TEXT_ENCODING)
        except UnicodeEncodeError as exc:
            raise cs.MappingError(f"{obj!r} is not CP866: {exc}", path=path) from exc
        if len(raw) > self.width:
            raise cs.MappingError(f"{obj!r} is longer than {self.width} bytes", path=path)
        return raw.ljust(self.width, self.pad)


def Ascii(width: int, pad: bytes = b"\x00") -> AsciiAdapter:  # noqa: N802 - construct naming style
    return AsciiAdapter(width, pad)


def SpacePadded(width: int) -> AsciiAdapter:  # noqa: N802
    """INN, RNM and OFD INN: padded with ASCII spaces (notes 3 and 4 to command A3h)."""
    return AsciiAdapter(width, b" ")


class StrictFlagAdapter(cs.Adapter):  # type: ignore[misc]
    """A byte that must be 0 (False) or 1 (True); anything else is a decoding error."""

    def __init__(self) -> None:
        super().__init__(cs.Int8ul)

    def _decode(self, obj: int, context: Any, path: str) -> bool:
        if obj not in (0, 1):
            raise cs.MappingError(f"expected 0 or 1, got {obj}", path=path)
        return obj == 1

    def _encode(self, obj: bool, context: Any, path: str) -> int:
        if obj not in (0, 1, False, True):
            raise cs.MappingError(f"expected a bool, got {obj!r}", path=path)
        return int(obj)


def Flag01() -> StrictFlagAdapter:  # noqa: N802
    return StrictFlagAdapter()


class IntEnumAdapter(cs.Adapter):  # type: ignore[misc]
    """An integer decoded to a member of ``enum_cls`` when it names one, else left as ``int``."""

    def __init__(self, subcon: cs.Construct, enum_cls: type[enum.IntEnum]) -> None:
        super().__init__(subcon)
        self.enum_cls = enum_cls

    def _decode(self, obj: int, context: Any, path: str) -> enum.IntEnum | int:
        try:
            return self.enum_cls(obj)
        except ValueError:
            return obj

    def _encode(self, obj: int, context: Any, path: str) -> int:
        return int(obj)


def EnumField(enum_cls: type[enum.IntEnum], subcon: cs.Construct = Uint8) -> IntEnumAdapter:  # noqa: N802
    return IntEnumAdapter(subcon, enum_cls)


class IntFlagAdapter(cs.Adapter):  # type: ignore[misc]
    """A bit field decoded to ``flag_cls`` (unknown bits are kept)."""

    def __init__(self, subcon: cs.Construct, flag_cls: type[enum.IntFlag]) -> None:
        super().__init__(subcon)
        self.flag_cls = flag_cls

    def _decode(self, obj: int, context: Any, path: str) -> enum.IntFlag:
        return self.flag_cls(obj)

    def _encode(self, obj: int, context: Any, path: str) -> int:
        return int(obj)


def FlagsField(flag_cls: type[enum.IntFlag], subcon: cs.Construct = Uint8) -> IntFlagAdapter:  # noqa: N802
    return IntFlagAdapter(subcon, flag_cls)


# -- TLV -----------------------------------------------------------------------------------------

def encode_tlv(tag: int, value: bytes) -> bytes:
    """One TLV object: tag and length as Uint16 LE, then the value."""
    if not 0 <= tag <= 0xFFFF or len(value) > 0xFFFF:
        raise ValueError(f"TLV tag {tag} / length {len(value)} out of range")
    return tag.to_bytes(2, "little") + len(value).to_bytes(2, "little") + value


def iter_tlv(data: bytes) -> Iterator[tuple[int, bytes]]:
    """Split a TLV list into ``(tag, value)``; raises ``ValueError`` unless it holds whole TLVs."""
    pos = 0
    while pos < len(data):
        if len(data) - pos < 4:
            raise ValueError(f"TLV header cut short at offset {pos}")
        tag = int.from_bytes(data[pos:pos + 2], "little")
        size = int.from_bytes(data[pos + 2:pos + 4], "little")
        end = pos + 4 + size
        if end > len(data):
            raise ValueError(f"TLV {tag} at offset {pos} claims {size} bytes, {len(data) - pos - 4} left")
        yield tag, data[pos + 4:end]
        pos = end


def count_tlv(data: bytes) -> int:
    """Number of whole top-level TLVs in ``data`` (``ValueError`` if it is not a TLV list)."""
    return sum(1 for _ in iter_tlv(data))


class TlvListValidator(cs.Validator):  # type: ignore[misc]
    """Raw bytes that must be a list of whole TLVs, with a count between ``min_items``/``max_items``."""

    def __init__(self, subcon: cs.Construct, min_items: int = 0, max_items: int | None = None) -> None:
        super().__init__(subcon)
        self.min_items = min_items
        self.max_items = max_items

    def _validate(self, obj: Any, context: Any, path: str) -> bool:
        if not isinstance(obj, bytes | bytearray):
            return False
        try:
            n = count_tlv(bytes(obj))
        except ValueError:
            return False
        return n >= self.min_items and (self.max_items is None or n <= self.max_items)


def TlvList(min_items: int = 0, max_items: int | None = None) -> TlvListValidator:  # noqa: N802
    return TlvListValidator(cs.GreedyBytes, min_items, max_items)


class MaxLengthValidator(cs.Validator):  # type: ignore[misc]
    """``DataN`` with an upper bound on N."""

    def __init__(self, subcon: cs.Construct, limit: int) -> None:
        super().__init__(subcon)
        self.limit = limit

    def _validate(self, obj: Any, context: Any, path: str) -> bool:
        return isinstance(obj, bytes | bytearray) and len(obj) <= self.limit


def DataN(limit: int | None = None) -> cs.Construct:  # noqa: N802
    """Raw bytes up to the end of the message, optionally bounded."""
    return cs.GreedyBytes if limit is None else MaxLengthValidator(cs.GreedyBytes, limit)


# -- helpers ---------------------------------------------------------------------------------------

def format_rnm(rnm: str) -> str:
    """Apply note 4 to command A3h: zero-pad an RNM on the left to 16 characters.

    The field codec then pads it with spaces to 20. Longer values are returned unchanged.
    """
    return rnm.rjust(16, "0") if len(rnm) < 16 else rnm


def plain(value: Any) -> Any:
    """Turn construct containers (recursively) into plain dicts/lists, dropping private keys."""
    if isinstance(value, Mapping):
        return {k: plain(v) for k, v in value.items() if not str(k).startswith("_")}
    if isinstance(value, list):
        return [plain(v) for v in value]
    return value


def as_mapping(obj: Any) -> dict[str, Any]:
    """Fields of a dataclass instance or a mapping, as a dict (shallow)."""
    if obj is None:
        return {}
    if is_dataclass(obj) and not isinstance(obj, type):
        return {f.name: getattr(obj, f.name) for f in fields(obj)}
    if isinstance(obj, Mapping):
        return dict(obj)
    raise TypeError(f"expected a mapping or a dataclass instance, got {type(obj).__name__}")
