"""Round-trip cost on an emulated Меркурий: one clock query through the driver versus a raw echo of the
same bytes on the same kind of transport.

``test_mercury_roundtrip_driver[<protocol>-<attachment>]``
    MS-K: ``H`` «Считать дату и время» (``MskBackend.execute``); JSON: GetDateTime (``JsonBackend.call``) —
    request codec, link, session and transport, and on the far side the device link, the personality and
    the shared ФН's clock.

``test_mercury_roundtrip_echo[<protocol>-<attachment>]``
    the same transport class the driver uses, talking to an echo served the same way (the ServerLoop for
    pty/TCP, an in-memory pipe in process, an HTTP server returning the POSTed body for HTTP): the bytes the
    driver writes for one query, then a read until they are all back.

Compare the two rows of a group from one run: ``median(driver) / median(echo)``.
"""

from __future__ import annotations

import threading
from collections.abc import Callable, Iterator
from contextlib import ExitStack, contextmanager
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from typing import Any

import pytest
from kkt_emu.attach.http import HttpAttachment
from kkt_emu.attach.pty import PtyAttachment
from kkt_emu.attach.tcp import TcpAttachment
from kkt_emu.personalities import create_device
from pytest_benchmark.fixture import BenchmarkFixture
from test_roundtrip import echo_transport

from kkt_drivers import connect
from kkt_drivers.drivers.mercury import JsonBackend, MercuryDriver, MskBackend
from kkt_drivers.protocols.incotex import msk_commands as mc
from kkt_drivers.transport.base import Transport
from kkt_drivers.transport.http import HttpTransport

CASES = [("msk", "inprocess"), ("msk", "pty"), ("msk", "tcp"), ("json", "inprocess"), ("json", "tcp"),
         ("json", "http")]


def _cases() -> list[Any]:
    return [pytest.param(protocol, attachment, id=f"{protocol}-{attachment}",
                         marks=pytest.mark.benchmark(group=f"mercury-roundtrip-{protocol}-{attachment}"))
            for protocol, attachment in CASES]


@contextmanager
def mercury_driver(protocol: str, attachment: str) -> Iterator[MercuryDriver]:
    with ExitStack() as stack:
        device = create_device("mercury")
        stack.callback(device.close)
        if attachment == "inprocess":
            url = f"emu://mercury?protocol={protocol}"
        elif attachment == "pty":
            pty = PtyAttachment(device, protocol).start()
            stack.callback(pty.stop)
            url = f"mercury://{pty.path}?protocol={protocol}"
        elif attachment == "tcp":
            tcp = TcpAttachment(device, protocol).start()
            stack.callback(tcp.stop)
            url = f"mercury+tcp://{tcp.host}:{tcp.port}?protocol={protocol}"
        else:
            http = HttpAttachment(device, protocol).start()
            stack.callback(http.stop)
            url = f"mercury+http://{http.host}:{http.port}"
        driver = connect(url)
        stack.callback(driver.close)
        assert isinstance(driver, MercuryDriver)
        yield driver


def query(driver: MercuryDriver) -> Callable[[], object]:
    backend = driver.backend
    if isinstance(backend, MskBackend):
        return lambda: backend.execute(mc.GetDateTime())
    assert isinstance(backend, JsonBackend)
    return lambda: backend.call("GetDateTime")


def one_exchange(protocol: str, attachment: str) -> list[bytes]:
    """The bytes a steady-state query writes (captured in process; over HTTP, the POST body)."""
    sent: list[bytes] = []
    with mercury_driver(protocol, "http" if attachment == "http" else "inprocess") as driver:
        run = query(driver)
        run()
        driver.session.hooks.append(lambda d, b: sent.append(bytes(b)) if d == "tx" else None)
        run()
        captured = list(sent)  # not the CloseSession the driver sends when it closes
    return captured


class _Echo(BaseHTTPRequestHandler):
    protocol_version = "HTTP/1.1"
    disable_nagle_algorithm = True

    def log_message(self, format: str, *args: Any) -> None:
        return None

    def do_POST(self) -> None:
        body = self.rfile.read(int(self.headers["Content-Length"]))
        self.send_response(200)
        self.send_header("Content-Length", str(len(body)))
        self.end_headers()
        self.wfile.write(body)


@contextmanager
def echo(attachment: str) -> Iterator[Transport]:
    if attachment != "http":
        with echo_transport(attachment) as transport:
            yield transport
        return
    server = ThreadingHTTPServer(("127.0.0.1", 0), _Echo)
    server.daemon_threads = True
    thread = threading.Thread(target=server.serve_forever, daemon=True)
    thread.start()
    transport = HttpTransport("127.0.0.1", int(server.server_address[1]))
    transport.open()
    try:
        yield transport
    finally:
        transport.close()
        server.shutdown()
        server.server_close()


@pytest.mark.parametrize(("protocol", "attachment"), _cases())
def test_mercury_roundtrip_driver(benchmark: BenchmarkFixture, protocol: str, attachment: str) -> None:
    with mercury_driver(protocol, attachment) as driver:
        run = query(driver)
        first = run()
        answer = benchmark(run)
        assert type(answer) is type(first)


@pytest.mark.parametrize(("protocol", "attachment"), _cases())
def test_mercury_roundtrip_echo(benchmark: BenchmarkFixture, protocol: str, attachment: str) -> None:
    chunks = one_exchange(protocol, attachment)
    total = sum(map(len, chunks))
    with echo(attachment) as transport:

        def exchange() -> int:
            got = 0
            for chunk in chunks:
                transport.write(chunk)
            while got < total:
                data = transport.read(2.0)
                if not data:
                    raise TimeoutError(f"echo over {transport.address} returned nothing")
                got += len(data)
            return got

        exchange()
        benchmark.extra_info.update(tx_bytes=total)
        assert benchmark(exchange) == total
