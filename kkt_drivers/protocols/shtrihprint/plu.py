"""Штрих-Принт PLU record («ПЛУ расширенного формата»): 82 bytes after the password of 57h, ×N in 55h,
and (without the PLU number) the 80 data bytes of the 58h reply.

=====  ====  ==================================================================================
 off   size  field
=====  ====  ==================================================================================
   0      2  номер ПЛУ, 1..[размер таблицы товаров]
   2      4  код товара, 1..999999
   6     28  наименование товара, строка 1 (WIN1251)
  34     28  наименование товара, строка 2
  62      3  цена, МДЕ (копейки), 0..999999
  65      1  v1.3: the high byte of a 4-byte price (always 0 within 0..999999);
             v1.6: приоритетный формат этикетки / структура ШК, one nibble each (nibble order unknown)
  66      2  срок годности, дни, 0..9999 (0 — без срока)
  68      2  тара, г, 0..НПВ/10
  70      2  групповой код, 0..9999 (v1.6: or a packed production date, by a scale setting)
  72      2  номер сообщения, 0 (нет)..[размер таблицы сообщений]
  74      1  bit 7 — штучный товар; bits 0..6 — номер изображения 0..2 (v1.6: bits 0..3 a mask of
             images 1..4, bits 4..6 the barcode prefix type)
  75      4  код РОСТЕСТ, 4 ASCII characters
  79      3  дата реализации ДД ММ ГГ (binary), 00 00 00 — none
=====  ====  ==================================================================================

Integers are little-endian. With the v1.6-only fields at 0 the record is the same byte for byte in
both versions; that is what :func:`encode_record` sends by default. :data:`PLU_LIMITS` exposes the
ranges as data so a driver can check goods before sending; :func:`validate` raises
:class:`PluFieldError` naming the field.
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Mapping
from dataclasses import dataclass
from types import MappingProxyType
from typing import Any

import construct as cs

from ...errors import InvalidParameter, ProtocolError

RECORD_SIZE = 82
READBACK_SIZE = 80
NAME_BYTES = 28
ROSTEST_BYTES = 4
TEXT_ENCODING = "cp1251"
#: padding of the text fields. The vendor's description does not say; one client pads with NUL, another
#: with spaces, and decoders here strip both [inf].
PAD = b"\x00"

_TAIL_FIELDS = (
    "item_code" / cs.Int32ul,
    "name1" / cs.Bytes(NAME_BYTES),
    "name2" / cs.Bytes(NAME_BYTES),
    "price" / cs.Int24ul,
    "preferences" / cs.Int8ul,
    "shelf_life" / cs.Int16ul,
    "tare" / cs.Int16ul,
    "group_code" / cs.Int16ul,
    "message" / cs.Int16ul,
    "flags" / cs.Int8ul,
    "rostest" / cs.Bytes(ROSTEST_BYTES),
    "sale_day" / cs.Int8ul,
    "sale_month" / cs.Int8ul,
    "sale_year" / cs.Int8ul,
)
RECORD = cs.Struct("plu" / cs.Int16ul, *_TAIL_FIELDS)
READBACK = cs.Struct(*_TAIL_FIELDS)


def _compiled(schema: cs.Construct) -> Any:
    try:
        return schema.compile()
    except Exception:  # pragma: no cover - construct versions that cannot compile run interpreted
        return schema


_RECORD = _compiled(RECORD)
_READBACK = _compiled(READBACK)


@dataclass(frozen=True, slots=True)
class FieldLimit:
    """The allowed range of one field. ``device_bound`` names the device setting that narrows ``maximum``
    (read it from the scale: 11h status or D0h/D1h); ``source`` is ``"spec v1.3"`` or ``"v1.6 [1src]"``."""

    field: str
    minimum: int
    maximum: int
    unit: str = ""
    device_bound: str = ""
    source: str = "spec v1.3"


PLU_LIMITS: Mapping[str, FieldLimit] = MappingProxyType({limit.field: limit for limit in (
    FieldLimit("plu", 1, 0xFFFF, device_bound="plu_table_size"),
    FieldLimit("item_code", 1, 999_999),
    FieldLimit("name1", 0, NAME_BYTES, unit="bytes cp1251"),
    FieldLimit("name2", 0, NAME_BYTES, unit="bytes cp1251"),
    FieldLimit("price", 0, 999_999, unit="kopecks"),
    FieldLimit("shelf_life_days", 0, 9_999, unit="days"),
    FieldLimit("tare_g", 0, 0xFFFF, unit="g", device_bound="max_capacity_kg * 100 (НПВ/10)"),
    FieldLimit("group_code", 0, 9_999),
    FieldLimit("message", 0, 0xFFFF, device_bound="message_table_size"),
    FieldLimit("image", 0, 2),
    FieldLimit("rostest", 0, ROSTEST_BYTES, unit="ASCII characters"),
    FieldLimit("label_format", 0, 15, source="v1.6 [1src]"),
    FieldLimit("barcode_structure", 0, 15, source="v1.6 [1src]"),
    FieldLimit("prefix_type", 0, 4, source="v1.6 [1src]"),
)})


class PluFieldError(InvalidParameter):
    """A PLU field is outside its limit; ``field`` names it (as in :data:`PLU_LIMITS`)."""

    def __init__(self, field: str, message: str) -> None:
        super().__init__(f"PLU field {field}: {message}")
        self.field = field


@dataclass(frozen=True, slots=True)
class PluRecord:
    """A goods record (ПЛУ) of a Штрих-Принт scale. ``price`` is in kopecks (МДЕ).

    ``sale_date`` (дата реализации) with ``shelf_life_days`` 0 is a fixed sell-by date; a non-zero shelf
    life counts from the packing date, or from ``sale_date`` when one is given.
    """

    plu: int
    item_code: int
    name1: str
    name2: str = ""
    price: int = 0
    shelf_life_days: int = 0
    tare_g: int = 0
    group_code: int = 0
    message: int = 0
    piece: bool = False
    image: int = 0
    rostest: str = ""
    sale_date: dt.date | None = None
    label_format: int = 0
    barcode_structure: int = 0
    prefix_type: int = 0


def _text(value: str, name: str, size: int, encoding: str) -> bytes:
    try:
        data = value.encode(encoding)
    except UnicodeEncodeError as exc:
        raise PluFieldError(name, f"{value!r} has a character outside {encoding}: {exc.reason}") from None
    if len(data) > size:
        raise PluFieldError(name, f"{len(data)} bytes, at most {size} fit")
    return data.ljust(size, PAD)


def _untext(data: bytes, encoding: str) -> str:
    return data.rstrip(b"\x00 ").decode(encoding, errors="replace")


def _check_range(name: str, value: int, maximum: int | None = None) -> None:
    limit = PLU_LIMITS[name]
    top = limit.maximum if maximum is None else min(limit.maximum, maximum)
    if isinstance(value, bool) or not isinstance(value, int):
        raise PluFieldError(name, f"must be an integer, got {value!r}")
    if not limit.minimum <= value <= top:
        raise PluFieldError(name, f"{value} is outside {limit.minimum}..{top}")


def validate(record: PluRecord, *, plu_table_size: int | None = None, message_table_size: int | None = None,
             max_capacity_kg: int | None = None) -> None:
    """Check every field against :data:`PLU_LIMITS` (narrowed by the device's sizes when given)."""
    _check_range("plu", record.plu, plu_table_size)
    _check_range("item_code", record.item_code)
    _text(record.name1, "name1", NAME_BYTES, TEXT_ENCODING)
    _text(record.name2, "name2", NAME_BYTES, TEXT_ENCODING)
    _check_range("price", record.price)
    _check_range("shelf_life_days", record.shelf_life_days)
    _check_range("tare_g", record.tare_g, None if max_capacity_kg is None else max_capacity_kg * 100)
    _check_range("group_code", record.group_code)
    _check_range("message", record.message, message_table_size)
    _check_range("image", record.image)
    _text(record.rostest, "rostest", ROSTEST_BYTES, "ascii")
    for name in ("label_format", "barcode_structure", "prefix_type"):
        _check_range(name, getattr(record, name))
    if record.sale_date is not None and not 2000 <= record.sale_date.year <= 2099:
        raise PluFieldError("sale_date", f"year {record.sale_date.year} is outside 2000..2099")


def _fields(record: PluRecord) -> dict[str, Any]:
    date = record.sale_date
    return {
        "plu": record.plu,
        "item_code": record.item_code,
        "name1": _text(record.name1, "name1", NAME_BYTES, TEXT_ENCODING),
        "name2": _text(record.name2, "name2", NAME_BYTES, TEXT_ENCODING),
        "price": record.price,
        # v1.6 nibble order is not confirmed; we put the label format in the low nibble like the one client
        "preferences": record.label_format | (record.barcode_structure << 4),
        "shelf_life": record.shelf_life_days,
        "tare": record.tare_g,
        "group_code": record.group_code,
        "message": record.message,
        "flags": (0x80 if record.piece else 0) | (record.prefix_type << 4) | record.image,
        "rostest": _text(record.rostest, "rostest", ROSTEST_BYTES, "ascii"),
        "sale_day": date.day if date else 0,
        "sale_month": date.month if date else 0,
        "sale_year": date.year % 100 if date else 0,
    }


def encode_record(record: PluRecord, **device_limits: int | None) -> bytes:
    """The 82-byte record; validates first (``device_limits``: see :func:`validate`)."""
    validate(record, **device_limits)
    data: bytes = _RECORD.build(_fields(record))
    return data


def _decode(parsed: Any, plu: int) -> PluRecord:
    day, month, year = parsed.sale_day, parsed.sale_month, parsed.sale_year
    sale_date: dt.date | None = None
    if (day, month, year) != (0, 0, 0):
        try:
            sale_date = dt.date(2000 + year, month, day)
        except ValueError:
            raise ProtocolError(f"PLU {plu}: sale date {day:02d}.{month:02d}.{year:02d} is no date",
                                message_ru=f"PLU {plu}: дата продажи {day:02d}.{month:02d}.{year:02d} — не "
                                           "дата") from None
    flags = parsed.flags
    return PluRecord(
        plu=plu,
        item_code=parsed.item_code,
        name1=_untext(parsed.name1, TEXT_ENCODING),
        name2=_untext(parsed.name2, TEXT_ENCODING),
        price=parsed.price,
        shelf_life_days=parsed.shelf_life,
        tare_g=parsed.tare,
        group_code=parsed.group_code,
        message=parsed.message,
        piece=bool(flags & 0x80),
        image=flags & 0x0F,
        rostest=_untext(parsed.rostest, "ascii"),
        sale_date=sale_date,
        label_format=parsed.preferences & 0x0F,
        barcode_structure=parsed.preferences >> 4,
        prefix_type=(flags >> 4) & 0x07,
    )


def decode_record(data: bytes) -> PluRecord:
    """The record in 82 bytes (as sent with 57h). Values are not range-checked: a device may hold anything."""
    if len(data) != RECORD_SIZE:
        raise ProtocolError(f"PLU record must be {RECORD_SIZE} bytes, got {len(data)}",
                            message_ru=f"запись PLU должна занимать {RECORD_SIZE} байт, получено {len(data)}")
    parsed = _RECORD.parse(data)
    return _decode(parsed, parsed.plu)


def decode_readback(plu: int, data: bytes) -> PluRecord:
    """The record in the 80 data bytes of a 58h reply (the PLU number is the one asked for)."""
    if len(data) != READBACK_SIZE:
        raise ProtocolError(f"PLU read-back must be {READBACK_SIZE} bytes, got {len(data)}",
                            message_ru=f"обратное чтение PLU должно занимать {READBACK_SIZE} байт, получено "
                                       f"{len(data)}")
    return _decode(_READBACK.parse(data), plu)


def encode_readback(record: PluRecord) -> bytes:
    """The 80 data bytes of a 58h reply (device side)."""
    return encode_record(record)[2:]


def split_name(text: str, *, size: int = NAME_BYTES) -> tuple[str, str]:
    """Split a goods name over the two name lines at a space where possible; PluFieldError if it cannot fit."""
    words = text.split()
    first = ""
    while words and len((first + " " + words[0]).strip().encode(TEXT_ENCODING, errors="replace")) <= size:
        first = (first + " " + words.pop(0)).strip()
    if not first and words:  # one word longer than a line: cut it
        encoded = text.strip()
        first, rest = encoded[:size], encoded[size:]
        words = rest.split()
    second = " ".join(words)
    _text(first, "name1", size, TEXT_ENCODING)
    _text(second, "name2", size, TEXT_ENCODING)
    return first, second
