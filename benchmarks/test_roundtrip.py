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
from pytest_benchmark.fixture import BenchmarkFixture

from kkt_drivers import connect
from kkt_drivers.drivers.atol import AtolDriver
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
