"""ATOL commands real clients send, and layouts public sources settle, driver against emulator.

Each test names what an outside client does (protocol-notes/atol/outside-sources.md) and checks the value
against what the virtual ФН itself holds, never against the codec that produced it.
"""

from __future__ import annotations

import time
from collections.abc import Iterator
from dataclasses import replace
from datetime import timedelta
from decimal import Decimal
from typing import Any

import pytest
from samples import REGISTRATION, make_receipt

from kkt_drivers import Kkt
from kkt_drivers.drivers.atol import AtolDriver, AtolMode
from kkt_drivers.errors import DeviceError
from kkt_drivers.ffd.tlv import decode_tlv
from kkt_drivers.types import Item, Payment, PaymentType, Receipt, TaxationSystem, VatRate

pytestmark = pytest.mark.family("atol")


@pytest.fixture
def kkt() -> Iterator[Kkt]:
    with Kkt.open("emu://atol?transport=v3") as opened:
        opened.register(REGISTRATION)
        opened.open_shift()
        yield opened


def _driver(kkt: Kkt) -> AtolDriver:
    driver = kkt.device
    assert isinstance(driver, AtolDriver)
    return driver


def _personality(kkt: Kkt) -> Any:
    control: Any = kkt.device.emulator
    return control.personality


def _children(tlv: bytes) -> dict[int, Any]:
    return {t.tag: t.value for t in decode_tlv(tlv)[0].children}


def _tlv(kkt: Kkt, number: int) -> bytes:
    return kkt.document(number).tlv


def _positions(tlv: bytes) -> list[dict[int, Any]]:
    return [{c.tag: c.value for c in t.children} for t in decode_tlv(tlv)[0].children if t.tag == 1059]


def _refused(code: int, call: Any, *args: Any, **kwargs: Any) -> None:
    with pytest.raises(DeviceError) as caught:
        call(*args, **kwargs)
    assert caught.value.code == code


def _open_receipt(driver: AtolDriver) -> None:
    driver.to_select_mode()
    driver.enter_mode(AtolMode.REGISTRATION, 1)
    driver.open_receipt(1)
    driver.write_requisite(1055, int(TaxationSystem.OSN))


def _close(driver: AtolDriver) -> bytes:
    """Close with cash (exactly the remainder) and read the receipt back from the ФН."""
    driver.close_receipt_command(1, 0)
    return driver.document_tlv(driver.last_document_number())


# -- 58, 9D, 74, B3, A4 31 -------------------------------------------------------------------------
def test_last_shift_totals_are_the_shifts_sales(kkt: Kkt) -> None:
    result = kkt.sell(make_receipt())
    fn = _personality(kkt).core.shift_totals().receipts[1]
    totals = _driver(kkt).last_shift_totals()
    assert totals.income == fn.total == _children(_tlv(kkt, result.document.number))[1020] and totals.expense == 0


def test_firmware_version_of_the_main_program_is_the_one_a5_reports(kkt: Kkt) -> None:
    driver = _driver(kkt)
    version = driver.firmware_version(1)
    raw = driver.device_info().version  # 5 bytes: major, minor, language, build (2)
    assert (version.version, version.subversion, version.language) == (raw[0], raw[1], raw[2])
    assert version.build == int(raw[3:5].hex())
    assert driver.firmware_version(3).source == 3
    _refused(0x13, driver.firmware_version, 2)


def test_security_codes_are_not_entered_on_a_new_register(kkt: Kkt) -> None:
    driver = _driver(kkt)
    assert driver.security_code_active(1) is False
    _refused(0xAE, driver.security_code_active, 31)


def test_last_error_is_the_code_of_the_last_refusal(kkt: Kkt) -> None:
    driver = _driver(kkt)
    _refused(0x9A, driver.cancel_receipt)  # no receipt is open
    assert driver.last_error() == 0x9A
    assert driver.raw(b"\xfa")[:2] == b"\x55\x7a"
    assert driver.last_error() == 0x7A


def test_fn_number_is_the_fn_status_number(kkt: Kkt) -> None:
    assert _driver(kkt).fn_number() == kkt.fn_status().fn_number == _personality(kkt).core.status().fn_number


# -- 91: registers ---------------------------------------------------------------------------------
def test_registers_beyond_18_hold_what_the_register_knows(kkt: Kkt) -> None:
    driver = _driver(kkt)
    core = _personality(kkt).core
    kkt.cash_in(50000)
    result = kkt.sell(make_receipt())
    doc = kkt.document(result.document.number)
    assert abs((driver.register_datetime() - driver.read_datetime()).total_seconds()) <= 1
    last = driver.last_receipt()
    assert (last.number, last.fiscal_sign, last.type) == (doc.number, doc.fiscal_sign, 1)
    assert last.total == _children(doc.tlv)[1020] and last.datetime == doc.datetime.replace(second=0)
    assert driver.last_fiscal_document().number == core.status().last_fd_number == doc.number
    shift = core.shift()
    assert driver.last_receipt_numbers() == (shift.number, shift.next_receipt_number - 1)
    assert driver.shift_number_register() == shift.number
    cash = _children(doc.tlv)[1031]
    assert driver.shift_payments(1, 1) == cash and driver.shift_payments(1, 2) == _children(doc.tlv)[1081]
    assert driver.shift_cash_moves() == (50000, 0)
    assert driver.shift_revenue() == _children(doc.tlv)[1020]
    assert driver.serial_number_register() == kkt.status().serial_number
    assert driver.fn_number_register() == core.status().fn_number
    assert driver.line_width().chars[0] == _personality(kkt).profile.line_width
    state = driver.receipt_state_register()
    assert not state.open and state.document_number == doc.number + 1
    assert driver.extended_error() == 0
    _refused(0x6C, driver.read_register, 99)


def test_register_19_sees_an_open_receipt(kkt: Kkt) -> None:
    driver = _driver(kkt)
    _open_receipt(driver)
    state = driver.receipt_state_register()
    assert state.open and state.type == 1 and state.receipt_number == kkt.shift_state().next_receipt_number
    driver.cancel_receipt()


# -- A4 40: the ФН's 40h answer --------------------------------------------------------------------
def test_find_document_reads_number_time_and_sign_after_the_ticket_byte(kkt: Kkt) -> None:
    doc = kkt.sell(make_receipt()).document
    stored = _personality(kkt).core.document(doc.number)
    found = kkt.device.document(doc.number)
    assert (found.number, found.fiscal_sign, found.datetime, found.document_type) == (
        stored.number, stored.fiscal_sign, stored.datetime.replace(second=0), stored.document_type)
    raw = _driver(kkt).fn_document(doc.number)
    assert raw.ticket_received == int(stored.ofd_confirmed)


# -- E6 and EB -------------------------------------------------------------------------------------
def test_e6_registers_a_position_like_an_old_client(kkt: Kkt) -> None:
    driver = _driver(kkt)
    _open_receipt(driver)
    # atol4j's ItemRegistrationCommand("Test", 10000, 1000): tax 0 = the section's, section 0
    driver.register_item(name="Test", price=10000, quantity_milli=1500, discount=500)
    driver.register_item(name="Check only", price=99, quantity_milli=1000, check_only=True)
    positions = _positions(_close(driver))
    assert len(positions) == 1
    item = positions[0]
    assert (item[1030], item[1043], item[1199]) == ("Test", 15000 - 500, 5)
    assert item[1023] == Decimal("1.500")


def test_e6_percent_discount_is_in_hundredths(kkt: Kkt) -> None:
    driver = _driver(kkt)
    _open_receipt(driver)
    driver.register_item(name="Percent", price=20000, quantity_milli=1000, discount=1250, percent=True, tax=4)
    item = _positions(_close(driver))[0]
    assert item[1043] == 20000 - 2500 and item[1199] == 6  # tax row 4 = без НДС


def test_an_amount_below_price_times_quantity_is_an_implicit_discount(kkt: Kkt) -> None:
    driver = _driver(kkt)
    _open_receipt(driver)
    driver.register_position(name="Implicit", price=10000, quantity_milli=2000, amount=17550, vat=6, method=4,
                             subject=1)
    driver.register_position(name="On top", price=5000, quantity_milli=1000, amount=5000, vat=6, method=4,
                             subject=1, discount=700)
    driver.register_position(name="Surcharge", price=1000, quantity_milli=1000, amount=1200, vat=6, method=4,
                             subject=1)
    positions = _positions(_close(driver))
    assert [p[1043] for p in positions] == [17550, 4300, 1200]


def test_a_position_cannot_cost_less_than_nothing(kkt: Kkt) -> None:
    driver = _driver(kkt)
    _open_receipt(driver)
    _refused(0x08, driver.register_position, name="Minus", price=1000, quantity_milli=1000, amount=500, vat=6,
             method=4, subject=1, discount=600)
    driver.cancel_receipt()


# -- 43 --------------------------------------------------------------------------------------------
def _two_positions(driver: AtolDriver) -> None:
    _open_receipt(driver)
    driver.register_position(name="A", price=5041, quantity_milli=1000, amount=5041, vat=6, method=4, subject=1)
    driver.register_position(name="B", price=5042, quantity_milli=1000, amount=5042, vat=6, method=4, subject=1)


def test_a_receipt_discount_only_rounds_off_the_kopecks(kkt: Kkt) -> None:
    driver = _driver(kkt)
    _two_positions(driver)  # 100.83
    _refused(0x7B, driver.discount, 84, whole_receipt=True)
    _refused(0x7B, driver.discount, 1000, whole_receipt=True, percent=True)
    _refused(0x7B, driver.discount, 10, whole_receipt=True, surcharge=True)
    driver.discount(50, whole_receipt=True)
    assert sum(p[1043] for p in _positions(_close(driver))) == 10083 - 50


def test_size_0_rounds_the_receipt_down_to_roubles(kkt: Kkt) -> None:
    driver = _driver(kkt)
    _two_positions(driver)
    driver.discount(0, whole_receipt=True)
    assert _driver(kkt).status().receipt_sum == 10000
    _refused(0x7C, driver.register_position, name="C", price=100, quantity_milli=1000, amount=100, vat=6, method=4,
             subject=1)
    assert sum(p[1043] for p in _positions(_close(driver))) == 10000


def test_a_position_discount_in_percent_is_three_bcd_bytes_of_hundredths(kkt: Kkt) -> None:
    driver = _driver(kkt)
    _open_receipt(driver)
    driver.register_position(name="P", price=20000, quantity_milli=1000, amount=20000, vat=6, method=4, subject=1)
    driver.discount(1250, percent=True)
    assert _positions(_close(driver))[0][1043] == 17500


def test_the_driver_has_no_receipt_discount_operation(kkt: Kkt) -> None:
    from kkt_drivers.register import Op

    assert Op.RECEIPT_DISCOUNT not in _driver(kkt).capabilities
    assert "receipt_discount" not in vars(AtolDriver)


# -- 5A / 67: the printing sub-mode ----------------------------------------------------------------
def _z_report_printing(kkt: Kkt, seconds: float) -> AtolDriver:
    driver = _driver(kkt)
    _personality(kkt).print_seconds = seconds
    driver.to_select_mode()
    driver.enter_mode(AtolMode.Z_REPORTS, 29)
    driver.z_report_command()
    mode = driver.state_code().mode  # status queries are answered while it prints
    assert (mode.mode, mode.sub_mode) == (AtolMode.Z_REPORTS, 2)
    return driver


def test_over_v2_a_command_during_the_printout_is_refused_and_the_driver_waits() -> None:
    with Kkt.open("emu://atol?transport=v2") as kkt:
        kkt.register(REGISTRATION)
        kkt.open_shift()
        driver = _z_report_printing(kkt, 0.4)
        _refused(0x76, driver.exit_mode)  # «предыдущая операция не завершена»
        started = time.monotonic()
        driver.to_select_mode()
        assert time.monotonic() - started >= 0.2
        assert driver.state_code().mode.mode is AtolMode.SELECT


def test_over_v3_a_task_during_the_printout_waits_in_the_buffer(kkt: Kkt) -> None:
    driver = _z_report_printing(kkt, 0.4)
    started = time.monotonic()
    driver.exit_mode()  # answered A1 at once; it runs when the report is out
    assert time.monotonic() - started >= 0.2
    assert driver.state_code().mode.mode is AtolMode.SELECT


def test_close_shift_and_x_report_wait_for_the_printout(kkt: Kkt) -> None:
    _personality(kkt).print_seconds = 0.3
    started = time.monotonic()
    kkt.x_report()
    assert time.monotonic() - started >= 0.3
    started = time.monotonic()
    kkt.close_shift()
    assert time.monotonic() - started >= 0.3
    assert _driver(kkt).state_code().mode.mode is AtolMode.SELECT
    kkt.open_shift()  # nothing is left half-way


# -- A6 ----------------------------------------------------------------------------------------------
def test_a6_takes_no_parameters() -> None:
    with Kkt.open("emu://atol?transport=v3") as kkt:
        driver = _driver(kkt)
        driver.to_select_mode()
        driver.enter_mode(AtolMode.FN_ACCESS, 30)
        assert driver.raw(b"\xa6\x00\x00\x00\x00\x00")[:2] == b"\x55\x14"  # the old 5-byte form: wrong length
        driver.to_select_mode()
        kkt.register(REGISTRATION)
        assert kkt.fn_status().last_document_number == 1


@pytest.mark.parametrize("ffd", ["1.05", "1.2"])
def test_a_change_of_registration_carries_its_reasons(ffd: str) -> None:
    with Kkt.open(f"emu://atol?transport=v3&ffd={ffd}") as kkt:
        kkt.register(replace(REGISTRATION, ffd=ffd))
        reasons = 3 if ffd == "1.05" else 0b1000
        doc = kkt.reregister(replace(REGISTRATION, ffd=ffd, address="г. Москва, ул. Тверская, 2"), reasons)
        values = _children(kkt.document(doc.number).tlv)
        assert values[1205 if ffd == "1.2" else 1101] == reasons
        assert values[1009] == "г. Москва, ул. Тверская, 2"


# -- counters beyond their fields, sums beyond BCD ---------------------------------------------------
def test_counters_past_their_fields_wrap_and_the_device_keeps_answering(kkt: Kkt) -> None:
    personality = _personality(kkt)
    core = personality.core
    real = core.shift

    def big() -> Any:
        return replace(real(), number=70002, next_receipt_number=10002)

    core.shift = big
    try:
        personality._refresh_counters()
        driver = _driver(kkt)
        status = driver.status()
        # 3F: the next receipt's number and the last closed shift, four BCD digits each
        assert (status.receipt_number, status.shift_number) == (10002 % 10000, 70001 % 10000)
        fn_shift = driver.fn_shift()
        assert (fn_shift.shift, fn_shift.receipt) == (70002 & 0xFFFF, 10001)
        assert personality.incidents.total == 0
    finally:
        core.shift = real
        personality._refresh_counters()


def test_sums_past_five_bcd_bytes_are_refused_like_a_register(kkt: Kkt) -> None:
    driver = _driver(kkt)
    _open_receipt(driver)
    driver.register_position(name="Big", price=9_999_999_999, quantity_milli=1000, amount=9_999_999_999, vat=6,
                             method=4, subject=1)
    _refused(0x81, driver.register_position, name="One more", price=1, quantity_milli=1000, amount=1, vat=6,
             method=4, subject=1)
    driver.payment_command(2, 9_999_999_999)
    _refused(0x75, driver.payment_command, 1, 1)
    driver.cancel_receipt()
    assert _personality(kkt).incidents.total == 0


# -- FFD 1.2 position requisites through E8 ------------------------------------------------------------
def test_position_requisites_go_between_ea_and_eb_into_the_position() -> None:
    from kkt_drivers.ffd.enums import QuantityMeasure

    with Kkt.open("emu://atol?transport=v3&ffd=1.2") as kkt:
        kkt.register(replace(REGISTRATION, ffd="1.2"))
        kkt.open_shift()
        item = Item("Сыр", 80000, Decimal("0.512"), VatRate.VAT_10, measure=QuantityMeasure.KILOGRAM)
        receipt = Receipt(items=(item,), payments=(Payment(PaymentType.CASH, item.amount),),
                          taxation=TaxationSystem.OSN)
        doc = kkt.sell(receipt).document
        (position,) = _positions(_tlv(kkt, doc.number))
        assert position[2108] == int(QuantityMeasure.KILOGRAM) and position[1043] == item.amount


def test_the_clock_register_follows_the_device_clock(kkt: Kkt) -> None:
    control: Any = kkt.device.emulator
    before = _driver(kkt).register_datetime()
    control.advance_clock(3600)
    assert timedelta(minutes=59) <= _driver(kkt).register_datetime() - before <= timedelta(minutes=61)


# -- FFD 2026: VAT 22 % and 22/122 on the wire ---------------------------------------------------------
@pytest.mark.parametrize("ffd", ["1.05", "1.2"])
@pytest.mark.parametrize("rate", [VatRate.VAT_22, VatRate.VAT_22_122])
def test_the_2026_rates_travel_in_eb_as_their_1199_codes(ffd: str, rate: VatRate) -> None:
    from kkt_drivers.protocols.atol import fiscal_commands as f
    from kkt_drivers.protocols.atol.framer_v3 import AtolV3Framer, Packet

    with Kkt.open(f"emu://atol?transport=v3&ffd={ffd}") as kkt:
        kkt.register(replace(REGISTRATION, ffd=ffd))
        kkt.open_shift()
        framer = AtolV3Framer()
        sent: list[bytes] = []
        kkt.device.session.hooks.append(lambda way, data: sent.append(data) if way == "tx" else None)
        doc = kkt.sell(make_receipt(rate)).document
        packets = [p for chunk in sent for p in framer.feed(chunk) if isinstance(p, Packet)]
        tasks = [p.data[3:] for p in packets if p.data[:1] == b"\xc1"]
        eb = [f.END_POSITION.parse_params(m[3:]) for m in tasks if m[2:3] == f.END_POSITION.code]
        assert eb and {int(position.vat) for position in eb} == {int(rate)}  # 11 / 12 [inferred wire value]
        assert {p[1199] for p in _positions(_tlv(kkt, doc.number))} == {int(rate)}


# -- marked goods: the register has the ФН check the code ----------------------------------------------
GS = "\x1d"
MARKED = f"010460123456789321ABCDEFGHIJKLM{GS}91EE06{GS}92" + "A" * 44


def _register_for_marking(kkt: Kkt) -> None:
    """Registration with 1290 «маркированные товары» written by E8 (the facade's Registration has no such flag)."""
    from kkt_drivers.ffd.enums import UsageConditions

    driver = _driver(kkt)
    registration = replace(REGISTRATION, ffd="1.2")
    driver.to_select_mode()
    driver.enter_mode(AtolMode.FN_ACCESS, 30)
    driver._write_registration(registration)
    driver.write_requisite(1290, int(UsageConditions.MARKED_GOODS), ffd="1.2")
    driver.register_command()
    driver.to_select_mode()
    kkt.ffd, kkt.taxation = "1.2", registration.taxation


def test_a_marked_good_is_checked_by_the_fn_and_carries_its_result() -> None:
    from kkt_drivers.ffd.enums import PaymentSubject
    from kkt_drivers.types import MarkingCode

    with Kkt.open("emu://atol?transport=v3&ffd=1.2") as kkt:
        _register_for_marking(kkt)
        kkt.open_shift()
        item = Item("Туфли", 500000, vat=VatRate.VAT_22, payment_subject=PaymentSubject.MARKED_WITH_CODE,
                    marking=MarkingCode(MARKED))
        receipt = Receipt(items=(item,), payments=(Payment(PaymentType.ELECTRONIC, item.amount),),
                          taxation=TaxationSystem.OSN)
        (position,) = _positions(_tlv(kkt, kkt.sell(receipt).document.number))
        assert 2106 in position and 1163 in position  # the ФН's check result, the product code
        assert 2000 not in position and 2003 not in position  # the register's input, not requisites
        assert _personality(kkt).core.kept_marking_codes() == ()  # used up by the receipt


def test_a_marked_good_on_a_register_not_registered_for_marking_is_refused() -> None:
    from kkt_drivers.ffd.enums import PaymentSubject
    from kkt_drivers.types import MarkingCode

    with Kkt.open("emu://atol?transport=v3&ffd=1.2") as kkt:
        kkt.register(replace(REGISTRATION, ffd="1.2"))
        kkt.open_shift()
        before = kkt.fn_status().last_document_number
        item = Item("Туфли", 500000, vat=VatRate.VAT_22, payment_subject=PaymentSubject.MARKED_WITH_CODE,
                    marking=MarkingCode(MARKED))
        receipt = Receipt(items=(item,), payments=(Payment(PaymentType.CASH, item.amount),),
                          taxation=TaxationSystem.OSN)
        with pytest.raises(DeviceError):
            kkt.sell(receipt)
        assert kkt.fn_status().last_document_number == before and not kkt.status().receipt_open
