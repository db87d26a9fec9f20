"""The scale personalities: what each family's emulator does beyond the contract — Massa-K's lenient CRC and
both weight replies, CAS with and without ENQ, CAS LP's goods memory kept in its device store — and uploads
that are interrupted and resumed."""

from __future__ import annotations

import dataclasses
import time
from decimal import Decimal
from pathlib import Path
from typing import Any

import pytest
from kkt_emu.core.control import DeviceControl
from kkt_emu.personalities import create_device

from kkt_drivers import DeviceError, Timeout, connect
from kkt_drivers.drivers.cas import CasScale
from kkt_drivers.drivers.caslp import CasLpScale
from kkt_drivers.drivers.massak import MassaKScale
from kkt_drivers.protocols.massak import commands as mk
from kkt_drivers.protocols.massak.framer import encode, encode_with_crc
from kkt_drivers.scale import LabelScale, Scale, UploadInterrupted
from kkt_drivers.scale_device import Goods
from kkt_drivers.scale_upload import UploadState


def op(device: Any, name: str, **request: Any) -> dict[str, Any]:
    control: Any = device.emulator
    with control.device.lock:
        reply: dict[str, Any] = control.personality.control(name, request)
    return reply


def _read_frame(device: Any, timeout: float = 1.0) -> bytes:
    deadline = time.monotonic() + timeout
    data = b""
    while time.monotonic() < deadline:
        data += device.transport.read(0.05)
        if len(data) >= 7 and len(data) >= 7 + int.from_bytes(data[3:5], "little"):
            return data
    return data


# -- Massa-K -----------------------------------------------------------------------------------------------


@pytest.mark.parametrize("scheme", ["emu", "emu+tcp"])
@pytest.mark.parametrize("crc", [0x0000, 0x9DD8])  # zeros (one client), CRC-16/AUG-CCITT big-endian (another)
def test_massak_serves_a_request_whose_crc_is_wrong_and_counts_it(scheme: str, crc: int) -> None:
    with connect(f"{scheme}://massak") as device:
        assert isinstance(device, MassaKScale)
        op(device, "set_weight", value="0.512", settle=0)
        device.transport.write(encode_with_crc(mk.GetMassa().to_body(), crc))
        reply = mk.parse_reply(_read_frame(device)[5:-2])
        assert isinstance(reply, mk.MassaReading) and reply.weight == 512 and reply.stable
        assert op(device, "scale_state")["crc_mismatches"] == 1
        device.transport.write(encode(mk.GetMassa().to_body()))
        _read_frame(device)
        assert op(device, "scale_state")["crc_mismatches"] == 1


def test_massak_strict_crc_fault_drops_such_requests() -> None:
    with connect("emu://massak") as device:
        assert device.emulator is not None
        device.emulator.set_fault("strict_crc", True)
        device.transport.write(encode_with_crc(mk.GetMassa().to_body(), 0))
        assert _read_frame(device, 0.3) == b""
        assert isinstance(device, MassaKScale) and device.read_weight().value == Decimal("0.000")


@pytest.mark.parametrize(("model", "tare"), [("mk-15", Decimal("0.000")), ("mk-15-short", None)])
def test_massak_both_weight_reply_lengths(model: str, tare: Decimal | None) -> None:
    with connect(f"emu://massak?model={model}") as device:
        assert isinstance(device, MassaKScale)
        op(device, "set_weight", value="3.21", settle=0)
        weight = device.read_weight()
        assert weight.value == Decimal("3.210") and weight.tare == tare and weight.stable


def test_massak_tcp_weight_request() -> None:
    with connect("emu://massak?request=a0") as device:
        assert isinstance(device, MassaKScale)
        op(device, "set_weight", value="7.5", settle=0)
        assert device.read_weight().value == Decimal("7.500")
        op(device, "set_weight", value="30", settle=0)
        assert device.read_weight().overload


def test_massak_refusals_carry_the_device_codes() -> None:
    with connect("emu://massak") as device:
        assert isinstance(device, MassaKScale)
        op(device, "set_weight", value="5", settle=0)  # beyond the zero range (4 % of 15 kg)
        with pytest.raises(DeviceError) as caught:
            device.zero()
        assert caught.value.code == 0x15 and caught.value.message_ru == "Установка >0< невозможна"
        with pytest.raises(DeviceError) as caught:
            device.set_tare(Decimal("7"))  # above the 6 kg maximum tare
        assert caught.value.code == mk.Cmd.NACK_TARE
        assert device.parameters().max_capacity == "Max 6/15 kg"


# -- CAS ---------------------------------------------------------------------------------------------------


def test_cas_without_enq_and_a_busy_scale() -> None:
    with connect("emu://cas?enq=no") as device:
        assert isinstance(device, CasScale)
        op(device, "set_weight", value="0.626", settle=0)
        assert device.read_weight().value == Decimal("0.626")
    with connect("emu://cas") as device:
        assert isinstance(device, CasScale) and device.emulator is not None
        device.emulator.set_fault("busy", 2)  # two NAKs to ENQ, then ACK
        op(device, "set_weight", value="0.488", settle=0)
        assert device.read_weight().value == Decimal("0.488")


def test_cas_that_requires_enq_ignores_a_bare_dc1() -> None:
    with connect("emu://cas?enq=no") as device:
        assert device.emulator is not None
        device.emulator.set_fault("require_enq", True)
        device.session.execution_scale = 0.2
        with pytest.raises(Timeout):
            device.read_weight()  # type: ignore[attr-defined]


def test_cas_price_frame() -> None:
    with connect("emu://cas") as device:
        assert isinstance(device, CasScale)
        op(device, "set_weight", value="1.5", settle=0)
        op(device, "set_price", price=45000)
        reading = device.read_price()
        assert reading.weight.value == Decimal("1.500")
        assert reading.unit_price_value == Decimal("450.00") and reading.total_value == Decimal("675.00")
    with connect("emu://cas?model=pr-15") as device:
        assert isinstance(device, CasScale)
        device.session.execution_scale = 0.2
        with pytest.raises(Timeout):
            device.read_price()  # a weight-only scale does not answer DC2


def test_cas_keys_of_the_scale_tare_it() -> None:
    with Scale.open("emu://cas") as scale:
        op(scale.device, "set_weight", value="0.3", settle=0)
        op(scale.device, "press_tare")
        op(scale.device, "set_weight", value="1.3", settle=0)
        assert scale.wait_stable(timeout=2).value == Decimal("1.000")


# -- CAS LP ------------------------------------------------------------------------------------------------


GOODS = [Goods(n, f"Товар {n}", 100 * n, code=n) for n in range(1, 21)]


def test_caslp_goods_memory_survives_a_restart_of_the_emulator(tmp_path: Path) -> None:
    with connect(f"emu://caslp?state={tmp_path}") as device:
        assert isinstance(device, CasLpScale)
        for goods in GOODS:
            device.write_plu(goods)
        device.delete_plu(5)
    with connect(f"emu://caslp?state={tmp_path}") as device:
        assert isinstance(device, CasLpScale)
        assert device.read_plu(7) == GOODS[6] and device.read_plu(5) is None
        assert device.totals().free_plu == 3999 - 19
        assert device.emulator is not None
        device.emulator.reset()  # factory-new: the memory is empty, also after another restart
    with connect(f"emu://caslp?state={tmp_path}") as device:
        assert isinstance(device, CasLpScale) and device.read_plu(7) is None


def test_caslp_refuses_a_plu_beyond_its_memory() -> None:
    with connect("emu://caslp?plu_max=5000") as device:  # the driver told a wrong, larger range
        assert isinstance(device, CasLpScale)
        with pytest.raises(DeviceError) as caught:
            device.write_plu(Goods(4000, "Хлеб", 100))
        assert caught.value.code == 0xEE


def test_an_interrupted_upload_resumes_with_the_rest(tmp_path: Path) -> None:
    device = create_device("caslp")
    control = DeviceControl(device)
    state = UploadState.open("resume-test", tmp_path)
    from kkt_emu.attach.inprocess import InProcessTransport

    from kkt_drivers.drivers.caslp.family import FAMILY, CasLpOptions

    transport = InProcessTransport(device, "default")
    transport.open()
    scale = LabelScale(FAMILY.open(transport, CasLpOptions()), state=state)  # type: ignore[arg-type]
    personality: Any = device.personality
    original = personality._write_plu
    calls = 0

    def failing_after_seven(data: bytes) -> Any:
        nonlocal calls
        calls += 1
        if calls > 7:
            control.set_fault("busy", 100)  # the scale stays busy: every command EE
        return original(data)

    personality._write_plu = failing_after_seven
    with pytest.raises(UploadInterrupted) as caught:
        scale.upload(GOODS)
    assert caught.value.sent == 8 and caught.value.goods == GOODS[8] and caught.value.total == 20
    assert isinstance(caught.value.__cause__, DeviceError)
    personality._write_plu = original
    device.faults.clear()
    scale.device.session.reconnect()
    writes_before = personality.plu_writes
    result = scale.upload(GOODS)
    assert result.sent == tuple(range(9, 21)) and result.unchanged == 8
    assert personality.plu_writes - writes_before == 12
    scale.close()
    device.close()


def test_a_lost_answer_to_a_write_is_repeated_and_the_upload_completes() -> None:
    with LabelScale.open("emu://caslp") as scale:
        assert scale.device.emulator is not None
        scale.device.session.execution_scale = 0.2
        scale.device.emulator.set_fault("withhold_command", "plu_write")
        result = scale.upload(GOODS[:5])
        assert result.sent == (1, 2, 3, 4, 5)
        assert [scale.read(n) for n in (1, 5)] == [GOODS[0], GOODS[4]]


def test_the_ten_thousand_goods_of_the_issue_and_three_changed_prices() -> None:
    goods = [Goods(n, f"Товар весовой {n}", 10_000 + n, code=n, shelf_life_days=n % 90) for n in range(1, 10_001)]
    with LabelScale.open("emu://caslp?model=lp16-65k&plu_max=65535&name=issue-10k") as scale:
        progress: list[int] = []
        first = scale.upload(goods, progress=lambda done, total: progress.append(done))
        assert len(first.sent) == 10_000 and progress[-1] == 10_000 and len(progress) == 10_000
        changed = list(goods)
        for index in (41, 4_999, 9_998):
            changed[index] = dataclasses.replace(changed[index], price=changed[index].price + 150)
        second = scale.upload(changed)
        assert second.sent == (42, 5_000, 9_999) and second.unchanged == 9_997
        assert scale.read(5_000) == changed[4_999]
        assert op(scale.device, "plu_memory")["plu_count"] == 10_000


def test_taring_again_on_a_scale_that_does_not_report_its_tare() -> None:
    with Scale.open("emu://massak?model=mk-15-short") as scale:
        op(scale.device, "set_weight", value="0.5", settle=0)
        scale.tare()
        op(scale.device, "set_weight", value="1.2", settle=0)
        weight = scale.wait_stable(timeout=2)
        assert weight.value == Decimal("0.700") and weight.net and weight.tare is None
        scale.tare()  # the whole 1.2 kg becomes the tare, not the 0.7 kg net shown
        op(scale.device, "set_weight", value="1.5", settle=0)
        assert scale.wait_stable(timeout=2).value == Decimal("0.300")
