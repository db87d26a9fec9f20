"""Receipt throughput: one ``Kkt.sell()`` of a 10-item receipt against the emulator, per attachment.

For every attachment (in-process, pty, TCP) and ATOL transport (v2, v3) one group
``receipts-<attachment>-<vX>`` holds two rows:

``test_receipt_sell[<attachment>-<vX>]``
    ``Kkt.sell()`` of a receipt with 10 items (VAT 20 %, taxation ОСН) paid partly by card
    (electronic) and the rest in cash, against a registered emulated ATOL with an open shift. The
    whole facade: mode checks, ФН status before and after, one command per item, requisites,
    payment, close and the read-back of the new document. pytest-benchmark's ``ops`` column is
    receipts per second.

``test_receipt_status[<attachment>-<vX>]``
    the baseline: one raw ``status()`` (command 3F) on the same kind of connection to the same kind
    of device. ``median(sell) / median(status)`` says how many status round trips one receipt costs.

``extra_info`` of both rows (``--benchmark-json``), measured on a steady-state call before timing:

* ``tx_chunks`` / ``rx_chunks`` — writes and reads the driver made, as seen by a byte hook
  (``connect(url, hooks=[fn])``);
* ``round_trips`` — tx chunks the driver waited on, i.e. after which it read an answer before its
  next write (v2: all five chunks of an exchange; v3: the ``C1`` task, not the ``C2`` acknowledgement
  whose reply is read with the next answer);
* ``commands`` — device commands per call: ``tx_chunks`` divided by the tx chunks of one ``status()``
  (v2: five, v3: two). The status row has 1 by definition.

The emulated device keeps its ФН archive in memory (no disk I/O here; see ``test_archive.py``). The
shift is opened once per test; a benchmark run never gets near the 24-hour or archive limits.
"""

from __future__ import annotations

from collections.abc import Callable, Iterator
from contextlib import ExitStack, contextmanager
from dataclasses import dataclass, field
from decimal import Decimal

import pytest
from bench_support import emulator_url
from pytest_benchmark.fixture import BenchmarkFixture

from kkt_drivers import connect
from kkt_drivers.kkt import Kkt
from kkt_drivers.types import (
    Item,
    Payment,
    PaymentMethod,
    PaymentSubject,
    PaymentType,
    Receipt,
    Registration,
    TaxationSystem,
    VatRate,
)

ATTACHMENTS = ("inprocess", "pty", "tcp")
GENERATIONS = ("v2", "v3")


def _cases() -> list[object]:
    return [pytest.param(attachment, generation, id=f"{attachment}-{generation}",
                         marks=pytest.mark.benchmark(group=f"receipts-{attachment}-{generation}"))
            for attachment in ATTACHMENTS for generation in GENERATIONS]


# -- what is sold ----------------------------------------------------------------------------------

#: The values of tests/contract/conftest.py: the RNM's checksum is valid for the emulator's serial.
REGISTRATION = Registration(user_name='ООО "Ромашка"', inn="7701234560", rnm="0000000001035539",
                            address="г. Москва, ул. Тверская, 1", place="Магазин №1",
                            taxation=TaxationSystem.OSN | TaxationSystem.USN_INCOME,
                            ofd_inn="7704358518", ofd_name='ООО "Ярус"', sender_email="shop@example.com")

_GOODS = ("Хлеб бородинский", "Молоко 3,2% 1 л", "Сыр российский 200 г", "Масло сливочное 82%",
          "Яйца С1, 10 шт.", "Кофе молотый 250 г", "Чай чёрный 100 пак.", "Сахар-песок 1 кг",
          "Яблоки Гренни Смит", "Доставка")


def ten_item_receipt() -> Receipt:
    items = tuple(
        Item(name, 4550 + 1370 * i, Decimal("1.500") if i == 8 else Decimal(1 + i % 3), VatRate.VAT_20,
             PaymentMethod.FULL_PAYMENT, PaymentSubject.SERVICE if i == 9 else PaymentSubject.GOODS)
        for i, name in enumerate(_GOODS))
    total = sum(item.amount for item in items)
    card = total * 2 // 3
    payments = (Payment(PaymentType.ELECTRONIC, card), Payment(PaymentType.CASH, total - card))
    return Receipt(items=items, payments=payments, taxation=TaxationSystem.OSN)


RECEIPT = ten_item_receipt()
assert len(RECEIPT.items) == 10 and sum(p.amount for p in RECEIPT.payments) == RECEIPT.total


# -- counting what goes over the wire --------------------------------------------------------------


@dataclass
class WireCounter:
    """A byte hook that records the direction of every chunk while ``recording`` is on."""

    recording: bool = False
    events: list[str] = field(default_factory=list)

    def __call__(self, direction: str, data: bytes) -> None:
        if self.recording:
            self.events.append(direction)

    def measure(self, call: Callable[[], object]) -> tuple[int, int, int]:
        """``(tx_chunks, rx_chunks, round_trips)`` of one ``call()``."""
        self.events.clear()
        self.recording = True
        try:
            call()
        finally:
            self.recording = False
        tx = rx = waited = 0
        pending = False  # the last tx chunk has not been answered yet
        for direction in self.events:
            if direction == "tx":
                tx += 1
                pending = True
            else:
                rx += 1
                waited += pending
                pending = False
        return tx, rx, waited


@dataclass
class Ready:
    kkt: Kkt
    wire: WireCounter


@contextmanager
def ready_kkt(attachment: str, generation: str) -> Iterator[Ready]:
    """A registered emulated ATOL with an open shift over ``attachment``, through a counting hook."""
    with ExitStack() as stack:
        url = emulator_url(stack, attachment, generation)
        wire = WireCounter()
        kkt = Kkt(connect(url, hooks=[wire]))
        stack.callback(kkt.close)
        kkt.register(REGISTRATION)
        kkt.open_shift()
        yield Ready(kkt, wire)


@pytest.fixture
def open_kkt() -> Iterator[Callable[[str, str], Ready]]:
    """``open_kkt(attachment, generation)``; servers and connections are closed at teardown."""
    with ExitStack() as stack:
        yield lambda attachment, generation: stack.enter_context(ready_kkt(attachment, generation))


def _wire_info(ready: Ready, call: Callable[[], object]) -> dict[str, int]:
    """Per-call wire counts of ``call`` in the steady state (one warm-up call first)."""
    ready.kkt.status()  # v3: a C2 reply is pending from now on, as in the steady state
    status_tx, _, _ = ready.wire.measure(ready.kkt.driver.status)
    call()
    tx, rx, waited = ready.wire.measure(call)
    assert tx % status_tx == 0, (tx, status_tx)
    return {"tx_chunks": tx, "rx_chunks": rx, "round_trips": waited, "commands": tx // status_tx}


# -- the benchmarks --------------------------------------------------------------------------------


@pytest.mark.parametrize(("attachment", "generation"), _cases())
def test_receipt_sell(benchmark: BenchmarkFixture, open_kkt: Callable[[str, str], Ready],
                      attachment: str, generation: str) -> None:
    ready = open_kkt(attachment, generation)
    kkt = ready.kkt
    info = _wire_info(ready, lambda: kkt.sell(RECEIPT))
    benchmark.extra_info.update(info, items=len(RECEIPT.items))
    first = kkt.shift_state().next_receipt_number
    result = benchmark(kkt.sell, RECEIPT)
    assert result.document.document_type == 3 and result.change == 0 and not result.recovered
    assert kkt.shift_state().next_receipt_number > first
    assert info["commands"] > len(RECEIPT.items) and info["round_trips"] >= info["commands"]


@pytest.mark.parametrize(("attachment", "generation"), _cases())
def test_receipt_status(benchmark: BenchmarkFixture, open_kkt: Callable[[str, str], Ready],
                        attachment: str, generation: str) -> None:
    ready = open_kkt(attachment, generation)
    info = _wire_info(ready, ready.kkt.driver.status)
    benchmark.extra_info.update(info)
    status = benchmark(ready.kkt.driver.status)
    assert status.receipt_state == 0 and info["commands"] == 1
