"""HTTP: the message transport (``<family>+http://``) and the emulator's HTTP attachment — a real server on
loopback, one message per POST, a late answer never read as the next one, lost answers as closed
connections, refusals of other paths and methods."""

from __future__ import annotations

import http.client
import json
import threading
import time
from collections.abc import Iterator
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from typing import Any

import pytest
from kkt_emu.attach.http import HttpAttachment
from kkt_emu.core.control import DeviceControl
from kkt_emu.personalities import create_device

from kkt_drivers.errors import ConnectionLost, DeviceNotFound, TransportError
from kkt_drivers.transport import make_transport
from kkt_drivers.transport.http import HttpTransport
from kkt_drivers.url import resolve_device_url


class _Slow(BaseHTTPRequestHandler):
    """Answers each POST with its body after the delay the body names (``{"delay": s, "n": …}``)."""

    protocol_version = "HTTP/1.1"

    def log_message(self, format: str, *args: Any) -> None:
        return None

    def do_POST(self) -> None:
        body = self.rfile.read(int(self.headers["Content-Length"]))
        time.sleep(json.loads(body).get("delay", 0))
        status = 500 if json.loads(body).get("fail") else 200
        self.send_response(status)
        self.send_header("Content-Length", str(len(body)))
        self.end_headers()
        self.wfile.write(body)


@pytest.fixture
def slow() -> Iterator[HttpTransport]:
    server = ThreadingHTTPServer(("127.0.0.1", 0), _Slow)
    server.daemon_threads = True
    threading.Thread(target=server.serve_forever, daemon=True).start()
    transport = HttpTransport("127.0.0.1", int(server.server_address[1]))
    transport.open()
    try:
        yield transport
    finally:
        transport.close()
        server.shutdown()
        server.server_close()


def test_a_late_answer_is_never_read_as_the_next_one(slow: HttpTransport) -> None:
    slow.write(b'{"delay": 0.3, "n": 1}')
    assert slow.read(0.05) == b""  # too late: this connection is dropped
    slow.write(b'{"n": 2}')
    assert json.loads(slow.read(2.0)) == {"n": 2}
    time.sleep(0.4)
    assert slow.read(0.05) == b""  # the first answer never shows up
    slow.write(b'{"n": 3}')
    assert json.loads(slow.read(2.0)) == {"n": 3}


def test_an_http_error_status_is_a_transport_error(slow: HttpTransport) -> None:
    slow.write(b'{"fail": true}')
    with pytest.raises(TransportError, match="HTTP 500"):
        slow.read(2.0)
    slow.write(b'{"n": 4}')  # the connection goes on
    assert json.loads(slow.read(2.0)) == {"n": 4}


def test_nothing_listening_is_device_not_found() -> None:
    server = ThreadingHTTPServer(("127.0.0.1", 0), _Slow)
    port = int(server.server_address[1])
    server.server_close()
    with pytest.raises(DeviceNotFound):
        HttpTransport("127.0.0.1", port).open()


def test_the_url_takes_a_path_and_a_default_port() -> None:
    transport = make_transport(resolve_device_url("mercury+http://10.0.0.5:8080/svc/api.json"))
    assert isinstance(transport, HttpTransport) and transport.address == "http://10.0.0.5:8080/svc/api.json"
    default = make_transport(resolve_device_url("mercury+http://10.0.0.5"))
    assert default.address == "http://10.0.0.5:50010/api.json"  # the driver service's own default
    assert make_transport(resolve_device_url("mercury+http://h:1?path=/x")).address == "http://h:1/x"


@pytest.fixture
def attachment() -> Iterator[HttpAttachment]:
    device = create_device("mercury")
    att = HttpAttachment(device, "json").start()
    try:
        yield att
    finally:
        att.stop()
        device.close()


def _request(att: HttpAttachment, method: str, path: str, body: bytes | None = None) -> tuple[int, bytes]:
    conn = http.client.HTTPConnection(att.host, att.port, timeout=5)
    try:
        conn.request(method, path, body=body)
        response = conn.getresponse()
        return response.status, response.read()
    finally:
        conn.close()


def test_the_attachment_binds_loopback_and_refuses_other_paths_and_methods(attachment: HttpAttachment) -> None:
    assert attachment.host == "127.0.0.1" and attachment.port > 0
    assert _request(attachment, "POST", "/other", b"{}")[0] == 404
    assert _request(attachment, "GET", "/api.json")[0] == 405
    status, body = _request(attachment, "POST", "/api.json", b'{"command":"GetDriverInfo"}')
    assert status == 200 and json.loads(body)["result"] == 0
    status, body = _request(attachment, "POST", "/api.json", b"not json")
    assert status == 200 and json.loads(body)["result"] == 1  # the service's own refusal, not HTTP's


def test_a_lost_answer_closes_the_connection_after_the_command_ran(attachment: HttpAttachment) -> None:
    control = DeviceControl(attachment.device)
    key = json.loads(_request(attachment, "POST", "/api.json", json.dumps(
        {"command": "OpenSession", "sessionKey": None, "portName": "USB", "model": "185F"}).encode())[1])["sessionKey"]
    control.set_fault("withhold_command", b"{GetDriverInfo".hex())  # the fault key of a service command
    transport = HttpTransport(attachment.host, attachment.port)
    transport.open()
    try:
        transport.write(b'{"command":"GetDriverInfo"}')
        with pytest.raises(ConnectionLost):
            transport.read(2.0)
        transport.write(json.dumps({"command": "GetStatus", "sessionKey": key}).encode())
        assert json.loads(transport.read(2.0))["result"] == 0  # a fresh connection serves the next one
    finally:
        transport.close()
    assert attachment.requests == 3
