"""The goods-base record («база товаров») of the INECRMAN JSON protocol.

Written by WriteGoodsBase (``base: [...]``) and ConvertBaseToBin, read back by GetGoodsBase; the
«Сервер ККТ» web cabinet takes the same field names in its upload file ([S4]). Field names,
defaults and limits follow [S1] ``Product``: ``code`` (unsigned, required), ``name`` ≤ 56
characters, ``price`` in kopecks (0…21 474 836 roubles), ``customsDeclaration`` ≤ 32 characters,
``section`` 1–16 (default 1), ``typeCode`` default 1 (товар), ``undivided`` default true
(штучный), ``taxCode`` default 6 (без НДС), ``marked`` default false. ``blocked``, ``alcohol``,
``volume`` (ml) and ``jewelry`` appear in a later [S1] revision (goods base 0.5/0.6); their exact
semantics are [inferred] from the names.

[S1] writes ``barcode`` as a JSON number; [S4]'s server reader and writer take a number too, and
``price`` as a string — :meth:`GoodsRecord.from_json` accepts both forms.
"""

from __future__ import annotations

import enum
from dataclasses import dataclass
from decimal import Decimal
from typing import Any

from ...errors import InvalidParameter
from .json_enums import AgentCode, MeasureUnit, ProductType, TaxCode, TaxSystem
from .json_values import JsonValueError, from_kopecks, to_kopecks

MAX_NAME = 56
MAX_CUSTOMS_DECLARATION = 32


def _opt_bool(raw: dict[str, Any], key: str) -> bool | None:
    value = raw.get(key)
    if value is None or isinstance(value, bool):
        return value
    raise JsonValueError(f"goods {key}: expected true/false, got {value!r}",
                         message_ru=f"товар, {key}: ожидалось true/false, получено {value!r}")


def _opt_int(raw: dict[str, Any], key: str) -> int | None:
    value = raw.get(key)
    if value is None:
        return None
    if isinstance(value, bool) or not isinstance(value, (int, str)) or (
            isinstance(value, str) and not value.strip().isdigit()):
        raise JsonValueError(f"goods {key}: expected an integer, got {value!r}",
                             message_ru=f"товар, {key}: ожидалось целое число, получено {value!r}")
    return int(value)


def _opt_str(raw: dict[str, Any], key: str) -> str | None:
    value = raw.get(key)
    if value is None or isinstance(value, str):
        return value
    raise JsonValueError(f"goods {key}: expected a string, got {value!r}",
                         message_ru=f"товар, {key}: ожидалась строка, получено {value!r}")


@dataclass(frozen=True)
class GoodsRecord:
    """One product of the register's goods base."""

    code: int
    name: str | None = None
    price: Decimal | None = None
    barcode: str | None = None
    excise_amount: Decimal | None = None
    country_of_origin: str | None = None
    customs_declaration: str | None = None
    marked: bool = False
    section: int = 1
    type_code: int = ProductType.COMMODITY
    undivided: bool = True
    measure_unit: int | None = None
    parts_count: int | None = None
    part_price: Decimal | None = None
    tax_system: int | None = None
    tax_code: int = TaxCode.NO_VAT
    agent: int | None = None
    blocked: bool | None = None
    alcohol: bool | None = None
    volume: int | None = None
    jewelry: bool | None = None

    def validate(self) -> None:
        if isinstance(self.code, bool) or not isinstance(self.code, int) or not 0 <= self.code <= 0xFFFFFFFF:
            raise InvalidParameter(f"goods code must be an unsigned 32-bit integer, got {self.code!r}",
                                   message_ru="код товара должен быть беззнаковым 32-битным целым, получено "
                                              f"{self.code!r}")
        if self.name is not None and len(self.name) > MAX_NAME:
            raise InvalidParameter(f"goods name longer than {MAX_NAME} characters: {self.name!r}",
                                   message_ru=f"название товара длиннее {MAX_NAME} символов: {self.name!r}")
        if self.customs_declaration is not None and len(self.customs_declaration) > MAX_CUSTOMS_DECLARATION:
            raise InvalidParameter(f"customs declaration longer than {MAX_CUSTOMS_DECLARATION} characters",
                                   message_ru=f"таможенная декларация длиннее {MAX_CUSTOMS_DECLARATION} символов")
        if not 1 <= self.section <= 16:
            raise InvalidParameter(f"section must be 1–16, got {self.section}",
                                   message_ru=f"отдел (секция) должен быть 1–16, получено {self.section}")
        if self.barcode is not None and not (self.barcode.isdigit() and self.barcode.isascii()
                                             and len(self.barcode) <= 18):
            raise InvalidParameter(f"barcode must be digits (sent as a JSON number), got {self.barcode!r}",
                                   message_ru="штрихкод должен состоять из цифр (передаётся числом JSON), получено "
                                              f"{self.barcode!r}")
        enums: tuple[tuple[str, int | None, type[enum.IntEnum]], ...] = (
            ("typeCode", self.type_code, ProductType), ("measureUnit", self.measure_unit, MeasureUnit),
            ("taxSystem", self.tax_system, TaxSystem), ("taxCode", self.tax_code, TaxCode),
            ("agent", self.agent, AgentCode))
        for key, value, kind in enums:
            if value is not None and value not in {int(member) for member in kind}:
                raise InvalidParameter(f"goods {key}: {value} is not a known {kind.__name__}",
                                       message_ru=f"товар, {key}: {value} — неизвестное значение {kind.__name__}")

    def to_json(self) -> dict[str, Any]:
        """The camelCase object the driver takes; ``None`` fields are left out, as [S1] does."""
        self.validate()
        out: dict[str, Any] = {
            "code": self.code,
            "barcode": int(self.barcode) if self.barcode is not None else None,
            "name": self.name,
            "price": to_kopecks(self.price) if self.price is not None else None,
            "exciseAmount": to_kopecks(self.excise_amount, minimum=Decimal("0.01"))
            if self.excise_amount is not None else None,
            "countryOfOrigin": self.country_of_origin,
            "customsDeclaration": self.customs_declaration,
            "marked": self.marked,
            "section": self.section,
            "typeCode": int(self.type_code),
            "undivided": self.undivided,
            "measureUnit": None if self.measure_unit is None else int(self.measure_unit),
            "partsCount": self.parts_count,
            "partPrice": to_kopecks(self.part_price, minimum=Decimal("0.01")) if self.part_price is not None else None,
            "taxSystem": None if self.tax_system is None else int(self.tax_system),
            "taxCode": int(self.tax_code),
            "agent": None if self.agent is None else int(self.agent),
            "blocked": self.blocked,
            "alcohol": self.alcohol,
            "volume": self.volume,
            "jewelry": self.jewelry,
        }
        return {key: value for key, value in out.items() if value is not None}

    @classmethod
    def from_json(cls, raw: Any) -> GoodsRecord:
        """Read one record; key case is ignored, as the service's own client does."""
        if not isinstance(raw, dict):
            raise JsonValueError(f"goods record must be an object, got {type(raw).__name__}",
                                 message_ru=f"запись товара должна быть объектом, получено {type(raw).__name__}")
        fields = {str(key).lower(): value for key, value in raw.items()}
        low = {key.lower(): key for key in (
            "code", "barcode", "name", "price", "exciseAmount", "countryOfOrigin", "customsDeclaration",
            "marked", "section", "typeCode", "undivided", "measureUnit", "partsCount", "partPrice",
            "taxSystem", "taxCode", "agent", "blocked", "alcohol", "volume", "jewelry")}
        data = {low[key]: value for key, value in fields.items() if key in low}
        code = _opt_int(data, "code")
        if code is None:
            raise JsonValueError("goods record without a code", message_ru="запись товара без кода")
        barcode = data.get("barcode")
        if barcode is not None and not ((isinstance(barcode, int) and not isinstance(barcode, bool))
                                        or (isinstance(barcode, str) and barcode.isdigit())):
            raise JsonValueError(f"goods barcode: expected digits, got {barcode!r}",
                                 message_ru=f"штрихкод товара: ожидались цифры, получено {barcode!r}")

        def money(key: str) -> Decimal | None:
            value = data.get(key)
            return None if value is None else from_kopecks(value)

        def flag(key: str, default: bool) -> bool:
            value = _opt_bool(data, key)
            return default if value is None else value

        section = _opt_int(data, "section")
        type_code = _opt_int(data, "typeCode")
        tax_code = _opt_int(data, "taxCode")
        return cls(
            code=code, name=_opt_str(data, "name"), price=money("price"),
            barcode=None if barcode is None else str(barcode), excise_amount=money("exciseAmount"),
            country_of_origin=_opt_str(data, "countryOfOrigin"),
            customs_declaration=_opt_str(data, "customsDeclaration"), marked=flag("marked", False),
            section=1 if section is None else section,
            type_code=ProductType.COMMODITY if type_code is None else type_code,
            undivided=flag("undivided", True), measure_unit=_opt_int(data, "measureUnit"),
            parts_count=_opt_int(data, "partsCount"), part_price=money("partPrice"),
            tax_system=_opt_int(data, "taxSystem"), tax_code=TaxCode.NO_VAT if tax_code is None else tax_code,
            agent=_opt_int(data, "agent"), blocked=_opt_bool(data, "blocked"), alcohol=_opt_bool(data, "alcohol"),
            volume=_opt_int(data, "volume"), jewelry=_opt_bool(data, "jewelry"))
