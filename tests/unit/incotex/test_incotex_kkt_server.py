"""«Сервер ККТ» goods files: [S4]'s record form, groups, per-register filter and percent, refusals naming the
record (nothing kept from a refused file)."""

from __future__ import annotations

from decimal import Decimal
from typing import Any

import pytest

from kkt_drivers.errors import InvalidParameter
from kkt_drivers.protocols.incotex import kkt_server as ks

#: a record as [S4]'s integration writes it (price as a string of kopecks, taxSystem −1, agentNum)
S4_RECORD = {"code": 1, "barcode": 4601234567890, "name": "Молоко 3,2%", "price": "12345", "marked": False,
             "section": 1, "typeCode": 1, "undivided": True, "taxSystem": -1, "taxCode": 6, "agentNum": 0}


def goods_file(*records: dict[str, Any]) -> dict[str, Any]:
    return {"groups": [{"id": 1, "name": "Молочные"}, {"id": 2, "name": "Хлеб"}], "base": list(records)}


def test_the_s4_record_form_is_read() -> None:
    groups, goods = ks.parse_goods_file({"base": [S4_RECORD]})
    assert groups == {}
    [item] = goods
    assert item.record.price == Decimal("123.45") and item.record.barcode == "4601234567890"
    assert item.record.tax_system is None and item.group is None  # −1: the register's default system


@pytest.mark.parametrize(("record", "index", "words"), [
    ({"code": 5, "name": "Хлеб", "price": 100, "group": 9}, 2, "неизвестная группа 9"),
    ({"code": 5, "name": "Хлеб", "price": -1}, 2, "отрицательная цена -1"),
    ({"code": 5, "name": "Х" * 57, "price": 1}, 2, "наименование длиннее 56"),
    ({"code": 1, "name": "Хлеб", "price": 1}, 2, "код товара повторяется"),
    ({"name": "Хлеб", "price": 1}, 2, "нет кода товара"),
    ({"code": 10001, "name": "Хлеб", "price": 1}, 2, "код вне диапазона"),
])
def test_a_bad_record_refuses_the_file_naming_it(record: dict[str, Any], index: int, words: str) -> None:
    with pytest.raises(ks.GoodsBaseError) as caught:
        ks.parse_goods_file(goods_file({"code": 1, "name": "Кефир", "price": 7000, "group": 1}, record))
    assert caught.value.index == index and f"запись {index}" in caught.value.message_ru
    assert words in caught.value.message_ru and f"record {index}" in str(caught.value)


def test_groups_filter_and_percent_reprice_what_a_register_gets() -> None:
    _, goods = ks.parse_goods_file(goods_file({"code": 1, "name": "Молоко", "price": "8990", "group": 1},
                                              {"code": 2, "name": "Хлеб", "price": 4550, "group": 2},
                                              {"code": 3, "name": "Пакет", "price": 333}))
    discounted = ks.goods_for_device(goods, ks.DeviceSettings((1,), 90))
    assert [(r.code, r.price) for r in discounted] == [(1, Decimal("80.91"))]  # 89.90 × 0.9
    marked_up = ks.goods_for_device(goods, ks.DeviceSettings(None, 115))
    # 89.90 × 1.15 = 103.385 -> 103.39; 45.50 × 1.15 = 52.325 -> 52.33; 3.33 × 1.15 = 3.8295 -> 3.83 (half up)
    assert [(r.code, r.price) for r in marked_up] == [(1, Decimal("103.39")), (2, Decimal("52.33")),
                                                     (3, Decimal("3.83"))]
    assert [r.price for r in ks.goods_for_device(goods, ks.DeviceSettings())] == [
        Decimal("89.90"), Decimal("45.50"), Decimal("3.33")]


@pytest.mark.parametrize("raw", [{"groups": [1, 2], "percent": 90}, {"groups": None, "percent": 0},
                                 {"percent": True}, {"groups": "all"}, [1]])
def test_register_settings_are_checked(raw: Any) -> None:
    if raw == {"groups": [1, 2], "percent": 90}:
        assert ks.DeviceSettings.from_json(raw) == ks.DeviceSettings((1, 2), 90)
        return
    with pytest.raises(InvalidParameter):
        ks.DeviceSettings.from_json(raw)


def test_a_register_checks_names_against_its_own_limit() -> None:
    records = [{"code": 1, "name": "Короткое", "price": 100}, {"code": 2, "name": "Н" * 41, "price": 100}]
    assert len(ks.check_device_base(records, max_name=56)) == 2
    with pytest.raises(ks.GoodsBaseError) as caught:
        ks.check_device_base(records, max_name=40)
    assert caught.value.index == 2 and caught.value.code == 2 and len(caught.value.short_ru) <= 40


def test_a_stored_record_is_written_back_in_the_s4_form() -> None:
    _, [item] = ks.parse_goods_file(goods_file({**S4_RECORD, "group": 2}))
    written = ks.record_to_file(item)
    assert written["price"] == "12345" and written["group"] == 2 and written["barcode"] == 4601234567890
