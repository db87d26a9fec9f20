"""Virtual ФН: documents right for 2026 — VAT 22 %, the receipt-level VAT sums by document date, counters,
prices after discounts, corrections, report requisites, 1012 to the minute, FNS JSON names.

Outside facts used as expectations (protocol-notes/ffd/vat-2026.md): a real FFD 1.2 receipt of 2026-10-08
as the FNS check service returns it (one item, price 269.10 × 3 = 807.30 at 1199 = 11, ``"nds0": 0`` and
``"amountsReceiptNds": {"amountsNds": [{"nds": 11, "ndsSum": 14558}]}``) — search-index file 70208999133.
"""

from __future__ import annotations

from datetime import date, datetime

import pytest
from fiscal_testkit import correction, decoded, item, receipt, registered
from kkt_emu.core.clock import DeviceClock
from kkt_emu.core.fiscal import FiscalCore, FnConfig, FnError, ItemData
from kkt_emu.core.fiscal.fn_port import FnPort

from kkt_drivers.ffd import FiscalDocument, to_fns_json
from kkt_drivers.protocols.fn import decode_answer, encode_request

FFDS = ("1.05", "1.2")
DAY = datetime(2026, 12, 2, 10, 0, 41)


def _clock(when: datetime = DAY) -> DeviceClock:
    clock = DeviceClock()
    clock.set(when)
    return clock


def _fields(children: object) -> dict[int, object]:
    assert isinstance(children, tuple)
    return {child.tag: child.value for child in children}


def _vat_container(doc: FiscalDocument) -> list[tuple[object, object]]:
    value = doc.get(1115)
    assert isinstance(value, tuple), "no 1115 in the document"
    return [(entry.get(1199), entry.get(1120)) for entry in value]


# --- VAT 22 % --------------------------------------------------------------------------------------------------


def test_22_percent_receipt_as_the_fns_publishes_one() -> None:
    fn = registered(FiscalCore(_clock(), FnConfig(ffd="1.2")), "1.2")
    sale = ItemData("Порог-угол", price=26910, quantity_milli=3000, amount=80730, vat=11)
    doc = decoded(fn.receipt(receipt(items=(sale,), cash=80730, total=80730)), "1.2")
    assert _vat_container(doc) == [(11, 14558)]  # 807.30 × 22/122, as in the real 2026 receipt
    assert doc.get(1104) == 0 and doc.get(1102) is None  # 22 % is not 1102; 1104 = 0 beside 1115
    body = to_fns_json(doc)["receipt"]
    assert body["nds0"] == 0
    assert body["amountsReceiptNds"] == {"amountsNds": [{"nds": 11, "ndsSum": 14558}]}


def test_22_122_and_mixed_rates() -> None:
    fn = registered(FiscalCore(_clock(), FnConfig(ffd="1.2")), "1.2")
    items = (item(12200, vat=12), item(12000, vat=1), item(11000, vat=2), item(500, vat=6))
    doc = decoded(fn.receipt(receipt(items=items, cash=35700, total=35700)), "1.2")
    assert _vat_container(doc) == [(12, 2200)]
    # codes 1 and 3 keep 20 % in 2026 (Письмо ФНС АБ-4-20/11248@): 120.00 × 20/120 = 20.00
    assert (doc.get(1102), doc.get(1103), doc.get(1105), doc.get(1104)) == (2000, 1000, 500, None)


@pytest.mark.parametrize("ffd", FFDS)
def test_22_percent_in_both_ffd_versions(ffd: str) -> None:
    fn = registered(FiscalCore(_clock(), FnConfig(ffd=ffd)), ffd)
    doc = decoded(fn.receipt(receipt(items=(item(10000, vat=11),), cash=10000, total=10000)), ffd)
    assert _vat_container(doc) == [(11, 1803)]  # 100.00 × 22/122 = 18.03


def test_the_document_date_decides_not_the_host() -> None:
    clock = _clock(datetime(2025, 12, 31, 23, 50))
    fn = registered(FiscalCore(clock, FnConfig(ffd="1.2")), "1.2")
    with pytest.raises(FnError) as err:  # 22 % did not exist in 2025
        fn.receipt(receipt(items=(item(10000, vat=11),), cash=10000, total=10000))
    assert (err.value.code, err.value.tag) == (0x18, 1199)
    clock.advance(11 * 60)  # 2026-01-01 00:01
    fn.receipt(receipt(items=(item(10000, vat=11),), cash=10000, total=10000))


def test_new_rates_before_the_container_existed_have_no_receipt_sum() -> None:
    clock = _clock(datetime(2025, 8, 31, 12, 0))
    fn = registered(FiscalCore(clock, FnConfig(ffd="1.2")), "1.2")
    before = decoded(fn.receipt(receipt(items=(item(10500, vat=7),), cash=10500, total=10500)), "1.2")
    assert before.get(1115) is None and before.get(1104) is None
    clock.advance(86400)  # 2025-09-01: ЕД-7-20/236@ in force
    after = decoded(fn.receipt(receipt(items=(item(10500, vat=7),), cash=10500, total=10500)), "1.2")
    assert _vat_container(after) == [(7, 500)]


# --- prices, corrections ---------------------------------------------------------------------------------------


def test_price_is_after_discounts_so_that_price_times_quantity_is_the_amount() -> None:
    fn = registered(FiscalCore(_clock(), FnConfig(ffd="1.2")), "1.2")
    discounted = ItemData("Кофе", price=10000, quantity_milli=3000, amount=27000, vat=11)
    weighed = ItemData("Сыр", price=1001, quantity_milli=512, amount=513, vat=2)  # 10.01 × 0.512 = 5.12512
    doc = decoded(fn.receipt(receipt(items=(discounted, weighed), cash=27513, total=27513)), "1.2")
    first, second = (_fields(children) for children in doc.items)
    assert first[1079] == 9000 and first[1043] == 27000
    assert second[1079] == 1001  # no discount: the price stays, 10.01 × 0.512 rounds to 5.13


def test_ffd12_correction_carries_vat_sums_from_its_items() -> None:
    fn = registered(FiscalCore(_clock(), FnConfig(ffd="1.2")), "1.2")
    data = correction(1, 12200, vat_20=0, items=(item(12200, vat=11),), basis_date=date(2026, 11, 30))
    doc = decoded(fn.correction(data), "1.2")
    assert _vat_container(doc) == [(11, 2200)] and doc.get(1104) == 0
    old = correction(1, 12000, vat_20=0, items=(item(12000, vat=1),))
    assert decoded(fn.correction(old), "1.2").get(1102) == 2000


def test_ffd105_correction_with_a_22_percent_sum_and_its_type() -> None:
    fn = registered(FiscalCore(_clock()))
    doc = decoded(fn.correction(correction(3, 12200, vat_20=0, items=(), vat_22=2200)), "1.05")
    assert _vat_container(doc) == [(11, 2200)]
    for operation in (2, 4):  # Письмо ФНС АБ-4-20/10421@: приход or расход only
        with pytest.raises(FnError) as err:
            fn.correction(correction(operation, 5000, items=()))
        assert (err.value.code, err.value.tag) == (0x09, 1054)


# --- counters and reports --------------------------------------------------------------------------------------


def test_counters_count_corrections_and_write_zero_sums() -> None:
    fn = registered(FiscalCore(_clock(), FnConfig(ffd="1.2")), "1.2")
    fn.receipt(receipt(1, (12200,), items=(item(12200, vat=11),)))
    fn.receipt(receipt(1, (12000,)))
    fn.correction(correction(1, 6000, items=(item(6000),)))
    doc = decoded(fn.close_shift(""), "1.2")
    counters = _fields(doc.get(1194))
    assert counters[1134] == 3  # two receipts and one correction
    income = _fields(counters[1129])
    assert income[1135] == 3 and income[1201] == 30200 and income[1136] == 30200
    assert income[1139] == 2000 + 1000  # 20 % only: 22 % has no counter requisite in any source
    assert income[1138] == income[1218] == income[1219] == income[1220] == income[1143] == income[1183] == 0
    refund = _fields(counters[1130])
    assert refund[1135] == 0 and refund[1136] == 0  # a group with nothing in it still writes its sums
    assert _fields(_fields(counters[1133])[1145]) == {1135: 1, 1201: 6000}


@pytest.mark.parametrize("ffd", FFDS)
def test_state_report_requisites(ffd: str) -> None:
    fn = registered(FiscalCore(_clock(), FnConfig(ffd=ffd, ofd_delay=0)), ffd)
    doc = decoded(fn.state_report("Иванов"), ffd)
    assert doc.get(1021) is None  # in neither table
    assert (doc.get(1002), doc.get(1097), doc.get(1116), doc.get(1098)) == (0, 0, 0, datetime(1970, 1, 1))
    closed = decoded(fn.close_shift("Иванов"), ffd)
    assert closed.get(1098) == datetime(1970, 1, 1) and closed.get(1097) == 0 and closed.get(1021) == "Иванов"


def test_state_report_names_the_first_unsent_document() -> None:
    fn = registered(FiscalCore(_clock(), FnConfig(ffd="1.2", ofd_delay=None)), "1.2")
    doc = decoded(fn.state_report(""), "1.2")
    first = fn.document(1)
    assert (doc.get(1097), doc.get(1116), doc.get(1098)) == (2, 1, first.datetime)


@pytest.mark.parametrize("ffd", FFDS)
def test_1012_is_to_the_minute_and_agrees_with_the_archive(ffd: str) -> None:
    fn = registered(FiscalCore(_clock(), FnConfig(ffd=ffd)), ffd)
    result = fn.receipt(receipt())
    assert result.datetime == datetime(2026, 12, 2, 10, 0)
    answer = decode_answer(0x40, FnPort(fn).handle(encode_request(0x40, {"fd_number": result.number})))
    assert answer.result["record"]["datetime"] == decoded(result, ffd).get(1012)


def test_fns_json_counter_names() -> None:
    fn = registered(FiscalCore(_clock(), FnConfig(ffd="1.2")), "1.2")
    fn.receipt(receipt())
    body = to_fns_json(decoded(fn.close_shift(""), "1.2"))["closeShift"]
    sums = body["shiftSumReports"]
    assert sums["totalReceiptBsoCount"] == 1
    assert sums["sellOper"]["receiptBsoCount"] == 1 and sums["sellOper"]["cashSum"] == 10000
    assert sums["sellOper"]["tax18Sum"] == 1667 and sums["sellOper"]["totalSum"] == 10000
    assert sums["receiptCorrection"]["receiptCorrectionCount"] == 0
    assert sums["receiptCorrection"]["sellCorrection"] == {"receiptBsoCount": 0, "totalSum": 0}
    assert body["fiscalDriveSumReports"]["buyReturnOper"]["ecashSum"] == 0
