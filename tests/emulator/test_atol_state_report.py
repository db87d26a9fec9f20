"""ATOL ``67 09``: the отчёт о текущем состоянии расчётов, in the mode of reports without reset, as the X-report.

Type 9 of ``67`` is named by one outside client only (atol4j, protocol-notes/atol/fiscal-commands.md); what is
checked here is that driver and emulator handle it the way they handle ``67 01``: mode 2, the printing sub-mode
2.2 afterwards, the ФН's document 21 — read from the virtual ФН itself, not through the codec.
"""

from __future__ import annotations

import time
from collections.abc import Iterator
from typing import Any

import pytest
from samples import REGISTRATION

from kkt_drivers import Kkt
from kkt_drivers.drivers.atol import AtolDriver, AtolMode

pytestmark = pytest.mark.family("atol")


@pytest.fixture(params=["v2", "v3"])
def kkt(request: pytest.FixtureRequest) -> Iterator[Kkt]:
    with Kkt.open(f"emu://atol?transport={request.param}") as opened:
        opened.register(REGISTRATION)
        yield opened


def _driver(kkt: Kkt) -> AtolDriver:
    driver = kkt.device
    assert isinstance(driver, AtolDriver)
    return driver


def _emulator(kkt: Kkt) -> Any:
    control: Any = kkt.device.emulator
    return control


def test_67_09_in_mode_2_makes_document_21_and_prints_like_the_x_report(kkt: Kkt) -> None:
    driver, emulator = _driver(kkt), _emulator(kkt)
    emulator.personality.print_seconds = 0.4
    driver.to_select_mode()
    driver.enter_mode(AtolMode.X_REPORTS, 29)
    assert driver.raw(b"\x67\x09")[:3] == b"\x55\x00\x00"
    mode = driver.state_code().mode
    assert (mode.mode, mode.sub_mode) == (AtolMode.X_REPORTS, 2)  # printing, as after 67 01
    row = emulator.fiscal.last_document()
    assert (row.number, row.document_type) == (2, 21)
    assert driver.wait_printed().mode is AtolMode.X_REPORTS


def test_67_09_outside_mode_2_is_refused_and_makes_nothing(kkt: Kkt) -> None:
    driver = _driver(kkt)
    driver.to_select_mode()
    assert driver.raw(b"\x67\x09")[:2] == b"\x55\x66"  # «команда не реализуется в данном режиме»
    driver.enter_mode(AtolMode.X_REPORTS, 29)
    assert driver.raw(b"\x67\x02")[:2] == b"\x55\xa3"  # other report types stay refused: «неверный тип отчёта»
    driver.to_select_mode()
    assert _emulator(kkt).fiscal.last_document().number == 1


def test_the_facade_waits_for_the_printout_and_leaves_the_register_in_select_mode(kkt: Kkt) -> None:
    _emulator(kkt).personality.print_seconds = 0.3
    kkt.open_shift()
    started = time.monotonic()
    doc = kkt.state_report()
    assert time.monotonic() - started >= 0.3
    assert doc.document_type == 21 and doc.number == 3
    assert _driver(kkt).state_code().mode.mode is AtolMode.SELECT
    assert kkt.close_shift().number == 4  # nothing is left half-way
