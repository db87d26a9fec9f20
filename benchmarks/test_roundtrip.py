"""Round-trip cost: one ``status()`` (command 3F) through the driver versus a raw echo of the same bytes.

For every attachment (in-process, pty, TCP) and ATOL transport (v2, v3) one group holds two rows:

``test_roundtrip_driver[<attachment>-<vX>]``
    ``kkt_drivers.connect(url).status()`` against the emulator served over that attachment: the
    whole stack — command spec, session, link, framer, transport — and on the far side the
    emulator's link, framer and ATOL personality.

``test_roundtrip_echo[<attachment>-<vX>]``
    the same transport class the driver uses (``SerialTransport`` on the pty, ``TcpTransport`` on
    TCP, an in-memory pipe in process) talking to ``kkt_emu.attach.echo.EchoConnection`` served by
    the same ``ServerLoop``. It writes the bytes the driver writes, chunk for chunk, and waits for
    the echo where the driver waits for an answer. Only the protocol and emulator work differ.

How the echo mirrors one exchange
    The tx chunks of a steady-state ``status()`` are captured with a byte hook
    (``connect(url, hooks=[...])``); they depend only on the link, not on the attachment, so they
    are captured once per transport in process. Each tx chunk is one echo turn: write the chunk,
    then — if the driver read an answer before its next write — read until everything written so
    far has come back.

    * v2 has five turns: ENQ→ACK, frame→ACK, EOT→ENQ, ACK→answer frame, ACK→EOT.
    * v3 has one waited turn (the ``C1`` task packet → its ``A3`` result) and a ``C2`` packet
      that the driver does not wait for: the device's reply to it is read, and dropped, together
      with the next exchange's answer. The echo does the same: the ``C2`` bytes are written and
      their echo is collected in the next iteration's first turn.

    So the echo writes exactly the bytes the driver writes and makes as many blocking waits. It
    reads back what it wrote, which is fewer bytes than the device's answers (the 3F answer is
    ~35 bytes against a ~10-byte request); at these sizes the cost of a turn is the system calls
    and thread wake-ups, not the byte count.

Compare the two rows of one group from one run: ``median(driver) / median(echo)``.
"""

from __future__ import annotations

from collections.abc import Callable, Iterator
from contextlib import ExitStack, contextmanager

import pytest
from bench_support import (  # Turn, EchoClient, echo_transport: imported from here by other benchmark files
    EchoClient,
    ExchangePlan,
    Recorder,
    Turn,
    echo_transport,
    emulator_url,
    plan_from_events,
)
from minimal_v3 import MinimalV3Client, MinimalV3Device
from pytest_benchmark.fixture import BenchmarkFixture

from kkt_drivers import connect
from kkt_drivers.drivers.atol import AtolDriver
from kkt_drivers.drivers.atol.types import ModeState
from kkt_drivers.protocols.atol import commands as c
from kkt_drivers.protocols.atol.framer_v3 import AtolV3Framer
from kkt_drivers.transport.base import Transport

ATTACHMENTS = ("inprocess", "pty", "tcp")
GENERATIONS = ("v2", "v3")
__all__ = ["EchoClient", "ExchangePlan", "Turn", "echo_transport"]


def _cases() -> list[object]:
    return [pytest.param(attachment, generation, id=f"{attachment}-{generation}",
                         marks=pytest.mark.benchmark(group=f"roundtrip-{attachment}-{generation}"))
            for attachment in ATTACHMENTS for generation in GENERATIONS]


# -- what one status() exchange sends ------------------------------------------------------------


def capture_status_exchange(generation: str, *, warmup: int = 2) -> ExchangePlan:
    """Run ``status()`` in process and record the tx chunks of a steady-state exchange."""
    recorder = Recorder()
    driver = connect(f"emu://atol?transport={generation}", hooks=[recorder])
    try:
        for _ in range(warmup):  # v3: what the previous exchange left to send goes out with the next one
            driver.status()
        events = recorder.record(driver.status)
    finally:
        driver.close()
    return plan_from_events(events)


@pytest.fixture(scope="session")
def exchange_plans() -> dict[str, ExchangePlan]:
    return {generation: capture_status_exchange(generation) for generation in GENERATIONS}


@contextmanager
def status_driver(attachment: str, generation: str) -> Iterator[AtolDriver]:
    """A driver connected to a fresh emulated ATOL over ``attachment`` with transport ``generation``."""
    with ExitStack() as stack:
        url = emulator_url(stack, attachment, generation)
        driver = connect(url)
        stack.callback(driver.close)
        yield driver


@pytest.fixture
def open_driver() -> Iterator[Callable[[str, str], AtolDriver]]:
    """``open_driver(attachment, generation)``; everything opened is closed at teardown."""
    with ExitStack() as stack:
        yield lambda attachment, generation: stack.enter_context(status_driver(attachment, generation))


@pytest.fixture
def open_echo() -> Iterator[Callable[[str], Transport]]:
    """``open_echo(attachment)``; servers, fds and the client are closed at teardown."""
    with ExitStack() as stack:
        yield lambda attachment: stack.enter_context(echo_transport(attachment))


# -- the benchmarks ------------------------------------------------------------------------------


@pytest.mark.parametrize(("attachment", "generation"), _cases())
def test_roundtrip_driver(benchmark: BenchmarkFixture, open_driver: Callable[[str, str], AtolDriver],
                          exchange_plans: dict[str, ExchangePlan], attachment: str, generation: str) -> None:
    driver = open_driver(attachment, generation)
    first = driver.status()  # warm up: v3 then has a C2 reply pending, as in the steady state
    plan = exchange_plans[generation]
    benchmark.extra_info.update(tx_bytes=plan.tx_bytes, rx_bytes=plan.rx_bytes, turns=len(plan.turns))
    status = benchmark(driver.status)
    assert status.serial_number == first.serial_number and status.model == first.model


@pytest.mark.parametrize(("attachment", "generation"), _cases())
def test_roundtrip_echo(benchmark: BenchmarkFixture, open_echo: Callable[[str], Transport],
                        exchange_plans: dict[str, ExchangePlan], attachment: str, generation: str) -> None:
    plan = exchange_plans[generation]
    client = EchoClient(open_echo(attachment), plan)
    client.exchange()  # warm up, like the driver
    benchmark.extra_info.update(tx_bytes=plan.tx_bytes, turns=len(plan.turns))
    benchmark(client.exchange)
    assert client.read_back == client.written - client.owed
    assert client.owed == client.unwaited_tail()


# -- the floor: a hand-written v3 status exchange (benchmarks/minimal_v3.py) ----------------------


def _minimal_cases() -> list[object]:
    return [pytest.param(attachment, id=f"{attachment}-v3",
                         marks=pytest.mark.benchmark(group=f"roundtrip-{attachment}-v3"))
            for attachment in ATTACHMENTS]


@pytest.mark.parametrize("attachment", _minimal_cases())
def test_roundtrip_minimal(benchmark: BenchmarkFixture, attachment: str) -> None:
    """The same status exchange by a hand-written client and device (no construct, no layers): what any Python
    implementation pays on top of the echo. ``median(driver) / median(minimal)`` is the price of our layers."""
    with echo_transport(attachment, MinimalV3Device) as transport:
        client = MinimalV3Client(transport)
        first = client.status()
        when, flags, serial, mode = benchmark(client.status)
    assert (flags, serial, mode) == first[1:] and abs((when - first[0]).total_seconds()) < 600


def test_minimal_matches_driver_bytes(exchange_plans: dict[str, ExchangePlan]) -> None:
    """The floor moves the driver's own bytes: its request chunk is the driver's, byte for byte, and its device's
    answer parses through our 3F declaration to what the emulator reports."""
    chunk = exchange_plans["v3"].turns[0].data  # FE 02 00 <pid> C2 <tid-1> <crc> FE 06 00 <pid+1> C1 03 <tid> ...
    client = MinimalV3Client(None)
    client.packet_id, client.tid = chunk[3], chunk[5]
    assert client.request() == chunk
    device = MinimalV3Device()
    device.receive(chunk)
    framer = AtolV3Framer()
    packets = framer.feed(device.take_output())
    assert [p.data[:1] for p in packets] == [b"\xa3", b"\xa1", b"\xa6"]
    result = packets[-1]
    assert result.packet_id == 0xF0 and result.data[1] == chunk[12]
    parsed = c.STATUS.parse_data(result.data[3:])  # after A6 <tid> and the answer code 44
    emulated = connect("emu://atol?transport=v3")
    try:
        status = emulated.status()
    finally:
        emulated.close()
    assert f"{parsed.serial_number:08d}" == status.serial_number and parsed.model == status.model
    assert ModeState.from_byte(parsed.mode) == status.mode and parsed.flags.shift_open == status.shift_open
