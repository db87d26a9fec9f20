"""A success is always true, a receipt is never left open, and threads and processes never mix.

Every failure a receipt can meet after it was opened — a device refusal, a value that cannot be encoded,
a lost answer, a dropped line, ``NotExecuted``, Ctrl-C — either cancels it or is settled from the ФН.
"""

from __future__ import annotations

import json
import signal
import subprocess
import sys
import threading
import time
from collections import Counter
from dataclasses import replace
from decimal import Decimal
from pathlib import Path
from typing import Any

import pytest
from samples import REGISTRATION, make_receipt

from kkt_drivers import DeviceError, InvalidParameter, Kkt, NotExecuted, ProtocolError, Timeout
from kkt_drivers.ffd import decode_document
from kkt_drivers.types import Item, Payment, PaymentType, Receipt, TaxationSystem, VatRate


def _ready(url: str) -> Kkt:
    kkt = Kkt.open(url)
    kkt.register(REGISTRATION)
    kkt.open_shift()
    return kkt


def _receipt(label: str, price: int = 1000) -> Receipt:
    return Receipt(items=(Item(label, price, Decimal(1), VatRate.VAT_20),),
                   payments=(Payment(PaymentType.CASH, price),), taxation=TaxationSystem.OSN)


@pytest.mark.parametrize("url", ["emu://atol?transport=v2", "emu://atol?transport=v3", "emu+tcp://atol?transport=v3"])
def test_a_client_side_error_after_the_receipt_opened_cancels_it(url: str) -> None:
    """A value validation could not foresee fails to encode at the third position: the receipt is cancelled."""
    with _ready(url) as kkt:
        before = kkt.fn_status().last_document_number
        original = kkt.device.add_position
        calls = 0

        def fails_to_encode(item: Item, *, ffd: str = "1.05") -> None:
            nonlocal calls
            calls += 1
            if calls == 3:
                raise InvalidParameter("EB: cannot encode the position")
            original(item, ffd=ffd)

        kkt.device.add_position = fails_to_encode  # type: ignore[method-assign]
        with pytest.raises(InvalidParameter):
            kkt.sell(make_receipt())
        del kkt.device.add_position
        assert calls == 3
        assert not kkt.status().receipt_open and kkt.fn_status().last_document_number == before
        assert kkt.sell(make_receipt()).document.number == before + 1


@pytest.mark.parametrize("url", ["emu://atol?transport=v2", "emu+tcp://atol?transport=v2"])
def test_a_lost_answer_while_building_cancels_the_receipt(url: str) -> None:
    """v2 cannot ask the device about a lost answer: the position may or may not be in; cancelling is safe."""
    with _ready(url) as kkt:
        control: Any = kkt.device.emulator
        before = kkt.fn_status().last_document_number
        control.set_fault("withhold_command", "add_position")
        kkt.device.session.execution_scale = 0.02
        with pytest.raises(Timeout):
            kkt.sell(make_receipt())
        kkt.device.session.execution_scale = 1.0
        assert not kkt.status().receipt_open and kkt.fn_status().last_document_number == before
        assert kkt.sell(make_receipt()).document.number == before + 1


def test_ctrl_c_while_building_cancels_the_receipt() -> None:
    with _ready("emu://atol?transport=v3") as kkt:
        before = kkt.fn_status().last_document_number
        original = kkt.device.add_position
        calls = 0

        def interrupted(item: Item, *, ffd: str = "1.05") -> None:
            nonlocal calls
            calls += 1
            if calls == 2:
                raise KeyboardInterrupt
            original(item, ffd=ffd)

        kkt.device.add_position = interrupted  # type: ignore[method-assign]
        with pytest.raises(KeyboardInterrupt):
            kkt.sell(make_receipt())
        del kkt.device.add_position
        assert not kkt.status().receipt_open and kkt.fn_status().last_document_number == before


def test_ctrl_c_during_the_close_tells_what_became_of_the_receipt() -> None:
    with _ready("emu://atol?transport=v3") as kkt:
        before = kkt.fn_status().last_document_number
        original = kkt.device.close_receipt

        def close_then_interrupt(payment: Payment) -> None:
            original(payment)
            raise KeyboardInterrupt  # the answer arrived, but the user pressed Ctrl-C before it was seen

        kkt.device.close_receipt = close_then_interrupt  # type: ignore[method-assign]
        with pytest.raises(KeyboardInterrupt) as caught:
            kkt.sell(make_receipt())
        del kkt.device.close_receipt
        doc = caught.value.kkt_document  # type: ignore[attr-defined]
        assert doc is not None and doc.number == before + 1 and doc.document_type == 3
        assert not kkt.status().receipt_open


def test_a_receipt_left_open_is_found_and_cancelled_by_the_next_sale() -> None:
    with _ready("emu://atol?transport=v3") as kkt:
        before = kkt.fn_status().last_document_number
        from kkt_drivers.types import Cashier, ReceiptType

        kkt.device.begin_receipt(ReceiptType.SELL, correction=False, taxation=None, cashier=Cashier())
        kkt.device.add_position(Item("Брошенный товар", 100))
        assert kkt.status().receipt_open  # a crashed program left it so
        result = kkt.sell(make_receipt())
        assert result.document.number == before + 1
        names = [dict((c.tag, c.value) for c in f.value)[1030] for f in decode_document(  # type: ignore[union-attr]
            kkt.document(result.document.number).tlv).fields if f.info.tag == 1059]
        assert "Брошенный товар" not in names


def test_cancel_receipt_through_the_facade() -> None:
    with _ready("emu://atol?transport=v2") as kkt:
        from kkt_drivers.types import Cashier, ReceiptType

        assert kkt.cancel_receipt() is False
        kkt.device.begin_receipt(ReceiptType.SELL, correction=False, taxation=None, cashier=Cashier())
        assert kkt.cancel_receipt() is True and not kkt.status().receipt_open


def test_not_executed_while_building_cancels_the_receipt() -> None:
    with _ready("emu://atol?transport=v3") as kkt:
        before = kkt.fn_status().last_document_number
        original = kkt.device.pay

        def refused(payment: Payment) -> None:
            raise NotExecuted("the device never got it")

        kkt.device.pay = refused  # type: ignore[method-assign]
        with pytest.raises(NotExecuted):
            kkt.sell(make_receipt())
        kkt.device.pay = original  # type: ignore[method-assign]
        assert not kkt.status().receipt_open and kkt.fn_status().last_document_number == before


def test_a_garbled_answer_to_the_close_is_settled_not_raised() -> None:
    """A ProtocolError after the close went out: the document exists, and the sale says so."""
    with _ready("emu://atol?transport=v3") as kkt:
        before = kkt.fn_status().last_document_number
        original = kkt.device.close_receipt

        def garbled(payment: Payment) -> None:
            original(payment)
            raise ProtocolError("malformed answer")

        kkt.device.close_receipt = garbled  # type: ignore[method-assign]
        result = kkt.sell(make_receipt())
        del kkt.device.close_receipt
        assert result.recovered and result.document.number == before + 1
        assert kkt.fn_status().last_document_number == before + 1


def test_the_next_call_after_a_dropped_line_reconnects_by_itself() -> None:
    with _ready("emu+tcp://atol?transport=v3") as kkt:
        control: Any = kkt.device.emulator
        control.set_fault("disconnect_command", "a430")  # the ФН status query hangs the line up
        kkt.device.session.execution_scale = 0.05
        with pytest.raises(Exception):  # noqa: B017 - ConnectionLost or a timeout: this call failed
            kkt.device.fn_status()
        kkt.device.session.execution_scale = 1.0
        assert kkt.fn_status().fn_number  # no reconnect by hand
        assert kkt.sell(make_receipt()).document.document_type == 3


def test_a_short_document_read_is_an_error() -> None:
    with _ready("emu://atol?transport=v3") as kkt:
        control: Any = kkt.device.emulator
        personality = control.personality
        original = personality._handlers[b"\xa4\x45"]

        def announce_more(req: Any) -> dict[str, int]:
            answer = original(req)
            return {**answer, "size": answer["size"] + 10}

        personality._handlers[b"\xa4\x45"] = announce_more
        with pytest.raises(ProtocolError, match="announced"):
            kkt.document(1)


@pytest.mark.parametrize("url", ["emu://atol?transport=v3", "emu+tcp://atol?transport=v2"])
def test_eight_threads_never_mix_receipts_results_or_reads(url: str) -> None:
    with _ready(url) as kkt:
        results: dict[int, list[tuple[int, str]]] = {n: [] for n in range(8)}
        errors: list[BaseException] = []

        def work(thread: int) -> None:
            try:
                for round_ in range(4):
                    label = f"поток {thread} чек {round_}"
                    result = kkt.sell(_receipt(label, 1000 + thread))
                    doc = decode_document(kkt.document(result.document.number).tlv)
                    items = [dict((c.tag, c.value) for c in f.value) for f in doc.fields  # type: ignore[union-attr]
                             if f.info.tag == 1059]
                    assert [i[1030] for i in items] == [label], (label, items)
                    assert doc.get(1040) == result.document.number and doc.get(1020) == 1000 + thread
                    results[thread].append((result.document.number, label))
            except BaseException as exc:  # reported below
                errors.append(exc)

        threads = [threading.Thread(target=work, args=(n,)) for n in range(8)]
        for t in threads:
            t.start()
        for t in threads:
            t.join(120)
        assert not errors, errors[:3]
        numbers = [number for rows in results.values() for number, _ in rows]
        assert len(numbers) == 32 and len(set(numbers)) == 32
        assert not kkt.status().receipt_open


def test_four_processes_on_one_register_each_get_their_own_results(tmp_path: Path) -> None:
    """4 × ``kkt sell`` against one TCP register: every sale is a document of its own, none is lost."""
    emu = subprocess.Popen([sys.executable, "-m", "kkt_emu.cli", "serve", "--tcp", "--transport", "v3",
                            "--state", str(tmp_path / "device")], stdout=subprocess.PIPE, text=True)
    try:
        assert emu.stdout is not None
        port = json.loads(emu.stdout.readline())["tcp"]["port"]
        url = f"atol+tcp://127.0.0.1:{port}?transport=v3"
        with Kkt.open(url) as kkt:
            kkt.register(replace(REGISTRATION, taxation=TaxationSystem.OSN))
            kkt.open_shift()
            before = kkt.fn_status().last_document_number
        receipt = tmp_path / "receipt.json"
        receipt.write_text(json.dumps({"items": [{"name": "Товар", "price": "10.00", "vat": "vat_20"}],
                                       "payments": [{"type": "cash", "amount": "10.00"}]}), encoding="utf-8")
        script = ("import subprocess, sys, json\n"
                  "out = []\n"
                  "for _ in range(5):\n"
                  f"    r = subprocess.run([sys.executable, '-m', 'kkt_drivers.cli', '--device', {url!r}, '--json',"
                  f" 'sell', {str(receipt)!r}], capture_output=True, text=True)\n"
                  "    out.append(json.loads(r.stdout)['document']['number'] if r.returncode == 0 else r.stderr)\n"
                  "print(json.dumps(out))\n")
        workers = [subprocess.Popen([sys.executable, "-c", script], stdout=subprocess.PIPE, text=True)
                   for _ in range(4)]
        outputs = [json.loads(w.communicate(timeout=300)[0]) for w in workers]
        numbers = [n for out in outputs for n in out]
        assert all(isinstance(n, int) for n in numbers), numbers
        assert sorted(numbers) == list(range(before + 1, before + 21))
        with Kkt.open(url) as kkt:
            assert kkt.fn_status().last_document_number == before + 20 and not kkt.status().receipt_open
            types = Counter(kkt.document(n, with_tlv=False).document_type for n in numbers)
            assert types == {3: 20}
    finally:
        emu.send_signal(signal.SIGTERM)
        emu.wait(10)


def test_a_device_refusal_during_the_close_cancels_and_raises() -> None:
    with _ready("emu://atol?transport=v3") as kkt:
        control: Any = kkt.device.emulator
        before = kkt.fn_status().last_document_number
        control.fiscal.fill_memory(10**9)  # the ФН's memory is full: the close is refused
        with pytest.raises(DeviceError):
            kkt.sell(make_receipt())
        assert not kkt.status().receipt_open and kkt.fn_status().last_document_number == before


def test_the_emulator_keeps_a_receipt_to_the_connection_that_opened_it() -> None:
    """Clients on other hosts share no host lock: the device itself refuses to let a second connection
    touch an open receipt (and reads of two connections never mix); when the owner goes, it is anyone's."""
    from kkt_emu.attach.tcp import TcpAttachment
    from kkt_emu.personalities import create_device

    from kkt_drivers import connect
    from kkt_drivers.types import Cashier, ReceiptType

    attachment = TcpAttachment(create_device("atol"), "v3").start()
    url = f"atol+tcp://127.0.0.1:{attachment.port}?transport=v3"
    try:
        with Kkt.open(url) as setup:
            setup.register(REGISTRATION)
            setup.open_shift()
        a: Any = connect(url)
        b: Any = connect(url)
        a.begin_receipt(ReceiptType.SELL, correction=False, taxation=TaxationSystem.OSN, cashier=Cashier())
        a.add_position(Item("товар A", 1000))
        with pytest.raises(DeviceError) as caught:
            b.add_position(Item("товар B", 2000))
        assert caught.value.code == 0x9B
        assert b.status().receipt_state  # queries are still answered
        assert b.document_tlv(1)[:2] == a.document_tlv(1)[:2]  # interleaved reads each get their own
        a.close_receipt(Payment(PaymentType.CASH, 1000))
        doc = decode_document(a.document_tlv(a.last_document_number()))
        assert [dict((c.tag, c.value) for c in f.value)[1030] for f in doc.fields  # type: ignore[union-attr]
                if f.info.tag == 1059] == ["товар A"]
        a.begin_receipt(ReceiptType.SELL, correction=False, taxation=TaxationSystem.OSN, cashier=Cashier())
        a.close()  # the owner goes away with its receipt open
        deadline = time.monotonic() + 10
        while True:  # the emulator learns of the closed socket asynchronously
            try:
                b.cancel_receipt()
                break
            except DeviceError as refused:
                assert refused.code == 0x9B and time.monotonic() < deadline
                time.sleep(0.05)
        assert not b.status().receipt_state
        b.close()
    finally:
        attachment.stop()


def test_kkt_cancel_receipt_from_the_shell(tmp_path: Path) -> None:
    from kkt_emu.attach.tcp import TcpAttachment
    from kkt_emu.personalities import create_device

    from kkt_drivers import connect
    from kkt_drivers.types import Cashier, ReceiptType

    attachment = TcpAttachment(create_device("atol"), "v2").start()
    url = f"atol+tcp://127.0.0.1:{attachment.port}?transport=v2"
    try:
        with Kkt.open(url) as setup:
            setup.register(REGISTRATION)
            setup.open_shift()
            setup.device.begin_receipt(ReceiptType.SELL, correction=False, taxation=None, cashier=Cashier())
        run = [sys.executable, "-m", "kkt_drivers.cli", "--device", url, "--json", "cancel-receipt"]
        first = subprocess.run(run, capture_output=True, text=True, timeout=60)
        second = subprocess.run(run, capture_output=True, text=True, timeout=60)
        assert json.loads(first.stdout) == {"cancelled": True} and json.loads(second.stdout) == {"cancelled": False}
        with connect(url) as driver:
            assert not driver.status().receipt_state  # type: ignore[attr-defined]
    finally:
        attachment.stop()


@pytest.mark.parametrize("fault", ["withhold_command", "disconnect_command"])
def test_cash_in_and_out_with_a_lost_answer_move_the_drawer_once(fault: str) -> None:
    with _ready("emu+tcp://atol?transport=v2") as kkt:
        control: Any = kkt.device.emulator
        kkt.device.session.execution_scale = 0.02
        control.set_fault(fault, "cash_in")
        kkt.cash_in(5000)  # settled from the drawer: no error, and no second deposit
        control.set_fault(fault, "cash_out")
        kkt.cash_out(1500)
        kkt.device.session.execution_scale = 1.0
        assert kkt.cash_in_drawer() == 3500


def test_a_refund_paying_out_more_cash_than_the_drawer_holds_is_refused() -> None:
    with _ready("emu://atol?transport=v3") as kkt:
        before = kkt.fn_status().last_document_number
        with pytest.raises(DeviceError) as caught:
            kkt.refund(_receipt("возврат", 5000))
        assert caught.value.code == 0x98 and kkt.fn_status().last_document_number == before
        assert not kkt.status().receipt_open and kkt.cash_in_drawer() == 0
