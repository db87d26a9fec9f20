"""Weight polls per second: ``Scale.weigh()`` through the driver versus a raw echo of the same bytes.

For every scale family (Massa-K, CAS, CAS LP) and attachment (in-process, pty, TCP) one group holds two rows:

``test_weigh_driver[<family>-<attachment>]``
    ``Scale.weigh()`` against that family's emulator: facade, driver, session, link, framer, transport, and on
    the far side the emulator's link, personality and weighing platform.

``test_weigh_echo[<family>-<attachment>]``
    the same transport class talking to ``kkt_emu.attach.echo.EchoConnection`` on the same kind of server
    loop, writing the bytes one poll writes, chunk for chunk, and waiting where the driver waits (the echo
    plumbing of ``test_roundtrip.py``).

``ops`` of the driver row is the polls per second; ``median(driver) / median(echo)`` is what the protocol and
the emulator cost on top of the pipe.
"""

from __future__ import annotations

from collections.abc import Callable, Iterator
from contextlib import ExitStack

import pytest
from kkt_emu.attach.pty import PtyAttachment
from kkt_emu.attach.tcp import TcpAttachment
from kkt_emu.personalities import create_device
from pytest_benchmark.fixture import BenchmarkFixture
from test_roundtrip import EchoClient, ExchangePlan, Turn, echo_transport

from kkt_drivers.scale import Scale
from kkt_drivers.transport.base import Transport

FAMILIES = ("massak", "cas", "caslp")
ATTACHMENTS = ("inprocess", "pty", "tcp")


def _cases() -> list[object]:
    return [pytest.param(family, attachment, id=f"{family}-{attachment}",
                         marks=pytest.mark.benchmark(group=f"weigh-{family}-{attachment}"))
            for family in FAMILIES for attachment in ATTACHMENTS]


def scale_url(stack: ExitStack, family: str, attachment: str) -> str:
    """A fresh emulated scale over ``attachment`` (stopped when ``stack`` closes) and its URL."""
    if attachment == "inprocess":
        return f"emu://{family}"
    device = create_device(family)
    if attachment == "pty":
        pty = PtyAttachment(device, "default").start()
        stack.callback(pty.stop)
        return f"{family}://{pty.path}"
    server = TcpAttachment(device, "default").start()
    stack.callback(server.stop)
    return f"{family}+tcp://{server.host}:{server.port}"


def capture_weigh_exchange(family: str, *, warmup: int = 2) -> ExchangePlan:
    """The tx chunks of a steady-state ``weigh()`` (after the handshake some families do once)."""
    events: list[tuple[str, bytes]] = []
    scale = Scale.open(f"emu://{family}")
    scale.device.session.hooks.append(lambda direction, data: events.append((direction, bytes(data))))
    try:
        for _ in range(warmup):
            scale.weigh()
        events.clear()
        scale.weigh()
    finally:
        scale.close()
    turns: list[Turn] = []
    for direction, data in events:
        if direction == "tx":
            turns.append(Turn(data, wait=False))
        elif turns:
            turns[-1] = Turn(turns[-1].data, wait=True)
    rx = [data for direction, data in events if direction == "rx"]
    assert turns and turns[-1].wait, events
    return ExchangePlan(tuple(turns), sum(len(t.data) for t in turns), sum(map(len, rx)), len(rx))


@pytest.fixture(scope="module")
def weigh_plans() -> dict[str, ExchangePlan]:
    return {family: capture_weigh_exchange(family) for family in FAMILIES}


@pytest.fixture
def open_scale() -> Iterator[Callable[[str, str], Scale]]:
    with ExitStack() as stack:
        def opener(family: str, attachment: str) -> Scale:
            scale = Scale.open(scale_url(stack, family, attachment))
            stack.callback(scale.close)
            return scale

        yield opener


@pytest.fixture
def open_echo() -> Iterator[Callable[[str], Transport]]:
    with ExitStack() as stack:
        yield lambda attachment: stack.enter_context(echo_transport(attachment))


@pytest.mark.parametrize(("family", "attachment"), _cases())
def test_weigh_driver(benchmark: BenchmarkFixture, open_scale: Callable[[str, str], Scale],
                      weigh_plans: dict[str, ExchangePlan], family: str, attachment: str) -> None:
    scale = open_scale(family, attachment)
    scale.weigh()  # warm up: the handshake of families that have one
    plan = weigh_plans[family]
    benchmark.extra_info.update(tx_bytes=plan.tx_bytes, rx_bytes=plan.rx_bytes, turns=len(plan.turns))
    weight = benchmark(scale.weigh)
    assert weight.value is not None and weight.stable


@pytest.mark.parametrize(("family", "attachment"), _cases())
def test_weigh_echo(benchmark: BenchmarkFixture, open_echo: Callable[[str], Transport],
                    weigh_plans: dict[str, ExchangePlan], family: str, attachment: str) -> None:
    plan = weigh_plans[family]
    client = EchoClient(open_echo(attachment), plan)
    client.exchange()
    benchmark.extra_info.update(tx_bytes=plan.tx_bytes, turns=len(plan.turns))
    benchmark(client.exchange)
    assert client.read_back == client.written - client.owed
