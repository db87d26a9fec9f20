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

``test_receipt_echo[<attachment>-<vX>]``
    the raw-echo baseline of the sale: the tx chunks of one steady-state ``Kkt.sell()`` (captured in process
    with a byte hook) written over the same kind of pipe to an echo, waiting for the echo where the driver
    waited for an answer (``bench_support.EchoClient``, as in ``test_roundtrip.py``). It makes as many blocking
    waits as the sale (``extra_info["waits"]``) and moves the same host bytes, so ``median(sell) /
    median(echo)`` is what the protocol and both sides' work cost on top of the pipe.

* ``emulator_cpu_us`` (pty and TCP rows) — CPU time of the thread serving the emulator per call, measured over
  ten steady-state calls before timing (``bench_support.Served.cpu_seconds``: the thread's own CPU clock,
  ``pthread_getcpuclockid``; the driver runs on another thread and is not counted). In process the emulator
  runs on the caller's thread, so there is no separate figure.

The emulated device keeps its ФН archive in memory (no disk I/O here; see ``test_archive.py``). The
shift is opened once per test; a benchmark run never gets near the 24-hour or archive limits.
"""

from __future__ import annotations

from collections.abc import Callable, Iterator
from contextlib import ExitStack, contextmanager
from dataclasses import dataclass, field

import pytest
from bench_support import (
    RECEIPT,
    REGISTRATION,
    EchoClient,
    ExchangePlan,
    Recorder,
    Served,
    echo_transport,
    plan_from_events,
    serve_emulator,
)
from pytest_benchmark.fixture import BenchmarkFixture

from kkt_drivers import connect
from kkt_drivers.kkt import Kkt
from kkt_drivers.protocols.atol.framer_v2 import AtolV2Framer, Frame
from kkt_drivers.protocols.atol.framer_v3 import AtolV3Framer, Packet

ATTACHMENTS = ("inprocess", "pty", "tcp")
GENERATIONS = ("v2", "v3")


def _cases() -> list[object]:
    return [pytest.param(attachment, generation, id=f"{attachment}-{generation}",
                         marks=pytest.mark.benchmark(group=f"receipts-{attachment}-{generation}"))
            for attachment in ATTACHMENTS for generation in GENERATIONS]


# -- counting what goes over the wire --------------------------------------------------------------


@dataclass
class WireCounter:
    """A byte hook that records every chunk while ``recording`` is on."""

    recording: bool = False
    events: list[tuple[str, bytes]] = field(default_factory=list)

    def __call__(self, direction: str, data: bytes) -> None:
        if self.recording:
            self.events.append((direction, bytes(data)))

    def measure(self, call: Callable[[], object]) -> tuple[int, int, int, int, int]:
        """``(tx_chunks, rx_chunks, round_trips, commands, tx_bytes + rx_bytes)`` of one ``call()``."""
        self.events.clear()
        self.recording = True
        try:
            call()
        finally:
            self.recording = False
        tx = rx = waited = 0
        pending = False  # the last tx chunk has not been answered yet
        for direction, _ in self.events:
            if direction == "tx":
                tx += 1
                pending = True
            else:
                rx += 1
                waited += pending
                pending = False
        host = b"".join(data for direction, data in self.events if direction == "tx")
        size = sum(len(data) for _, data in self.events)
        return tx, rx, waited, count_commands(host), size


def count_commands(host_bytes: bytes) -> int:
    """Device commands in what the host wrote: v3 tasks added (``C1``), else v2 frames."""
    if host_bytes[:1] == b"\xfe":
        return sum(1 for p in AtolV3Framer().feed(host_bytes) if isinstance(p, Packet) and p.data[:1] == b"\xc1")
    return sum(1 for e in AtolV2Framer().feed(host_bytes) if isinstance(e, Frame))


@dataclass
class Ready:
    kkt: Kkt
    wire: WireCounter
    served: Served


@contextmanager
def ready_kkt(attachment: str, generation: str) -> Iterator[Ready]:
    """A registered emulated ATOL with an open shift over ``attachment``, through a counting hook."""
    with ExitStack() as stack:
        served = serve_emulator(stack, attachment, generation)
        wire = WireCounter()
        kkt = Kkt(connect(served.url, hooks=[wire]))
        stack.callback(kkt.close)
        kkt.register(REGISTRATION)
        kkt.open_shift()
        yield Ready(kkt, wire, served)


@pytest.fixture
def open_kkt() -> Iterator[Callable[[str, str], Ready]]:
    """``open_kkt(attachment, generation)``; servers and connections are closed at teardown."""
    with ExitStack() as stack:
        yield lambda attachment, generation: stack.enter_context(ready_kkt(attachment, generation))


CPU_CALLS = 10


def _wire_info(ready: Ready, call: Callable[[], object]) -> dict[str, int | float]:
    """Per-call wire counts of ``call`` in the steady state (one warm-up call first), and the emulator's CPU
    time per call where it has a thread of its own."""
    ready.kkt.status()  # v3: releases of the last tasks go out with the next exchange, as in the steady state
    call()
    tx, rx, waited, commands, size = ready.wire.measure(call)
    info: dict[str, int | float] = {"tx_chunks": tx, "rx_chunks": rx, "round_trips": waited,
                                    "commands": commands, "wire_bytes": size}
    start = ready.served.cpu_seconds()
    if start is not None:
        for _ in range(CPU_CALLS):
            call()
        end = ready.served.cpu_seconds()
        assert end is not None
        info["emulator_cpu_us"] = round((end - start) / CPU_CALLS * 1e6, 1)
    return info


def capture_sell(generation: str) -> ExchangePlan:
    """The tx chunks and waits of one steady-state ``Kkt.sell()`` in process."""
    recorder = Recorder()
    with Kkt(connect(f"emu://atol?transport={generation}", hooks=[recorder])) as kkt:
        kkt.register(REGISTRATION)
        kkt.open_shift()
        kkt.sell(RECEIPT)
        kkt.status()
        kkt.sell(RECEIPT)
        return plan_from_events(recorder.record(lambda: kkt.sell(RECEIPT)))


@pytest.fixture(scope="session")
def sell_plans() -> dict[str, ExchangePlan]:
    return {generation: capture_sell(generation) for generation in GENERATIONS}


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
    assert info["commands"] > 2 * len(RECEIPT.items) and info["round_trips"] >= 1


@pytest.mark.parametrize(("attachment", "generation"), _cases())
def test_receipt_status(benchmark: BenchmarkFixture, open_kkt: Callable[[str, str], Ready],
                        attachment: str, generation: str) -> None:
    ready = open_kkt(attachment, generation)
    info = _wire_info(ready, ready.kkt.driver.status)
    benchmark.extra_info.update(info)
    status = benchmark(ready.kkt.driver.status)
    assert status.receipt_state == 0 and info["commands"] == 1


@pytest.mark.parametrize(("attachment", "generation"), _cases())
def test_receipt_echo(benchmark: BenchmarkFixture, sell_plans: dict[str, ExchangePlan],
                      attachment: str, generation: str) -> None:
    plan = sell_plans[generation]
    with echo_transport(attachment) as transport:
        client = EchoClient(transport, plan)
        client.exchange()  # warm up, like the sale
        benchmark.extra_info.update(tx_bytes=plan.tx_bytes, rx_bytes=plan.rx_bytes, waits=plan.waits,
                                    tx_chunks=len(plan.turns))
        benchmark(client.exchange)
        assert client.read_back == client.written - client.owed and client.owed == client.unwaited_tail()
