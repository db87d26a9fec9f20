"""construct fields of the Shtrih-M protocol.

Every number is binary, least significant byte first (vendor protocol v2.0, «Формат передачи значений»):
money in kopecks («МДЕ») in 5 bytes, classic quantities ×1000 in 5 bytes, the 0xFF46 quantity ×10⁶ in 6 bytes.
A register date is ``ДД ММ ГГ`` and a time ``ЧЧ ММ СС``; the ФН commands use ``ГГ ММ ДД`` and the 5-byte
``ГГ ММ ДД ЧЧ ММ``. Text is Windows-1251; a text field is NUL-padded to its minimum length (40 characters for
the classic receipt commands) and a received text ends at its first NUL.
"""

from __future__ import annotations

import codecs
from typing import Any

import construct as cs

ENCODING = "cp1251"

# construct looks encodings up in a module-level table; register ours once, here.
cs.possiblestringencodings[ENCODING] = 1

#: 5-byte money (kopecks) or classic quantity (×1000), unsigned
Money = cs.BytesInteger(5, swapped=True)
#: 6-byte quantity of 0xFF46 (×10⁶), unsigned
Quantity6 = cs.BytesInteger(6, swapped=True)
#: value of a 5-byte field that means «not given» (0xFF46 sum and tax: FF FF FF FF FF)
NOT_GIVEN = 0xFF_FFFF_FFFF

#: ДД ММ ГГ (register date)
Date = cs.Struct("day" / cs.Int8ul, "month" / cs.Int8ul, "year" / cs.Int8ul)
#: ЧЧ ММ СС (register time)
Time = cs.Struct("hour" / cs.Int8ul, "minute" / cs.Int8ul, "second" / cs.Int8ul)
#: ГГ ММ ДД (ФН date)
FnDate = cs.Struct("year" / cs.Int8ul, "month" / cs.Int8ul, "day" / cs.Int8ul)
#: ГГ ММ ДД ЧЧ ММ (ФН date and time)
FnDateTime = cs.Struct("year" / cs.Int8ul, "month" / cs.Int8ul, "day" / cs.Int8ul,
                       "hour" / cs.Int8ul, "minute" / cs.Int8ul)


def read_text(data: bytes) -> str:
    """Decode a received text field (it ends at the first NUL); construct errors, for compiled schemas."""
    try:
        return codecs.decode(data.split(b"\x00", 1)[0], ENCODING)
    except UnicodeDecodeError as exc:  # cp1251 leaves 0x98 undefined
        raise cs.StringError(str(exc)) from exc


def write_text(value: object, minimum: int, maximum: int | None) -> bytes:
    """Encode a text field, NUL-padded to ``minimum``; construct errors, for compiled schemas."""
    if not isinstance(value, str):
        raise cs.StringError(f"text expected, got {type(value).__name__}")
    try:
        raw = codecs.encode(value, ENCODING)
    except UnicodeEncodeError as exc:
        raise cs.StringError(f"{value!r} is not encodable in {ENCODING}: {exc}") from exc
    if b"\x00" in raw:
        raise cs.StringError("a text field cannot hold NUL (it ends the string on the device)")
    if maximum is not None and len(raw) > maximum:
        raise cs.StringError(f"text of {len(raw)} bytes exceeds {maximum}")
    return raw.ljust(minimum, b"\x00")


class TextAdapter(cs.Adapter):  # type: ignore[misc]
    """A Windows-1251 text that takes the rest of the message: NUL-padded to ``minimum`` on build.

    Compiles inline, like :class:`kkt_drivers.protocols.common.bcd.BcdAdapter`.
    """

    def __init__(self, minimum: int = 0, maximum: int | None = None) -> None:
        super().__init__(cs.GreedyBytes)
        self.minimum = minimum
        self.maximum = maximum

    def _decode(self, obj: bytes, context: Any, path: str) -> str:
        return read_text(obj)

    def _encode(self, obj: Any, context: Any, path: str) -> bytes:
        return write_text(obj, self.minimum, self.maximum)

    def _emitparse(self, code: Any) -> str:
        code.append("from kkt_drivers.protocols.shtrih.fields import read_text as _sh_read_text")
        return "_sh_read_text(io.read())"

    def _emitbuild(self, code: Any) -> str:
        code.append("from kkt_drivers.protocols.shtrih.fields import write_text as _sh_write_text")
        return f"(io.write(_sh_write_text(obj, {self.minimum}, {self.maximum!r})), obj)[1]"


def Text(minimum: int = 0, maximum: int | None = None) -> TextAdapter:  # noqa: N802 - construct naming style
    """Shorthand for :class:`TextAdapter`; must be the last field of its message."""
    return TextAdapter(minimum, maximum)


class TailAdapter(cs.Subconstruct):  # type: ignore[misc]
    """A field that only some firmware appends at the end of an answer: parsed when the input still holds it,
    ``None`` otherwise; built only when not ``None``.

    construct's ``Optional`` would do, but it is a ``Select`` whose alternatives the size pre-check of
    :class:`~kkt_drivers.protocols.spec.CommandSpec` adds up; this one declares no fixed size.
    """

    def _parse(self, stream: Any, context: Any, path: str) -> Any:
        fallback = cs.stream_tell(stream, path)
        try:
            return self.subcon._parsereport(stream, context, path)
        except cs.ExplicitError:
            raise
        except cs.ConstructError:
            cs.stream_seek(stream, fallback, 0, path)
            return None

    def _build(self, obj: Any, stream: Any, context: Any, path: str) -> Any:
        if obj is None:
            return None
        return self.subcon._build(obj, stream, context, path)

    def _sizeof(self, context: Any, path: str) -> int:
        raise cs.SizeofError("an optional tail has no fixed size", path=path)


def Tail(subcon: cs.Construct) -> TailAdapter:  # noqa: N802 - construct naming style
    """Shorthand for :class:`TailAdapter`; only at the end of a message."""
    return TailAdapter(subcon)


def FixedText(size: int) -> cs.Construct:  # noqa: N802 - construct naming style
    """A Windows-1251 text of exactly ``size`` bytes, NUL-padded (ИНН, РНМ, номер ФН)."""
    return cs.PaddedString(size, ENCODING)
