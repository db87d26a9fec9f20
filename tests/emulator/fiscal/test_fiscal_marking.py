"""Virtual ФН: marked goods (v1.2.06 §4.10) through the FiscalCore methods a personality calls, and the
position requisites kkt_drivers.requisites builds, stored as the format requires."""

from __future__ import annotations

from datetime import datetime

import pytest
from fiscal_testkit import decoded, receipt, registered
from kkt_emu.core.clock import DeviceClock
from kkt_emu.core.fiscal import FiscalCore, FnConfig, FnError, ItemData

from kkt_drivers.requisites import item_requisites
from kkt_drivers.types import AgentInfo, AgentType, Item, MarkingCode, PaymentSubject, Supplier, VatRate

GS = "\x1d"
CODE = f"010460123456789321ABCDEFGHIJKLM{GS}91EE06{GS}92{'A' * 44}"
OTHER = CODE.replace("ABCDEFGHIJKLM", "NOPQRSTUVWXYZ")
WHEN = datetime(2026, 12, 2, 11, 30)


@pytest.fixture
def fn() -> FiscalCore:
    clock = DeviceClock()
    clock.set(WHEN)
    return registered(FiscalCore(clock, FnConfig(ffd="1.2")), "1.2", marking=True)


def marked(code: str = CODE, amount: int = 500000) -> ItemData:
    return ItemData("Туфли", amount, 1000, amount, 11, payment_subject=33, marking_code=code)


def check_and_keep(fn: FiscalCore, code: str = CODE) -> int | None:
    fn.check_marking_code(code)
    request = fn.marking_request(WHEN, ((2003, b"\x01"), (2102, b"\x00")))
    fn.marking_response(fn.simulated_marking_answer(request))
    return fn.save_marking_result(True)


def _item_fields(doc_items: tuple) -> dict[int, object]:  # type: ignore[type-arg]
    return {f.tag: f.value for f in doc_items[0]}


def test_a_marked_good_checked_kept_and_sold(fn: FiscalCore) -> None:
    check = fn.check_marking_code(CODE)
    assert (check.check_result, check.reason, check.code_type) == (3, 0, 4)  # 44-character crypto code
    assert fn.marking_status().check_state == 2
    request = fn.marking_request(WHEN, ((2003, b"\x01"), (2102, b"\x00")))
    assert int.from_bytes(request[:2], "little") == len(request)  # the block starts with its own length
    assert fn.marking_status().check_state == 3
    answer = fn.marking_response(fn.simulated_marking_answer(request))
    assert answer.product_check_result == 0b1111  # checked, positive, answered, status positive
    assert fn.save_marking_result(True) == 0b1111
    status = fn.marking_status()
    assert (status.check_state, status.saved_results) == (1, 1)
    doc = decoded(fn.receipt(receipt(items=(marked(),), cash=500000, total=500000)), "1.2")
    fields = _item_fields(doc.items)
    assert fields[2106] == 0b1111  # the drive adds «результат проверки сведений о товаре»
    assert {f.tag: f.value for f in fields[1163]} == {1305: "0104601234567893" + "21ABCDEFGHIJKLM"}  # type: ignore[attr-defined]
    assert fn.marking_status().saved_results == 0  # the table is emptied by the receipt


def test_a_marked_position_is_refused_unless_its_code_was_kept(fn: FiscalCore) -> None:
    with pytest.raises(FnError) as err:
        fn.receipt(receipt(items=(marked(),), cash=500000, total=500000))
    assert err.value.code == 0x3E
    check_and_keep(fn, OTHER)
    with pytest.raises(FnError) as err:  # another code was kept, not this one
        fn.receipt(receipt(items=(marked(),), cash=500000, total=500000))
    assert err.value.code == 0x3E
    assert fn.kept_marking_codes() == (OTHER,)  # a refused receipt leaves the table as it was
    check_and_keep(fn)
    fn.receipt(receipt(items=(marked(),), cash=500000, total=500000))
    with pytest.raises(FnError) as err:  # kept codes serve one receipt
        fn.receipt(receipt(items=(marked(),), cash=500000, total=500000))
    assert err.value.code == 0x3E


def test_one_kept_code_serves_one_position(fn: FiscalCore) -> None:
    check_and_keep(fn)
    with pytest.raises(FnError) as err:
        fn.receipt(receipt(items=(marked(), marked()), cash=1000000, total=1000000))
    assert err.value.code == 0x3E


def test_rejected_code_is_marked_negative_but_may_be_sold(fn: FiscalCore) -> None:
    fn.marking_rejects.add(CODE)
    assert fn.check_marking_code(CODE).check_result == 1
    request = fn.marking_request(WHEN, ((2003, b"\x01"),))
    assert fn.marking_response(fn.simulated_marking_answer(request)).product_check_result == 0b0101
    assert fn.save_marking_result(True) == 0b0101
    doc = decoded(fn.receipt(receipt(items=(marked(),), cash=500000, total=500000)), "1.2")
    assert _item_fields(doc.items)[2106] == 0b0101


def test_sequence_rules(fn: FiscalCore) -> None:
    with pytest.raises(FnError) as err:
        fn.save_marking_result(True)  # nothing under check
    assert err.value.code == 0x02
    with pytest.raises(FnError) as err:
        fn.marking_request(WHEN, ((2003, b"\x01"),))  # no B1h
    assert err.value.code == 0x33
    fn.check_marking_code(CODE)
    with pytest.raises(FnError) as err:  # data-transfer mode: B5h first
        fn.save_marking_result(True)
    assert err.value.code == 0x33
    with pytest.raises(FnError) as err:
        fn.marking_request(WHEN, ((2102, b"\x00"),))  # 2003 missing
    assert (err.value.code, err.value.tag) == (0x3C, 2003)
    with pytest.raises(FnError) as err:
        fn.marking_request(WHEN, ((2003, b"\x01"), (2000, b"x")))  # the drive forms 2000
    assert (err.value.code, err.value.tag) == (0x0B, 2000)
    request = fn.marking_request(WHEN, ((2003, b"\x01"),))
    assert fn.marking_request() == request  # B5h without parameters reads it again
    with pytest.raises(FnError) as err:
        fn.marking_response(request[:-1])
    assert (err.value.code, err.value.detail) == (0x20, b"\x07")  # wrong length
    broken = bytearray(fn.simulated_marking_answer(request))
    broken[2] ^= 0xFF
    with pytest.raises(FnError) as err:
        fn.marking_response(bytes(broken))
    assert (err.value.code, err.value.detail) == (0x20, b"\x05")  # CRC
    assert fn.save_marking_result(False) is None
    assert fn.marking_status().check_state == 1
    check_and_keep(fn)
    fn.clear_marking_results()
    assert fn.kept_marking_codes() == ()


def test_codes_the_drive_does_not_check(fn: FiscalCore) -> None:
    short = f"0104650117240408215Qbag!{GS}93Zjqw"
    check = fn.check_marking_code(short)
    assert (check.check_result, check.reason, check.code_type) == (0, 1, 0)
    broken = fn.check_marking_code(CODE, code_type=4, offset_91=5, offset_92=6)
    assert (broken.check_result, broken.reason) == (0, 3)  # the offsets do not point at GS1 91/92


def test_marking_needs_the_registration_flag_and_ffd12() -> None:
    clock = DeviceClock()
    plain = registered(FiscalCore(clock, FnConfig(ffd="1.2")), "1.2")
    with pytest.raises(FnError) as err:
        plain.check_marking_code(CODE)
    assert err.value.code == 0x32
    old = registered(FiscalCore(clock, FnConfig(ffd="1.05")))
    with pytest.raises(FnError) as err:
        old.check_marking_code(CODE)
    assert err.value.code == 0x0A


def test_marked_subject_without_a_code_and_marking_requisites_without_a_check(fn: FiscalCore) -> None:
    with pytest.raises(FnError) as err:
        fn.receipt(receipt(items=(ItemData("Туфли", 100, 1000, 100, 11, payment_subject=33),), cash=100, total=100))
    assert (err.value.code, err.value.tag) == (0x3C, 2000)
    sneaked = item_requisites(Item("Туфли", 100, vat=VatRate.VAT_22, payment_subject=PaymentSubject.MARKED_WITH_CODE,
                                   marking=MarkingCode(CODE)), "1.2")
    with pytest.raises(FnError) as err:  # marking requisites need the drive's check (v1.2.06 §4.10.7)
        fn.receipt(receipt(items=(ItemData("Туфли", 100, 1000, 100, 11, extra=tuple(sneaked)),), cash=100,
                           total=100))
    assert err.value.code == 0x0B


def test_requisites_built_by_the_driver_side_are_stored(fn: FiscalCore) -> None:
    position = Item("Билет", 120000, vat=VatRate.VAT_22, agent=AgentInfo(AgentType.COMMISSION_AGENT),
                    supplier=Supplier("7702203276", "ООО Ромашка"))
    extra = tuple(item_requisites(position, "1.2"))
    doc = decoded(fn.receipt(receipt(items=(ItemData("Билет", 120000, 1000, 120000, 11, extra=extra),),
                                     cash=120000, total=120000)), "1.2")
    fields = _item_fields(doc.items)
    assert fields[1222] == 0x20 and fields[1226] == "7702203276  " and fields[2108] == 0
    lone = tuple((tag, value) for tag, value in extra if tag != 1226 and tag != 1224)
    with pytest.raises(FnError) as err:  # 1222 without 1226 (v1.2.06 §4.3.3)
        fn.receipt(receipt(items=(ItemData("Билет", 120000, 1000, 120000, 11, extra=lone),), cash=120000,
                           total=120000))
    assert (err.value.code, err.value.tag) == (0x3C, 1226)


def test_marked_subjects_do_not_exist_in_ffd105() -> None:
    old = registered(FiscalCore(DeviceClock()))
    with pytest.raises(FnError) as err:
        old.receipt(receipt(items=(ItemData("Товар", 100, 1000, 100, 6, payment_subject=32),), cash=100, total=100))
    assert (err.value.code, err.value.tag) == (0x18, 1212)
