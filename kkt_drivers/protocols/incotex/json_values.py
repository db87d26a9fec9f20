"""Value encodings of the INECRMAN JSON protocol.

* money: integer kopecks, the decimal amount rounded to 2 places half away from zero, then ×100
  ([S1] MoneyConverter; [S2] and [S4] send kopecks too);
* quantity: integer ×10000, rounded to 4 places half away from zero ([S1] QuantityConverter;
  [S2] sends ``qty: 10000`` for one item);
* date-time: ``yyyy-MM-ddTHH:mm:ss``, dates ``yyyy-MM-dd`` ([S1] converters; [S2] sends the
  correction base date as ``YYYY-MM-DD``).

Readers accept a number or a numeric string, as [S1] does. Floats are refused on the way in:
binary fractions turn 0.29 into 28.999… kopecks.
"""

from __future__ import annotations

import datetime as dt
from decimal import ROUND_HALF_UP, Decimal, InvalidOperation
from typing import Any

from ...errors import InvalidParameter, ProtocolError

#: [S1] validates money in 0.01…21 474 836 roubles (so that kopecks fit a signed 32-bit int)
MAX_MONEY = Decimal("21474836")
DATETIME_FORMAT = "%Y-%m-%dT%H:%M:%S"
DATE_FORMAT = "%Y-%m-%d"


class JsonValueError(ProtocolError):
    """A value in a driver-service answer has the wrong type or form."""


def _decimal(value: Decimal | int | str, what: str) -> Decimal:
    if isinstance(value, bool) or isinstance(value, float):
        raise InvalidParameter(f"{what}: pass a Decimal, int or str, not {type(value).__name__}",
                               message_ru=f"{what}: передайте Decimal, int или str, а не {type(value).__name__}")
    try:
        number = value if isinstance(value, Decimal) else Decimal(value)
    except (InvalidOperation, TypeError, ValueError) as exc:
        raise InvalidParameter(f"{what}: not a number: {value!r}", message_ru=f"{what}: не число: {value!r}") from exc
    if not number.is_finite():
        raise InvalidParameter(f"{what}: not a finite number: {value!r}",
                               message_ru=f"{what}: не конечное число: {value!r}")
    return number


def to_kopecks(value: Decimal | int | str, *, minimum: Decimal = Decimal(0), maximum: Decimal = MAX_MONEY) -> int:
    """Roubles → kopecks, rounded half away from zero; the range is checked after rounding."""
    amount = _decimal(value, "money").quantize(Decimal("0.01"), rounding=ROUND_HALF_UP)
    if not minimum <= amount <= maximum:
        raise InvalidParameter(f"money {amount} outside {minimum}…{maximum}",
                               message_ru=f"сумма {amount} вне пределов {minimum}…{maximum}")
    return int(amount * 100)


def from_kopecks(value: Any) -> Decimal:
    return Decimal(_integer(value, "money")) / 100


def to_quantity(value: Decimal | int | str) -> int:
    """Quantity → integer ×10000, rounded half away from zero; must be positive."""
    amount = _decimal(value, "quantity").quantize(Decimal("0.0001"), rounding=ROUND_HALF_UP)
    if amount <= 0:
        raise InvalidParameter(f"quantity must be positive, got {amount}",
                               message_ru=f"количество должно быть положительным, получено {amount}")
    return int(amount * 10000)


def from_quantity(value: Any) -> Decimal:
    return Decimal(_integer(value, "quantity")) / 10000


def _integer(value: Any, what: str) -> int:
    if isinstance(value, bool):
        raise JsonValueError(f"{what}: expected an integer, got {value!r}",
                             message_ru=f"{what}: ожидалось целое число, получено {value!r}")
    if isinstance(value, int):
        return value
    if isinstance(value, str) and value.strip().lstrip("-").isdigit():
        return int(value)
    raise JsonValueError(f"{what}: expected an integer, got {value!r}",
                         message_ru=f"{what}: ожидалось целое число, получено {value!r}")


def format_datetime(value: dt.datetime) -> str:
    return value.strftime(DATETIME_FORMAT)


def parse_datetime(value: Any) -> dt.datetime:
    if not isinstance(value, str):
        raise JsonValueError(f"date-time: expected a string, got {value!r}",
                             message_ru=f"дата и время: ожидалась строка, получено {value!r}")
    try:
        return dt.datetime.strptime(value, DATETIME_FORMAT)
    except ValueError as exc:
        raise JsonValueError(f"date-time not yyyy-MM-ddTHH:mm:ss: {value!r}",
                             message_ru=f"дата и время не в формате yyyy-MM-ddTHH:mm:ss: {value!r}") from exc


def format_date(value: dt.date) -> str:
    return value.strftime(DATE_FORMAT)


def parse_date(value: Any) -> dt.date:
    if not isinstance(value, str):
        raise JsonValueError(f"date: expected a string, got {value!r}",
                             message_ru=f"дата: ожидалась строка, получено {value!r}")
    try:
        return dt.datetime.strptime(value, DATE_FORMAT).date()
    except ValueError as exc:
        raise JsonValueError(f"date not yyyy-MM-dd: {value!r}",
                             message_ru=f"дата не в формате yyyy-MM-dd: {value!r}") from exc
