"""The Штрих-Принт driver over a real UDP socket, against a scripted peer.

The peer is a list of canned datagrams keyed by the request (no emulator of this family exists, see
protocol-notes/scales/README.md): it proves the requests the driver sends, byte for byte (the published ones
from tests/vectors/shtrihprint.json), and how the driver reads the replies the protocol description lays out.
"""

from __future__ import annotations

import socket
import threading
from collections.abc import Callable, Iterator
from decimal import Decimal

import pytest
from scales_testkit import load, unhex

from kkt_drivers import ConfigurationError, DeviceError, connect
from kkt_drivers.drivers.shtrihprint import ShtrihPrintScale
from kkt_drivers.drivers.shtrihprint import driver as driver_module
from kkt_drivers.scale import LabelScale, UploadInterrupted
from kkt_drivers.scale_device import Goods, InvalidGoods
from kkt_drivers.scale_upload import UploadState

PUBLISHED = {v["name"]: unhex(v["hex"]) for v in load("shtrihprint.json")}
Answer = bytes | Callable[[bytes], bytes | None] | None


class ScriptedPeer:
    """A UDP socket on 127.0.0.1 answering each request datagram from ``script`` (by command byte)."""

    def __init__(self, script: dict[int, Answer]) -> None:
        self.script = script
        self.received: list[bytes] = []
        self.sock = socket.socket(socket.AF_INET, socket.SOCK_DGRAM)
        self.sock.bind(("127.0.0.1", 0))
        self.sock.settimeout(0.1)
        self.port = self.sock.getsockname()[1]
        self._stop = threading.Event()
        self._thread = threading.Thread(target=self._serve, daemon=True)
        self._thread.start()

    def _serve(self) -> None:
        while not self._stop.is_set():
            try:
                data, peer = self.sock.recvfrom(4096)
            except TimeoutError:
                continue
            except OSError:
                return
            self.received.append(data)
            answer = self.script.get(data[2]) if len(data) > 2 else None
            if callable(answer):
                answer = answer(data)
            if answer:
                self.sock.sendto(answer, peer)

    def commands(self, code: int) -> list[bytes]:
        return [d for d in self.received if len(d) > 2 and d[2] == code]

    def close(self) -> None:
        self._stop.set()
        self._thread.join(2)
        self.sock.close()


def _reply(command: int, error: int = 0, data: bytes = b"") -> bytes:
    body = bytes((command, error)) + data
    return bytes((0x02, len(body))) + body


def _status(weight_g: int, tare_g: int, weight_state: int, plu_table: int = 5000) -> bytes:
    data = bytearray(72)  # offsets of the status layout (protocol-notes/scales/README.md)
    data[0:2] = b"13"
    data[7:9] = plu_table.to_bytes(2, "little")
    data[37] = weight_state
    data[38:40] = weight_g.to_bytes(2, "little", signed=True)
    data[40:42] = tare_g.to_bytes(2, "little", signed=True)
    return _reply(0x11, 0, bytes(data))


BASE: dict[int, Answer] = {
    0x11: _status(1234, 100, 0x10 | 0x08),
    0xD0: _reply(0xD0, 0, (5000).to_bytes(2, "little")),
    0x57: _reply(0x57),
    0x54: _reply(0x54),
}


@pytest.fixture
def peer() -> Iterator[ScriptedPeer]:
    server = ScriptedPeer(dict(BASE))
    try:
        yield server
    finally:
        server.close()


@pytest.fixture
def scale(peer: ScriptedPeer) -> Iterator[ShtrihPrintScale]:
    device = connect(f"shtrihprint+udp://127.0.0.1:{peer.port}")
    assert isinstance(device, ShtrihPrintScale)
    device.session.execution_scale = 0.2
    try:
        yield device
    finally:
        device.close()


def test_weight_from_the_status_request_that_clients_publish(scale: ShtrihPrintScale, peer: ScriptedPeer) -> None:
    weight = scale.read_weight()
    assert peer.received == [PUBLISHED["mercom-11-status"]]
    assert weight.value == Decimal("1.234") and weight.tare == Decimal("0.100") and weight.stable and weight.net


def test_overload_from_the_status(peer: ScriptedPeer, scale: ShtrihPrintScale) -> None:
    peer.script[0x11] = _status(0, 0, 0x40)
    weight = scale.read_weight()
    assert weight.overload and weight.value is None


def test_an_upload_checks_against_the_table_size_before_writing(scale: ShtrihPrintScale, peer: ScriptedPeer) -> None:
    label = LabelScale(scale, state=UploadState.open(None))
    with pytest.raises(InvalidGoods, match=r"goods #2 \(PLU 5001.*plu 5001 is outside the scale's range 1..5000"):
        label.upload([Goods(1, "Хлеб", 4550, code=1), Goods(5001, "Сыр", 100, code=2)])
    assert peer.commands(0x57) == [] and len(peer.commands(0xD0)) == 1
    with pytest.raises(InvalidGoods, match="item_code"):
        label.upload([Goods(1, "Хлеб", 4550, code=0)])  # the item code of this record starts at 1
    result = label.upload([Goods(1, "Хлеб", 4550, code=2001), Goods(2, "Сыр", 45000, code=2002, piece=True)])
    assert result.sent == (1, 2)
    first = peer.commands(0x57)[0]
    assert first[:7] == bytes.fromhex("02 57 57 30 30 33 30")  # LEN 87 as the description gives, password 0030
    assert first[7:9] == (1).to_bytes(2, "little") and first[9:13] == (2001).to_bytes(4, "little")
    assert first[13:17] == "Хлеб".encode("cp1251") and first[69:72] == (4550).to_bytes(3, "little")
    assert peer.commands(0x57)[1][7 + 74] == 0x80  # the piece-goods bit


def test_a_refusal_names_the_device_error(scale: ShtrihPrintScale, peer: ScriptedPeer) -> None:
    peer.script[0x57] = _reply(0x57, 122)
    label = LabelScale(scale, state=UploadState.open(None))
    with pytest.raises(UploadInterrupted) as caught:
        label.upload([Goods(1, "Хлеб", 4550, code=1)])
    cause = caught.value.__cause__
    assert isinstance(cause, DeviceError) and cause.code == 122 and cause.family == "shtrihprint"


def test_read_back_and_an_empty_plu(scale: ShtrihPrintScale, peer: ScriptedPeer) -> None:
    record = bytearray(80)  # the 58h data: the record without its PLU number
    record[0:4] = (2001).to_bytes(4, "little")
    record[4:4 + 4] = "Хлеб".encode("cp1251")
    record[60:63] = (4550).to_bytes(3, "little")
    record[64:66] = (3).to_bytes(2, "little")
    peer.script[0x58] = lambda data: _reply(0x58, 0, bytes(record)) if data[7] == 1 else _reply(0x58, 140)
    assert scale.read_plu(1) == Goods(1, "Хлеб", 4550, code=2001, shelf_life_days=3)
    assert scale.read_plu(2) is None


def test_clear_waits_until_the_scale_has_finished(scale: ShtrihPrintScale, peer: ScriptedPeer,
                                                  monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setattr(driver_module, "CLEAR_POLL", 0.01)
    modes = iter([0x01, 0x01, 0x00])
    peer.script[0x18] = _reply(0x18)
    peer.script[0x12] = lambda data: _reply(0x12, 0, b"\x00\x00" + bytes((next(modes),)))
    scale.clear_plu()
    assert len(peer.commands(0x12)) == 3
    assert peer.commands(0x18) == [bytes.fromhex("02 05 18 30 30 33 30")]


def test_a_scale_held_by_another_host_says_who(scale: ShtrihPrintScale, peer: ScriptedPeer) -> None:
    peer.script[0x11] = bytes((0x0B, 168, 192, 7, 1, 0x57, 0x04))
    with pytest.raises(DeviceError, match=r"held by 192\.168\.1\.7:1111"):
        scale.read_weight()


def test_a_lost_reply_is_asked_again(scale: ShtrihPrintScale, peer: ScriptedPeer) -> None:
    answers = iter([None, BASE[0x11]])
    peer.script[0x11] = lambda data: next(answers)
    assert scale.read_weight().value == Decimal("1.234")
    assert len(peer.commands(0x11)) == 2


def test_only_the_udp_link_is_implemented() -> None:
    with socket.create_server(("127.0.0.1", 0)) as listener:
        port = listener.getsockname()[1]
        with pytest.raises(ConfigurationError, match=r"shtrihprint\+udp://"):
            connect(f"shtrihprint+tcp://127.0.0.1:{port}")
