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

import os
import socket
import tty
from collections.abc import Callable, Iterator
from contextlib import ExitStack, contextmanager
from dataclasses import dataclass

import pytest
from bench_support import emulator_url
from kkt_emu.attach.echo import EchoConnection
from kkt_emu.attach.loop import Endpoint, ServerLoop
from pytest_benchmark.fixture import BenchmarkFixture

from kkt_drivers import connect
from kkt_drivers.drivers.atol import AtolDriver
from kkt_drivers.transport.base import Transport
from kkt_drivers.transport.serial import SerialTransport
from kkt_drivers.transport.tcp import TcpTransport

ATTACHMENTS = ("inprocess", "pty", "tcp")
GENERATIONS = ("v2", "v3")
READ_TIMEOUT = 2.0


def _cases() -> list[object]:
    return [pytest.param(attachment, generation, id=f"{attachment}-{generation}",
                         marks=pytest.mark.benchmark(group=f"roundtrip-{attachment}-{generation}"))
            for attachment in ATTACHMENTS for generation in GENERATIONS]


# -- what one status() exchange sends ------------------------------------------------------------


@dataclass(frozen=True)
class Turn:
    data: bytes  # one tx chunk, as the driver wrote it
    wait: bool  # the driver read an answer before its next write


@dataclass(frozen=True)
class ExchangePlan:
    turns: tuple[Turn, ...]
    tx_bytes: int
    rx_bytes: int
    rx_chunks: int


def capture_status_exchange(generation: str, *, warmup: int = 2) -> ExchangePlan:
    """Run ``status()`` in process and record the tx chunks of a steady-state exchange."""
    events: list[tuple[str, bytes]] = []
    driver = connect(f"emu://atol?transport={generation}", hooks=[lambda d, b: events.append((d, bytes(b)))])
    try:
        for _ in range(warmup):  # v3: the reply to the previous C2 is read in the next exchange
            driver.status()
        events.clear()
        driver.status()
    finally:
        driver.close()
    turns: list[Turn] = []
    for direction, data in events:
        if direction == "tx":
            turns.append(Turn(data, wait=False))
        elif turns:
            turns[-1] = Turn(turns[-1].data, wait=True)
    rx = [data for direction, data in events if direction == "rx"]
    assert turns and any(t.wait for t in turns), events
    return ExchangePlan(tuple(turns), sum(len(t.data) for t in turns), sum(map(len, rx)), len(rx))


@pytest.fixture(scope="session")
def exchange_plans() -> dict[str, ExchangePlan]:
    return {generation: capture_status_exchange(generation) for generation in GENERATIONS}


# -- the echo client -----------------------------------------------------------------------------


class InMemoryEcho(Transport):
    """The in-process counterpart of the echo: bytes written come back on the next read."""

    address = "echo://inprocess"

    def __init__(self) -> None:
        self._conn: EchoConnection | None = None

    def open(self) -> None:
        self._conn = EchoConnection()

    def close(self) -> None:
        self._conn = None

    @property
    def is_open(self) -> bool:
        return self._conn is not None

    def write(self, data: bytes) -> None:
        assert self._conn is not None
        self._conn.receive(data)

    def read(self, timeout: float) -> bytes:
        assert self._conn is not None
        return self._conn.take_output()


class EchoClient:
    """Plays an :class:`ExchangePlan` against an echo: same writes, same number of blocking waits."""

    def __init__(self, transport: Transport, plan: ExchangePlan) -> None:
        self.transport = transport
        self.turns = plan.turns
        self.owed = 0  # echoed bytes not read yet (v3: the C2 of the previous exchange)
        self.written = self.read_back = 0

    def exchange(self) -> int:
        transport = self.transport
        owed = self.owed
        got = 0
        for turn in self.turns:
            transport.write(turn.data)
            owed += len(turn.data)
            if turn.wait:
                while owed:
                    chunk = transport.read(READ_TIMEOUT)
                    if not chunk:
                        raise TimeoutError(f"echo over {transport.address} returned nothing")
                    owed -= len(chunk)
                    got += len(chunk)
        self.written += sum(len(t.data) for t in self.turns)
        self.read_back += got
        self.owed = owed
        return got


@contextmanager
def echo_transport(attachment: str) -> Iterator[Transport]:
    """An open transport of the kind the driver uses for ``attachment``, connected to an echo."""
    with ExitStack() as stack:
        transport: Transport
        if attachment == "inprocess":
            transport = InMemoryEcho()
        elif attachment == "pty":
            master, slave = os.openpty()
            stack.callback(os.close, slave)
            stack.callback(os.close, master)
            tty.setraw(master)
            tty.setraw(slave)
            os.set_blocking(master, False)
            loop = ServerLoop()
            loop.start("bench-echo-pty")
            stack.callback(loop.stop)
            loop.add_endpoint(Endpoint(master, EchoConnection(), keep_open=True))
            transport = SerialTransport(os.ttyname(slave))
        elif attachment == "tcp":
            sock = socket.socket(socket.AF_INET, socket.SOCK_STREAM)
            stack.callback(sock.close)
            sock.bind(("127.0.0.1", 0))
            sock.listen(8)
            port = sock.getsockname()[1]
            loop = ServerLoop()
            loop.start("bench-echo-tcp")
            stack.callback(loop.stop)
            loop.add_listener(sock, lambda client: Endpoint(client.fileno(), EchoConnection(), sock=client))
            transport = TcpTransport("127.0.0.1", port)
        else:
            raise ValueError(attachment)
        transport.open()
        stack.callback(transport.close)
        yield transport


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
    assert client.owed == sum(len(t.data) for t in plan.turns[max(i for i, t in enumerate(plan.turns) if t.wait) + 1:])
