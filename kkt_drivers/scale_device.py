"""The small scale protocol every scale family implements; :mod:`kkt_drivers.scale` builds the facade on it.

A scale family's driver subclasses :class:`ScaleDevice` (as a register's subclasses
:class:`~kkt_drivers.register.FiscalRegister`). Every scale reads its weight (:meth:`ScaleDevice.read_weight`);
the rest — тара, установка нуля, the goods memory (ПЛУ) of a label scale — is optional: a family that lacks an
operation keeps the base method, which raises :class:`~kkt_drivers.errors.NotSupported` before a byte is sent,
and leaves it out of ``capabilities``. ``tests/unit/scales/test_scale_neutral.py`` checks that the two agree.

Goods go to a label scale as :class:`Goods`. What a family's PLU record can hold is data
(:class:`LabelLimits`): :func:`validate_goods` checks goods against it and names the item that does not fit,
so an upload can refuse bad goods before anything is written.
"""

from __future__ import annotations

import abc
from collections.abc import Sequence
from dataclasses import dataclass, fields
from decimal import Decimal
from typing import ClassVar

from .device import DeviceDriver
from .errors import InvalidParameter


class ScaleOp:
    """Operation names, as listed in a scale family's ``capabilities``."""

    WEIGH = "weigh"
    TARE = "tare"  # тарировать: take the load on the platform as tare
    SET_TARE = "set_tare"  # set a tare of a given weight
    ZERO = "zero"  # установить ноль
    PLU_WRITE = "plu_write"
    PLU_READ = "plu_read"
    PLU_DELETE = "plu_delete"
    PLU_CLEAR = "plu_clear"

    ALL: ClassVar[tuple[str, ...]] = (WEIGH, TARE, SET_TARE, ZERO, PLU_WRITE, PLU_READ, PLU_DELETE, PLU_CLEAR)


#: the operation behind each optional method (``read_weight`` is mandatory: every scale weighs)
METHOD_OPERATIONS: dict[str, str] = {
    "tare": ScaleOp.TARE, "set_tare": ScaleOp.SET_TARE, "zero": ScaleOp.ZERO, "write_plu": ScaleOp.PLU_WRITE,
    "read_plu": ScaleOp.PLU_READ, "delete_plu": ScaleOp.PLU_DELETE, "clear_plu": ScaleOp.PLU_CLEAR,
}


@dataclass(frozen=True)
class Weight:
    """One reading of the scale.

    ``value`` is the weight shown (net when a tare is set), in ``unit``; ``None`` when the scale is
    overloaded (перегрузка: the load exceeds НПВ) and shows no number. ``tare`` is the tare in effect in the
    same unit (``None`` when the scale does not report it). ``net`` says a tare is set (режим НЕТТО),
    ``zero`` that the scale shows its zero indicator (>0<).
    """

    value: Decimal | None
    unit: str = "kg"
    stable: bool = False
    tare: Decimal | None = None
    overload: bool = False
    net: bool = False
    zero: bool = False


@dataclass(frozen=True)
class Goods:
    """A goods record (ПЛУ) for a label scale.

    ``price`` is in kopecks — per kilogram for weighed goods, per piece when ``piece`` is set. ``code`` is the
    item code the scale prints in the label's barcode (1С «Код»); ``shelf_life_days`` the срок годности
    (0: none), ``tare_g`` a preset tare, ``group`` the group code, ``message`` the number of a text message
    printed on the label (0: none).
    """

    plu: int
    name: str
    price: int
    code: int = 0
    shelf_life_days: int = 0
    tare_g: int = 0
    group: int = 0
    message: int = 0
    piece: bool = False


GOODS_FIELDS: tuple[str, ...] = tuple(f.name for f in fields(Goods))


@dataclass(frozen=True)
class LabelLimits:
    """What a family's PLU record holds: ranges of the numbers, and the name as ``name_lines`` lines of
    ``line_bytes`` bytes each in ``encoding``. A value outside these never reaches the scale."""

    plu_min: int = 1
    plu_max: int = 9999
    name_lines: int = 2
    line_bytes: int = 28
    encoding: str = "cp1251"
    price_max: int = 999_999
    code_max: int = 999_999
    shelf_life_max: int = 999
    tare_max_g: int = 0xFFFF
    group_max: int = 999_999
    message_max: int = 0xFFFF
    #: the record has a piece-goods flag (штучный товар)
    piece_goods: bool = True


class InvalidGoods(InvalidParameter):
    """Goods a label scale cannot store. ``plu``, ``name`` and ``index`` (its position in the upload, when
    known) name the item; ``field`` the part that does not fit."""

    def __init__(self, goods: Goods | None, field: str, problem: str, *, index: int | None = None) -> None:
        where = "goods" if index is None else f"goods #{index + 1}"
        if goods is not None:
            where += f" (PLU {goods.plu}, {goods.name!r})"
        super().__init__(f"{where}: {field} {problem}",
                         message_ru=f"товар {'' if index is None else f'№{index + 1} '}"
                                    f"{'' if goods is None else f'(ПЛУ {goods.plu}, «{goods.name}») '}"
                                    f"не может быть записан в весы: {field} {problem}")
        self.goods = goods
        self.plu = None if goods is None else goods.plu
        self.field = field
        self.problem = problem
        self.index = index

    def at(self, index: int) -> InvalidGoods:
        """The same error, naming the item's position in an upload."""
        return InvalidGoods(self.goods, self.field, self.problem, index=index)


def split_name(name: str, limits: LabelLimits, goods: Goods | None = None) -> tuple[str, ...]:
    """The goods name laid out over the record's name lines: words are kept whole where they fit; a word
    longer than a line is cut. Raises :class:`InvalidGoods` when the name does not fit or has a character the
    scale's code page lacks. Returns exactly ``limits.name_lines`` strings (unused lines empty)."""
    size, encoding = limits.line_bytes, limits.encoding
    try:
        name.encode(encoding)
    except UnicodeEncodeError as exc:
        raise InvalidGoods(goods, "name", f"has {name[exc.start:exc.end]!r}, which the scale's code page "
                                          f"({encoding}) lacks") from None
    if any(ord(c) < 0x20 for c in name):
        raise InvalidGoods(goods, "name", "has a control character")

    def width(text: str) -> int:
        return len(text.encode(encoding))

    lines: list[str] = []
    current = ""
    for word in name.split():
        candidate = f"{current} {word}" if current else word
        if width(candidate) <= size:
            current = candidate
            continue
        if current:
            lines.append(current)
        while width(word) > size:  # a word longer than a line: cut it
            cut = size
            while width(word[:cut]) > size:
                cut -= 1
            lines.append(word[:cut])
            word = word[cut:]
        current = word
    if current:
        lines.append(current)
    if len(lines) > limits.name_lines:
        raise InvalidGoods(goods, "name", f"needs {len(lines)} lines of {size} bytes; the scale's record has "
                                          f"{limits.name_lines}")
    return tuple(lines + [""] * (limits.name_lines - len(lines)))


def _check_int(goods: Goods, field: str, value: object, low: int, high: int, unit: str = "") -> None:
    if isinstance(value, bool) or not isinstance(value, int):
        raise InvalidGoods(goods, field, f"must be an integer, not {value!r}")
    if not low <= value <= high:
        suffix = f" {unit}" if unit else ""
        raise InvalidGoods(goods, field, f"{value}{suffix} is outside the scale's range {low}..{high}{suffix}")


def validate_goods(goods: Goods, limits: LabelLimits) -> None:
    """Raise :class:`InvalidGoods` naming the item and its field when ``goods`` does not fit ``limits``."""
    if not isinstance(goods, Goods):
        raise InvalidGoods(None, "record", f"must be Goods, not {type(goods).__name__}")
    _check_int(goods, "plu", goods.plu, limits.plu_min, limits.plu_max)
    if not isinstance(goods.name, str) or not goods.name.strip():
        raise InvalidGoods(goods, "name", "is empty")
    split_name(goods.name, limits, goods)
    _check_int(goods, "price", goods.price, 0, limits.price_max, "kopecks")
    _check_int(goods, "code", goods.code, 0, limits.code_max)
    _check_int(goods, "shelf_life_days", goods.shelf_life_days, 0, limits.shelf_life_max, "days")
    _check_int(goods, "tare_g", goods.tare_g, 0, limits.tare_max_g, "g")
    _check_int(goods, "group", goods.group, 0, limits.group_max)
    _check_int(goods, "message", goods.message, 0, limits.message_max)
    if not isinstance(goods.piece, bool):
        raise InvalidGoods(goods, "piece", f"must be true or false, not {goods.piece!r}")
    if goods.piece and not limits.piece_goods:
        raise InvalidGoods(goods, "piece", "is set, but the scale's record has no piece-goods flag")


def validate_upload(goods: Sequence[Goods], check: ScaleDevice) -> None:
    """Check a whole upload before anything is sent: each item against the device (its limits and its own
    codec), and no PLU twice. The error names the first item that fails, with its position."""
    seen: dict[int, int] = {}
    for index, item in enumerate(goods):
        try:
            check.check_goods(item)
        except InvalidGoods as exc:
            raise exc.at(index) from None
        if item.plu in seen:
            raise InvalidGoods(item, "plu", f"is also used by goods #{seen[item.plu] + 1}", index=index)
        seen[item.plu] = index


class ScaleDevice(DeviceDriver):
    """A scale of some family, spoken to in that family's protocol."""

    kind: ClassVar[str] = "scale"
    #: what the goods memory holds, for a label scale (``None`` for a scale without one)
    label_limits: LabelLimits | None = None

    @abc.abstractmethod
    def read_weight(self) -> Weight:
        """Текущая масса: one reading, stable or not."""

    def tare(self) -> None:
        """Тарировать: the load on the platform becomes the tare (the scale's TARE key)."""
        raise self.unsupported(ScaleOp.TARE)

    def set_tare(self, tare: Decimal) -> None:
        """Set a tare of ``tare`` kilograms (0 clears it)."""
        raise self.unsupported(ScaleOp.SET_TARE)

    def zero(self) -> None:
        """Установить ноль (>0<)."""
        raise self.unsupported(ScaleOp.ZERO)

    def write_plu(self, goods: Goods) -> None:
        """Write one goods record (ПЛУ) to the scale's memory, replacing what that PLU held."""
        raise self.unsupported(ScaleOp.PLU_WRITE)

    def read_plu(self, plu: int) -> Goods | None:
        """Read a goods record back; ``None`` for an empty PLU."""
        raise self.unsupported(ScaleOp.PLU_READ)

    def delete_plu(self, plu: int) -> None:
        """Delete one goods record."""
        raise self.unsupported(ScaleOp.PLU_DELETE)

    def clear_plu(self) -> None:
        """Delete every goods record in one command."""
        raise self.unsupported(ScaleOp.PLU_CLEAR)

    def check_goods(self, goods: Goods) -> None:
        """Raise :class:`InvalidGoods` when ``goods`` cannot be written to this scale (families add the checks
        of their own record codec). Sends nothing."""
        if self.label_limits is None:
            raise self.unsupported(ScaleOp.PLU_WRITE)
        validate_goods(goods, self.label_limits)
