"""Receipts, corrections and registration parameters from JSON files (what the ``kkt`` CLI reads), results to
JSON.

Each file is checked against its JSON Schema, shipped in the package (``kkt_drivers/schemas/``:
``receipt.schema.json``, ``correction.schema.json``, ``registration.schema.json``; :func:`schema_path`), with
the ``jsonschema`` library, then converted to the typed objects of :mod:`kkt_drivers.types` (where the values
are checked once more, against the device's limits, before a byte is sent).

Receipt file::

    {"items": [{"name": "Хлеб", "price": "45.50", "quantity": "2", "vat": "vat_22",
                "payment_method": "full_payment", "payment_subject": "goods"}],
     "payments": [{"type": "cash", "amount": "100.00"}],
     "buyer": {"email": "buyer@example.com"},
     "taxation": "osn", "discount": "0.00"}

Files are UTF-8 (a byte-order mark is fine). Money is in roubles (a string or number with at most two
decimals); enum values are the member names of :mod:`kkt_drivers.types` in any case, or their numeric FFD
codes. ``NaN`` and ``Infinity`` are refused.
"""

from __future__ import annotations

import dataclasses
import enum
import json
import re
from datetime import date, datetime
from decimal import Decimal, InvalidOperation
from functools import cache
from importlib import resources
from pathlib import Path
from typing import Any, TypeVar

from .types import (
    AgentInfo,
    AgentType,
    Buyer,
    CorrectionReceipt,
    CorrectionType,
    IndustryRequisite,
    Item,
    MarkingCode,
    OperationalRequisite,
    Payment,
    PaymentMethod,
    PaymentSubject,
    PaymentType,
    QuantityMeasure,
    Receipt,
    ReceiptType,
    Registration,
    Supplier,
    TaxationSystem,
    VatRate,
)
from .validation import InvalidReceipt

E = TypeVar("E", bound=enum.Enum)
SCHEMAS = ("receipt", "correction", "registration")


# -- files ----------------------------------------------------------------------------------------------

def _refuse_constant(name: str) -> Any:
    raise ValueError(f"{name} is not a number a register can take")


class JsonNumber(Decimal):
    """A JSON number with a fraction or exponent, read exactly (``99999999999999.99`` is not rounded to the
    nearest float) and shown in messages as written."""

    def __repr__(self) -> str:
        return str(self)


def parse_json(text: str, what: str) -> Any:
    """JSON text → value; a syntax error (or NaN/Infinity) is an :class:`InvalidReceipt` naming the place.
    Numbers with a fraction are :class:`JsonNumber` (exact decimals), not floats."""
    try:
        return json.loads(text, parse_constant=_refuse_constant, parse_float=JsonNumber)
    except json.JSONDecodeError as exc:
        raise InvalidReceipt(what, f"not valid JSON at line {exc.lineno}, column {exc.colno}: {exc.msg}",
                             f"неверный JSON в строке {exc.lineno}, позиция {exc.colno}: {exc.msg}") from None
    except ValueError as exc:
        raise InvalidReceipt(what, str(exc),
                             f"{exc.args[0].split(' ')[0]} — не число, которое принимает касса") from None


def read_json_file(path: str | Path, what: str) -> Any:
    """Read a UTF-8 JSON file (a BOM is fine); every problem is an :class:`InvalidReceipt` (never a traceback)."""
    try:
        raw = Path(path).read_bytes()
    except FileNotFoundError:
        raise InvalidReceipt(what, f"no such file: {path}", f"файл не найден: {path}") from None
    except IsADirectoryError:
        raise InvalidReceipt(what, f"{path} is a directory, not a file", f"{path} — каталог, а не файл") from None
    except OSError as exc:
        raise InvalidReceipt(what, f"cannot read {path}: {exc.strerror}", f"не удалось прочитать {path}: {exc.strerror}"
                             ) from None
    return parse_json(decode_text(raw, str(path), what), what)


def decode_text(raw: bytes, name: str, what: str) -> str:
    try:
        return raw.decode("utf-8-sig")
    except UnicodeDecodeError as exc:
        raise InvalidReceipt(what, f"{name} is not UTF-8 text (byte {exc.start}); save it as UTF-8 (cp1251 and other "
                                   "code pages are not read)",
                             f"{name} — не текст UTF-8 (байт {exc.start}); сохраните файл в UTF-8 (cp1251 и другие "
                             "кодировки не читаются)") from None


def schema_path(name: str) -> Path:
    """Where the shipped JSON Schema of ``receipt``, ``correction`` or ``registration`` files lies."""
    return Path(str(resources.files("kkt_drivers") / "schemas" / f"{name}.schema.json"))


@cache
def _validator(name: str) -> Any:
    import jsonschema

    schema = json.loads(schema_path(name).read_text(encoding="utf-8"))
    cls = jsonschema.validators.validator_for(schema)
    return cls(schema, format_checker=cls.FORMAT_CHECKER)


def check_schema(data: Any, name: str) -> None:
    """Check ``data`` against the shipped schema; the most relevant error becomes an :class:`InvalidReceipt`
    naming the field and the limit in English and Russian (never the raw ``jsonschema`` text).

    An amount or a quantity the schema refuses gets the same checks whether it is written as a string or a
    number: a malformed one is refused here, one with too many decimals or a minus sign by :func:`kopecks`, and
    one that is well formed but too big is left to the device's limits (checked before a byte is sent), so
    ``"99999999999999.99"`` and ``99999999999999.99`` get the same message.
    """
    import jsonschema

    errors = sorted(_validator(name).iter_errors(data), key=jsonschema.exceptions.relevance)
    for error in errors:
        field = _field(error.absolute_path) or name
        if _checked_later(error, field):
            continue
        raise _schema_error(error, field)


def _field(path: Any) -> str:
    return "".join(f"[{p}]" if isinstance(p, int) else f".{p}" for p in path).lstrip(".")


_MONEY_PATTERN = r"^\s*\d{1,11}(\.\d{1,2})?\s*$"
_QUANTITY_PATTERN = r"^\s*\d{1,9}(\.\d{1,9})?\s*$"
_DECIMAL = re.compile(r"\s*[-+]?(\d+(\.\d*)?|\.\d+)\s*")


def _string_pattern(schema: Any) -> str | None:
    """The ``pattern`` of the string branch of a ``oneOf`` (how money and quantities are described)."""
    for branch in schema.get("oneOf", ()) if isinstance(schema, dict) else ():
        if isinstance(branch, dict) and branch.get("type") == "string" and "pattern" in branch:
            return str(branch["pattern"])
    return None


def _checked_later(error: Any, field: str) -> bool:
    """An amount or quantity refused by the schema: raise the same message as for the other spelling, or say
    it is well formed (True) and leave its size to the device's limits."""
    if error.validator != "oneOf":
        return False
    pattern = _string_pattern(error.schema)
    value = error.instance
    if pattern not in (_MONEY_PATTERN, _QUANTITY_PATTERN) or isinstance(value, bool) or not isinstance(
            value, (str, int, float, Decimal)):
        return False
    if pattern == _MONEY_PATTERN:
        if isinstance(value, str) and not _DECIMAL.fullmatch(value):
            raise InvalidReceipt(field, f"not an amount: {value!r}; write roubles with at most two decimals, "
                                        "e.g. \"45.50\"",
                                 f"не сумма: {value!r}; укажите рубли, не более двух знаков после запятой, "
                                 "например \"45.50\"")
        kopecks(value, field)
        return True
    if isinstance(value, str) and not _DECIMAL.fullmatch(value):
        raise InvalidReceipt(field, f"not a number: {value!r}; write it as digits, e.g. \"0.512\"",
                             f"не число: {value!r}; укажите цифрами, например \"0.512\"")
    return True


_TYPES = {"string": ("text", "строкой"), "number": ("a number", "числом"),
          "integer": ("a whole number", "целым числом"),
          "object": ("an object {...}", "объектом {...}"), "array": ("a list [...]", "списком [...]"),
          "boolean": ("true or false", "true или false"), "null": ("null", "null")}
_PATTERNS = {
    "^([0-9A-Fa-f]{2})+$": ("hexadecimal digits in pairs, e.g. \"0a1b\"",
                            "шестнадцатеричными цифрами парами, например \"0a1b\""),
    "^\\d{16}$": ("exactly 16 digits", "ровно 16 цифр"),
    "^\\d{10}$": ("exactly 10 digits", "ровно 10 цифр"),
    "^(\\d{10}|\\d{12})$": ("10 or 12 digits", "10 или 12 цифр"),
    _MONEY_PATTERN: ("roubles with at most two decimals, e.g. \"45.50\"",
                     "рубли, не более двух знаков после запятой, например \"45.50\""),
    _QUANTITY_PATTERN: ("a positive number, e.g. \"0.512\"", "положительное число, например \"0.512\""),
}


def _schema_error(error: Any, field: str) -> InvalidReceipt:
    """One ``jsonschema`` error as a bilingual :class:`InvalidReceipt` with the limit it broke."""
    kind, limit, value = error.validator, error.validator_value, error.instance
    if kind == "maxLength":
        return InvalidReceipt(field, f"at most {limit} characters, got {len(value)}",
                              f"не длиннее {limit} символов, получено {len(value)}")
    if kind == "minLength":
        if limit == 1:
            return InvalidReceipt(field, "must not be empty", "не может быть пустым")
        return InvalidReceipt(field, f"at least {limit} characters, got {len(value)}",
                              f"не короче {limit} символов, получено {len(value)}")
    if kind == "maxItems":
        return InvalidReceipt(field, f"at most {limit} entries, got {len(value)}",
                              f"не больше {limit} элементов, получено {len(value)}")
    if kind == "minItems":
        return InvalidReceipt(field, f"at least {limit} entr{'y' if limit == 1 else 'ies'}, got {len(value)}",
                              f"нужно не меньше {limit} элем., получено {len(value)}")
    if kind in ("minimum", "maximum", "exclusiveMinimum", "exclusiveMaximum"):
        en, ru = {"minimum": ("at least", "не меньше"), "maximum": ("at most", "не больше"),
                  "exclusiveMinimum": ("more than", "больше"), "exclusiveMaximum": ("less than", "меньше")}[kind]
        return InvalidReceipt(field, f"must be {en} {limit}, got {value!r}",
                              f"должно быть {ru} {limit}, получено {value!r}")
    if kind == "type":
        wanted = [limit] if isinstance(limit, str) else list(limit)
        en = " or ".join(_TYPES.get(t, (t, t))[0] for t in wanted)
        ru = " или ".join(_TYPES.get(t, (t, t))[1] for t in wanted)
        hint_en = hint_ru = ""
        if isinstance(value, (int, float, Decimal)) and not isinstance(value, bool) and "string" in wanted:
            hint_en, hint_ru = f" (write it as text: \"{value}\")", f" (запишите строкой: \"{value}\")"
        return InvalidReceipt(field, f"must be {en}, got {value!r}{hint_en}",
                              f"должно быть {ru}, получено {value!r}{hint_ru}")
    if kind == "enum":
        known = ", ".join(json.dumps(v, ensure_ascii=False) for v in limit)
        return InvalidReceipt(field, f"must be one of {known}, got {value!r}",
                              f"допустимые значения: {known}, получено {value!r}")
    if kind == "required":
        missing = [key for key in limit if isinstance(value, dict) and key not in value]
        where = ".".join(part for part in (_field(error.absolute_path), missing[0] if missing else "") if part)
        return InvalidReceipt(where or field, "is required but missing", "обязательное поле отсутствует")
    if kind == "additionalProperties":
        known_names = sorted(error.schema.get("properties", {}))
        unknown = ", ".join(repr(key) for key in value if key not in known_names) if isinstance(value, dict) else ""
        known = ", ".join(known_names)
        return InvalidReceipt(field, f"unknown field(s) {unknown}; known: {known}",
                              f"неизвестные поля {unknown}; допустимые: {known}")
    if kind == "minProperties":
        return InvalidReceipt(field, "must not be empty", "не может быть пустым")
    if kind == "pattern":
        en, ru = _PATTERNS.get(limit, (f"text matching {limit}", f"текстом по шаблону {limit}"))
        return InvalidReceipt(field, f"must be {en}, got {value!r}", f"должно быть: {ru}, получено {value!r}")
    if kind == "format":
        en, ru = {"date": ("a date YYYY-MM-DD", "датой ГГГГ-ММ-ДД"),
                  "date-time": ("a date and time, e.g. 2026-03-02T12:30:00",
                                "датой и временем, например 2026-03-02T12:30:00")}.get(limit, (limit, limit))
        return InvalidReceipt(field, f"must be {en}, got {value!r}", f"должно быть {ru}, получено {value!r}")
    if kind == "oneOf":
        pattern = _string_pattern(error.schema)
        if pattern in _PATTERNS:
            en, ru = _PATTERNS[pattern]
            return InvalidReceipt(field, f"must be {en}, got {value!r}", f"должно быть: {ru}, получено {value!r}")
    description = error.schema.get("description") if isinstance(error.schema, dict) else None
    hint = f" ({description})" if description else ""
    return InvalidReceipt(field, f"not an allowed value: {value!r}{hint}", f"недопустимое значение: {value!r}")


# -- values ---------------------------------------------------------------------------------------------

def kopecks(value: Any, where: str) -> int:
    """Roubles (a string or number, at most two decimals, not negative) → kopecks."""
    if isinstance(value, bool) or not isinstance(value, (str, int, float, Decimal)):
        raise InvalidReceipt(where, f"not an amount: {value!r}", f"не сумма: {value!r}")
    try:
        amount = Decimal(str(value).strip()) * 100
    except InvalidOperation:
        raise InvalidReceipt(where, f"not an amount: {value!r}", f"не сумма: {value!r}") from None
    if not amount.is_finite():
        raise InvalidReceipt(where, f"not a finite amount: {value!r}", f"сумма не конечна: {value!r}")
    if amount != amount.to_integral_value():
        raise InvalidReceipt(where, f"more than two decimals: {value!r}",
                             f"больше двух знаков после запятой: {value!r}")
    if amount < 0:
        raise InvalidReceipt(where, f"negative: {value!r}", f"отрицательная сумма: {value!r}")
    return int(amount)


def quantity(value: Any, where: str) -> Decimal:
    if isinstance(value, bool):
        raise InvalidReceipt(where, f"not a number: {value!r}", f"не число: {value!r}")
    try:
        result = Decimal(str(value).strip())
    except InvalidOperation:
        raise InvalidReceipt(where, f"not a number: {value!r}", f"не число: {value!r}") from None
    if not result.is_finite():
        raise InvalidReceipt(where, f"not a finite number: {value!r}", f"не конечное число: {value!r}")
    return result


def enum_value(kind: type[E], value: Any, where: str) -> E:
    if isinstance(value, bool):
        raise InvalidReceipt(where, f"unknown {kind.__name__} {value!r}", f"неизвестное значение {value!r}")
    if isinstance(value, int):
        try:
            return kind(value)
        except ValueError:
            raise InvalidReceipt(where, f"unknown {kind.__name__} code {value}",
                                 f"неизвестный код {kind.__name__}: {value}") from None
    name = str(value).strip().upper().replace("-", "_").replace(" ", "_")
    if name in kind.__members__:
        return kind.__members__[name]
    known = ", ".join(m.lower() for m in kind.__members__)
    raise InvalidReceipt(where, f"unknown {kind.__name__} {value!r}; known: {known}",
                         f"неизвестное значение {value!r}; допустимые: {known}")


def taxation_value(value: Any, where: str) -> TaxationSystem:
    if isinstance(value, list):
        if not value:
            raise InvalidReceipt(where, "name at least one taxation system", "укажите хотя бы одну систему")
        result = TaxationSystem(0)
        for part in value:
            result |= enum_value(TaxationSystem, part, where)
        return result
    return enum_value(TaxationSystem, value, where)


def _agent_type(value: Any, where: str) -> AgentType:
    if isinstance(value, list):
        result = AgentType(0)
        for part in value:
            result |= enum_value(AgentType, part, where)
        return result
    return enum_value(AgentType, value, where)


def _date(value: Any, where: str) -> date:
    try:
        return date.fromisoformat(str(value))
    except ValueError:
        raise InvalidReceipt(where, f"expected YYYY-MM-DD, got {value!r}", f"ожидается ГГГГ-ММ-ДД, получено {value!r}"
                             ) from None


def _agent(raw: dict[str, Any] | None, where: str) -> AgentInfo | None:
    if not raw:
        return None
    return AgentInfo(type=_agent_type(raw["type"], f"{where}.type"), operation=raw.get("operation"),
                     phones=tuple(raw.get("phones", ())),
                     payment_operator_phones=tuple(raw.get("payment_operator_phones", ())),
                     transfer_operator_phones=tuple(raw.get("transfer_operator_phones", ())),
                     transfer_operator_name=raw.get("transfer_operator_name"),
                     transfer_operator_address=raw.get("transfer_operator_address"),
                     transfer_operator_inn=raw.get("transfer_operator_inn"))


def _industry(raw: list[dict[str, Any]] | None, where: str) -> tuple[IndustryRequisite, ...]:
    return tuple(IndustryRequisite(r["foiv_id"], _date(r["document_date"], f"{where}[{i}].document_date"),
                                   r["document_number"], r["value"]) for i, r in enumerate(raw or ()))


def _items(data: dict[str, Any]) -> tuple[Item, ...]:
    items = []
    for index, raw in enumerate(data.get("items") or []):
        where = f"items[{index}]"
        marking = raw.get("marking")
        supplier = raw.get("supplier")
        items.append(Item(
            name=str(raw["name"]), price=kopecks(raw["price"], f"{where}.price"),
            quantity=quantity(raw.get("quantity", "1"), f"{where}.quantity"),
            vat=enum_value(VatRate, raw.get("vat", "no_vat"), f"{where}.vat"),
            payment_method=enum_value(PaymentMethod, raw.get("payment_method", "full_payment"),
                                      f"{where}.payment_method"),
            payment_subject=enum_value(PaymentSubject, raw.get("payment_subject", "goods"), f"{where}.payment_subject"),
            discount=kopecks(raw.get("discount", 0), f"{where}.discount"),
            measure=enum_value(QuantityMeasure, raw.get("measure", "piece"), f"{where}.measure"),
            product_code=bytes.fromhex(raw["product_code"]) if raw.get("product_code") else None,
            marking=MarkingCode(marking["code"], marking.get("planned_status", 1), marking.get("numerator"),
                                marking.get("denominator")) if marking else None,
            agent=_agent(raw.get("agent"), f"{where}.agent"),
            supplier=Supplier(supplier["inn"], supplier.get("name"), tuple(supplier.get("phones", ())))
            if supplier else None,
            industry=_industry(raw.get("industry"), f"{where}.industry")))
    return tuple(items)


def _payments(data: dict[str, Any]) -> tuple[Payment, ...]:
    return tuple(Payment(enum_value(PaymentType, raw.get("type", "cash"), f"payments[{index}].type"),
                         kopecks(raw["amount"], f"payments[{index}].amount"))
                 for index, raw in enumerate(data.get("payments") or []))


def _buyer(data: dict[str, Any]) -> Buyer | None:
    raw = data.get("buyer")
    if not raw:
        return None
    return Buyer(phone=raw.get("phone"), email=raw.get("email"), name=raw.get("name"), inn=raw.get("inn"))


def _taxation(data: dict[str, Any]) -> TaxationSystem | None:
    return taxation_value(data["taxation"], "taxation") if data.get("taxation") is not None else None


def receipt_from_json(data: Any) -> Receipt:
    """A receipt file (see the module docstring); unknown fields are refused, so a typo is never ignored."""
    check_schema(data, "receipt")
    operational = data.get("operational")
    when = None
    if operational:
        try:
            when = datetime.fromisoformat(operational["when"])
        except ValueError:
            raise InvalidReceipt("operational.when", f"expected a date and time, got {operational['when']!r}",
                                 f"ожидается дата и время, получено {operational['when']!r}") from None
    return Receipt(items=_items(data), payments=_payments(data), taxation=_taxation(data), buyer=_buyer(data),
                   discount=kopecks(data.get("discount", 0), "discount"), agent=_agent(data.get("agent"), "agent"),
                   industry=_industry(data.get("industry"), "industry"),
                   operational=OperationalRequisite(operational["operation_id"], operational["data"], when)
                   if operational and when else None)


def correction_from_json(data: Any) -> CorrectionReceipt:
    """A correction file::

        {"type": "sell", "correction_type": "self", "basis": {"date": "2026-03-02", "number": "ПР-17",
         "description": "не пробит чек"}, "payments": [{"type": "cash", "amount": "123.45"}],
         "vat_amounts": [{"vat": "vat_20", "amount": "20.58"}], "taxation": "osn"}

    FFD 1.05 takes ``vat_amounts``; FFD 1.2 takes ``items`` (as in a receipt) instead.
    """
    check_schema(data, "correction")
    basis = data["basis"]
    vat_amounts = tuple((enum_value(VatRate, raw["vat"], f"vat_amounts[{index}].vat"),
                         kopecks(raw["amount"], f"vat_amounts[{index}].amount"))
                        for index, raw in enumerate(data.get("vat_amounts") or []))
    return CorrectionReceipt(
        type=enum_value(ReceiptType, data.get("type", "sell"), "type"),
        correction_type=enum_value(CorrectionType, data.get("correction_type", "self"), "correction_type"),
        basis_date=_date(basis["date"], "basis.date"), basis_number=str(basis["number"]),
        description=str(basis.get("description", "")), payments=_payments(data), vat_amounts=vat_amounts,
        taxation=_taxation(data), items=_items(data), buyer=_buyer(data))


def registration_from_json(data: Any) -> Registration:
    """Registration parameters: the fields of :class:`~kkt_drivers.types.Registration`."""
    check_schema(data, "registration")
    values = dict(data)
    values["taxation"] = taxation_value(data["taxation"], "taxation")
    return Registration(**values)


def to_jsonable(value: Any) -> Any:
    """Dataclasses, enums, dates and bytes as plain JSON values."""
    if dataclasses.is_dataclass(value) and not isinstance(value, type):
        return {f.name: to_jsonable(getattr(value, f.name)) for f in dataclasses.fields(value)
                if f.name != "details"}
    if isinstance(value, enum.Enum):
        return value.name.lower() if value.name else int(value.value)
    if isinstance(value, (datetime, date)):
        return value.isoformat()
    if isinstance(value, bytes):
        return value.hex()
    if isinstance(value, Decimal):
        return str(value)
    if isinstance(value, (list, tuple)):
        return [to_jsonable(v) for v in value]
    if isinstance(value, dict):
        return {str(k): to_jsonable(v) for k, v in value.items()}
    return value
