"""Device error tables as data: code → Russian vendor text and English translation."""

from __future__ import annotations

from collections.abc import Iterable
from dataclasses import dataclass

from ..errors import DeviceError


@dataclass(frozen=True, slots=True)
class ErrorEntry:
    code: int
    ru: str
    en: str


class ErrorTable:
    """Looks up codes of one family; an unknown code still yields a :class:`DeviceError`."""

    def __init__(self, family: str, entries: Iterable[ErrorEntry]) -> None:
        self.family = family
        self._by_code: dict[int, ErrorEntry] = {}
        for entry in entries:
            if entry.code in self._by_code:
                raise ValueError(f"duplicate {family} error code 0x{entry.code:02X}")
            self._by_code[entry.code] = entry

    def __contains__(self, code: int) -> bool:
        return code in self._by_code

    def __iter__(self):  # type: ignore[no-untyped-def]
        return iter(self._by_code.values())

    def __len__(self) -> int:
        return len(self._by_code)

    def entry(self, code: int) -> ErrorEntry:
        return self._by_code.get(code) or ErrorEntry(code, f"Неизвестная ошибка 0x{code:02X}",
                                                      f"Unknown error 0x{code:02X}")

    def error(self, code: int, command: str = "") -> DeviceError:
        entry = self.entry(code)
        return DeviceError(code, entry.en, entry.ru, family=self.family, command=command)
