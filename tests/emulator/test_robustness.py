"""No packet, handler failure or crowd of clients knocks the emulator (or the driver) offline."""

from __future__ import annotations

import socket
import time
from collections.abc import Iterator
from typing import Any

import pytest
from kkt_emu.attach.loop import ServerLoop
from kkt_emu.attach.tcp import TcpAttachment
from kkt_emu.core.control import DeviceControl
from kkt_emu.personalities import connect_to, create_device
from samples import REGISTRATION
from samples import make_receipt as sample_receipt

from kkt_drivers import DeviceError, Kkt, ProtocolError, connect
from kkt_drivers.protocols.actions import Action
from kkt_drivers.protocols.atol.framer_v3 import AtolV3Framer, BadPacket, Packet, encode
from kkt_drivers.protocols.atol.link_v3 import AtolV3Link
from kkt_drivers.session import Session
from kkt_drivers.transport.base import Transport

KILLER = bytes.fromhex("fe0000fd00")  # packet id FD: an id no packet can carry


def _status_packet(pid: int, tid: int) -> bytes:
    return encode(pid, bytes((0xC1, 0x03, tid)) + b"\x00\x00\x3f")


@pytest.mark.parametrize("reason_bytes", [KILLER, bytes.fromhex("fe0000fd01"), bytes.fromhex("fe0100fd3f00")])
def test_a_packet_with_an_impossible_id_is_a_bad_packet(reason_bytes: bytes) -> None:
    events = AtolV3Framer().feed(reason_bytes)
    assert events and all(isinstance(e, BadPacket) and e.packet_id is None for e in events)


def test_the_emulator_keeps_answering_after_the_killer_packet() -> None:
    device = create_device("atol")
    conn = connect_to(device, "v3")
    conn.receive(KILLER)
    assert conn.take_output() == b"" and device.incidents.total == 0
    conn.receive(_status_packet(1, 1))
    answers = [e for e in AtolV3Framer().feed(conn.take_output()) if isinstance(e, Packet)]
    # queued (A1), then the 3F answer as the asynchronous result of task 1 on packet F0
    assert [a.data[:1] for a in answers] == [b"\xa1", b"\xa6"] and answers[1].data[1:3] == b"\x01\x44"


def test_the_host_link_ignores_the_killer_packet() -> None:
    link = AtolV3Link()
    link.request(b"\x00\x00\x3f", execution_timeout=1.0)
    assert link.receive(KILLER) == []
    assert link.busy


class _Boom(Exception):
    pass


def test_a_failing_handler_is_answered_recorded_and_serving_goes_on() -> None:
    device = create_device("atol")
    personality: Any = device.personality

    def explode(_: Any) -> None:
        raise _Boom("handler bug")

    personality._handlers[b"\xa5"] = explode  # the device-type command
    transport_url = "emu://atol?transport=v2&name=handler-bug"
    from kkt_emu.attach import inprocess

    inprocess._NAMED["handler-bug"] = device
    try:
        with connect(transport_url) as driver:
            with pytest.raises(DeviceError) as caught:
                driver.device_info()  # type: ignore[attr-defined]
            assert caught.value.code == 0xD5
            assert driver.status().serial_number  # type: ignore[attr-defined]  # still serving
    finally:
        del inprocess._NAMED["handler-bug"]
    assert device.incidents.total == 1
    incident = device.incidents.recent()[0]
    assert incident.where == "execute" and "handler bug" in incident.error and "_Boom" in incident.traceback


def test_a_link_that_raises_drops_the_bytes_and_records_it() -> None:
    device = create_device("atol")
    conn = connect_to(device, "v3")

    def broken(data: bytes) -> list[Action]:
        raise ValueError("link bug")

    conn.link.receive = broken  # type: ignore[method-assign]
    conn.receive(b"\xfe\x01\x00")
    assert device.incidents.total == 1 and device.incidents.recent()[0].where == "link"


class _CommitFails:
    """Wraps the archive's sqlite connection: the next COMMIT fails as a full disk would."""

    def __init__(self, db: Any) -> None:
        self.db = db
        self.armed = True

    def execute(self, sql: str, *args: Any) -> Any:
        if sql == "COMMIT" and self.armed:
            self.armed = False
            import sqlite3

            raise sqlite3.OperationalError("database or disk is full")
        return self.db.execute(sql, *args)

    def __getattr__(self, name: str) -> Any:
        return getattr(self.db, name)


def test_a_failed_commit_rolls_back_and_the_archive_stays_usable() -> None:
    with Kkt.open("emu://atol?transport=v3&name=commit-fails") as kkt:
        kkt.register(REGISTRATION)
        kkt.open_shift()
        core: Any = kkt.device.emulator.fiscal  # type: ignore[union-attr]
        before = kkt.fn_status().last_document_number
        archive = core._archive
        archive._db = _CommitFails(archive._db)
        with pytest.raises(DeviceError) as caught:
            kkt.sell(sample_receipt())
        assert caught.value.code == 0xD5
        assert kkt.fn_status().last_document_number == before and not kkt.status().receipt_open
        result = kkt.sell(sample_receipt())  # the archive is usable: the next receipt is the next number
        assert result.document.number == before + 1
        assert kkt.document(result.document.number).tlv


def test_an_unwritable_tape_never_undoes_a_document() -> None:
    class BrokenTape:
        def write(self, text: str) -> None:
            raise OSError(28, "No space left on device")

    from kkt_emu.personalities.atol.printer import TapePrinter

    with Kkt.open("emu://atol?transport=v2&name=broken-tape") as kkt:
        control: Any = kkt.device.emulator
        personality = control.personality
        personality.tape = TapePrinter(BrokenTape(), 32)  # type: ignore[arg-type]
        kkt.register(REGISTRATION)
        opened = kkt.open_shift()
        assert opened.number == 2 and kkt.sell(sample_receipt()).document.number == 3
        assert control.device.incidents.total >= 3 and control.device.incidents.recent()[-1].where == "tape"


@pytest.fixture
def crowded() -> Iterator[tuple[TcpAttachment, ServerLoop]]:
    loop = ServerLoop(max_connections=127, idle_timeout=600.0)
    attachment = TcpAttachment(create_device("atol"), "v3", loop=loop).start()
    loop.start()
    yield attachment, loop
    loop.stop()


def test_a_crowd_of_idle_clients_neither_spins_the_loop_nor_locks_out_a_new_one(
        crowded: tuple[TcpAttachment, ServerLoop]) -> None:
    attachment, loop = crowded
    idle = [socket.create_connection(("127.0.0.1", attachment.port)) for _ in range(127)]
    try:
        time.sleep(0.3)
        before = loop.iterations
        time.sleep(1.0)
        assert loop.iterations - before <= 10  # asleep in select, not spinning
        extra = socket.create_connection(("127.0.0.1", attachment.port), timeout=5)
        extra.settimeout(5)
        assert extra.recv(1) == b""  # the 128th connection is closed at once
        extra.close()
        assert loop.refused == 1
        idle.pop().close()  # one leaves: a real client gets in and is served
        time.sleep(0.2)
        with connect(f"atol+tcp://127.0.0.1:{attachment.port}?transport=v3") as driver:
            assert driver.status().serial_number  # type: ignore[attr-defined]
    finally:
        for sock in idle:
            sock.close()


def test_an_idle_client_is_closed_after_the_idle_timeout() -> None:
    loop = ServerLoop(idle_timeout=0.3)
    attachment = TcpAttachment(create_device("atol"), "v3", loop=loop).start()
    loop.start()
    try:
        sock = socket.create_connection(("127.0.0.1", attachment.port))
        sock.settimeout(3)
        assert sock.recv(1) == b""  # closed by the server, not by us
        sock.close()
    finally:
        loop.stop()


class _Garbage(Transport):
    """A transport whose device answers with the killer packet."""

    def __init__(self) -> None:
        self.opened = True

    def open(self) -> None:
        self.opened = True

    def close(self) -> None:
        self.opened = False

    @property
    def is_open(self) -> bool:
        return self.opened

    def write(self, data: bytes) -> None:
        pass

    def read(self, timeout: float) -> bytes:
        return KILLER


class _BrokenLink(AtolV3Link):
    def receive(self, data: bytes) -> list[Action]:
        raise KeyError("link bug")


def test_the_session_turns_a_failing_link_into_a_typed_error() -> None:
    session = Session(_Garbage(), _BrokenLink())
    with pytest.raises(ProtocolError, match="KeyError"):
        session.exchange(b"\x00\x00\x3f", timeout=0.5)


def test_control_status_reports_incidents() -> None:
    device = create_device("atol")
    device.incidents.record("execute", RuntimeError("x"))
    from kkt_emu.attach.control_server import _handle

    status = _handle(DeviceControl(device), {"op": "status"})
    assert status["incidents"]["total"] == 1
    assert status["incidents"]["recent"][0]["error"] == "RuntimeError: x"
