"""Virtual ФН: the whole life of a drive, document contents, numbering and counters."""

from __future__ import annotations

from datetime import datetime

import pytest
from fiscal_testkit import INN, correction, decoded, item, receipt, registered, registration
from kkt_emu.core.clock import DeviceClock
from kkt_emu.core.fiscal import FiscalCore, FnConfig, FnError, ItemData, compute_sign, verify_document

from kkt_drivers.ffd import FiscalDocument, fiscal_sign_number
from kkt_drivers.protocols.fn.enums import CurrentDocument, LifePhase, WarningFlags

FFDS = ("1.05", "1.2")


@pytest.fixture
def clock() -> DeviceClock:
    return DeviceClock()


def _sub(doc: FiscalDocument, tag: int) -> dict[int, object]:
    value = doc.get(tag)
    assert isinstance(value, tuple), f"{tag} is not an STLV"
    return {child.tag: child.value for child in value}


@pytest.mark.parametrize("ffd", FFDS)
def test_full_life_of_a_drive(clock: DeviceClock, ffd: str) -> None:
    fn = FiscalCore(clock, FnConfig(ffd=ffd, ofd_delay=60))
    assert fn.status().phase is LifePhase.READY_FOR_FISCAL
    assert fn.status().last_fd_number == 0

    reg_doc = fn.register(registration(ffd), "Иванов И.И.")
    assert (reg_doc.number, reg_doc.document_type, reg_doc.shift_number) == (1, 1, 0)
    assert fn.status().phase is LifePhase.FISCAL_MODE
    doc = decoded(reg_doc, ffd)
    assert doc.get(1041) == "9999078900012345"
    assert doc.get(1018) == INN + "  "  # 10-digit INN space-padded to 12
    assert doc.get(1209) == {"1.05": 2, "1.2": 4}[ffd]
    if ffd == "1.2":
        assert doc.get(1190) == 4 and isinstance(doc.get(1290), int) and doc.get(1213) == 1110
    else:
        assert doc.get(1221) == 0 and doc.get(1101) is None

    opened = fn.open_shift("Иванов И.И.")
    assert (opened.number, opened.document_type, opened.shift_number) == (2, 2, 1)
    assert decoded(opened, ffd).get(1038) == 1
    assert fn.shift().open and fn.shift().next_receipt_number == 1

    results = []
    for operation in (1, 2, 3, 4):
        result = fn.receipt(receipt(operation, (10000, 2550)))
        doc = decoded(result, ffd)
        assert (result.document_type, result.receipt_number, result.shift_number) == (3, operation, 1)
        assert doc.get(1054) == operation and doc.get(1020) == 12550 and doc.get(1031) == 12550
        assert doc.get(1042) == operation and doc.get(1038) == 1
        assert len(doc.items) == 2
        assert doc.get(1102) == 1667 + 425  # VAT 20/120 of each item, rounded half up
        assert fiscal_sign_number(doc.get(1077)) == result.fiscal_sign  # type: ignore[arg-type]
        assert result.fiscal_sign < 10**10
        results.append(result)
    corr = fn.correction(correction(3, 5000))
    doc = decoded(corr, ffd)
    assert (corr.document_type, corr.receipt_number) == (31, 5)
    basis = _sub(doc, 1174)
    assert basis[1179] == "" and basis[1178] == datetime(2024, 3, 1)
    assert (1177 in basis) is (ffd == "1.05")
    assert doc.get(1173) == 0 and doc.get(1102) == 833

    state = fn.state_report("Иванов И.И.")
    assert state.document_type == 21 and decoded(state, ffd).get(1097) == 7  # FD 1..7 all waiting for the OFD
    assert decoded(state, ffd).get(1116) == 1

    totals = fn.shift_totals()
    assert totals.receipts_count == 4 and totals.corrections_count == 1
    assert {op: t.total for op, t in totals.receipts.items()} == {1: 12550, 2: 12550, 3: 12550, 4: 12550}
    assert totals.corrections[3].cash == 5000 and totals.documents_count == 7

    closed = fn.close_shift("Иванов И.И.")
    doc = decoded(closed, ffd)
    assert closed.document_type == 5 and closed.number == 9
    assert doc.get(1118) == 5  # four receipts + one correction
    assert doc.get(1111) == 8  # open report, 5 receipts, state report, close report
    assert doc.get(1097) == 8 and doc.get(1098) == reg_doc.datetime
    if ffd == "1.2":
        shift_counters = _sub(doc, 1194)
        assert shift_counters[1134] == 5  # receipts and correction receipts (FN protocol 37h Table 20)
        income = {c.tag: c.value for c in doc.get(1194)[1].value}  # type: ignore[index, union-attr]
        assert income[1135] == 1 and income[1201] == 12550 and income[1136] == 12550
        expense = {c.tag: c.value for c in shift_counters[1131]}  # type: ignore[attr-defined]
        assert expense[1135] == 2 and expense[1201] == 12550 + 5000  # the «расход» correction counts here too
        corrections = {c.tag: c.value for c in shift_counters[1133]}  # type: ignore[attr-defined]
        assert corrections[1144] == 1
        assert {c.tag: c.value for c in corrections[1146]} == {1135: 1, 1201: 5000}  # type: ignore[attr-defined]
        assert {c.tag: c.value for c in corrections[1145]} == {1135: 0, 1201: 0}  # type: ignore[attr-defined]
    assert not fn.shift().open and fn.shift().number == 1

    rereg = fn.reregister(registration(ffd, place="Магазин №2"), 3 if ffd == "1.05" else 0b10, "Петров")
    doc = decoded(rereg, ffd)
    assert rereg.document_type == 11 and doc.get(1187) == "Магазин №2"
    assert (doc.get(1101), doc.get(1205)) == ((3, None) if ffd == "1.05" else (None, 0b10))
    assert fn.registration() is not None and fn.registration().place == "Магазин №2"  # type: ignore[union-attr]
    assert fn.validity().registrations_done == 2

    with pytest.raises(FnError) as err:  # v1.2.06: documents still waiting for the OFD
        fn.close_fn("Петров")
    assert err.value.code == 0x09
    clock.advance(61)
    assert fn.ofd_status().unsent_count == 0
    assert all(fn.document(n).ofd_confirmed for n in range(1, 11))

    closing = fn.close_fn("Петров")
    decoded(closing, ffd)
    assert closing.document_type == 6 and not closing.ofd_confirmed
    assert fn.status().phase is LifePhase.POST_FISCAL
    with pytest.raises(FnError) as err:
        fn.open_shift("Петров")
    assert err.value.code == 0x02
    assert fn.ofd_status().first_unsent_number == closing.number
    clock.advance(61)
    status = fn.status()
    assert status.phase is LifePhase.ARCHIVE and status.last_fd_number == 11
    assert status.current_document is CurrentDocument.NONE and status.warnings is WarningFlags.NONE
    assert fn.document(11).ofd_confirmed

    for number in range(1, 12):  # every document is in the archive, signed
        stored = fn.document(number)
        assert stored.number == number and fn.verify(stored)
    assert fn.last_document().number == 11
    with pytest.raises(FnError) as err:
        fn.document(12)
    assert err.value.code == 0x08


def test_receipt_numbering_restarts_per_shift_and_fd_is_global(clock: DeviceClock) -> None:
    fn = registered(FiscalCore(clock))
    first = [fn.receipt(receipt()) for _ in range(3)]
    fn.close_shift("")
    second_open = fn.open_shift("")
    again = fn.receipt(receipt())
    assert [r.receipt_number for r in first] == [1, 2, 3]
    assert [r.number for r in first] == [3, 4, 5]
    assert (second_open.number, second_open.shift_number) == (7, 2)
    assert (again.number, again.receipt_number, again.shift_number) == (8, 1, 2)
    assert fn.shift().next_receipt_number == 2 and fn.shift().receipts_count == 1


def test_fiscal_sign_is_deterministic_keyed_and_verifiable(clock: DeviceClock) -> None:
    fixed = datetime(2025, 5, 6, 7, 8, 9)
    clock.set(fixed)
    a = registered(FiscalCore(clock, FnConfig(ofd_delay=None)), shift=False)
    first = a.last_document()
    b = FiscalCore(clock, FnConfig(ofd_delay=None))
    clock.set(fixed)
    b.register(registration(), "Иванов И.И.")
    assert b.last_document().tlv == first.tlv  # same inputs, same bytes, same sign
    other = FiscalCore(clock, FnConfig(sign_key=b"another key", ofd_delay=None))
    clock.set(fixed)
    other.register(registration(), "Иванов И.И.")
    assert other.last_document().fiscal_sign != first.fiscal_sign
    when = first.datetime
    assert when == datetime(2025, 5, 6, 7, 8)  # 1012 to the minute, as the ФН's DATE_TIME (Table 190)
    assert verify_document(b"kkt-emu-demo-key", "9999078900012345", 1, when, first.tlv)
    tampered = first.tlv.replace("Ромашка".encode("cp866"), "Ромашки".encode("cp866"))
    assert tampered != first.tlv
    assert not verify_document(b"kkt-emu-demo-key", "9999078900012345", 1, when, tampered)
    assert not verify_document(b"wrong", "9999078900012345", 1, when, first.tlv)
    number = "9999078900012345"
    assert compute_sign(b"k", number, 1, fixed, b"") != compute_sign(b"k", number, 2, fixed, b"")


def test_extra_requisites_are_stored(clock: DeviceClock) -> None:
    fn = registered(FiscalCore(clock))
    extra_item = ItemData("Услуга", 500, 1000, 500, 6, payment_subject=4, extra=((1191, "доп".encode("cp866")),))
    result = fn.receipt(receipt(items=(extra_item,), cash=500, total=500, buyer_contact="+79990000000",
                                extra=((1192, b"ABC"),)))
    doc = decoded(result, "1.05")
    assert doc.get(1192) == "ABC" and doc.get(1008) == "+79990000000" and doc.get(1105) == 500
    assert {f.tag: f.value for f in doc.items[0]}[1191] == "доп"


def test_autonomous_drive_queues_nothing_and_closes_straight_to_archive(clock: DeviceClock) -> None:
    fn = registered(FiscalCore(clock, FnConfig(ofd_delay=None)), autonomous=True, ofd_inn="")
    assert decoded(fn.document(1), "1.05").get(1017) == "000000000000"
    fn.receipt(receipt())
    assert fn.ofd_status().unsent_count == 0 and not fn.document(3).ofd_confirmed
    clock.advance(31 * 86400 + 60)  # the 30-day OFD block does not apply
    fn.close_shift("")
    fn.close_fn("")
    assert fn.status().phase is LifePhase.ARCHIVE


def test_v11_close_with_unsent_documents_keeps_them_in_post_fiscal(clock: DeviceClock) -> None:
    fn = registered(FiscalCore(clock, FnConfig(ofd_delay=None, close_requires_ofd_sent=False)))
    fn.close_shift("")
    fn.close_fn("")
    assert fn.status().phase is LifePhase.POST_FISCAL and fn.ofd_status().unsent_count == 4
    fn.set_ofd(0)
    assert fn.status().phase is LifePhase.ARCHIVE and fn.ofd_status().unsent_count == 0


@pytest.mark.parametrize("ffd", FFDS)
def test_fn_replacement(clock: DeviceClock, ffd: str) -> None:
    fn = registered(FiscalCore(clock, FnConfig(ffd=ffd)), ffd)
    old_receipt = fn.receipt(receipt())
    with pytest.raises(FnError) as err:  # the old drive must be closed first
        fn.replace_fn("9999078900099999", registration(ffd), "Иванов")
    assert err.value.code == 0x02
    fn.close_shift("")
    fn.close_fn("")
    assert fn.status().phase is LifePhase.ARCHIVE
    with pytest.raises(FnError) as err:  # same RNM and INN are required
        fn.replace_fn("9999078900099999", registration(ffd, inn="500100732259", rnm=registration(ffd).rnm), "Иванов")
    assert err.value.code == 0x09

    new = fn.replace_fn("9999078900099999", registration(ffd), "Иванов")
    doc = decoded(new, ffd)
    assert (new.number, new.document_type) == (1, 11)
    assert doc.get(1041) == "9999078900099999"
    assert (doc.get(1101), doc.get(1205)) == ((1, None) if ffd == "1.05" else (None, 1))
    status = fn.status()
    assert status.phase is LifePhase.FISCAL_MODE and status.fn_number == "9999078900099999"
    assert fn.validity().registrations_done == 1 and fn.shift().number == 0
    assert fn.config.fn_number == "9999078900099999"
    opened = fn.open_shift("")
    assert (opened.number, opened.shift_number) == (2, 1)
    old = fn.retired_document("9999078900012345", old_receipt.number)
    assert old.tlv == old_receipt.tlv and fn.verify(old, "9999078900012345")
    with pytest.raises(FnError):
        fn.retired_document("9999078900099999", 1)


def test_ffd12_items_carry_measure_and_counters_grow(clock: DeviceClock) -> None:
    fn = registered(FiscalCore(clock, FnConfig(ffd="1.2")), "1.2")
    fn.receipt(receipt(1, (30000,), by_card=True))
    fn.receipt(receipt(2, (1000,)))
    doc = decoded(fn.state_report(""), "1.2")
    fn_counters = _sub(doc, 1157)
    assert fn_counters[1134] == 2
    income = {c.tag: c.value for c in fn_counters[1129]}  # type: ignore[attr-defined]
    refund = {c.tag: c.value for c in fn_counters[1130]}  # type: ignore[attr-defined]
    assert income[1138] == 30000 and income[1139] == 5000 and income[1136] == 0  # zero sums are written
    assert refund[1136] == 1000
    receipt_doc = decoded(fn.document(3), "1.2")
    assert {f.tag: f.value for f in receipt_doc.items[0]}[2108] == 0


def test_vat_amount_and_quantity_are_written_as_given(clock: DeviceClock) -> None:
    fn = registered(FiscalCore(clock))
    it = item(2500, vat=2, price=1000, quantity_milli=2500, vat_amount=227)
    doc = decoded(fn.receipt(receipt(items=(it,), cash=2500, total=2500)), "1.05")
    fields = {f.tag: f.value for f in doc.items[0]}
    assert str(fields[1023]) == "2.500" and fields[1200] == 227 and fields[1079] == 1000
    assert doc.get(1103) == 227
