"""The register's sales journal («журнал продаж»), kept with the ФН archive.

The shape follows what the driver service's GetSales returns ([S1]: ``kktRegNum``, ``kktNum``, ``ownerInn``,
``ffdVer``, ``salesVer``, ``programDate``, then shifts with their ``open``/``close`` and ``checks`` — each
receipt with ``annulled``, ``fiscalDocNum``, ``fiscalSign``, ``dateTime``, ``num``, ``checkType``,
``taxSystem``, ``total``, ``payment`` and ``goods``). [S1] types ``shifts`` as one object; we give a list of
shifts [inferred]. Each shift is one device value (``sales_shift_<n>``), so a receipt rewrites only its own
shift, committed with the receipt itself.
"""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any, Protocol

#: the journal format version GetSales reports [inferred]
SALES_VERSION = "1"
#: shifts kept; older ones drop out (a real journal is bounded by the register's memory) [inferred]
MAX_SHIFTS = 64
INDEX = "sales_shifts"
SENT = "sales_sent_upto"


class Store(Protocol):
    def device_value(self, key: str, default: Any = None) -> Any: ...

    def store_device_values(self, values: Mapping[str, Any]) -> None: ...


def _key(shift: int) -> str:
    return f"sales_shift_{shift}"


class SalesJournal:
    def __init__(self, store: Store) -> None:
        self.store = store

    def shift_numbers(self) -> list[int]:
        index = self.store.device_value(INDEX, [])
        return [n for n in index if isinstance(n, int)] if isinstance(index, list) else []

    def shift(self, number: int) -> dict[str, Any] | None:
        value = self.store.device_value(_key(number))
        return value if isinstance(value, dict) else None

    def _with_shift(self, number: int, fn_number: str) -> tuple[dict[str, Any], dict[str, Any]]:
        """The shift's entry (created if missing) and the device values that add it to the index."""
        entry = self.shift(number)
        extra: dict[str, Any] = {}
        if entry is None:
            entry = {"fnNum": fn_number, "num": number, "checks": []}
            index = [n for n in self.shift_numbers() if n != number] + [number]
            extra[INDEX] = index[-MAX_SHIFTS:]
        return entry, extra

    def open_values(self, number: int, fn_number: str, info: dict[str, Any]) -> dict[str, Any]:
        entry, extra = self._with_shift(number, fn_number)
        entry = {**entry, "open": info}
        return {_key(number): entry, **extra}

    def close_values(self, number: int, fn_number: str, info: dict[str, Any]) -> dict[str, Any]:
        entry, extra = self._with_shift(number, fn_number)
        entry = {**entry, "close": info}
        return {_key(number): entry, **extra}

    def receipt_values(self, number: int, fn_number: str, receipt: dict[str, Any]) -> dict[str, Any]:
        """The device values that add ``receipt`` to shift ``number`` (commit them with the document)."""
        entry, extra = self._with_shift(number, fn_number)
        entry = {**entry, "checks": [*entry.get("checks", []), receipt]}
        return {_key(number): entry, **extra}

    def receipts(self) -> list[dict[str, Any]]:
        out: list[dict[str, Any]] = []
        for number in self.shift_numbers():
            entry = self.shift(number)
            if entry is not None:
                out += [r for r in entry.get("checks", []) if isinstance(r, dict)]
        return out

    def unsent(self) -> list[dict[str, Any]]:
        """Fiscal receipts not yet sent to the «Сервер ККТ» (annulled ones carry no document and stay home)."""
        upto = int(self.store.device_value(SENT, 0) or 0)
        return [r for r in self.receipts() if not r.get("annulled") and int(r.get("fiscalDocNum", 0)) > upto]

    def mark_sent(self, upto: int) -> None:
        self.store.store_device_values({SENT: upto})

    def document(self, head: Mapping[str, Any]) -> dict[str, Any]:
        """The whole journal as GetSales gives it."""
        shifts = [s for s in (self.shift(n) for n in self.shift_numbers()) if s is not None]
        return {**head, "salesVer": SALES_VERSION, "shifts": shifts}

    def clear(self) -> None:
        values: dict[str, Any] = {_key(n): None for n in self.shift_numbers()}
        values[INDEX] = []
        self.store.store_device_values(values)
