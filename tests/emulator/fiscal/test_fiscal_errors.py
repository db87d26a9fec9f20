"""Virtual ФН: refusals with the exact answer codes of FNS protocol v1.2.06."""

from __future__ import annotations

from datetime import datetime, timedelta

import pytest
from fiscal_testkit import correction, item, receipt, registered, registration
from kkt_emu.core.clock import DeviceClock
from kkt_emu.core.fiscal import FiscalCore, FnConfig, FnError

from kkt_drivers.protocols.fn.answer_codes import FnError as WireFnError
from kkt_drivers.protocols.fn.enums import LifePhase, WarningFlags

DAY = 86400


@pytest.fixture
def clock() -> DeviceClock:
    clock = DeviceClock()
    clock.set(datetime(2025, 6, 1, 12, 0))  # noon: day arithmetic never straddles midnight
    return clock


def code_of(call: object, *args: object) -> int:
    with pytest.raises(FnError) as err:
        call(*args)  # type: ignore[operator]
    return err.value.code


def test_error_carries_the_wire_error_attributes(clock: DeviceClock) -> None:
    fn = FiscalCore(clock)
    with pytest.raises(WireFnError) as err:
        fn.receipt(receipt())
    assert err.value.code == 0x02 and err.value.message_ru == "Другое состояние ФН"
    assert err.value.command == "receipt" and "phase 1" in str(err.value)


def test_phase_and_shift_state(clock: DeviceClock) -> None:
    fn = FiscalCore(clock)
    assert code_of(fn.open_shift, "") == 0x02  # not registered
    assert code_of(fn.close_fn, "") == 0x02
    registered(fn, shift=False)
    assert code_of(fn.register, registration(), "") == 0x02  # already registered
    assert code_of(fn.receipt, receipt()) == 0x02  # shift closed
    assert code_of(fn.correction, correction()) == 0x02
    assert code_of(fn.close_shift, "") == 0x02
    fn.open_shift("")
    assert code_of(fn.open_shift, "") == 0x02  # already open
    assert code_of(fn.reregister, registration(), 2, "") == 0x02  # shift open
    assert code_of(fn.close_fn, "") == 0x02
    assert fn.status().last_fd_number == 2  # refusals formed nothing


def test_shift_longer_than_24_hours(clock: DeviceClock) -> None:
    fn = registered(FiscalCore(clock))
    clock.advance(24 * 3600 - 60)
    fn.receipt(receipt())
    clock.advance(120)
    assert fn.shift().expired
    assert code_of(fn.receipt, receipt()) == 0x16
    assert code_of(fn.correction, correction()) == 0x16
    fn.state_report("")  # not a receipt: allowed
    closed = fn.close_shift("")  # closing stays possible
    assert closed.document_type == 5
    fn.open_shift("")
    fn.receipt(receipt())


def test_time_going_backwards(clock: DeviceClock) -> None:
    fn = registered(FiscalCore(clock))
    fn.receipt(receipt())
    clock.advance(-3600)
    assert code_of(fn.receipt, receipt()) == 0x07
    assert code_of(fn.close_shift, "") == 0x07
    assert code_of(fn.state_report, "") == 0x07
    clock.advance(3600)
    fn.receipt(receipt())


def test_five_minute_rule_counts_only_clock_settings(clock: DeviceClock) -> None:
    fn = registered(FiscalCore(clock))
    clock.advance(600)  # time passing (the drive's timer runs along): fine
    fn.receipt(receipt())
    fn.set_clock(clock.now() + timedelta(minutes=4))  # a small correction by the host: fine
    fn.receipt(receipt())
    fn.set_clock(clock.now() + timedelta(minutes=10))
    assert code_of(fn.receipt, receipt()) == 0x17
    assert code_of(fn.correction, correction()) == 0x17
    fn.set_clock(clock.now() - timedelta(minutes=9))  # back to (about) where the timer is
    fn.receipt(receipt())
    fn.clock_jump(-400)  # a personality that set the clock itself reports the jump
    assert code_of(fn.receipt, receipt()) == 0x17
    fn.state_report("")  # other documents do not check the rule, and reset it
    fn.receipt(receipt())


def test_thirty_day_ofd_block(clock: DeviceClock) -> None:
    fn = registered(FiscalCore(clock, FnConfig(ofd_delay=None)))
    fn.receipt(receipt())
    clock.advance(29 * DAY)
    fn.close_shift("")
    fn.open_shift("")
    clock.advance(2 * DAY)
    assert fn.status().warnings & WarningFlags.OFD_TIMEOUT
    assert fn.ofd_status().first_unsent_number == 1
    for call, arg in ((fn.receipt, receipt()), (fn.correction, correction()), (fn.close_shift, ""),
                      (fn.state_report, "")):
        assert code_of(call, arg) == 0x14
    fn.set_ofd(0)  # the OFD comes back and confirms everything
    assert not fn.status().warnings & WarningFlags.OFD_TIMEOUT
    fn.close_shift("")
    fn.open_shift("")
    fn.receipt(receipt())


def test_validity_warnings_and_end(clock: DeviceClock) -> None:
    fn = registered(FiscalCore(clock, FnConfig(validity_days=40)), shift=False)
    assert fn.validity().valid_until == fn.document(1).datetime.date() + timedelta(days=40)
    clock.advance(9 * DAY)  # 31 days left
    assert fn.status().warnings is WarningFlags.NONE
    clock.advance(DAY)  # 30 days left
    assert fn.status().warnings == WarningFlags.RESOURCE_EXHAUSTION
    clock.advance(26 * DAY)  # 4 days left
    assert fn.status().warnings == WarningFlags.RESOURCE_EXHAUSTION
    clock.advance(DAY)  # 3 days left
    assert fn.status().warnings == WarningFlags.RESOURCE_EXHAUSTION | WarningFlags.URGENT_REPLACEMENT
    fn.open_shift("")
    clock.advance(3 * DAY - 3600)  # the last valid day
    fn.close_shift("")
    fn.open_shift("")
    fn.receipt(receipt())
    clock.advance(DAY)
    assert code_of(fn.receipt, receipt()) == 0x12
    assert code_of(fn.state_report, "") == 0x12
    fn.close_shift("")  # the drive can still be wound up
    assert code_of(fn.open_shift, "") == 0x12
    fn.close_fn("")
    assert fn.status().phase is LifePhase.ARCHIVE


def test_memory_full(clock: DeviceClock) -> None:
    fn = registered(FiscalCore(clock, FnConfig(capacity=100)))
    fn.fill_memory(89)
    assert not fn.status().warnings & WarningFlags.MEMORY_OVERFLOW
    fn.receipt(receipt())  # the 90th document
    assert fn.status().warnings & WarningFlags.MEMORY_OVERFLOW
    fn.fill_memory(100)
    assert code_of(fn.receipt, receipt()) == 0x14
    assert code_of(fn.state_report, "") == 0x14
    fn.close_shift("")
    assert code_of(fn.open_shift, "") == 0x14
    fn.close_fn("")
    assert fn.status().phase is LifePhase.ARCHIVE


def test_receipt_data_checks(clock: DeviceClock) -> None:
    fn = registered(FiscalCore(clock), taxation=0b10)  # УСН доход only
    assert code_of(fn.receipt, receipt(taxation=1)) == 0x19  # ОСН not registered
    assert code_of(fn.receipt, receipt(taxation=0b110)) == 0x18  # two systems in 1055
    assert code_of(fn.receipt, receipt(taxation=2, total=9999)) == 0x09  # payments ≠ total
    assert code_of(fn.receipt, receipt(taxation=2, cash=5000, electronic=5000, total=10000,
                                       items=(item(9000),))) == 0x09  # items ≠ total
    assert code_of(fn.receipt, receipt(5, taxation=2)) == 0x09  # no such operation
    assert code_of(fn.receipt, receipt(taxation=2, items=(), cash=0, total=0)) == 0x3C
    err_item = item(10000, payment_subject=2)
    with pytest.raises(FnError) as err:
        fn.receipt(receipt(taxation=2, items=(err_item,)))
    assert err.value.code == 0x19 and err.value.tag == 1212  # excise not registered
    assert code_of(fn.receipt, receipt(taxation=2, items=(item(10000, vat=42),))) == 0x18
    assert code_of(fn.receipt, receipt(taxation=2, items=(item(10000, name="Я" * 129),))) == 0x18
    assert code_of(fn.receipt, receipt(taxation=2, cashier="€uro")) == 0x18  # not CP866
    with pytest.raises(FnError) as err:
        fn.receipt(receipt(taxation=2, extra=((1040, b"\x01\x00\x00\x00"),)))
    assert err.value.code == 0x0C and err.value.tag == 1040  # FFD 1.05: the drive's own tag
    assert code_of(fn.receipt, receipt(taxation=2, extra=((1031, b"\x01"),))) == 0x0C  # given twice
    assert code_of(fn.receipt, receipt(taxation=2, extra=((1192, b"x" * 17),))) == 0x18  # over 16 bytes
    many = tuple(item(10) for _ in range(4000))
    assert code_of(fn.receipt, receipt(taxation=2, items=many, cash=40000, total=40000)) == 0x10
    assert code_of(fn.correction, correction(taxation=2, correction_type=2)) == 0x18
    assert fn.status().last_fd_number == 2 and fn.shift().next_receipt_number == 1
    assert fn.receipt(receipt(taxation=2)).receipt_number == 1


def test_ffd12_forbidden_tag_and_missing_items(clock: DeviceClock) -> None:
    fn = registered(FiscalCore(clock, FnConfig(ffd="1.2")), "1.2")
    with pytest.raises(FnError) as err:
        fn.receipt(receipt(extra=((1097, b"\x00\x00\x00\x00"),)))
    assert err.value.code == 0x0B and err.value.tag == 1097
    with pytest.raises(FnError) as err:
        fn.correction(correction(items=()))
    assert err.value.code == 0x3C and err.value.tag == 1059


def test_registration_checks(clock: DeviceClock) -> None:
    fn = FiscalCore(clock)
    good = registration()
    assert code_of(fn.register, registration(rnm=good.rnm[:-1] + str((int(good.rnm[-1]) + 1) % 10)), "") == 0x09
    assert code_of(fn.register, registration(inn="12345"), "") == 0x09
    assert code_of(fn.register, registration(taxation=0), "") == 0x09
    assert code_of(fn.register, registration(ofd_inn="nope"), "") == 0x09
    assert code_of(fn.register, registration(ffd_version=4), "") == 0x0A  # drive is in FFD 1.05 mode
    assert code_of(fn.register, registration(place=" "), "") == 0x3C
    assert fn.status().phase is LifePhase.READY_FOR_FISCAL
    assert code_of(fn.register, good, "") == 0x3C  # 1021 кассир is mandatory in a registration report
    fn.register(good, "Иванов")
    fn.close_fn("")
    assert code_of(fn.reregister, good, 2, "") == 0x02  # post-fiscal / archive


def test_reregistration_reasons(clock: DeviceClock) -> None:
    fn = registered(FiscalCore(clock), shift=False)
    assert code_of(fn.reregister, registration(), 1, "") == 0x09  # «замена ФН» is the drive's own
    assert code_of(fn.reregister, registration(), 5, "") == 0x09
    fn12 = registered(FiscalCore(clock, FnConfig(ffd="1.2")), "1.2", shift=False)
    assert code_of(fn12.reregister, registration("1.2"), 0, "Иванов") == 0x09
    assert code_of(fn12.reregister, registration("1.2"), 0b11, "Иванов") == 0x09
    assert fn12.reregister(registration("1.2"), 0b110, "Иванов").document_type == 11


def test_unknown_document(clock: DeviceClock) -> None:
    fn = FiscalCore(clock)
    assert code_of(fn.last_document) == 0x08
    assert code_of(fn.document, 1) == 0x08
