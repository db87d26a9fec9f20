"""Fiscal behaviour that needs the emulator's control API: time, ФН limits, lost answers."""

from __future__ import annotations

from typing import Any

import pytest
from samples import make_receipt

from kkt_drivers import DeviceError
from kkt_drivers.ffd import decode_document
from kkt_drivers.kkt import Kkt
from kkt_drivers.types import Registration

pytestmark = [pytest.mark.emulator_only, pytest.mark.requires("register", "open_shift", "receipt")]

#: the code each family's register gives for each refusal (a family not listed: any DeviceError)
REFUSAL_CODES: dict[str, dict[str, set[int]]] = {
    "shift_expired": {"atol": {0x88}, "shtrih": {0x4E}},  # смена превысила 24 часа
    "ofd_30_days": {"atol": {0xEF, 0xEB}, "shtrih": {0x15}},  # 30 дней без ОФД
    "memory_full": {"atol": {0xD8, 0xEF}, "shtrih": {0x14}},  # архив ФН переполнен
}


@pytest.fixture
def ready(kkt: Kkt, kkt_emulator: Any, registration: Registration) -> Kkt:
    kkt.register(registration)
    kkt.open_shift()
    return kkt


def test_shift_expires_after_24_hours(ready: Kkt, kkt_emulator: Any) -> None:
    ready.sell(make_receipt())
    kkt_emulator.advance_clock(24 * 3600 + 60)
    state = ready.shift_state()
    assert state.open and state.expired
    with pytest.raises(DeviceError) as caught:
        ready.sell(make_receipt())
    assert caught.value.code in REFUSAL_CODES["shift_expired"].get(ready.family, {caught.value.code})
    closed = ready.close_shift()  # closing is still allowed
    assert not ready.shift_state().open and closed.number > 0
    ready.open_shift()
    assert ready.sell(make_receipt()).document.number == closed.number + 2


def test_thirty_days_without_the_ofd_block_receipts(ready: Kkt, kkt_emulator: Any) -> None:
    kkt_emulator.fiscal.set_ofd(None)  # the OFD never confirms
    ready.sell(make_receipt())
    assert ready.ofd_status().unsent_count >= 1
    ready.close_shift()
    kkt_emulator.advance_clock(31 * 24 * 3600)
    with pytest.raises(DeviceError) as caught:
        ready.open_shift()
    assert caught.value.code in REFUSAL_CODES["ofd_30_days"].get(ready.family, {caught.value.code})
    assert "ФН" in caught.value.message_ru or caught.value.message_ru


def test_ofd_confirmation_empties_the_queue(ready: Kkt, kkt_emulator: Any) -> None:
    kkt_emulator.fiscal.set_ofd(None)
    ready.sell(make_receipt())
    ready.sell(make_receipt())
    status = ready.ofd_status()
    assert status.unsent_count >= 2 and status.first_unsent_number >= 1
    assert status.first_unsent_datetime is not None
    kkt_emulator.fiscal.set_ofd(0.0)
    kkt_emulator.fiscal.ofd_tick()
    assert ready.ofd_status().unsent_count == 0


def test_exhausted_fn_memory_refuses_documents(ready: Kkt, kkt_emulator: Any) -> None:
    core = kkt_emulator.fiscal
    core.fill_memory(core.config.capacity)
    with pytest.raises(DeviceError) as caught:
        ready.sell(make_receipt())
    assert caught.value.code in REFUSAL_CODES["memory_full"].get(ready.family, {caught.value.code})
    assert ready.fn_status().warnings & 0x04


def test_lost_answer_to_close_receipt_never_duplicates_the_document(ready: Kkt, kkt_emulator: Any) -> None:
    before = ready.fn_status().last_document_number
    kkt_emulator.set_fault("withhold_command", "close_receipt")
    ready.driver.session.execution_scale = 0.05  # notice the lost answer in 1 s, not 20 s
    result = ready.sell(make_receipt())
    ready.driver.session.execution_scale = 1.0
    after = ready.fn_status().last_document_number
    assert after == before + 1 and result.document.number == after
    assert not ready.status().receipt_open
    assert ready.sell(make_receipt()).document.number == after + 1


def test_device_state_outlives_the_connection(ready: Kkt, kkt_emulator: Any) -> None:
    ready.sell(make_receipt())
    last = ready.fn_status().last_document_number
    assert kkt_emulator.fiscal.last_document().number == last


@pytest.mark.family("atol")
def test_the_clock_cannot_be_set_during_a_shift(ready: Kkt) -> None:
    """ATOL refuses ED in an open shift, so the ФН's 5-minute rule (17h) cannot be reached from the host;
    with the shift closed the clock moves and the next shift works (the jump is reset by that document)."""
    from datetime import timedelta

    ready.sell(make_receipt())
    with pytest.raises(DeviceError) as caught:
        ready.driver.set_datetime(ready.driver.read_datetime() + timedelta(minutes=10))
    assert caught.value.code == 0x9C
    ready.close_shift()
    target = ready.driver.read_datetime() + timedelta(minutes=10)
    ready.driver.set_datetime(target)
    assert abs((ready.driver.read_datetime() - target).total_seconds()) <= 3
    ready.open_shift()
    assert ready.sell(make_receipt()).document.datetime >= target.replace(second=0)


@pytest.mark.requires("close_shift", "close_fn")
def test_fn_replacement_starts_a_new_drive(ready: Kkt, kkt_emulator: Any, registration: Registration) -> None:
    ready.sell(make_receipt())
    ready.close_shift()
    kkt_emulator.fiscal.set_ofd(0.0)
    kkt_emulator.fiscal.ofd_tick()
    ready.close_fn()
    old = ready.fn_status()
    assert old.phase.name in ("ARCHIVE", "POST_FISCAL")
    doc = ready.replace_fn("9999078900054321", registration)
    new = ready.fn_status()
    assert new.fn_number == "9999078900054321" and new.fn_number != old.fn_number
    assert new.phase.name == "FISCAL" and doc.number == 1
    ready.open_shift()
    assert ready.sell(make_receipt()).document.number == 3


def test_connection_dropped_after_close_receipt_never_duplicates_the_document(ready: Kkt, kkt_emulator: Any) -> None:
    """The device runs 4A and hangs up (TCP, in-process) or loses the answer (a pty cannot hang up)."""
    before = ready.fn_status().last_document_number
    kkt_emulator.set_fault("disconnect_command", "close_receipt")
    ready.driver.session.execution_scale = 0.05
    result = ready.sell(make_receipt())
    ready.driver.session.execution_scale = 1.0
    assert ready.fn_status().last_document_number == before + 1 == result.document.number
    assert ready.sell(make_receipt()).document.number == before + 2


def test_connection_dropped_after_opening_the_shift_is_settled_from_the_fn(kkt: Kkt, kkt_emulator: Any,
                                                                          registration: Registration) -> None:
    kkt.register(registration)
    kkt_emulator.set_fault("disconnect_command", "open_shift")
    kkt.driver.session.execution_scale = 0.05
    opened = kkt.open_shift()
    kkt.driver.session.execution_scale = 1.0
    assert opened.number == 2 and kkt.shift_state().open
    assert kkt.fn_status().last_document_number == 2


@pytest.mark.family("atol")
def test_e8_blocks_out_of_order_are_refused_and_forget_the_partial_requisite(ready: Kkt) -> None:
    """Block numbers must run 0..count-1 under one count; anything else is 13h and drops what came."""
    from kkt_drivers.drivers.atol import AtolMode
    from kkt_drivers.ffd.tlv import encode_tlv
    from kkt_drivers.protocols.atol import fiscal_commands as f

    d = ready.driver
    if d.state_code().mode.mode is not AtolMode.REGISTRATION:
        d.enter_mode(AtolMode.REGISTRATION, 1)
    d.open_receipt(1)
    tlv = encode_tlv(1008, "buyer@example.com")

    def block(count: int, number: int, data: bytes) -> None:
        d.execute(f.WRITE_REQUISITE, {"flags": 1, "blocks": count, "block": number, "data": data})

    for count, number in ((2, 1), (0, 0), (2, 2)):  # no block 0 yet; no blocks at all; past the count
        with pytest.raises(DeviceError) as caught:
            block(count, number, tlv[5:])
        assert caught.value.code == 0x13
    block(3, 0, tlv[:5])
    with pytest.raises(DeviceError) as caught:  # block 1 under another count: the partial requisite is dropped
        block(2, 1, tlv[5:])
    assert caught.value.code == 0x13
    with pytest.raises(DeviceError):
        block(3, 1, tlv[5:10])  # so its continuation is refused as well
    block(2, 0, tlv[:5])
    block(2, 1, tlv[5:])
    d.cancel_receipt()
    d.to_select_mode()
    result = ready.sell(make_receipt())  # a later receipt is clean: the cancelled contact is not in it
    assert decode_document(ready.document(result.document.number).tlv).get(1008) is None


@pytest.mark.family("atol")
def test_a_requisite_value_over_65535_bytes_is_refused_before_sending(ready: Kkt) -> None:
    from kkt_drivers.errors import InvalidParameter

    sent: list[bytes] = []
    ready.driver.session.hooks.append(lambda direction, data: sent.append(data) if direction == "tx" else None)
    with pytest.raises(InvalidParameter):
        ready.driver.write_requisite_raw(1084, bytes(0x10000))
    assert sent == []


@pytest.mark.requires("correction", "close_shift", "close_fn")
def test_lost_answers_on_every_fiscal_operation_never_make_a_second_document(
        kkt: Kkt, kkt_emulator: Any, registration: Registration) -> None:
    """Registration (A6), Z-report (5A), correction close (4A), ФН closing (A7) and replacement (A6 again):
    each one's device runs it and hangs up (or loses the answer on a pty); the facade settles it from the ФН."""
    from datetime import date

    from kkt_drivers.types import (
        CorrectionReceipt,
        CorrectionType,
        Payment,
        PaymentType,
        ReceiptType,
        TaxationSystem,
    )

    def lossy(code: str, operation: Any) -> Any:
        kkt_emulator.set_fault("disconnect_command", code)
        kkt.driver.session.execution_scale = 0.05
        try:
            return operation()
        finally:
            kkt.driver.session.execution_scale = 1.0

    assert lossy("register", lambda: kkt.register(registration)).number == 1
    kkt.open_shift()
    correction = CorrectionReceipt(ReceiptType.SELL, CorrectionType.SELF, date(2026, 3, 2), "1", "сбой",
                                   (Payment(PaymentType.CASH, 5000),), taxation=TaxationSystem.OSN)
    assert lossy("close_receipt", lambda: kkt.correction(correction)).document.number == 3
    assert lossy("close_shift", kkt.close_shift).number == 4
    kkt_emulator.fiscal.set_ofd(0.0)
    kkt_emulator.fiscal.ofd_tick()
    assert lossy("close_fn", kkt.close_fn).number == 5
    assert kkt.fn_status().last_document_number == 5
    replaced = lossy("register", lambda: kkt.replace_fn("9999078900054321", registration))
    assert replaced.number == 1 and kkt.fn_status().fn_number == "9999078900054321"
    assert kkt.fn_status().last_document_number == 1
