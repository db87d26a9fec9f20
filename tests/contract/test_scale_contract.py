"""The scale contract: every scale family, over every attachment (in-process, pty, TCP), through the
:class:`~kkt_drivers.scale.Scale` / :class:`~kkt_drivers.scale.LabelScale` facade.

Weights are set through the emulator's control ops (``scale_emulator``); on a real scale those tests skip.
What a family lacks is asserted as ``NotSupported`` before a byte is sent, never just skipped.
"""

from __future__ import annotations

import dataclasses
from decimal import Decimal

import pytest

from kkt_drivers import NotSupported
from kkt_drivers.scale import LabelScale, Scale, ScaleOverload
from kkt_drivers.scale_device import Goods, InvalidGoods, ScaleOp
from kkt_drivers.testing.pytest_plugin import ScaleEmulator

pytestmark = pytest.mark.emulator_only


def _sent(scale: Scale) -> list[bytes]:
    sent: list[bytes] = []
    scale.device.session.hooks.append(lambda direction, data: sent.append(data) if direction == "tx" else None)
    return sent


def test_a_stable_weight_is_read(scale: Scale, scale_emulator: ScaleEmulator) -> None:
    scale_emulator.op("set_weight", value="1.234", settle=0.2)
    weight = scale.wait_stable(timeout=5)
    assert weight.stable and weight.value == Decimal("1.234") and weight.unit == "kg" and not weight.overload


def test_a_new_load_is_unstable_until_it_settles(scale: Scale, scale_emulator: ScaleEmulator) -> None:
    scale_emulator.op("set_weight", value=2, settle=0.6)
    first = scale.weigh()
    assert not first.stable
    settled = scale.wait_stable(timeout=5)
    assert settled.stable and settled.value == Decimal("2.000")


def test_a_vibrating_platform_never_gives_a_stable_weight(scale: Scale, scale_emulator: ScaleEmulator) -> None:
    scale_emulator.op("set_weight", value=1, settle=0, noise=20)
    with pytest.raises(TimeoutError, match="no stable weight"):
        scale.wait_stable(timeout=0.6)
    scale_emulator.op("set_weight", value=1, settle=0, noise=0)
    assert scale.wait_stable(timeout=2).value == Decimal("1.000")


def test_overload_is_reported_not_a_number(scale: Scale, scale_emulator: ScaleEmulator) -> None:
    scale_emulator.op("set_weight", value=40, settle=0)
    weight = scale.weigh()
    assert weight.overload and weight.value is None and not weight.stable
    with pytest.raises(ScaleOverload):
        scale.wait_stable(timeout=0.3)


def test_a_negative_weight_keeps_its_sign(scale: Scale, scale_emulator: ScaleEmulator) -> None:
    scale_emulator.op("set_weight", value="-0.1", settle=0)
    assert scale.wait_stable(timeout=2).value == Decimal("-0.100")


def test_tare_gives_a_net_weight_or_is_not_supported(scale: Scale, scale_emulator: ScaleEmulator) -> None:
    scale_emulator.op("set_weight", value="0.5", settle=0)
    if not (scale.supports(ScaleOp.TARE) or scale.supports(ScaleOp.SET_TARE)):
        sent = _sent(scale)
        with pytest.raises(NotSupported):
            scale.tare()
        assert sent == []
        return
    scale.tare()
    net = scale.wait_stable(timeout=2)
    assert net.value == Decimal("0.000") and net.net
    scale_emulator.op("set_weight", value="1.5", settle=0)
    assert scale.wait_stable(timeout=2).value == Decimal("1.000")
    scale.tare(Decimal(0))
    assert scale.wait_stable(timeout=2).value == Decimal("1.500")


def test_zero_or_not_supported(scale: Scale, scale_emulator: ScaleEmulator) -> None:
    scale_emulator.op("set_weight", value="0.1", settle=0)
    if not scale.supports(ScaleOp.ZERO):
        sent = _sent(scale)
        with pytest.raises(NotSupported):
            scale.zero()
        assert sent == []
        return
    scale.wait_stable(timeout=2)
    scale.zero()
    weight = scale.wait_stable(timeout=2)
    assert weight.value == Decimal("0.000") and weight.zero


# -- label scales -------------------------------------------------------------------------------------


def _label(scale: Scale) -> LabelScale:
    if not isinstance(scale, LabelScale):
        sent = _sent(scale)
        with pytest.raises(NotSupported):
            scale.device.write_plu(Goods(1, "Хлеб", 100))
        assert sent == []
        pytest.skip(f"{scale.family} scales have no goods memory (NotSupported asserted)")
    return scale


GOODS = [Goods(n, f"Товар номер {n} весовой", 1000 + n, code=100_000 + n, shelf_life_days=n % 30) for n in
         range(1, 41)]


def test_goods_are_written_and_read_back(scale: Scale) -> None:
    label = _label(scale)
    result = label.upload(GOODS)
    assert result.sent == tuple(g.plu for g in GOODS) and result.unchanged == 0
    for goods in (GOODS[0], GOODS[17], GOODS[-1]):
        assert label.read(goods.plu) == goods
    assert label.read(41) is None


def test_only_changed_goods_are_sent_again(scale: Scale) -> None:
    label = _label(scale)
    label.upload(GOODS)
    changed = list(GOODS)
    changed[3] = dataclasses.replace(changed[3], price=9999)
    changed[10] = dataclasses.replace(changed[10], name="Новое имя")
    changed[20] = dataclasses.replace(changed[20], code=777)
    progress: list[tuple[int, int]] = []
    result = label.upload(changed, progress=lambda done, total: progress.append((done, total)))
    assert result.sent == (4, 11, 21) and result.unchanged == 37
    assert progress == [(1, 3), (2, 3), (3, 3)]
    assert label.read(11) == changed[10] and label.read(4) == changed[3]
    assert label.upload(changed).sent == ()


def test_bad_goods_are_refused_and_nothing_is_written(scale: Scale) -> None:
    label = _label(scale)
    bad = [*GOODS[:5], Goods(6, "Сыр", label.limits.price_max + 1), *GOODS[6:]]
    sent = _sent(label)
    with pytest.raises(InvalidGoods, match=r"goods #6 \(PLU 6, 'Сыр'\): price"):
        label.upload(bad)
    with pytest.raises(InvalidGoods, match=r"PLU \d+.*plu"):
        label.upload([Goods(label.limits.plu_max + 1, "Хлеб", 100)])
    assert sent == []


def test_delete_and_prune(scale: Scale) -> None:
    label = _label(scale)
    label.upload(GOODS[:10])
    label.delete(3)
    assert label.read(3) is None
    result = label.upload(GOODS[:5], prune=True)
    assert result.sent == (3,) and result.deleted == (6, 7, 8, 9, 10)
    assert label.read(8) is None and label.read(5) == GOODS[4]


def test_reload_clears_the_scale_and_sends_everything(scale: Scale) -> None:
    label = _label(scale)
    label.upload(GOODS[:10])
    result = label.reload(GOODS[5:15])
    assert result.sent == tuple(range(6, 16)) and result.unchanged == 0
    assert label.read(1) is None and label.read(15) == GOODS[14]
