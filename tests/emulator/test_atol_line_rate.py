"""Line-rate emulation: with ``baud`` the emulator paces bytes as a serial line at that rate (8N1, ten bits a
byte), both ways, so a bench sees the timings of a real serial register.

The unit tests drive a connection with an explicit clock; the end-to-end ones only check a lower bound (a
receipt cannot take less than its bytes' wire time) — how close it comes is a benchmark, not a test.
"""

from __future__ import annotations

import time
from typing import Any

import pytest
from kkt_emu.attach.pty import PtyAttachment
from kkt_emu.attach.tcp import TcpAttachment
from kkt_emu.personalities import connect_to, create_device
from samples import REGISTRATION, make_receipt

from kkt_drivers import Kkt, connect
from kkt_drivers.protocols.atol.framer_v3 import encode

pytestmark = pytest.mark.family("atol")

STATUS = encode(1, b"\xc1\x03\x01\x00\x00\x3f")  # 3F as task 1 of packet 1: 10 bytes on the wire


def _connection(baud: int | None) -> Any:
    device = create_device("atol")
    conn = connect_to(device, "v3")
    conn.baud = baud
    return conn


def test_a_request_is_handled_only_when_its_last_byte_has_arrived() -> None:
    conn = _connection(9600)
    arrival = len(STATUS) * 10 / 9600  # 10.4 ms
    conn.receive(STATUS, now=100.0)
    assert conn.device.commands_executed == 0 and conn.next_event() == pytest.approx(100.0 + arrival)
    conn.poll(now=100.0 + arrival / 2)
    assert conn.device.commands_executed == 0
    conn.poll(now=100.0 + arrival)
    assert conn.device.commands_executed == 1


def test_an_answer_leaves_when_its_last_byte_is_through() -> None:
    conn = _connection(9600)
    conn.receive(STATUS, now=0.0)
    arrived = len(STATUS) * 10 / 9600
    conn.poll(now=arrived)
    sizes = [len(chunk) for _, chunk in conn.output]
    assert sizes and conn.take_output(now=arrived) == b""  # nothing is on the host's side yet
    released = arrived
    for size, (due, _) in zip(sizes, list(conn.output), strict=True):
        released += size * 10 / 9600  # each packet after the one before it
        assert due == pytest.approx(released)
    out = conn.take_output(now=released)
    assert len(out) == sum(sizes)


def test_back_to_back_input_queues_on_the_line() -> None:
    conn = _connection(1200)
    conn.receive(STATUS, now=0.0)
    conn.receive(encode(2, b"\xc3\x01"), now=0.0)  # sent at once: it arrives after the first one
    first = len(STATUS) * 10 / 1200
    second = first + 7 * 10 / 1200
    assert [t for t, _ in conn.input] == [pytest.approx(first), pytest.approx(second)]


def test_without_baud_nothing_waits() -> None:
    conn = _connection(None)
    conn.receive(STATUS, now=5.0)
    assert conn.device.commands_executed == 1 and all(t == 5.0 for t, _ in conn.output)


def test_a_bad_rate_is_refused() -> None:
    device = create_device("atol")
    with pytest.raises(ValueError):
        TcpAttachment(device, "v3", baud=0)
    with pytest.raises(ValueError):
        PtyAttachment(device, "v3", baud=-9600)


class _Counter:
    def __init__(self) -> None:
        self.bytes = {"tx": 0, "rx": 0}

    def __call__(self, direction: str, data: bytes) -> None:
        self.bytes[direction] += len(data)


@pytest.mark.parametrize("attach", ["tcp", "pty"])
def test_a_receipt_at_9600_baud_takes_at_least_its_wire_time(attach: str) -> None:
    """Each direction of a serial line carries a byte in 10 bits: the sale cannot be quicker than that."""
    device = create_device("atol")
    attachment: Any
    if attach == "tcp":
        attachment = TcpAttachment(device, "v3", baud=9600).start()
        url = f"atol+tcp://127.0.0.1:{attachment.port}?transport=v3"
    else:
        attachment = PtyAttachment(device, "v3", baud=9600).start()
        url = f"atol://{attachment.path}?transport=v3&baudrate=9600"
    try:
        with Kkt(connect(url)) as kkt:
            kkt.register(REGISTRATION)
            kkt.open_shift()
            counter = _Counter()
            kkt.device.session.hooks.append(counter)
            started = time.monotonic()
            kkt.sell(make_receipt())
            elapsed = time.monotonic() - started
        # each direction is its own line (TX and RX wires): neither can have taken less than its bytes' time
        tx, rx = counter.bytes["tx"], counter.bytes["rx"]
        assert tx > 200 and rx > 200
        assert elapsed >= max(tx, rx) * 10 / 9600
    finally:
        attachment.stop()
