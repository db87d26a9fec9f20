"""«Сервер ККТ»: Incotex's server a register with an «ID КАССЫ» exchanges its goods base and sales with.

Public facts ([S4], research §4): the server's web cabinet keeps each register under a numeric id and takes
a goods file ``{"base": [{…}, …]}`` in the product-record format of the driver service (``code``,
``barcode``, ``name``, ``price`` in kopecks — written as a string —, ``section``, ``typeCode``,
``taxCode``, ``taxSystem`` with −1 for "by default", ``agentNum``…), which the register later fetches
over its own link. Everything else here is **[inferred]** and ours — the device↔server protocol, how the
ID is kept, what «СТАТУС СЕРВ. ККТ» and «ТЕСТ.СЕРВ.ККТ» show — designed so that the emulated register and
the emulated server agree (protocol-notes/incotex/server-id.md):

* goods groups: a record may name a ``group`` (an id from the file's ``groups`` list);
* per register: a group filter (``null`` = every group) and a price ``percent`` (100 = list price, less
  = discount, more = markup), applied when the register fetches its base;
* a goods file is checked whole before anything is stored: a bad record (unknown group, negative price, a
  name too long, a duplicate code…) refuses the file with :class:`GoodsBaseError` naming the record.

HTTP API of the server (JSON bodies, every answer has ``result`` and ``description`` like the service):

==========================================  =======================================================
``PUT  /api/base``                          the goods file (``groups`` and ``base``), replaced whole
``GET  /api/base``                          the goods file as stored
``PUT  /api/devices/{id}``                  a register's ``groups`` filter and ``percent``
``GET  /api/devices/{id}``                  its settings, last exchange and the sales received
``GET  /api/kkt/{id}/ping``                 the register's connection test
``GET  /api/kkt/{id}/base``                 the register's base: its groups, at its percent
``POST /api/kkt/{id}/sales``                the register sends its sales journal
==========================================  =======================================================
"""

from __future__ import annotations

import enum
from collections.abc import Iterable, Mapping
from dataclasses import dataclass, replace
from decimal import ROUND_HALF_UP, Decimal
from typing import Any

from ...errors import InvalidParameter, KktError
from .json_goods import MAX_NAME, GoodsRecord
from .json_values import JsonValueError, from_kopecks, to_kopecks

#: [S4]: goods codes the server takes
MAX_CODE = 10000
MAX_PERCENT = 1000
BASE_PATH = "/api/base"
DEVICES_PATH = "/api/devices/"
KKT_PATH = "/api/kkt/"


class ExchangeState(enum.IntEnum):
    """The register's «СТАТУС СЕРВ. ККТ» after its last exchange [inferred; wording after the device
    messages of [S9]]."""

    NEVER = 0  #: обмена не было
    OK = 1  #: обмен выполнен
    NO_ID = 2  #: ID кассы не задан
    NOT_ANSWERING = 3  #: ошибка подключения к серверу
    PROTOCOL = 4  #: ошибка протокола сервера
    REFUSED = 5  #: отказ в обработке запроса сервером (неизвестный ID)
    GOODS_REFUSED = 6  #: ошибка в базе товаров (запись названа в сообщении)


STATE_TEXT: dict[int, tuple[str, str]] = {
    ExchangeState.NEVER: ("ОБМЕНА НЕ БЫЛО", "no exchange yet"),
    ExchangeState.OK: ("ОБМЕН ВЫПОЛНЕН", "exchange done"),
    ExchangeState.NO_ID: ("ID КАССЫ НЕ ЗАДАН", "no register ID set"),
    ExchangeState.NOT_ANSWERING: ("ОШИБКА ПОДКЛ. К СЕРВЕРУ", "cannot connect to the server"),
    ExchangeState.PROTOCOL: ("ОШИБКА ПРОТОКОЛА СЕРВЕРА", "server protocol error"),
    ExchangeState.REFUSED: ("ОТКАЗ СЕРВЕРА", "the server refused the request"),
    ExchangeState.GOODS_REFUSED: ("ОШИБКА В БАЗЕ ТОВАРОВ", "error in the goods base"),
}


class GoodsBaseError(KktError, ValueError):
    """A goods file or base refused whole because of one record; ``index`` (from 1) and ``code`` name it."""

    def __init__(self, index: int, code: int | None, reason_ru: str, reason_en: str) -> None:
        where_ru = f"запись {index}" + (f" (код {code})" if code is not None else "")
        where_en = f"record {index}" + (f" (code {code})" if code is not None else "")
        super().__init__(f"{where_en}: {reason_en}", message_ru=f"{where_ru}: {reason_ru}")
        self.index = index
        self.code = code
        self.message_en = f"{where_en}: {reason_en}"

    @property
    def short_ru(self) -> str:
        """The refusal in at most 40 characters, for the register's display / an MS-K answer field."""
        return self.message_ru[:40]


@dataclass(frozen=True)
class ServerGoods:
    """A record of the server's goods file: the product and its group (``None``: no group)."""

    record: GoodsRecord
    group: int | None = None


@dataclass(frozen=True)
class DeviceSettings:
    """What the server keeps per register: the groups it gets (``None``: all) and its price percent."""

    groups: tuple[int, ...] | None = None
    percent: int = 100

    def to_json(self) -> dict[str, Any]:
        return {"groups": None if self.groups is None else list(self.groups), "percent": self.percent}

    @classmethod
    def from_json(cls, raw: Any) -> DeviceSettings:
        if not isinstance(raw, Mapping):
            raise InvalidParameter("register settings must be an object with 'groups' and 'percent'",
                                   message_ru="настройки кассы должны быть объектом с полями 'groups' и 'percent'")
        groups = raw.get("groups")
        percent = raw.get("percent", 100)
        if groups is not None and (not isinstance(groups, list) or not all(
                isinstance(g, int) and not isinstance(g, bool) for g in groups)):
            raise InvalidParameter(f"groups must be a list of group ids or null, got {groups!r}",
                                   message_ru=f"groups должен быть списком номеров групп или null, получено {groups!r}")
        if isinstance(percent, bool) or not isinstance(percent, int) or not 1 <= percent <= MAX_PERCENT:
            raise InvalidParameter(f"percent must be a whole number 1–{MAX_PERCENT}, got {percent!r}",
                                   message_ru=f"percent должен быть целым числом 1–{MAX_PERCENT}, получено {percent!r}")
        return cls(None if groups is None else tuple(groups), percent)


def _int(value: Any) -> int | None:
    if isinstance(value, bool):
        return None
    if isinstance(value, int):
        return value
    if isinstance(value, str) and value.strip().lstrip("-").isdigit():
        return int(value)
    return None


def parse_groups(raw: Any) -> dict[int, str]:
    """The file's ``groups``: ``[{"id": 1, "name": "…"}, …]`` (absent: no groups)."""
    if raw is None:
        return {}
    if not isinstance(raw, list):
        raise InvalidParameter("groups must be a list of {id, name} objects",
                               message_ru="groups должен быть списком объектов {id, name}")
    groups: dict[int, str] = {}
    for n, item in enumerate(raw, 1):
        ident = _int(item.get("id")) if isinstance(item, Mapping) else None
        name = item.get("name", "") if isinstance(item, Mapping) else None
        if ident is None or ident <= 0 or not isinstance(name, str):
            raise InvalidParameter(f"group {n}: needs a positive integer id and a name, got {item!r}",
                                   message_ru=f"группа {n}: нужны положительный целый id и название, получено {item!r}")
        if ident in groups:
            raise InvalidParameter(f"group {n}: id {ident} given twice",
                                   message_ru=f"группа {n}: id {ident} указан дважды")
        groups[ident] = name
    return groups


def parse_record(raw: Any, index: int, groups: Mapping[int, str], *, max_name: int = MAX_NAME) -> ServerGoods:
    """One record of a goods file, checked; :class:`GoodsBaseError` names it when it is bad."""
    if not isinstance(raw, Mapping):
        raise GoodsBaseError(index, None, "запись не является объектом", "the record is not an object")
    code = _int(raw.get("code"))
    if code is None:
        raise GoodsBaseError(index, None, "нет кода товара", "no goods code")
    if not 1 <= code <= MAX_CODE:
        raise GoodsBaseError(index, code, f"код вне диапазона 1–{MAX_CODE}", f"code outside 1–{MAX_CODE}")
    price = _int(raw.get("price"))
    if raw.get("price") is None or price is None:
        raise GoodsBaseError(index, code, "цена не задана числом копеек", "the price is not a number of kopecks")
    if price < 0:
        raise GoodsBaseError(index, code, f"отрицательная цена {price}", f"negative price {price}")
    name = raw.get("name")
    if not isinstance(name, str) or not name.strip():
        raise GoodsBaseError(index, code, "нет наименования", "no name")
    if len(name) > max_name:
        raise GoodsBaseError(index, code, f"наименование длиннее {max_name} символов",
                             f"the name is longer than {max_name} characters")
    group = raw.get("group")
    group_id = None
    if group is not None:
        group_id = _int(group)
        if group_id is None or group_id not in groups:
            raise GoodsBaseError(index, code, f"неизвестная группа {group!r}", f"unknown group {group!r}")
    fields = {key: value for key, value in raw.items() if key not in ("group", "agentNum")}
    if fields.get("taxSystem") in (-1, "-1"):  # [S4]: −1 = the register's default system
        fields.pop("taxSystem")
    try:
        record = GoodsRecord.from_json(fields)
        record.validate()
        if record.price is not None and record.price > from_kopecks(2147483600):
            raise InvalidParameter("the price is too large", message_ru="цена слишком велика")
    except (JsonValueError, InvalidParameter) as exc:
        raise GoodsBaseError(index, code, f"недопустимое значение: {exc}", f"invalid value: {exc}") from exc
    return ServerGoods(record, group_id)


def parse_goods_file(raw: Any, *, max_name: int = MAX_NAME) -> tuple[dict[int, str], list[ServerGoods]]:
    """A whole goods file ``{"groups": [...], "base": [...]}``, every record checked before anything is
    kept (duplicate codes too)."""
    if not isinstance(raw, Mapping) or not isinstance(raw.get("base"), list):
        raise InvalidParameter('a goods file is {"base": [ … ]} (with an optional "groups" list)',
                               message_ru='файл товаров имеет вид {"base": [ … ]} (с необязательным списком "groups")')
    groups = parse_groups(raw.get("groups"))
    goods: list[ServerGoods] = []
    seen: set[int] = set()
    for index, item in enumerate(raw["base"], 1):
        parsed = parse_record(item, index, groups, max_name=max_name)
        if parsed.record.code in seen:
            raise GoodsBaseError(index, parsed.record.code, "код товара повторяется", "the goods code is repeated")
        seen.add(parsed.record.code)
        goods.append(parsed)
    return groups, goods


def reprice(price: Decimal, percent: int) -> Decimal:
    """``price`` at ``percent`` of itself, rounded half up to the kopeck."""
    kopecks = (Decimal(to_kopecks(price)) * percent / 100).quantize(Decimal(1), rounding=ROUND_HALF_UP)
    return from_kopecks(int(kopecks))


def goods_for_device(goods: Iterable[ServerGoods], settings: DeviceSettings) -> list[GoodsRecord]:
    """The base a register gets: the records of its groups (a record without a group goes only to registers
    that take every group), each at the register's percent."""
    out: list[GoodsRecord] = []
    for item in goods:
        if settings.groups is not None and item.group not in settings.groups:
            continue
        record = item.record
        if record.price is not None and settings.percent != 100:
            record = replace(record, price=reprice(record.price, settings.percent))
        out.append(record)
    return out


def record_to_file(item: ServerGoods) -> dict[str, Any]:
    """A stored record as the server writes it: [S4]'s form, price as a string of kopecks."""
    out = item.record.to_json()
    if "price" in out:
        out["price"] = str(out["price"])
    if item.group is not None:
        out["group"] = item.group
    return out


def check_device_base(records: Iterable[Any], *, max_name: int) -> list[GoodsRecord]:
    """What a register does with the base it fetched: every record checked against its own limits before
    the base is replaced (nothing half-loaded); :class:`GoodsBaseError` names the first bad one."""
    out: list[GoodsRecord] = []
    seen: set[int] = set()
    for index, raw in enumerate(records, 1):
        parsed = parse_record(raw, index, {}, max_name=max_name)
        if parsed.record.code in seen:
            raise GoodsBaseError(index, parsed.record.code, "код товара повторяется", "the goods code is repeated")
        seen.add(parsed.record.code)
        out.append(parsed.record)
    return out
