"""The pty attachment: raw mode, every byte value both ways, clients that come and go."""

from __future__ import annotations

import os
import select
import time
import tty
from collections.abc import Iterator

import pytest
from kkt_emu.attach.echo import EchoConnection
from kkt_emu.attach.loop import Endpoint, ServerLoop
from kkt_emu.attach.pty import PtyAttachment
from kkt_emu.personalities import create_device

from kkt_drivers import connect
from kkt_drivers.drivers.atol import SYSADMIN_PASSWORD, AtolMode

pytestmark = pytest.mark.skipif(not hasattr(os, "openpty"), reason="no pty on this platform")


def _read_exact(fd: int, size: int, timeout: float = 5.0) -> bytes:
    out = bytearray()
    end = time.monotonic() + timeout
    while len(out) < size and time.monotonic() < end:
        ready, _, _ = select.select([fd], [], [], 0.1)
        if ready:
            out += os.read(fd, size - len(out))
    return bytes(out)


@pytest.fixture
def echo_pty() -> Iterator[str]:
    """A pty set up the way the attachment does it, with an echo peer in place of the device."""
    loop = ServerLoop()
    loop.start()
    master, slave = os.openpty()
    tty.setraw(master)
    tty.setraw(slave)
    os.set_blocking(master, False)
    loop.add_endpoint(Endpoint(master, EchoConnection(), keep_open=True))
    try:
        yield os.ttyname(slave)
    finally:
        loop.stop()
        os.close(master)
        os.close(slave)


def test_every_byte_value_passes_both_ways_without_the_client_setting_raw_mode(echo_pty: str) -> None:
    client = os.open(echo_pty, os.O_RDWR | os.O_NOCTTY)  # a plain open: no pyserial, no termios calls
    try:
        payload = bytes(range(256)) * 4
        os.write(client, payload)
        assert _read_exact(client, len(payload)) == payload
    finally:
        os.close(client)


def test_attachment_sets_raw_mode_on_creation() -> None:
    import termios

    attachment = PtyAttachment(create_device("atol"), "v3").start()
    try:
        attrs = termios.tcgetattr(attachment.slave)
        lflag = attrs[3]
        assert not lflag & (termios.ICANON | termios.ECHO | termios.ISIG)
        assert not attrs[1] & termios.OPOST  # no output processing (LF -> CR LF)
    finally:
        attachment.stop()


@pytest.mark.parametrize("generation", ["v2", "v3"])
def test_clients_come_and_go_and_the_device_keeps_its_state(generation: str) -> None:
    attachment = PtyAttachment(create_device("atol"), generation).start()
    url = f"atol://{attachment.path}?transport={generation}"
    try:
        with connect(url) as first:
            first.enter_mode(AtolMode.PROGRAMMING, SYSADMIN_PASSWORD)
        with connect(url) as second:  # a new client on the same pty
            assert second.status().mode.mode is AtolMode.PROGRAMMING
            second.exit_mode()
        with connect(url) as third:
            assert third.status().mode.mode is AtolMode.SELECT
    finally:
        attachment.stop()


def test_large_output_survives_a_full_pty_buffer(echo_pty: str) -> None:
    """Back-pressure: 64 KiB echoed through a pty while the client reads slowly."""
    client = os.open(echo_pty, os.O_RDWR | os.O_NOCTTY | os.O_NONBLOCK)
    payload = os.urandom(65536)
    sent, received = 0, bytearray()
    end = time.monotonic() + 20
    while len(received) < len(payload) and time.monotonic() < end:
        if sent < len(payload):
            try:
                sent += os.write(client, payload[sent:sent + 1024])
            except BlockingIOError:
                pass
        ready, _, _ = select.select([client], [], [], 0.01)
        if ready:
            received += os.read(client, 4096)
    os.close(client)
    assert bytes(received) == payload
