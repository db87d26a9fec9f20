"""Goods for label scales: the name laid out over the record's lines, every limit checked and named, whole
uploads validated before anything is sent; and the scale families' capabilities against their drivers."""

from __future__ import annotations

import pytest

from kkt_drivers.device import DeviceDriver
from kkt_drivers.errors import NotSupported
from kkt_drivers.families import family_names, get_family
from kkt_drivers.scale_device import (
    METHOD_OPERATIONS,
    Goods,
    InvalidGoods,
    LabelLimits,
    ScaleDevice,
    ScaleOp,
    Weight,
    split_name,
    validate_goods,
    validate_upload,
)

LIMITS = LabelLimits(plu_max=3999, line_bytes=28, name_lines=2, price_max=999_999, piece_goods=False)
SCALES = [name for name in family_names() if get_family(name).kind == "scale"]


def test_a_short_name_takes_one_line() -> None:
    assert split_name("Сыр Российский", LIMITS) == ("Сыр Российский", "")


def test_words_are_kept_whole_across_lines() -> None:
    name = "Колбаса варёная Докторская высший сорт ГОСТ"
    first, second = split_name(name, LIMITS)
    assert (first, second) == ("Колбаса варёная Докторская", "высший сорт ГОСТ")
    assert len(first.encode("cp1251")) <= 28


def test_a_word_longer_than_a_line_is_cut() -> None:
    assert split_name("А" * 30, LIMITS) == ("А" * 28, "АА")


def test_a_name_too_long_for_the_record_names_the_item() -> None:
    goods = Goods(17, "слово " * 12, 100)
    with pytest.raises(InvalidGoods, match=r"PLU 17.*name needs 3 lines of 28 bytes; the scale's record has 2") as e:
        validate_goods(goods, LIMITS)
    assert e.value.field == "name" and e.value.plu == 17
    assert "ПЛУ 17" in e.value.message_ru


def test_a_character_outside_the_code_page_is_refused() -> None:
    with pytest.raises(InvalidGoods, match=r"name has '€', which the scale's code page \(cp866\) lacks"):
        validate_goods(Goods(1, "Евро € товар", 100), LabelLimits(encoding="cp866"))


@pytest.mark.parametrize(("goods", "field", "fragment"), [
    (Goods(0, "Хлеб", 100), "plu", "0 is outside the scale's range 1..3999"),
    (Goods(4000, "Хлеб", 100), "plu", "4000 is outside the scale's range 1..3999"),
    (Goods(1, "Хлеб", 1_000_000), "price", "1000000 kopecks is outside the scale's range 0..999999 kopecks"),
    (Goods(1, "Хлеб", -1), "price", "outside"),
    (Goods(1, "Хлеб", 100, code=1_000_000), "code", "outside"),
    (Goods(1, "Хлеб", 100, shelf_life_days=1000), "shelf_life_days", "outside"),
    (Goods(1, "Хлеб", 100, tare_g=70_000), "tare_g", "outside"),
    (Goods(1, "Хлеб", 100, group=-5), "group", "outside"),
    (Goods(1, "Хлеб", 100, piece=True), "piece", "no piece-goods flag"),
    (Goods(1, "   ", 100), "name", "is empty"),
    (Goods(1, "Хлеб", "100"), "price", "must be an integer"),  # type: ignore[arg-type]
])
def test_each_limit_is_checked_and_named(goods: Goods, field: str, fragment: str) -> None:
    with pytest.raises(InvalidGoods) as caught:
        validate_goods(goods, LIMITS)
    assert caught.value.field == field and fragment in str(caught.value)
    assert f"PLU {goods.plu}" in str(caught.value)


class _Checker(ScaleDevice):
    """A scale that sends nothing: enough to validate uploads."""

    family = "checker"
    label_limits = LIMITS

    def read_weight(self) -> Weight:
        raise AssertionError("not used")


def test_an_upload_names_the_position_of_the_bad_item() -> None:
    goods = [Goods(1, "Хлеб", 100), Goods(2, "Молоко", 200), Goods(3, "Сыр", 10**7)]
    with pytest.raises(InvalidGoods, match=r"goods #3 \(PLU 3, 'Сыр'\): price") as caught:
        validate_upload(goods, _Checker.__new__(_Checker))
    assert caught.value.index == 2


def test_an_upload_with_a_plu_twice_is_refused() -> None:
    goods = [Goods(5, "Хлеб", 100), Goods(6, "Молоко", 200), Goods(5, "Сыр", 300)]
    with pytest.raises(InvalidGoods, match=r"goods #3 \(PLU 5, 'Сыр'\): plu is also used by goods #1"):
        validate_upload(goods, _Checker.__new__(_Checker))


def test_a_scale_without_a_goods_memory_refuses_goods_as_not_supported() -> None:
    class Plain(_Checker):
        label_limits = None

    with pytest.raises(NotSupported):
        Plain.__new__(Plain).check_goods(Goods(1, "Хлеб", 100))


# -- the scale families ----------------------------------------------------------------------------------


def test_there_are_scale_families() -> None:
    assert {"massak", "cas", "caslp"} <= set(SCALES)


@pytest.mark.parametrize("name", SCALES)
def test_a_scale_family_lists_exactly_the_operations_its_driver_implements(name: str) -> None:
    family = get_family(name)
    driver: type[DeviceDriver] = family.driver_type()
    assert issubclass(driver, ScaleDevice) and driver.kind == family.kind == "scale"
    implemented = {ScaleOp.WEIGH} | {op for method, op in METHOD_OPERATIONS.items()
                                     if getattr(driver, method) is not getattr(ScaleDevice, method)}
    assert set(family.capabilities) == implemented
    assert set(family.capabilities) <= set(ScaleOp.ALL)
