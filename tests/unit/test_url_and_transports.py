"""URL grammar, transport selection and the typed errors of every transport."""

from __future__ import annotations

import logging
import socket
from pathlib import Path

import pytest
from kkt_emu.attach.pty import PtyAttachment
from kkt_emu.attach.tcp import TcpAttachment
from kkt_emu.personalities import create_device

from kkt_drivers import ConfigurationError, DeviceNotFound, TransportError, connect, parse_device_url
from kkt_drivers.trace import read_capture
from kkt_drivers.transport import SerialTransport, TcpTransport, UsbTransport, make_transport
from kkt_drivers.transport.usb import parse_usb_address
from kkt_drivers.url import resolve_device_url


@pytest.mark.parametrize(("url", "family", "connection", "address", "generation", "password"), [
    ("atol:///dev/ttyUSB0?baudrate=57600", "atol", "serial", "/dev/ttyUSB0", "v3", 0),
    ("atol://COM3?transport=v2", "atol", "serial", "COM3", "v2", 0),
    ("atol+tcp://10.0.0.5:5555?password=1234", "atol", "tcp", "10.0.0.5:5555", "v3", 1234),
    ("atol+socket://lab:4000", "atol", "socket", "lab:4000", "v3", 0),
    ("atol+usb://2912:0005", "atol", "usb", "2912:0005", "v3", 0),
    ("emu://atol?transport=v2", "atol", "emu", "atol", "v2", 0),
    ("emu+pty://atol", "atol", "emu+pty", "atol", "v3", 0),
])
def test_url_grammar(url: str, family: str, connection: str, address: str, generation: str, password: int) -> None:
    parsed = parse_device_url(url)
    assert (parsed.family, parsed.connection, parsed.address) == (family, connection, address)
    resolved = resolve_device_url(url)
    assert resolved.variant == generation
    assert resolved.family_options.access_password == password  # type: ignore[attr-defined]


@pytest.mark.parametrize("url", [
    "/dev/ttyUSB0", "nosuch:///dev/ttyUSB0", "atol+carrier-pigeon://x", "atol+tcp://", "emu://nosuch",
    "atol:///dev/ttyUSB0?transport=v5", "atol:///dev/ttyUSB0?password=12345", "atol:///dev/ttyUSB0?password=abcd",
])
def test_bad_urls_are_refused_with_a_reason(url: str) -> None:
    with pytest.raises(ConfigurationError):
        resolve_device_url(url)


def test_unknown_options_are_refused() -> None:
    with pytest.raises(ConfigurationError, match="bauddrate"):
        resolve_device_url("atol:///dev/ttyUSB0?bauddrate=9600")
    with pytest.raises(ConfigurationError, match="colour"):
        connect("emu://atol?colour=red")


@pytest.mark.parametrize(("url", "message"), [
    ("atol+tcp://10.0.0.5:5555?baudrate=9600",
     "'baudrate' is an option of serial, socket, rfc2217, spy connections, not of atol\\+tcp:// URLs"),
    ("atol+usb://2912:0005?timeout=1", "'timeout' is an option of serial, .* connections, not of atol\\+usb://"),
    ("atol:///dev/ttyUSB0?model=atol-55f", "'model' is an option of the emulator"),
    ("atol:///dev/ttyUSB0?colour=red",
     "'colour' is not an option of atol\\+serial:// URLs; they take: baudrate, parity, password, timeout, transport"),
    ("emu://atol?baudrate=9600", "'baudrate' is an option of serial, .* connections, not of emu://atol URLs"),
])
def test_each_owner_takes_only_its_own_options(url: str, message: str) -> None:
    with pytest.raises(ConfigurationError, match=message):
        resolve_device_url(url)


def test_options_reach_their_owners() -> None:
    resolved = resolve_device_url("emu+tcp://atol?transport=v2&password=12&model=atol-55f&ffd=1.2")
    assert resolved.variant == "v2"
    assert resolved.connection_options == {}
    assert resolved.emulator_options == {"model": "atol-55f", "ffd": "1.2"}
    serial = resolve_device_url("atol:///dev/ttyS0?baudrate=9600&transport=v2")
    assert serial.connection_options == {"baudrate": "9600"} and serial.emulator_options == {}


def test_transport_classes_follow_the_url() -> None:
    assert isinstance(make_transport(resolve_device_url("atol:///dev/ttyS0")), SerialTransport)
    assert isinstance(make_transport(resolve_device_url("atol+tcp://127.0.0.1:5555")), TcpTransport)
    assert isinstance(make_transport(resolve_device_url("atol+usb://2912:0005")), UsbTransport)
    sock = make_transport(resolve_device_url("atol+socket://127.0.0.1:4000"))
    assert isinstance(sock, SerialTransport) and sock.url == "socket://127.0.0.1:4000"
    serial = make_transport(resolve_device_url("atol:///dev/ttyS0"))
    assert isinstance(serial, SerialTransport) and serial.baudrate == 115200  # the family's default


def test_missing_serial_port_is_device_not_found() -> None:
    with pytest.raises(DeviceNotFound) as caught:
        connect("atol:///dev/this-port-does-not-exist")
    text = str(caught.value)  # the reason once, with what to do; not pyserial's text with the errno twice
    assert text.count("/dev/this-port-does-not-exist") == 1 and text.count("ENOENT") == 1, text
    assert "[Errno" not in text and "plugged in" in text, text


def test_a_file_that_is_not_a_serial_port_says_so_once(tmp_path: Path) -> None:
    plain = tmp_path / "not-a-port"
    plain.write_bytes(b"")
    with pytest.raises(TransportError) as caught:
        connect(f"atol://{plain}")
    text = str(caught.value)
    assert "ENOTTY" in text and "[Errno" not in text and text.count(str(plain)) == 1, text


def test_refused_tcp_connection_is_device_not_found() -> None:
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        port = probe.getsockname()[1]
    with pytest.raises(DeviceNotFound):
        connect(f"atol+tcp://127.0.0.1:{port}")


def test_usb_without_device_or_backend_is_a_typed_error() -> None:
    with pytest.raises(TransportError) as caught:
        connect("atol+usb://ffff:fffe")
    assert isinstance(caught.value, DeviceNotFound)
    assert "ffff:fffe" in str(caught.value) or "libusb" in str(caught.value)


@pytest.mark.parametrize("text", ["2912", "zz:01", "1:2:3", "10000:1"])
def test_bad_usb_addresses(text: str) -> None:
    with pytest.raises(ConfigurationError):
        parse_usb_address(text)


@pytest.mark.parametrize("generation", ["v2", "v3"])
def test_pyserial_socket_and_spy_handlers_reach_the_emulator(generation: str,
                                                            capsys: pytest.CaptureFixture[str]) -> None:
    attachment = TcpAttachment(create_device("atol"), generation).start()
    try:
        with connect(f"atol+socket://127.0.0.1:{attachment.port}?transport={generation}") as kkt:
            assert kkt.status().model == 61
    finally:
        attachment.stop()
    pty = PtyAttachment(create_device("atol"), generation).start()
    try:
        with connect(f"atol+spy://{pty.path}?transport={generation}") as kkt:
            assert kkt.device_info().model == 61
        assert "0000 " in capsys.readouterr().err  # pyserial's spy dump of the traffic
    finally:
        pty.stop()


def test_trace_hooks_log_hex_and_capture_both_directions(tmp_path: Path, caplog: pytest.LogCaptureFixture) -> None:
    capture = tmp_path / "trace.jsonl"
    caplog.set_level(logging.DEBUG, logger="kkt_drivers.trace")
    with connect("emu://atol?transport=v2", capture=capture) as kkt:
        kkt.status()
    rows = read_capture(capture)
    directions = [d for _, d, _ in rows]
    assert directions[0] == "tx" and rows[0][2] == b"\x05"  # ENQ first
    assert b"".join(data for _, d, data in rows if d == "tx").count(b"\x02\x00\x00\x3f\x03\x3c") == 1
    assert any(d == "rx" and data.startswith(b"\x02\x44") for _, d, data in rows)
    assert all(rows[i][0] <= rows[i + 1][0] for i in range(len(rows) - 1))
    assert any("-> 02 00 00 3f 03 3c" in r.getMessage() for r in caplog.records)


class _FakeEndpoint:
    def __init__(self, address: int) -> None:
        self.bEndpointAddress = address
        self.bmAttributes = 0x02  # bulk
        self.wMaxPacketSize = 64
        self.written: list[bytes] = []

    def write(self, data: bytes, timeout: int) -> int:
        self.written.append(bytes(data))
        return len(data)

    def read(self, size: int, timeout: int) -> bytes:
        return b"\x55\x00\x00"


class _FakeInterface:
    bInterfaceNumber = 0  # noqa: N815 - the name pyusb uses

    def __init__(self) -> None:
        self.endpoints = [_FakeEndpoint(0x01), _FakeEndpoint(0x81)]

    def __iter__(self):  # type: ignore[no-untyped-def]
        return iter(self.endpoints)


class _FakeDevice:
    """A pyusb device whose backend cannot tell about kernel drivers (as on Windows)."""

    def __init__(self) -> None:
        self.interface = _FakeInterface()
        self.claimed: list[int] = []

    def get_active_configuration(self) -> list[_FakeInterface]:
        return [self.interface]

    def is_kernel_driver_active(self, number: int) -> bool:
        raise NotImplementedError

    def _ctx(self) -> None:
        return None


def test_usb_claims_the_interface_even_without_kernel_driver_control(monkeypatch: pytest.MonkeyPatch) -> None:
    import usb.core
    import usb.util

    device = _FakeDevice()
    monkeypatch.setattr(usb.core, "find", lambda **kwargs: device)
    monkeypatch.setattr(usb.util, "claim_interface", lambda dev, number: dev.claimed.append(number))
    monkeypatch.setattr(usb.util, "find_descriptor", lambda intf, custom_match: next(
        (e for e in intf if custom_match(e)), None))
    monkeypatch.setattr(usb.util, "release_interface", lambda dev, number: None)
    monkeypatch.setattr(usb.util, "dispose_resources", lambda dev: None)
    transport = UsbTransport(0x2912, 0x0005)
    transport.open()
    assert device.claimed == [0]
    transport.write(b"\x00\x00\x3f")
    assert device.interface.endpoints[0].written == [b"\x00\x00\x3f"]
    assert transport.read(0.1) == b"\x55\x00\x00"
    transport.close()
    assert not transport.is_open


@pytest.mark.parametrize(("url", "parity"), [("massak:///dev/ttyUSB0", "E"), ("massak:///dev/ttyUSB0?parity=none", "N"),
                                             ("atol:///dev/ttyS0", "N"), ("cas:///dev/ttyS0?parity=odd", "O")])
def test_serial_parity_is_the_familys_unless_the_url_says(url: str, parity: str) -> None:
    """Massa-K scales run 8E1 (protocol-notes/scales/README.md); the port is opened with pyserial's setting."""
    from kkt_drivers.transport import SerialTransport, make_transport
    from kkt_drivers.url import resolve_device_url

    transport = make_transport(resolve_device_url(url))
    assert isinstance(transport, SerialTransport)
    opened = SerialTransport("loop://", parity=transport.parity)
    opened.open()
    try:
        assert opened._port.parity == parity
    finally:
        opened.close()


@pytest.mark.parametrize("url", ["massak:///dev/ttyS0?parity=mark", "massak+tcp://127.0.0.1:5001?parity=even"])
def test_a_bad_or_misplaced_parity_is_refused_before_opening(url: str) -> None:
    from kkt_drivers.transport import make_transport
    from kkt_drivers.url import resolve_device_url

    with pytest.raises(ConfigurationError, match="parity"):
        make_transport(resolve_device_url(url))
