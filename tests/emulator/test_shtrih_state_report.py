"""Shtrih-M: the отчёт о текущем состоянии расчётов as FF37h «начать», the cashier's requisites, FF38h — and a
refused FF38h leaves no begun document behind (the driver cancels it with FF08h)."""

from __future__ import annotations

from collections.abc import Iterator
from typing import Any

import pytest
from samples import REGISTRATION

from kkt_drivers import DeviceError
from kkt_drivers.kkt import Kkt
from kkt_drivers.types import Cashier

pytestmark = pytest.mark.family("shtrih")


@pytest.fixture
def ready() -> Iterator[Kkt]:
    with Kkt.open("emu://shtrih") as kkt:
        kkt.register(REGISTRATION)
        kkt.open_shift()
        yield kkt


def _emulator(kkt: Kkt) -> Any:
    control: Any = kkt.device.emulator
    return control


def test_ff37_the_cashier_then_ff38(ready: Kkt) -> None:
    sent: list[bytes] = []
    ready.device.session.hooks.append(lambda direction, data: sent.append(data) if direction == "tx" else None)
    doc = ready.state_report(cashier=Cashier("Петров П.П.", inn="500100732259"))
    wire = b"".join(sent)
    begin, requisite, report = wire.find(b"\xff\x37"), wire.find(b"\xff\x0c"), wire.find(b"\xff\x38")
    assert -1 < begin < requisite < report
    tlv_1021 = (1021).to_bytes(2, "little") + len("Петров П.П.").to_bytes(2, "little") + "Петров П.П.".encode("cp866")
    assert tlv_1021 in wire[requisite:report] and b"500100732259" in wire[requisite:report]  # 1021, 1203
    row = _emulator(ready).fiscal.document(doc.number)
    assert (row.document_type, row.fiscal_sign) == (21, doc.fiscal_sign)


def test_a_refused_ff38_cancels_the_begun_document(ready: Kkt) -> None:
    emulator = _emulator(ready)
    emulator.fiscal.fill_memory(emulator.fiscal.config.capacity)  # the ФН's archive is full: FF38h is refused
    last = emulator.fiscal.last_document().number
    with pytest.raises(DeviceError):
        ready.state_report()
    assert emulator.personality.pending is None  # FF08h dropped what FF37h began
    assert emulator.fiscal.last_document().number == last
