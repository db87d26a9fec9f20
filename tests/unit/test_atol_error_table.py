"""The ATOL error tables: complete, unique, and giving the texts the emulator and driver rely on."""

from __future__ import annotations

import pytest

from kkt_drivers.errors import DeviceError
from kkt_drivers.protocols.atol.error_table import (
    ATOL_ERROR_ENTRIES,
    ATOL_ERRORS,
    ATOL_TASK_ERROR_ENTRIES,
    ATOL_TASK_ERRORS,
)
from kkt_drivers.protocols.error_table import ErrorEntry, ErrorTable

TABLES = [(ATOL_ERRORS, ATOL_ERROR_ENTRIES), (ATOL_TASK_ERRORS, ATOL_TASK_ERROR_ENTRIES)]


def test_families() -> None:
    assert ATOL_ERRORS.family == "atol"
    assert ATOL_TASK_ERRORS.family == "atol-v3-task"


@pytest.mark.parametrize(("table", "entries"), TABLES, ids=["device", "task"])
def test_codes_are_unique_and_all_loaded(table: ErrorTable, entries: tuple[ErrorEntry, ...]) -> None:
    codes = [e.code for e in entries]
    assert len(codes) == len(set(codes))
    assert len(table) == len(entries)
    assert all(code in table for code in codes)


def test_error_table_refuses_duplicate_codes() -> None:
    with pytest.raises(ValueError, match="0x8C"):
        ErrorTable("atol", [*ATOL_ERROR_ENTRIES, ErrorEntry(0x8C, "Дубль", "Duplicate")])


def test_device_codes_are_bytes_in_order_and_span_the_published_range() -> None:
    codes = [e.code for e in ATOL_ERROR_ENTRIES]
    assert codes == sorted(codes)
    assert all(0 <= c <= 0xFF for c in codes)
    assert codes[0] == 0x00 and codes[-1] == 0xF6
    assert len(codes) == 148  # every row of the published list


@pytest.mark.parametrize(("table", "entries"), TABLES, ids=["device", "task"])
def test_every_entry_has_both_texts_and_english_is_ascii(table: ErrorTable,
                                                          entries: tuple[ErrorEntry, ...]) -> None:
    for entry in entries:
        assert entry.ru.strip() and entry.en.strip(), hex(entry.code)
        assert entry.en.isascii(), hex(entry.code)
        assert entry.ru == entry.ru.strip() and entry.en == entry.en.strip()


@pytest.mark.parametrize(("code", "ru"), [
    (0x13, "Неверный формат"),
    (0x14, "Неверная длина"),
    (0x1E, "Вход в режим заблокирован"),
    (0x66, "Команда не реализуется в данном режиме ККТ"),
    (0x88, "Смена превысила 24 часа"),
    (0x8C, "Неверный пароль"),
    (0x94, "Неверная дата"),
    (0x95, "Неверное время"),
    (0x9A, "Чек закрыт – операция невозможна"),
    (0x9B, "Чек открыт – операция невозможна"),
    (0x9C, "Смена открыта, операция невозможна"),
    (0xA4, "Недопустимый пароль"),
    (0xF0, "Продолжительность смены ФН более 24 часов"),
])
def test_codes_used_by_the_emulator(code: int, ru: str) -> None:
    assert code in ATOL_ERRORS
    assert ATOL_ERRORS.entry(code).ru == ru


def test_task_layer_codes() -> None:
    assert [e.code for e in ATOL_TASK_ERROR_ENTRIES] == [0xB1, 0xB2, 0xB3, 0xB4]
    assert ATOL_TASK_ERRORS.entry(0xB3).en == "Task not found"


def test_error_builds_a_device_error() -> None:
    err = ATOL_ERRORS.error(0x8C, "56 enter mode")
    assert isinstance(err, DeviceError)
    assert err.code == 0x8C
    assert err.message_ru == "Неверный пароль"
    assert err.message == "Wrong password"
    assert err.family == "atol"
    assert err.command == "56 enter mode"
    assert "0x8C" in str(err) and "56 enter mode" in str(err)


def test_unknown_code_still_gives_a_device_error_naming_the_code() -> None:
    assert 0x02 not in ATOL_ERRORS
    err = ATOL_ERRORS.error(0x02)
    assert isinstance(err, DeviceError)
    assert err.code == 0x02
    assert "0x02" in err.message and "0x02" in err.message_ru
    assert "0x02" in str(err)
