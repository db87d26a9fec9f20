"""Shtrih-M settings tables (written with 1Eh, read with 1Fh, described by 2Dh/2Eh), kept as raw field bytes.

The layout — table and field numbers, names, sizes, types and ranges — is that of a real register: the vendor's
table dump of a ШТРИХ-НАНО-Ф (firmware C.3.664 of 21.01.2026) in github.com/shtrih-m/javapos_shtrih
(``Doc/UPOS/ШТРИХ-НАНО-Ф_№048485.csv``, commit af0a237). Only the tables and fields a host is likely to touch
are emulated: table 1 (fields 1–20), 2 (operators: passwords and names), 5 (payment names), 6 (tax rates), 17
(fields 1–17 and 71), 18 (the registration data), 19 (the OFD server). Defaults are the dump's, except the
registration data (empty on a new register) and the ones noted below.

A number field is sent least significant byte first and kept at its full size; a text field is WIN1251,
NUL-padded to its size. The values live in the device's store (the ФН archive, key ``tables``), so a change
survives a restart and a crash whole.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

from kkt_drivers.protocols.shtrih.fields import ENCODING

Key = tuple[int, int, int]


@dataclass(frozen=True)
class FieldDef:
    name: str
    text: bool
    size: int
    minimum: int
    maximum: int
    default: str


@dataclass(frozen=True)
class TableDef:
    name: str
    rows: int
    fields: dict[int, FieldDef]


def _f(name: str, text: bool, size: int, minimum: int, maximum: int, default: str) -> FieldDef:
    return FieldDef(name, text, size, minimum, maximum, default)


_TABLE_1 = {
    1: _f("Номер кассы в магазине", False, 1, 1, 99, "1"),
    2: _f("Авт. обнуление денежной наличности", False, 1, 0, 1, "0"),
    3: _f("Печать рекламного текста", False, 1, 0, 3, "0"),
    4: _f("---", False, 1, 0, 1, "0"),
    5: _f("---", False, 1, 0, 2, "1"),
    6: _f("Работа с денежным ящиком", False, 1, 0, 1, "1"),
    7: _f("Отрезка чека", False, 1, 0, 2, "0"),
    8: _f("Печатать дробное в количестве", False, 1, 0, 1, "0"),
    9: _f("Лог. уровень дат. денежного ящика", False, 1, 0, 1, "0"),
    10: _f("Длительность имп. денежного ящика", False, 1, 0, 255, "10"),
    11: _f("Длительность паузы денежного ящика", False, 1, 0, 255, "1"),
    12: _f("Количество имп. денежного ящика", False, 1, 0, 255, "1"),
    13: _f("Использование весовых датчиков", False, 1, 0, 1, "0"),
    14: _f("Начисление налогов", False, 1, 0, 3, "0"),
    15: _f("Автоматический перевод времени", False, 1, 0, 0, "0"),
    16: _f("Печать налогов", False, 1, 1, 4, "3"),
    17: _f("Печать заголовка", False, 1, 0, 1, "1"),
    18: _f("Печать единичного количества", False, 1, 1, 1, "1"),
    19: _f("Сохранять строки в буфере чека", False, 1, 1, 1, "1"),
    20: _f("Печать чека по закрытию", False, 1, 1, 1, "1"),
}

_PAYMENT_NAMES = ("НАЛИЧНЫМИ", "CREDIT", "КАРТА", "СКИДКА", *(f"РАСШИРЕННАЯ ОПЛАТА {n}" for n in range(1, 10)),
                  "ПРЕДВАРИТЕЛЬНАЯ ОПЛАТА (АВАНС)", "ПОСЛЕДУЮЩАЯ ОПЛАТА (КРЕДИТ)", "ИНАЯ ФОРМА ОПЛАТЫ")
#: table 6 rows: rate in hundredths of a percent and name; rows 11 and 12 are 22 % and 22/122 (2026)
TAX_ROWS = ((2000, "НДС 20%"), (1000, "НДС 10%"), (0, "НДС 0%"), (0, "БЕЗ НДС"), (2000, "НДС 20/120"),
            (1000, "НДС 10/110"), (500, "НДС 5%"), (700, "НДС 7%"), (500, "НДС 5/105%"), (700, "НДС 7/107%"),
            (2200, "НДС 22%"), (2200, "НДС 22/122"))

_TABLE_17 = {
    1: _f("Kz бин/иин", False, 1, 0, 1, "0"),
    2: _f("Kz требовать открывать смену", False, 1, 0, 1, "1"),
    3: _f("Rus режим исчисления скидок", False, 1, 0, 2, "2"),
    4: _f("Rus мин разм модуля qr", False, 1, 4, 7, "4"),
    5: _f("Rus мин корр ошибок qr", False, 1, 0, 3, "1"),
    6: _f("Rus мин размер qr в точках", False, 1, 161, 255, "161"),
    7: _f("Rus не печатать документ", False, 1, 0, 3, "2"),
    8: _f("Rus ограничить время смены", False, 1, 0, 60, "1"),
    9: _f("Rus печатать сквозной номер", False, 1, 0, 2, "1"),
    10: _f("Rus печать параметров офд в чеках", False, 1, 0, 1, "0"),
    11: _f("Rus проверять кс инн", False, 1, 0, 7, "7"),
    12: _f("Rus печать реквизитов пользователя", False, 4, 0, 524287, "63"),
    13: _f("Rus наименование реквизита пользователя", True, 64, 0, 0, "Код"),
    14: _f("Rus печать реквизита пользователя", False, 1, 0, 1, "1"),
    15: _f("Rus печать отмененных документов", False, 1, 0, 1, "0"),
    16: _f("Rus печать налога в операции", False, 1, 0, 3, "2"),
    # the 1209 code of the FFD the documents are formed in (2 — 1.05, 4 — 1.2); set from the ФН's mode
    17: _f("Rus формат фд", False, 1, 1, 4, "2"),
    # 1 replaces 20 % by 22 % (and 20/120 by 22/122) from 2026-01-01 by the register's clock; 2 uses the rate as
    # given. A real register ships with 1 (the dump; fr_drv_ng issue #328); the emulator with 2, so that a
    # document carries the rate the host sent [inferred: the meaning of 0 is not published; treated as 2]
    71: _f("Rus замена ндс 20 на 22", False, 1, 0, 2, "2"),
}

_TABLE_18 = {
    1: _f("Serial number", True, 21, 0, 0, ""),
    2: _f("Inn", True, 17, 0, 0, ""),
    3: _f("Rnm", True, 21, 0, 0, ""),
    4: _f("Fs serial number", True, 17, 0, 0, ""),
    5: _f("Tax system", False, 1, 0, 255, "0"),
    6: _f("Work mode", False, 1, 0, 255, "0"),
    7: _f("User", True, 128, 0, 0, ""),
    8: _f("Operator", True, 64, 0, 0, ""),
    9: _f("Address", True, 128, 0, 0, ""),
    10: _f("Ofd name", True, 128, 0, 0, ""),
    11: _f("Ofd url", True, 64, 0, 0, ""),
    12: _f("Ofd inn", True, 17, 0, 0, ""),
    13: _f("Tax office url", True, 64, 0, 0, "www.nalog.gov.ru"),
    14: _f("Место расчета", True, 128, 0, 0, ""),
    15: _f("Эл. адр. отправителя", True, 64, 0, 0, ""),
    16: _f("Признак агента", False, 1, 0, 127, "0"),
    17: _f("User строка 2", True, 128, 0, 0, ""),
    18: _f("Address строка 2", True, 128, 0, 0, ""),
    19: _f("Ofd name строка 2", True, 128, 0, 0, ""),
    20: _f("Место расчета строка 2", True, 128, 0, 0, ""),
    21: _f("Расширенные признаки работы ккт", False, 1, 0, 255, "0"),
    22: _f("Код причины изм. сведений о ккт (ффд>=1.", False, 4, 0, 4294967295, "0"),
    23: _f("Инн кассира", True, 13, 0, 0, ""),
    24: _f("Блокировка закрытия смены (дней)", False, 1, 3, 100, "7"),
    25: _f("Часовая зона", False, 1, 0, 12, "0"),
}
#: fields of table 18 the register fills itself at registration (not writable by the host) [inferred]
READ_ONLY: frozenset[Key] = frozenset({(18, 1, 1), (18, 1, 2), (18, 1, 3), (18, 1, 4), (18, 1, 5), (18, 1, 6)})

_TABLE_19 = {
    1: _f("Сервер", True, 64, 0, 0, ""),
    2: _f("Порт", False, 2, 1, 65535, "7779"),
    3: _f("Таймаут чтения ответа", False, 2, 300, 65535, "300"),
    4: _f("Задержка между пакетами, мс", False, 2, 0, 3000, "100"),
    5: _f("Сервер км", True, 64, 0, 0, ""),
    6: _f("Порт км", False, 2, 1, 65535, "7778"),
    7: _f("Таймаут чтения ответа км", False, 2, 5, 65535, "33"),
    8: _f("Таймаут чтения ответа км при проверке", False, 2, 0, 60, "5"),
}

TABLES: dict[int, TableDef] = {
    1: TableDef("Тип и режим кассы", 1, _TABLE_1),
    2: TableDef("Пароли кассиров и администраторов", 30, {
        1: _f("Пароли кассиров", False, 4, 0, 99_999_999, ""),
        2: _f("Должности и фамилии кассиров", True, 64, 0, 0, "")}),
    5: TableDef("Наименование типов оплаты", 16, {1: _f("Запрограммированные типы оплаты", True, 64, 0, 0, "")}),
    6: TableDef("Налоговые ставки", 12, {1: _f("Величина налога", False, 2, 0, 9999, ""),
                                         2: _f("Название налога", True, 64, 0, 0, "")}),
    17: TableDef("Региональные настройки", 1, _TABLE_17),
    18: TableDef("Fiscal storage", 1, _TABLE_18),
    19: TableDef("Параметры офд", 1, _TABLE_19),
}

#: table 2: rows 1–28 cashiers, 29 administrator, 30 system administrator
ADMIN_ROW, SYSADMIN_ROW = 29, 30


def operator_name(row: int) -> str:
    return {ADMIN_ROW: "АДМИНИСТРАТОР", SYSADMIN_ROW: "СИСТ. АДМИН."}.get(row, f"КАССИР {row}")


def _row_default(table: int, row: int, number: int, spec: FieldDef) -> str:
    if table == 2:
        return str(row) if number == 1 else operator_name(row)
    if table == 5:
        return _PAYMENT_NAMES[row - 1]
    if table == 6:
        rate, name = TAX_ROWS[row - 1]
        return str(rate) if number == 1 else name
    return spec.default


def encode_field(spec: FieldDef, value: str | int) -> bytes:
    """A field's stored bytes: a number in ``size`` bytes LSB first, a text NUL-padded to ``size``."""
    if spec.text:
        return str(value).encode(ENCODING)[:spec.size].ljust(spec.size, b"\x00")
    return int(value).to_bytes(spec.size, "little")


class ShtrihTables:
    """The table fields, over a device store (``device_value``/``store_device_values``), or in memory."""

    def __init__(self, store: Any = None, *, ffd_code: int = 2) -> None:
        self.store = store
        self.ffd_code = ffd_code
        self.fields = self.defaults()
        stored = store.device_value("tables", {}) if store is not None else {}
        self.load(stored if isinstance(stored, dict) else {})

    def defaults(self) -> dict[Key, bytes]:
        values: dict[Key, bytes] = {}
        for table, definition in TABLES.items():
            for row in range(1, definition.rows + 1):
                for number, spec in definition.fields.items():
                    values[(table, row, number)] = encode_field(spec, _row_default(table, row, number, spec))
        values[(17, 1, 17)] = encode_field(_TABLE_17[17], self.ffd_code)
        return values

    def load(self, stored: dict[str, Any]) -> None:
        """Take fields saved as ``{"t.r.f": hex}``; anything malformed is skipped (the default stays)."""
        for key, value in stored.items():
            try:
                t, r, f = (int(x) for x in str(key).split("."))
                data = bytes.fromhex(str(value))
            except ValueError:
                continue
            spec = self.spec((t, r, f))
            if spec is not None and len(data) == spec.size:
                self.fields[(t, r, f)] = data

    @staticmethod
    def table(number: int) -> TableDef | None:
        return TABLES.get(number)

    @staticmethod
    def spec(key: Key) -> FieldDef | None:
        definition = TABLES.get(key[0])
        if definition is None or not 1 <= key[1] <= definition.rows:
            return None
        return definition.fields.get(key[2])

    def get(self, key: Key) -> bytes:
        return self.fields[key]

    def set(self, key: Key, value: bytes) -> None:
        self.set_many({key: value})

    def set_many(self, values: dict[Key, bytes]) -> None:
        self.fields.update(values)
        self.save()

    def number(self, key: Key) -> int:
        return int.from_bytes(self.fields[key], "little")

    def text(self, key: Key) -> str:
        return self.fields[key].split(b"\x00", 1)[0].decode(ENCODING, "replace")

    def long_text(self, first: Key, second: Key) -> str:
        """A text split over a field and its «строка 2» continuation (table 18)."""
        return self.text(first) + self.text(second)

    def password(self, row: int) -> int:
        return self.number((2, row, 1))

    def save(self) -> None:
        if self.store is not None:
            self.store.store_device_values({"tables": self.as_json()})

    def as_json(self) -> dict[str, str]:
        return {f"{t}.{r}.{f}": v.hex() for (t, r, f), v in sorted(self.fields.items())}

    def reset(self) -> None:
        self.fields = self.defaults()
        self.save()
