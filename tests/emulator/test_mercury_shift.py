"""A whole shift on an emulated Меркурий through ``Kkt``, over both protocols and every attachment (HTTP too),
and what only MS-K has: the captured sale through the emulator, keep-alives, the repeat-last-answer
recovery, the status word, annulment and the register's own numbering."""

from __future__ import annotations

import json
from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import replace
from decimal import Decimal
from pathlib import Path
from typing import Any

import pytest
from kkt_emu.attach.http import HttpAttachment
from kkt_emu.attach.pty import PtyAttachment
from kkt_emu.attach.tcp import TcpAttachment
from kkt_emu.core.device import VirtualDevice
from kkt_emu.personalities import create_device
from samples import REGISTRATION, make_receipt

from kkt_drivers import DeviceError, Kkt, connect
from kkt_drivers.drivers.mercury import MercuryDriver, MskBackend
from kkt_drivers.errors import ConfigurationError
from kkt_drivers.ffd import decode_document
from kkt_drivers.protocols.incotex import msk_commands as mc
from kkt_drivers.protocols.incotex import msk_framer as mf
from kkt_drivers.types import Buyer, Item, Payment, PaymentType, Receipt, TaxationSystem, VatRate

VECTORS = Path(__file__).resolve().parents[1] / "vectors"
BACKENDS = ["msk-inprocess", "msk-pty", "msk-tcp", "json-inprocess", "json-tcp", "json-http"]


@contextmanager
def served(backend: str, device: VirtualDevice | None = None) -> Iterator[str]:
    """A fresh emulated Меркурий behind ``backend``; yields the driver URL."""
    protocol, attachment = backend.split("-")
    device = device or create_device("mercury")
    if attachment == "inprocess":
        yield f"emu://mercury?protocol={protocol}"
        return
    server: Any
    if attachment == "pty":
        server = PtyAttachment(device, protocol).start()
        url = f"mercury://{server.path}?protocol={protocol}"
    elif attachment == "tcp":
        server = TcpAttachment(device, protocol).start()
        url = f"mercury+tcp://{server.host}:{server.port}?protocol={protocol}"
    else:
        server = HttpAttachment(device, protocol).start()
        url = f"mercury+http://{server.host}:{server.port}"
    try:
        yield url
    finally:
        server.stop()
        device.close()


@pytest.mark.parametrize("backend", BACKENDS)
def test_a_whole_shift(backend: str) -> None:
    with served(backend) as url, Kkt.open(url) as kkt:
        assert kkt.family == "mercury" and kkt.driver.protocol == backend.split("-")[0]  # type: ignore[attr-defined]
        status = kkt.status()
        assert status.serial_number == "0106001" and not status.fiscalised
        assert kkt.register(REGISTRATION).number == 1
        assert kkt.status().fiscalised
        opened = kkt.open_shift()
        assert opened.number == 2 and opened.document_type == 2
        kkt.cash_in(50_000)
        sale = kkt.sell(make_receipt(buyer=Buyer(email="buyer@example.com"), cash=make_receipt().total + 1000))
        assert sale.change == 1000 and sale.document.number == 3
        fields = {f.info.tag: f.value for f in decode_document(kkt.document(3).tlv).fields}
        assert fields[1054] == 1 and fields[1020] == make_receipt().total and fields[1008] == "buyer@example.com"
        assert fields[1031] == make_receipt().total - 10000 and fields[1081] == 10000
        refund = kkt.refund(make_receipt())
        assert refund.document.number == 4
        assert kkt.cash_in_drawer() == 50_000  # the sale's cash came in, the refund's went out
        kkt.x_report()
        shift = kkt.shift_state()
        assert shift.open and shift.number == 1 and shift.next_receipt_number == 3
        closed = kkt.close_shift()
        assert closed.number == 5 and closed.document_type == 5 and not kkt.shift_state().open
        assert kkt.last_document().number == 5


@pytest.mark.parametrize("backend", ["msk-inprocess", "json-http"])
def test_a_refusal_leaves_no_receipt_and_no_document(backend: str) -> None:
    with served(backend) as url, Kkt.open(url) as kkt:
        kkt.register(REGISTRATION)
        with pytest.raises(DeviceError) as caught:  # no shift
            kkt.sell(make_receipt())
        assert caught.value.family == "mercury" and caught.value.message_ru
        kkt.open_shift()
        simple = Receipt(items=(Item("Хлеб", 5000),), payments=(Payment(PaymentType.CASH, 5000),),
                         taxation=TaxationSystem.USN_INCOME)
        assert kkt.sell(simple).document.number == 3
        assert not kkt.status().receipt_open and not kkt.cancel_receipt()


def test_http_refuses_msk_and_defaults_to_json() -> None:
    with served("json-http") as url:
        with pytest.raises(ConfigurationError, match="MS-K frames do not travel over HTTP"):
            connect(url + "?protocol=msk")
        with connect(url) as device:
            assert isinstance(device, MercuryDriver) and device.protocol == "json"


# -- MS-K only ------------------------------------------------------------------------------------------

@pytest.fixture
def msk_kkt() -> Iterator[Kkt]:
    with Kkt.open("emu://mercury?protocol=msk") as kkt:
        kkt.register(REGISTRATION)
        kkt.open_shift()
        yield kkt


def backend_of(kkt: Kkt) -> MskBackend:
    backend = kkt.driver.backend  # type: ignore[attr-defined]
    assert isinstance(backend, MskBackend)
    return backend


def test_the_captured_sale_frame_makes_the_sum_the_real_register_printed(msk_kkt: Kkt) -> None:
    """[S6]'s sale request, byte for byte, into the emulator: 4 × 1.23 + 7 × 4.56 less 3 % is 35.73, the sum
    the real register answered with, under the same status word; then [S6]'s cash-out of 10.55."""
    vectors = json.loads((VECTORS / "incotex_msk.json").read_text(encoding="utf-8"))["vectors"]
    request = next(v for v in vectors if v["name"] == "s6-request-53-sale")
    frame = mf.MskFramer().feed(bytes.fromhex(request["hex"]))[0]
    assert isinstance(frame, mf.Frame)
    msk = backend_of(msk_kkt)
    answer = mc.decode_answer(msk.session.exchange(frame.body, timeout=30.0), expected=0x53)
    assert answer.ok and isinstance(answer.data, mc.DocumentInfo)
    assert answer.data.total == Decimal("35.73") and answer.data.doc_type == 0
    assert answer.status.word == 0xFC13  # the captured answer's status word, bit for bit
    doc = decode_document(msk_kkt.document(msk_kkt.fn_status().last_document_number).tlv)
    assert doc.get(1020) == 3573 and doc.get(1031) == 3573  # 100.00 paid in cash, 64.27 change
    assert msk.last_document_info().total == Decimal("35.73")
    # the captured cash-out that followed it: 10.55 out of the drawer, answered as type 03 with that sum
    request = next(v for v in vectors if v["name"] == "s6-request-53-cash-out")
    frame = mf.MskFramer().feed(bytes.fromhex(request["hex"]))[0]
    assert isinstance(frame, mf.Frame)
    drawer = msk_kkt.cash_in_drawer()
    answer = mc.decode_answer(msk.session.exchange(frame.body, timeout=30.0), expected=0x53)
    assert isinstance(answer.data, mc.DocumentInfo) and answer.status.word == 0xFC13
    assert (answer.data.doc_type, answer.data.total) == (3, Decimal("10.55"))
    assert msk_kkt.cash_in_drawer() == drawer - 1055


def test_keepalives_while_busy_hold_the_answer_back_but_not_the_driver(msk_kkt: Kkt) -> None:
    received: list[bytes] = []
    msk_kkt.driver.session.hooks.append(lambda d, b: received.append(bytes(b)) if d == "rx" else None)
    control = msk_kkt.driver.emulator
    assert control is not None
    control.set_fault("keepalives", 30)
    msk_kkt.driver.session.execution_scale = 0.05  # each keep-alive must re-arm the 1.5 s deadline
    result = msk_kkt.sell(make_receipt())
    msk_kkt.driver.session.execution_scale = 1.0
    assert result.document.number == 3 and not result.recovered
    assert sum(chunk.count(b"\x06") for chunk in received) >= 30


def test_a_lost_document_answer_is_recovered_with_repeat_answer(msk_kkt: Kkt) -> None:
    sent: list[bytes] = []
    msk_kkt.driver.session.hooks.append(lambda d, b: sent.append(bytes(b)) if d == "tx" else None)
    control = msk_kkt.driver.emulator
    assert control is not None
    control.set_fault("withhold_command", "close_receipt")
    msk_kkt.driver.session.execution_scale = 0.05
    result = msk_kkt.sell(make_receipt())
    msk_kkt.driver.session.execution_scale = 1.0
    assert result.document.number == 3 and msk_kkt.fn_status().last_document_number == 3
    letters = [frame[1:2] for frame in sent if frame[:1] == b"\x02"]
    assert letters.count(b"S") == 1 and b"I" in letters  # the document went once; its answer came by 'I'


def test_status_word_shows_shift_fiscal_and_an_open_document(msk_kkt: Kkt) -> None:
    msk = backend_of(msk_kkt)
    records = mc.FiscalDocument(mc.DocumentType.SALE, mc.DOC_EXTENDED_ANSWER, (
        mc.TextRecord(99, text="Хлеб"), mc.PriceRecord(Decimal("10.00"), Decimal(1))))
    msk.execute(records)  # a document begun and not closed
    status = msk.last_status
    assert status is not None and status.shift_open and status.fiscalised
    assert status.document_state is mc.DocumentState.OPEN and status.operation == mc.CurrentOperation.SALE
    assert msk_kkt.status().receipt_open
    assert msk_kkt.cancel_receipt()  # 0x53 with the annul flag
    assert not msk_kkt.status().receipt_open
    assert msk.last_status is not None and msk.last_status.operation == mc.CurrentOperation.FINISHED
    assert msk_kkt.sell(make_receipt()).document.number == 3  # nothing was made by the annulled one


def test_a_receipt_left_open_by_another_connection_is_refused_then_cancelled() -> None:
    device = create_device("mercury")
    server = TcpAttachment(device, "msk").start()
    url = f"mercury+tcp://{server.host}:{server.port}"
    try:
        with Kkt.open(url) as first, Kkt.open(url) as second:
            first.register(REGISTRATION)
            first.open_shift()
            backend_of(first).execute(mc.FiscalDocument(mc.DocumentType.SALE, 0, (
                mc.TextRecord(99, text="Хлеб"), mc.PriceRecord(Decimal("10.00"), Decimal(1)))))
            with pytest.raises(DeviceError) as caught:  # the other connection's receipt is open
                backend_of(second).execute(mc.Report(mc.ReportKind.Z))
            assert caught.value.code == 0x2A
        with Kkt.open(url) as third:  # its owner went away: the next sale cancels it and goes on
            assert third.sell(make_receipt()).document.number == 3
    finally:
        server.stop()
        device.close()


def test_a_long_receipt_goes_in_several_frames_and_makes_one_document(msk_kkt: Kkt) -> None:
    items = tuple(Item(f"Товар {n}", 100 + n, Decimal(1), VatRate.VAT_10) for n in range(120))
    receipt = Receipt(items=items, payments=(Payment(PaymentType.CASH, sum(i.amount for i in items)),),
                      taxation=TaxationSystem.OSN)
    sent: list[bytes] = []
    msk_kkt.driver.session.hooks.append(lambda d, b: sent.append(bytes(b)) if d == "tx" else None)
    result = msk_kkt.sell(replace(receipt))
    assert sum(1 for frame in sent if frame[1:2] == b"S") == 2
    doc = decode_document(msk_kkt.document(result.document.number).tlv)
    assert len([f for f in doc.fields if f.info.tag == 1059]) == 120 and doc.get(1020) == receipt.total


def test_register_own_numbering_counts_every_document(msk_kkt: Kkt) -> None:
    msk = backend_of(msk_kkt)
    msk_kkt.cash_in(1000)
    first = msk.last_document_info()
    msk_kkt.sell(make_receipt())
    second = msk.last_document_info()
    assert second.doc_number == first.doc_number + 1 and first.doc_type == 2 and second.doc_type == 0
    assert second.total == Decimal(make_receipt().total).scaleb(-2)


@pytest.mark.parametrize("backend", ["msk-tcp", "json-tcp", "json-http"])
@pytest.mark.parametrize("fault", ["withhold_command", "disconnect_command"])
def test_lost_answers_never_make_a_second_document(backend: str, fault: str) -> None:
    """The device runs the command and its answer is lost (or it hangs up): the driver recovers (MS-K: ``I``;
    JSON: a fresh connection and the ФН) and reports the one document made."""
    from kkt_emu.core.control import DeviceControl

    device = create_device("mercury")
    control = DeviceControl(device)
    with served(backend, device) as url, Kkt.open(url) as kkt:
        kkt.settle_backoff = 0.01
        kkt.register(REGISTRATION)
        kkt.driver.session.execution_scale = 0.02
        for operation, run, number in (("open_shift", kkt.open_shift, 2), ("close_receipt", None, 3),
                                       ("close_shift", kkt.close_shift, 4)):
            control.set_fault(fault, operation)
            doc = run() if run is not None else kkt.sell(make_receipt()).document
            assert doc.number == number and device.fiscal.status().last_fd_number == number
        assert not device.fiscal.shift().open
