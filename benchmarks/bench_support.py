"""Shared set-up for the ATOL benchmarks.

* :func:`serve_emulator` — a fresh emulated ATOL over an attachment (in process, pty, TCP), optionally paced
  as a serial line, with the CPU clock of the thread that serves it;
* :func:`capture_plan`, :class:`EchoClient`, :func:`echo_transport` — the raw-echo baseline: the bytes a
  driver call writes, chunk for chunk, echoed over the same kind of pipe with the same blocking waits;
* :class:`IdealLine` — the same emulator behind a perfect serial line in virtual time: what an exchange
  takes when only the line's bit rate counts (the "wire time" of the line-rate benchmark).
"""

from __future__ import annotations

import os
import socket
import threading
import time
import tty
from collections import deque
from collections.abc import Callable, Iterator
from contextlib import ExitStack, contextmanager
from dataclasses import dataclass
from decimal import Decimal
from typing import Any

from kkt_emu.attach.echo import EchoConnection
from kkt_emu.attach.loop import Endpoint, ServerLoop
from kkt_emu.attach.pty import PtyAttachment
from kkt_emu.attach.tcp import TcpAttachment
from kkt_emu.core.device import VirtualDevice
from kkt_emu.personalities import connect_to, create_device

from kkt_drivers.transport.base import Transport
from kkt_drivers.transport.serial import SerialTransport
from kkt_drivers.transport.tcp import TcpTransport
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

READ_TIMEOUT = 2.0
#: bits a byte takes on a serial line at 8N1 (start bit, eight data bits, stop bit)
BITS_PER_BYTE = 10


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
    """Ten positions at VAT 20 %, taxation ОСН, two thirds paid by card and the rest in cash."""
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


# -- an emulator to measure ----------------------------------------------------------------------


@dataclass
class Served:
    """An emulated device reachable at ``url``; ``thread`` serves it (``None`` in process)."""

    url: str
    device: VirtualDevice | None = None
    thread: threading.Thread | None = None

    def cpu_seconds(self) -> float | None:
        """CPU time the serving thread has used so far (Linux: ``pthread_getcpuclockid``); ``None`` in process,
        where the emulator runs on the caller's thread."""
        if self.thread is None or self.thread.ident is None or not hasattr(time, "pthread_getcpuclockid"):
            return None
        return time.clock_gettime(time.pthread_getcpuclockid(self.thread.ident))


def _own_loop(stack: ExitStack, name: str) -> tuple[ServerLoop, threading.Thread]:
    """A server loop on a thread of ours, so that its CPU clock can be read."""
    loop = ServerLoop()
    thread = threading.Thread(target=loop.run, name=name, daemon=True)
    thread.start()

    def stop() -> None:
        loop.stop()
        thread.join(timeout=5)

    stack.callback(stop)
    return loop, thread


def serve_emulator(stack: ExitStack, attachment: str, generation: str, *, baud: int | None = None) -> Served:
    """Start a fresh emulated ATOL over ``attachment`` (stopped when ``stack`` closes). With ``baud`` the emulator
    paces its bytes as a serial line at that rate (pty and TCP only)."""
    if attachment == "inprocess":
        if baud is not None:
            raise ValueError("the in-process attachment has no line to pace")
        return Served(f"emu://atol?transport={generation}")
    device = create_device("atol")
    stack.callback(device.close)
    if attachment == "pty":
        loop, thread = _own_loop(stack, "bench-emu-pty")
        pty = PtyAttachment(device, generation, loop=loop, baud=baud).start()
        stack.callback(pty.stop)
        rate = f"&baudrate={baud}" if baud else ""
        return Served(f"atol://{pty.path}?transport={generation}{rate}", device, thread)
    if attachment == "tcp":
        loop, thread = _own_loop(stack, "bench-emu-tcp")
        server = TcpAttachment(device, generation, loop=loop, baud=baud).start()
        stack.callback(server.stop)
        return Served(f"atol+tcp://{server.host}:{server.port}?transport={generation}", device, thread)
    raise ValueError(attachment)


def emulator_url(stack: ExitStack, attachment: str, generation: str) -> str:
    """Start a fresh emulated ATOL over ``attachment`` (stopped when ``stack`` closes) and return its URL."""
    return serve_emulator(stack, attachment, generation).url


# -- what a driver call writes -------------------------------------------------------------------


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

    @property
    def waits(self) -> int:
        return sum(t.wait for t in self.turns)


def plan_from_events(events: list[tuple[str, bytes]]) -> ExchangePlan:
    """The turns of a recorded exchange: each tx chunk, and whether an rx chunk came before the next one."""
    turns: list[Turn] = []
    for direction, data in events:
        if direction == "tx":
            turns.append(Turn(data, wait=False))
        elif turns:
            turns[-1] = Turn(turns[-1].data, wait=True)
    rx = [data for direction, data in events if direction == "rx"]
    assert turns and any(t.wait for t in turns), events
    return ExchangePlan(tuple(turns), sum(len(t.data) for t in turns), sum(map(len, rx)), len(rx))


class Recorder:
    """A byte hook that records ``(direction, bytes)`` while ``on``."""

    def __init__(self) -> None:
        self.on = False
        self.events: list[tuple[str, bytes]] = []

    def __call__(self, direction: str, data: bytes) -> None:
        if self.on:
            self.events.append((direction, bytes(data)))

    def record(self, call: Callable[[], object]) -> list[tuple[str, bytes]]:
        self.events = []
        self.on = True
        try:
            call()
        finally:
            self.on = False
        return self.events


# -- the echo baseline ---------------------------------------------------------------------------


class InMemoryEcho(Transport):
    """The in-process counterpart of the echo: bytes written come back on the next read."""

    address = "echo://inprocess"

    def __init__(self, peer: Callable[[], Any] = EchoConnection) -> None:
        self._peer = peer
        self._conn: Any = None

    def open(self) -> None:
        self._conn = self._peer()

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
        self.owed = 0  # echoed bytes not read yet (v3: what followed the last waited turn)
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

    def unwaited_tail(self) -> int:
        """Bytes after the last waited turn (their echo is collected by the next exchange)."""
        last = max(i for i, t in enumerate(self.turns) if t.wait)
        return sum(len(t.data) for t in self.turns[last + 1:])


@contextmanager
def echo_transport(attachment: str, peer: Callable[[], Any] = EchoConnection) -> Iterator[Transport]:
    """An open transport of the kind the driver uses for ``attachment``, connected to an echo (or to another
    ``peer`` with the echo's interface, served the same way)."""
    with ExitStack() as stack:
        transport: Transport
        if attachment == "inprocess":
            transport = InMemoryEcho(peer)
        elif attachment == "pty":
            master, slave = os.openpty()
            stack.callback(os.close, slave)
            stack.callback(os.close, master)
            tty.setraw(master)
            tty.setraw(slave)
            os.set_blocking(master, False)
            loop, _ = _own_loop(stack, "bench-echo-pty")
            loop.add_endpoint(Endpoint(master, peer(), keep_open=True))
            transport = SerialTransport(os.ttyname(slave))
        elif attachment == "tcp":
            sock = socket.socket(socket.AF_INET, socket.SOCK_STREAM)
            stack.callback(sock.close)
            sock.bind(("127.0.0.1", 0))
            sock.listen(8)
            port = sock.getsockname()[1]
            loop, _ = _own_loop(stack, "bench-echo-tcp")
            loop.add_listener(sock, lambda client: Endpoint(client.fileno(), peer(), sock=client))
            transport = TcpTransport("127.0.0.1", port)
        else:
            raise ValueError(attachment)
        transport.open()
        stack.callback(transport.close)
        yield transport


# -- a perfect serial line -----------------------------------------------------------------------


class IdealLine(Transport):
    """An emulated ATOL in process behind a perfect serial line at ``baud`` (8N1), in virtual time.

    The host and the device take no time at all; only the line does. Each direction is its own wire (full
    duplex), carrying one byte in :data:`BITS_PER_BYTE` bits, one chunk after another:

    * a chunk the host writes at virtual time ``now`` has arrived at ``max(now, the host wire free) + its
      bytes' time`` — the device handles it then (it answers at once);
    * what the device answers leaves when its wire is free and is with the host when its last byte is
      through; a read returns the next such chunk and moves ``now`` to its arrival.

    :attr:`now` after a driver call is the least time that call can take on a line of that rate, with the
    protocol's own waits — the wire time the line-rate benchmark compares against. This is the line model of
    ``kkt_emu.core.connection.DeviceConnection`` with ``baud`` (the host's chunk reaches the device whole),
    without its timers.
    """

    address = "ideal-line://atol"

    def __init__(self, device: VirtualDevice, generation: str, baud: int) -> None:
        self.device = device
        self.generation = generation
        self.per_byte = BITS_PER_BYTE / baud
        self.now = 0.0
        self._host_wire = 0.0  # when the host's wire is free again
        self._device_wire = 0.0
        self._out: deque[tuple[float, bytes]] = deque()
        self._conn = connect_to(device, generation)

    def open(self) -> None:
        pass

    def close(self) -> None:
        self._conn.close()

    @property
    def is_open(self) -> bool:
        return True

    def write(self, data: bytes) -> None:
        arrived = max(self.now, self._host_wire) + len(data) * self.per_byte
        self._host_wire = arrived
        self._conn.receive(data)
        answer = self._conn.take_output()
        if answer:
            through = max(arrived, self._device_wire) + len(answer) * self.per_byte
            self._device_wire = through
            self._out.append((through, answer))

    def read(self, timeout: float) -> bytes:
        if not self._out:
            self.now += timeout
            return b""
        through, data = self._out.popleft()
        self.now = max(self.now, through)
        return data
