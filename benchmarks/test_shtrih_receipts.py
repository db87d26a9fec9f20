"""A 10-item receipt on an emulated Shtrih-M register: our driver against pyshtrih, same emulator, same pty.

One ``kkt-emu serve --family shtrih --pty`` process (its own process: no interpreter lock shared with the
drivers) serves a registered ШТРИХ-М-01Ф with an open shift. Group ``shtrih-receipt-pty``, one row per driver,
each opening its own connection to the same pty in turn (never two at once):

``test_shtrih_receipt[ours]``
    ``Kkt.sell()`` of the 10-item receipt of ``test_receipts.py`` (VAT 20 %, card + cash), validated first: the
    ФН's last document before (FF01h), 8Dh, the cashier (FF0Ch), ten FF46h, FF45h with both payments, then the ФН's
    last document again (FF01h) — 15 commands, each one round trip (no ENQ after a clean exchange). What the
    facade returns is the new document's number, fiscal sign and time (FF45h's answer).

``test_shtrih_receipt[pyshtrih]``
    pyshtrih 2.0.6 making the same receipt with the fewest commands it has: ten 80h «продажа» (the first opens
    the receipt) and 85h with cash and «тип оплаты 2» — 11 commands, each two round trips (ENQ, then the frame).
    It validates nothing and reads nothing back, and 80h cannot say that the last position is a service (1212),
    so its document differs from ours in that one requisite.

``test_shtrih_receipt[pyshtrih-documented]``
    the same, the way pyshtrih's own README prints a receipt: ``open_check(0)`` first (8Dh, after its
    ``wait_printing`` poll), then the positions and the close.

Compare the rows of one run: ``median(pyshtrih…) / median(ours)``. Both drivers make the same fiscal document,
so the emulator's own work for it (forming and signing the receipt in the virtual ФН, a few milliseconds) is a
floor neither can go below; the ratio measures what each driver adds to it. ``extra_info`` holds the device
commands and the host writes of one call.
"""

from __future__ import annotations

import json
import select
import signal
import subprocess
import sys
from collections.abc import Callable, Iterator
from typing import Any

import pytest
from pytest_benchmark.fixture import BenchmarkFixture
from test_receipts import RECEIPT, REGISTRATION

from kkt_drivers import connect
from kkt_drivers.kkt import Kkt
from kkt_drivers.types import PaymentType

CARD = sum(p.amount for p in RECEIPT.payments if p.type is PaymentType.ELECTRONIC)
CASH = RECEIPT.total - CARD
#: pyshtrih's tax number of the receipt's VAT 20 %: row 1 of table 6
TAX_20 = 1


@pytest.fixture(scope="module")
def register_pty() -> Iterator[str]:
    """A registered emulated ШТРИХ-М-01Ф with an open shift, served by its own kkt-emu process on a pty."""
    proc = subprocess.Popen([sys.executable, "-m", "kkt_emu.cli", "serve", "--family", "shtrih", "--pty"],
                            stdout=subprocess.PIPE, stderr=subprocess.DEVNULL, text=True)
    try:
        assert proc.stdout is not None
        ready, _, _ = select.select([proc.stdout], [], [], 30)
        assert ready, "kkt-emu printed no ready line"
        path = json.loads(proc.stdout.readline())["pty"]
        with Kkt.open(f"shtrih://{path}") as kkt:
            kkt.register(REGISTRATION)
            kkt.open_shift()
        yield path
    finally:
        proc.send_signal(signal.SIGTERM)
        try:
            proc.wait(timeout=10)
        except subprocess.TimeoutExpired:
            proc.kill()
            proc.wait()


class Counter:
    """A byte hook counting host writes and, by their command byte, the device commands of one call."""

    def __init__(self) -> None:
        self.writes = 0
        self.frames = 0

    def __call__(self, direction: str, data: bytes) -> None:
        if direction == "tx":
            self.writes += 1
            self.frames += data[:1] == b"\x02"


def _ours(path: str, benchmark: BenchmarkFixture) -> None:
    counter = Counter()
    with Kkt(connect(f"shtrih://{path}", hooks=[counter])) as kkt:  # type: ignore[arg-type]
        first = kkt.sell(RECEIPT)
        counter.writes = counter.frames = 0
        kkt.sell(RECEIPT)
        benchmark.extra_info.update(commands=counter.frames, writes=counter.writes)
        result = benchmark(kkt.sell, RECEIPT)
        assert result.document.document_type == 3 and result.document.number > first.document.number + 1
        assert result.change == 0 and not result.recovered


def _pyshtrih(path: str, benchmark: BenchmarkFixture, *, documented: bool) -> None:
    pyshtrih = pytest.importorskip("pyshtrih", reason="pip install pyshtrih (the test extra)")
    device = pyshtrih.ShtrihM01F(port=path, baudrate=115200)
    device.connect()
    try:
        def sell() -> Any:
            if documented:
                device.open_check(0)
            for item in RECEIPT.items:
                device.sale((item.name, int(item.quantity * 1000), item.price), tax1=TAX_20)
            return device.close_check(cash=CASH, payment_type2=CARD)

        sell()
        benchmark.extra_info.update(commands=len(RECEIPT.items) + 1 + (2 if documented else 0))
        closed = benchmark(sell)
        assert closed.params["Сдача"] == 0
    finally:
        device.disconnect()
    with Kkt.open(f"shtrih://{path}") as kkt:  # the receipts it made are in the ФН, whole
        last = kkt.last_document()
        assert last.document_type == 3
        from kkt_drivers.ffd import decode_document

        assert decode_document(kkt.document(last.number).tlv).get(1020) == RECEIPT.total


CASES: dict[str, Callable[[str, BenchmarkFixture], None]] = {
    "ours": _ours,
    "pyshtrih": lambda path, benchmark: _pyshtrih(path, benchmark, documented=False),
    "pyshtrih-documented": lambda path, benchmark: _pyshtrih(path, benchmark, documented=True),
}


@pytest.mark.benchmark(group="shtrih-receipt-pty")
@pytest.mark.parametrize("driver", list(CASES))
def test_shtrih_receipt(benchmark: BenchmarkFixture, register_pty: str, driver: str) -> None:
    CASES[driver](register_pty, benchmark)
