"""The virtual ФН spoken to in ФН protocol frames (FnPort): every request is encoded and every answer
decoded with the codec of ``kkt_drivers.protocols.fn``, and compared with the core's own state."""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from dataclasses import replace
from datetime import datetime, timedelta
from decimal import Decimal
from typing import Any

import pytest
from fiscal_testkit import INN, correction, decoded, receipt, registered, registration
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st
from kkt_emu.core.clock import DeviceClock
from kkt_emu.core.fiscal import FiscalCore, FnConfig
from kkt_emu.core.fiscal.fn_port import FIRMWARE_TYPE, FIRMWARE_VERSION, FnPort

from kkt_drivers.ffd import Tlv, decode_document, encode_tlv
from kkt_drivers.protocols import fn
from kkt_drivers.protocols.fn.answer_codes import BY_CODE
from kkt_drivers.protocols.fn.enums import CurrentDocument, LifePhase, OperationType, PaymentPresence, WarningFlags
from kkt_drivers.protocols.fn.frame import FrameDecoder, crc16, decode_frame, encode_frame

FFDS = ("1.05", "1.2")
CASHIER = "Петров П.П."


# --- helpers ---------------------------------------------------------------------------------------------


def call(port: FnPort, code: int, fields: Mapping[str, Any] | None = None) -> Any:
    """Send one request through the port; the decoded result (raises fn.FnError on a refusal)."""
    answer = port.handle(fn.encode_request(code, fields))
    return fn.decode_answer(code, answer).result


def refused(port: FnPort, code: int, fields: Mapping[str, Any] | None = None) -> fn.FnError:
    with pytest.raises(fn.FnError) as info:
        call(port, code, fields)
    return info.value


def answer_code(raw: bytes) -> int:
    return decode_frame(raw).answer_code


def tlvs(ffd: str, *items: tuple[int, Any]) -> bytes:
    return b"".join(encode_tlv(tag, value, ffd) for tag, value in items)


def item_tlv(ffd: str, name: str, price: int, quantity: str, amount: int, vat: int = 1,
             *, drop: int | None = None) -> bytes:
    children = [Tlv(1030, name), Tlv(1079, price), Tlv(1023, Decimal(quantity)), Tlv(1043, amount),
                Tlv(1199, vat), Tlv(1214, 4), Tlv(1212, 1)]
    return encode_tlv(1059, [c for c in children if c.tag != drop], ffd)


def payments(ffd: str, cash: int = 0, card: int = 0) -> bytes:
    """All five sums in FFD 1.2 mode (the drive needs them), only the non-zero ones in FFD 1.05."""
    sums = ((1031, cash), (1081, card), (1215, 0), (1216, 0), (1217, 0))
    return tlvs(ffd, *(s for s in sums if ffd == "1.2" or s[1]))


def new_core(clock: DeviceClock, ffd: str, *, shift: bool = False, **config: Any) -> FiscalCore:
    core = FiscalCore(clock, FnConfig(ffd=ffd, **config))
    return registered(core, ffd, shift=shift)


def sale(port: FnPort, ffd: str, when: datetime, lines: Sequence[tuple[Any, ...]], *,
         operation: int = 1, cash: int | None = None, card: int = 0, extra: bytes = b"") -> Any:
    """15h, 07h (items), 07h (sums, 1055, 1021), 16h."""
    total = sum(line[3] for line in lines)
    call(port, 0x15, {"datetime": when})
    call(port, 0x07, {"tlv_data": b"".join(item_tlv(ffd, *line) for line in lines)})
    cash = total - card if cash is None else cash
    call(port, 0x07, {"tlv_data": payments(ffd, cash, card) + tlvs(ffd, (1055, 1), (1021, CASHIER)) + extra})
    return call(port, 0x16, {"datetime": when, "operation": operation, "total": total})


@pytest.fixture
def clock() -> DeviceClock:
    return DeviceClock()


# --- queries against the core's state ------------------------------------------------------------------


def test_status_before_registration(clock: DeviceClock) -> None:
    core = FiscalCore(clock, FnConfig())
    port = FnPort(core)
    status = call(port, 0x30)
    assert (status.phase, status.last_fd_number, status.last_document_datetime) == (LifePhase.READY_FOR_FISCAL, 0, None)
    assert status.fn_number == core.config.fn_number and not status.shift_open
    assert refused(port, 0x10).code == 0x02  # Table 55: stage 2 only
    assert refused(port, 0x40, {"fd_number": 1}).code == 0x08


@pytest.mark.parametrize("ffd", FFDS)
def test_status_queries_match_the_core(clock: DeviceClock, ffd: str) -> None:
    core = new_core(clock, ffd, shift=True, ofd_delay=None)
    for operation in (1, 2):
        core.receipt(receipt(operation, (10000, 2550)))
    port = FnPort(core)

    status, own = call(port, 0x30), core.status()
    assert status.phase == own.phase == LifePhase.FISCAL_MODE
    assert status.fn_number == own.fn_number and status.last_fd_number == own.last_fd_number == 4
    assert own.last_document_datetime is not None
    assert status.last_document_datetime == own.last_document_datetime.replace(second=0)
    assert status.shift_open is True and status.current_document == CurrentDocument.NONE
    assert status.document_data_received is False and status.warnings == own.warnings

    assert call(port, 0x31)["fn_number"] == core.config.fn_number
    validity, own_validity = call(port, 0x32), core.validity()
    assert (validity.expiry_date, validity.registrations_left, validity.registrations_done) == (
        own_validity.valid_until, own_validity.registrations_left, own_validity.registrations_done)
    version = call(port, 0x33)
    assert (version.firmware_version, int(version.firmware_type)) == (FIRMWARE_VERSION, FIRMWARE_TYPE)

    shift = call(port, 0x10)
    assert (shift.shift_open, shift.shift_number, shift.receipt_number) == (True, 1, 2)
    ofd, queue = call(port, 0x20), core.ofd_status()
    assert ofd.queue_length == queue.unsent_count == 4 and ofd.first_document_number == queue.first_unsent_number == 1
    assert queue.first_unsent_datetime is not None
    assert ofd.first_document_datetime == queue.first_unsent_datetime.replace(second=0)
    assert call(port, 0x42)["count"] == 4

    core.close_shift("Иванов И.И.")
    shift = call(port, 0x10)
    assert (shift.shift_open, shift.shift_number, shift.receipt_number) == (False, 1, 2)


@pytest.mark.parametrize("ffd", FFDS)
def test_find_document_and_tlv_reading_match_every_document(clock: DeviceClock, ffd: str) -> None:
    core = new_core(clock, ffd, shift=True, ofd_delay=None)
    core.receipt(receipt(1, (10000, 2550)))
    core.receipt(receipt(2, (500,), by_card=True))
    core.correction(correction(3, 5000))
    core.state_report("Иванов И.И.")
    core.close_shift("Иванов И.И.")
    core.set_ofd(0)  # the OFD confirms everything so far …
    core.set_ofd(None)
    core.open_shift("Иванов И.И.")  # … but not what follows
    core.receipt(receipt(3, (777,)))
    port = FnPort(core)

    assert refused(port, 0x46).code == 0x02  # 46h before any 45h
    last = core.status().last_fd_number
    assert last == 9
    for number in range(1, last + 1):
        doc = core.document(number)
        found = call(port, 0x40, {"fd_number": number})
        record = found["record"]
        assert int(found["document_type"]) == doc.document_type
        assert found["ticket_received"] is doc.ofd_confirmed
        assert (record["fd_number"], record["fiscal_sign"]) == (doc.number, doc.fiscal_sign)
        assert record["datetime"] == doc.datetime.replace(second=0)
        tree = decode_document(doc.tlv)
        if doc.document_type in (3, 31):
            assert record["operation"] == tree.get(1054) and record["total"] == tree.get(1020)
        elif doc.document_type in (2, 5):
            assert record["shift_number"] == doc.shift_number == tree.get(1038)
        elif doc.document_type == 1:
            assert (record["inn"], record["tax_systems"]) == (INN, 0b11)
            assert record["rnm"] == core.registration().rnm  # type: ignore[union-attr]
            assert ("ofd_inn" in record) is (ffd == "1.2")
        elif doc.document_type == 21:
            assert record["unconfirmed_count"] == tree.get(1097) == 5
            first = tree.get(1098)
            assert isinstance(first, datetime) and record["first_unconfirmed_date"] == first.date()

        info = call(port, 0x45, {"fd_number": number})
        assert int(info["document_type"]) == doc.document_type and info["length"] == len(doc.tlv) - 4
        parts = []
        while True:
            try:
                parts.append(call(port, 0x46)["tlv"])
            except fn.FnError as exc:
                assert exc.code == 0x08
                break
        rebuilt = doc.tlv[:4] + b"".join(parts)
        assert rebuilt == doc.tlv
        assert len(parts) == len(decode_document(doc.tlv).fields)
        assert refused(port, 0x46).code == 0x08  # stays at the end
    confirmed = [core.document(n).ofd_confirmed for n in range(1, last + 1)]
    assert confirmed == [True] * 7 + [False] * 2
    assert refused(port, 0x40, {"fd_number": last + 1}).code == 0x08
    assert refused(port, 0x45, {"fd_number": last + 1}).code == 0x08
    assert refused(port, 0x46).code == 0x02  # a failed 45h drops the cursor


# --- whole documents through frames ---------------------------------------------------------------------


@pytest.mark.parametrize("ffd", FFDS)
def test_a_whole_shift_driven_only_through_frames(clock: DeviceClock, ffd: str) -> None:
    core = new_core(clock, ffd, ofd_delay=None)
    port = FnPort(core)
    now = clock.now()

    call(port, 0x11, {"datetime": now})
    status = call(port, 0x30)
    assert status.current_document == CurrentDocument.OPEN_SHIFT_REPORT and not status.document_data_received
    call(port, 0x07, {"tlv_data": tlvs(ffd, (1021, CASHIER))})
    assert call(port, 0x30).document_data_received is True
    assert core.status().last_fd_number == 1  # nothing formed before the finishing command
    opened = call(port, 0x12)
    assert (opened.shift_number, opened.fd_number) == (1, 2)
    assert (opened.warnings is None) is (ffd == "1.05")  # Table 58: the byte only in FFD 1.1/1.2 mode
    assert call(port, 0x30).current_document == CurrentDocument.NONE

    results = [
        sale(port, ffd, now, [("Хлеб", 5000, "2.000", 10000), ("Молоко", 8990, "1.000", 8990)]),
        sale(port, ffd, now, [("Сахар", 12000, "0.500", 6000)], operation=2, card=6000),
        sale(port, ffd, now, [("Услуга", 100, "1", 100, 6)], operation=3, cash=0, card=100,
             extra=tlvs(ffd, (1008, "+79990000000"))),
    ]
    assert [(r.receipt_number, r.fd_number) for r in results] == [(1, 3), (2, 4), (3, 5)]

    call(port, 0x18, {"datetime": now})
    assert call(port, 0x30).current_document == CurrentDocument.STATE_REPORT
    call(port, 0x07, {"tlv_data": tlvs(ffd, (1021, CASHIER))})
    state = call(port, 0x19)
    assert state.fd_number == 6 and state.unconfirmed_count == 5  # FD 1..5 wait for the OFD
    assert state.first_unconfirmed_date == core.document(1).datetime.date()

    call(port, 0x13, {"datetime": now})
    assert call(port, 0x30).current_document == CurrentDocument.CLOSE_SHIFT_REPORT
    call(port, 0x07, {"tlv_data": tlvs(ffd, (1021, CASHIER), (1009, "печатается, не хранится"))})
    closed = call(port, 0x14)
    assert (closed.shift_number, closed.fd_number) == (1, 7)
    if ffd == "1.2":
        assert closed.warnings == core.status().warnings

    expected_types = {2: 2, 3: 3, 4: 3, 5: 3, 6: 21, 7: 5}
    for number, doc_type in expected_types.items():
        doc = core.document(number)
        assert doc.document_type == doc_type
        tree = decoded(doc, ffd)  # decodes, numbers, datetime, missing_mandatory(...) == set()
        # 1021 is in neither current-state report table (1.05 Табл.19, 1.2 Табл.95): printed, not stored
        assert tree.get(1021) == (None if doc_type == 21 else CASHIER)
        assert tree.get(1009) is None or doc_type == 3  # print-only requisite of a shift report is not stored
    assert [r.fiscal_sign for r in results] == [core.document(n).fiscal_sign for n in (3, 4, 5)]
    first = decoded(core.document(3), ffd)
    assert (first.get(1054), first.get(1020), first.get(1031), first.get(1055)) == (1, 18990, 18990, 1)
    names = [dict((f.tag, f.value) for f in item)[1030] for item in first.items]
    assert names == ["Хлеб", "Молоко"]
    quantities = [dict((f.tag, f.value) for f in item)[1023] for item in first.items]
    assert quantities == [Decimal("2.000"), Decimal("1.000")]
    second = decoded(core.document(4), ffd)
    assert (second.get(1054), second.get(1081), second.get(1031)) == (2, 6000, 0)
    third = decoded(core.document(5), ffd)
    assert third.get(1008) == "+79990000000" and third.get(1054) == 3
    assert core.verify(core.document(5))
    totals = core.shift_totals()
    assert {op: t.total for op, t in totals.receipts.items()} == {1: 18990, 2: 6000, 3: 100}


@pytest.mark.parametrize("ffd", FFDS)
def test_correction_receipt_through_frames(clock: DeviceClock, ffd: str) -> None:
    core = new_core(clock, ffd, shift=True)
    port = FnPort(core)
    now = clock.now()
    call(port, 0x17, {"datetime": now})
    assert call(port, 0x30).current_document == CurrentDocument.CORRECTION_RECEIPT
    basis = [Tlv(1178, datetime(2024, 3, 1)), Tlv(1179, "N 7")]
    if ffd == "1.05":
        basis.insert(0, Tlv(1177, "не пробит чек"))
    call(port, 0x07, {"tlv_data": tlvs(ffd, (1173, 0), (1174, basis), (1055, 1), (1021, CASHIER), (1102, 833))
                      + payments(ffd, 5000) + item_tlv(ffd, "Товар", 5000, "1", 5000)})
    result = call(port, 0x16, {"datetime": now, "operation": OperationType.EXPENSE, "total": 5000})
    doc = core.document(result.fd_number)
    assert (doc.document_type, doc.receipt_number, result.receipt_number) == (31, 1, 1)
    tree = decoded(doc, ffd)
    children = {f.tag: f.value for f in tree.fields[[f.tag for f in tree.fields].index(1174)].children}
    assert children[1178] == datetime(2024, 3, 1) and children[1179] == "N 7"
    assert (1177 in children) is (ffd == "1.05")
    assert (tree.get(1173), tree.get(1054), tree.get(1102), tree.get(1031)) == (0, 3, 833, 5000)


@pytest.mark.parametrize("ffd", FFDS)
def test_registration_through_frames(clock: DeviceClock, ffd: str) -> None:
    core = FiscalCore(clock, FnConfig(ffd=ffd))
    port = FnPort(core)
    want = registration(ffd)
    data = [(1048, want.user_name), (1013, want.kkt_serial), (1009, want.address), (1187, want.place),
            (1046, want.ofd_name), (1060, want.fns_site), (1188, want.kkt_version), (1189, want.ffd_version),
            (1021, CASHIER)]
    finish = {"datetime": clock.now(), "inn": want.inn, "rnm": want.rnm, "tax_systems": want.taxation,
              "work_mode": 0}
    if ffd == "1.05":
        assert refused(port, 0xA2, {"report_type": 0, "ffd_version": 4}).code == 0x0A  # wrong command pair
        call(port, 0x02)
        data.append((1017, want.ofd_inn))
        finisher = 0x03
    else:
        assert refused(port, 0x02).code == 0x0A
        call(port, 0xA2, {"report_type": 0, "ffd_version": 4})
        assert refused(port, 0x07, {"tlv_data": tlvs(ffd, (1017, want.ofd_inn))}).tag == 1017  # formed by the drive
        finish.update(extended_flags=0, ofd_inn=want.ofd_inn)
        finisher = 0xA3
    assert call(port, 0x30).current_document == CurrentDocument.REGISTRATION_REPORT
    bad = refused(port, 0x07, {"tlv_data": tlvs(ffd, (1018, INN))})  # the INN comes with 03h/A3h
    assert (bad.code, bad.tag) == (0x0B, 1018)
    call(port, 0x07, {"tlv_data": tlvs(ffd, *data)})
    result = call(port, finisher, finish)
    assert (result.fd_number, result.fiscal_sign) == (1, core.document(1).fiscal_sign)
    assert core.registration() == want
    assert call(port, 0x30).phase == LifePhase.FISCAL_MODE
    tree = decoded(core.document(1), ffd)
    assert tree.get(1021) == CASHIER and tree.get(1041) == core.config.fn_number
    record = call(port, 0x40, {"fd_number": 1})["record"]
    assert (record["inn"], record["rnm"], int(record["work_mode"])) == (want.inn, want.rnm, 0)


def test_reregistration_through_frames(clock: DeviceClock) -> None:
    core = new_core(clock, "1.05")
    port = FnPort(core)
    assert refused(port, 0x02, {"report_type": 0}).code == 0x02  # already registered
    assert refused(port, 0x02, {"report_type": 1}).code == 0x01  # replacement is FiscalCore.replace_fn
    call(port, 0x02, {"report_type": 2})
    assert call(port, 0x30).current_document == CurrentDocument.REREGISTRATION
    want = registration("1.05", address="г. Москва, ул. Новая, д. 2")
    call(port, 0x07, {"tlv_data": tlvs("1.05", (1048, want.user_name), (1013, want.kkt_serial),
                                       (1009, want.address), (1187, want.place), (1017, want.ofd_inn),
                                       (1046, want.ofd_name), (1060, want.fns_site), (1188, "1.0"),
                                       (1189, 2), (1021, CASHIER))})
    base = {"datetime": clock.now(), "inn": want.inn, "rnm": want.rnm, "tax_systems": want.taxation,
            "work_mode": 0x02}  # autonomous from now on
    assert refused(port, 0x03, base).code == 0x09  # a re-registration needs its reason
    result = call(port, 0x03, {**base, "reason": 3})
    doc = core.document(result.fd_number)
    assert doc.document_type == 11
    assert core.registration() == replace(want, autonomous=True)
    tree = decoded(doc, "1.05")
    assert (tree.get(1101), tree.get(1009), tree.get(1002)) == (3, want.address, 1)
    record = call(port, 0x40, {"fd_number": result.fd_number})["record"]
    assert (record["reason"], int(record["work_mode"])) == (3, 0x02)


def test_close_fn_through_frames(clock: DeviceClock) -> None:
    core = new_core(clock, "1.05", shift=True)
    port = FnPort(core)
    assert refused(port, 0x04).code == 0x02  # the shift is open
    core.close_shift("Иванов И.И.")
    call(port, 0x04)
    assert call(port, 0x30).current_document == CurrentDocument.CLOSE_FN_REPORT
    call(port, 0x07, {"tlv_data": tlvs("1.05", (1021, CASHIER))})
    assert refused(port, 0x05, {"datetime": clock.now(), "rnm": "0" * 16}).code == 0x09
    result = call(port, 0x05, {"datetime": clock.now(), "rnm": core.registration().rnm})  # type: ignore[union-attr]
    assert core.document(result.fd_number).document_type == 6
    assert call(port, 0x30).phase == core.status().phase == LifePhase.ARCHIVE  # the OFD confirmed at once
    record = call(port, 0x40, {"fd_number": result.fd_number})["record"]
    assert (record["inn"], record["fiscal_sign"]) == (INN, result.fiscal_sign)
    assert refused(port, 0x11, {"datetime": clock.now()}).code == 0x02  # Table 6: no documents in phase 4


# --- document state and refusals ------------------------------------------------------------------------


def test_document_in_progress_and_cancel(clock: DeviceClock) -> None:
    core = new_core(clock, "1.05", shift=True)
    port = FnPort(core)
    now = clock.now()
    assert refused(port, 0x07, {"tlv_data": tlvs("1.05", (1021, CASHIER))}).code == 0x02  # nothing begun
    call(port, 0x15, {"datetime": now})
    assert call(port, 0x30).current_document == CurrentDocument.RECEIPT
    assert refused(port, 0x15, {"datetime": now}).code == 0x02  # a second begin
    assert refused(port, 0x18, {"datetime": now}).code == 0x02
    assert refused(port, 0x16, {"datetime": now, "operation": 1, "total": 0}).code == 0x02  # no 07h data yet
    assert refused(port, 0x14).code == 0x02  # finishing another kind of document
    call(port, 0x07, {"tlv_data": item_tlv("1.05", "Товар", 100, "1", 100)})
    call(port, 0x06)
    status = call(port, 0x30)
    assert (status.current_document, status.document_data_received) == (CurrentDocument.NONE, False)
    assert refused(port, 0x16, {"datetime": now, "operation": 1, "total": 100}).code == 0x02
    assert core.status().last_fd_number == 2  # nothing was formed
    call(port, 0x06)  # cancelling with nothing open succeeds
    call(port, 0x13, {"datetime": now})
    assert call(port, 0x30).current_document == CurrentDocument.CLOSE_SHIFT_REPORT
    too_big = tlvs("1.05", (1021, "К" * 60)) * 17  # 13h allows 1 KB of TLV data
    assert refused(port, 0x07, {"tlv_data": too_big}).code == 0x10
    assert refused(port, 0x07, {"tlv_data": tlvs("1.05", (1203, "123456789012"))}).code == 0x0B


def test_receipt_refusals_through_frames(clock: DeviceClock) -> None:
    core = new_core(clock, "1.05")
    port = FnPort(core)
    now = clock.now()
    assert refused(port, 0x15, {"datetime": now}).code == 0x02  # the shift is closed
    assert refused(port, 0x13, {"datetime": now}).code == 0x02
    assert refused(port, 0x11, {"datetime": now - timedelta(days=1)}).code == 0x07  # before the last document
    assert refused(port, 0x11, {"datetime": None}).code == 0x07
    core.open_shift("Иванов И.И.")
    assert refused(port, 0x11, {"datetime": now}).code == 0x02  # the shift is open

    call(port, 0x15, {"datetime": now})
    body = item_tlv("1.05", "Товар", 10000, "1", 10000) + tlvs("1.05", (1031, 10000), (1020, 10000), (1054, 1))
    call(port, 0x07, {"tlv_data": body})
    missing = refused(port, 0x16, {"datetime": now, "operation": 1, "total": 10000})
    assert (missing.code, missing.tag) == (0x3C, 1055)
    call(port, 0x07, {"tlv_data": tlvs("1.05", (1055, 1))})
    # 16h total / operation disagree with 1020 / 1054 sent with 07h → 09h, the document stays open
    assert refused(port, 0x16, {"datetime": now, "operation": 1, "total": 9999}).code == 0x09
    assert refused(port, 0x16, {"datetime": now, "operation": 2, "total": 10000}).code == 0x09
    assert refused(port, 0x16, {"datetime": now - timedelta(days=1), "operation": 1, "total": 10000}).code == 0x07
    assert call(port, 0x30).current_document == CurrentDocument.RECEIPT and core.status().last_fd_number == 2
    result = call(port, 0x16, {"datetime": now, "operation": 1, "total": 10000})
    assert (result.fd_number, result.receipt_number) == (3, 1)

    # an item without its price → 3Ch with the tag; a core refusal (1055 not registered) → its code
    call(port, 0x15, {"datetime": now})
    call(port, 0x07, {"tlv_data": item_tlv("1.05", "Товар", 100, "1", 100, drop=1079) + tlvs("1.05", (1055, 1))})
    gap = refused(port, 0x16, {"datetime": now, "operation": 1, "total": 100})
    assert (gap.code, gap.tag) == (0x3C, 1079)
    call(port, 0x06)
    call(port, 0x15, {"datetime": now})
    call(port, 0x07, {"tlv_data": item_tlv("1.05", "Товар", 100, "1", 100) + tlvs("1.05", (1055, 4), (1031, 100))})
    mismatch = refused(port, 0x16, {"datetime": now, "operation": 1, "total": 100})
    assert (mismatch.code, mismatch.detail) == (0x19, b"")  # Table 5 defines no data for 19h
    call(port, 0x06)
    # 16h total that disagrees with the payments (no 1020 sent): the core's 09h
    call(port, 0x15, {"datetime": now})
    call(port, 0x07, {"tlv_data": item_tlv("1.05", "Товар", 100, "1", 100) + tlvs("1.05", (1055, 1), (1031, 100))})
    assert refused(port, 0x16, {"datetime": now, "operation": 1, "total": 200}).code == 0x09
    assert core.status().last_fd_number == 3


def test_ffd12_refusals_through_frames(clock: DeviceClock) -> None:
    core = new_core(clock, "1.2", shift=True)
    port = FnPort(core)
    now = clock.now()
    call(port, 0x15, {"datetime": now})
    formed = refused(port, 0x07, {"tlv_data": tlvs("1.2", (1020, 100))})  # v1.2.06 §5.4
    assert (formed.code, formed.tag, formed.detail) == (0x0B, 1020, (1020).to_bytes(2, "little"))
    assert call(port, 0x30).document_data_received is False  # the refused 07h added nothing
    call(port, 0x07, {"tlv_data": item_tlv("1.2", "Товар", 100, "1", 100)
                      + tlvs("1.2", (1055, 1), (1031, 60), (1081, 40))})
    short = refused(port, 0x16, {"datetime": now, "operation": 1, "total": 100})
    assert short.code == 0x0D and short.payments_received == PaymentPresence.CASH | PaymentPresence.ELECTRONIC
    call(port, 0x07, {"tlv_data": tlvs("1.2", (1215, 0), (1216, 0), (1217, 0))})
    assert refused(port, 0x16, {"datetime": now, "operation": 1, "total": 101}).code == 0x09
    result = call(port, 0x16, {"datetime": now, "operation": 1, "total": 100})
    tree = decoded(core.document(result.fd_number), "1.2")
    assert (tree.get(1031), tree.get(1081), tree.get(1020)) == (60, 40, 100)


def test_link_level_refusals_and_warning_bit(clock: DeviceClock) -> None:
    core = new_core(clock, "1.05", shift=True)
    port = FnPort(core)
    good = fn.encode_request(0x30)
    bad_crc = good[:-2] + bytes((good[-2] ^ 0xFF, good[-1]))
    assert port.handle(bad_crc) == fn.encode_error(0x01)
    assert port.handle(good[:-1]) == fn.encode_error(0x01)  # truncated
    assert port.handle(good + b"\x00") == fn.encode_error(0x01)  # trailing byte
    assert answer_code(port.handle(encode_frame(0x30, b"\x00"))) == 0x01  # 30h takes no data
    assert answer_code(port.handle(encode_frame(0x41, b"\x01\x00\x00\x00"))) == 0x01  # not implemented
    assert answer_code(port.handle(encode_frame(0x99))) == 0x01  # no such command
    assert decode_frame(port.handle(good)).code == 0x00

    core.fill_memory(core.config.capacity - 10)  # archive > 90 % full: warning bit 2
    assert core.status().warnings & WarningFlags.MEMORY_OVERFLOW
    for raw in (port.handle(good), port.handle(bad_crc), port.handle(encode_frame(0x41))):
        assert decode_frame(raw).warning is True
    answer = fn.decode_answer(0x30, port.handle(good))
    assert answer.warning and answer.result.warnings & WarningFlags.MEMORY_OVERFLOW


# --- the byte stream -------------------------------------------------------------------------------------


def test_feed_answers_each_frame_and_enq_repeats(clock: DeviceClock) -> None:
    core = new_core(clock, "1.05", shift=True)
    port, twin = FnPort(core), FnPort(core)
    requests = [fn.encode_request(0x30), fn.encode_request(0x40, {"fd_number": 2}), fn.encode_request(0x10)]
    expected = b"".join(twin.handle(r) for r in requests)
    stream = b"\xff\x00" + b"".join(requests)
    out = b"".join(port.feed(stream[i:i + 3]) for i in range(0, len(stream), 3))
    assert out == expected
    assert port.feed(b"\x05") == twin.handle(requests[-1])  # ENQ: the last answer again
    good = fn.encode_request(0x31)
    bad = good[:-1] + bytes((good[-1] ^ 0x01,))
    assert port.feed(bad) == b"" and port.frame_errors == 1  # a garbled frame gets no answer
    assert port.feed(good) == twin.handle(good)
    assert port.feed(b"\x04\x05") == b"" and port.flush() == twin.handle(good)  # cut frame, then the ENQ


# --- fuzz ------------------------------------------------------------------------------------------------

FUZZ = settings(max_examples=100, deadline=None, database=None,
                suppress_health_check=[HealthCheck.function_scoped_fixture, HealthCheck.too_slow])
_CODES = sorted({c.code for c in fn.REGISTRY} | {0x00, 0x7F, 0xFF})
request_frames = st.builds(lambda code, data: encode_frame(code, data), st.sampled_from(_CODES),
                           st.binary(max_size=64))
wire = st.one_of(st.binary(max_size=80), request_frames)


def _one_answer(raw: bytes) -> None:
    frame = decode_frame(raw)  # exactly one well-formed frame, nothing after it
    assert frame.answer_code in BY_CODE
    assert raw[-2:] == crc16(raw[1:-2]).to_bytes(2, "little")


@FUZZ
@given(st.lists(wire, min_size=1, max_size=6), st.sampled_from(FFDS))
def test_fuzz_handle_always_answers_one_frame(clock: DeviceClock, inputs: list[bytes], ffd: str) -> None:
    core = new_core(clock, ffd, shift=True)
    port = FnPort(core)
    for raw in inputs:
        _one_answer(port.handle(raw))
    _one_answer(port.handle(fn.encode_request(0x30)))  # still alive
    core.close()


@FUZZ
@given(st.lists(st.one_of(wire, st.just(b"\x05")), min_size=1, max_size=6), st.data())
def test_fuzz_feed_gives_only_answer_frames(clock: DeviceClock, inputs: list[bytes], data: st.DataObject) -> None:
    core = new_core(clock, "1.05", shift=True)
    port = FnPort(core)
    stream = b"".join(inputs)
    cuts = sorted(data.draw(st.lists(st.integers(0, len(stream)), max_size=5)))
    out = bytearray()
    last = 0
    for cut in [*cuts, len(stream)]:
        out += port.feed(stream[last:cut])
        last = cut
    out += port.flush()
    decoder = FrameDecoder()
    events = decoder.feed(bytes(out)) + decoder.flush()
    assert all(isinstance(e, fn.Frame) and e.answer_code in BY_CODE for e in events)
    assert decoder.buffered == 0 and decoder.noise == 0
    core.close()
