"""Line rate: a 10-item ``Kkt.sell()`` against ``kkt-emu`` paced as a serial line at 115200 baud, versus the wire
time of the same bytes.

For the pty and TCP attachments and ATOL transports v2 and v3 one group ``linerate-<attachment>-<vX>`` holds
two rows:

``test_linerate_sell[<attachment>-<vX>]``
    ``Kkt.sell()`` of ``bench_support.RECEIPT`` against an emulator served with ``baud=115200`` (what
    ``kkt-emu serve --baud 115200`` does: bytes both ways take ten bits each, each direction one line;
    ``kkt_emu.core.connection.DeviceConnection``).

``test_linerate_wire[<attachment>-<vX>]``
    the wire time of that sale: ``bench_support.IdealLine`` runs the same steady-state sale in process
    behind a perfect line of the same rate in virtual time (the host and the device take no time, the
    protocol's waits stay), and the row holds for exactly that long (sleep, then spin on
    ``time.perf_counter``). ``extra_info["wire_seconds"]`` is the computed figure.

``median(sell) / median(wire)`` is how close the emulated register comes to the line it paces: 1.0 would
be a register and driver that take no time at all. ``extra_info`` also has ``tx_bytes``/``rx_bytes`` of
the sale and ``sum_seconds`` = (tx + rx) × 10 / baud, the wire time if nothing overlapped.
"""

from __future__ import annotations

import time
from collections.abc import Callable, Iterator
from contextlib import ExitStack

import pytest
from bench_support import BITS_PER_BYTE, RECEIPT, REGISTRATION, IdealLine, Recorder, serve_emulator
from kkt_emu.personalities import create_device
from pytest_benchmark.fixture import BenchmarkFixture

from kkt_drivers import connect
from kkt_drivers.drivers.atol.family import FAMILY, AtolOptions
from kkt_drivers.kkt import Kkt

BAUD = 115200
ATTACHMENTS = ("pty", "tcp")
GENERATIONS = ("v2", "v3")


def _cases() -> list[object]:
    return [pytest.param(attachment, generation, id=f"{attachment}-{generation}",
                         marks=pytest.mark.benchmark(group=f"linerate-{attachment}-{generation}"))
            for attachment in ATTACHMENTS for generation in GENERATIONS]


def _warm(kkt: Kkt) -> None:
    kkt.register(REGISTRATION)
    kkt.open_shift()
    kkt.sell(RECEIPT)
    kkt.status()
    kkt.sell(RECEIPT)


def ideal_sale(generation: str, baud: int = BAUD) -> tuple[float, int, int]:
    """(wire seconds, tx bytes, rx bytes) of one steady-state sale on a perfect line at ``baud``."""
    device = create_device("atol")
    line = IdealLine(device, generation, baud)
    recorder = Recorder()
    with Kkt(FAMILY.open(line, AtolOptions(variant=generation), hooks=[recorder])) as kkt:
        _warm(kkt)
        start = line.now
        events = recorder.record(lambda: kkt.sell(RECEIPT))
        seconds = line.now - start
    device.close()
    tx = sum(len(data) for direction, data in events if direction == "tx")
    rx = sum(len(data) for direction, data in events if direction == "rx")
    return seconds, tx, rx


def hold(seconds: float) -> Callable[[], None]:
    """A call that takes ``seconds``: a sleep for most of it, then a spin on the performance counter."""

    def run() -> None:
        end = time.perf_counter() + seconds
        if seconds > 0.002:
            time.sleep(seconds - 0.002)
        while time.perf_counter() < end:
            pass

    return run


@pytest.fixture
def paced_kkt() -> Iterator[Callable[[str, str], Kkt]]:
    """``paced_kkt(attachment, generation)``: a registered emulated ATOL with an open shift, paced at BAUD."""
    with ExitStack() as stack:

        def open_kkt(attachment: str, generation: str) -> Kkt:
            served = serve_emulator(stack, attachment, generation, baud=BAUD)
            kkt = Kkt(connect(served.url))
            stack.callback(kkt.close)
            _warm(kkt)
            return kkt

        yield open_kkt


@pytest.mark.parametrize(("attachment", "generation"), _cases())
def test_linerate_sell(benchmark: BenchmarkFixture, paced_kkt: Callable[[str, str], Kkt],
                       attachment: str, generation: str) -> None:
    kkt = paced_kkt(attachment, generation)
    wire, tx, rx = ideal_sale(generation)
    benchmark.extra_info.update(baud=BAUD, wire_seconds=round(wire, 6), tx_bytes=tx, rx_bytes=rx,
                                sum_seconds=round((tx + rx) * BITS_PER_BYTE / BAUD, 6))
    first = kkt.shift_state().next_receipt_number
    result = benchmark.pedantic(kkt.sell, args=(RECEIPT,), rounds=20, iterations=1)
    assert result.document.document_type == 3 and not result.recovered
    assert kkt.shift_state().next_receipt_number > first


@pytest.mark.parametrize(("attachment", "generation"), _cases())
def test_linerate_wire(benchmark: BenchmarkFixture, attachment: str, generation: str) -> None:
    wire, tx, rx = ideal_sale(generation)
    assert wire >= max(tx, rx) * BITS_PER_BYTE / BAUD  # each direction needs at least its own bytes' time
    benchmark.extra_info.update(baud=BAUD, wire_seconds=round(wire, 6), tx_bytes=tx, rx_bytes=rx)
    benchmark.pedantic(hold(wire), rounds=20, iterations=1)
