"""Serve a virtual device over HTTP: each ``POST <path>`` body is one message, the answer is the response body.

For device services that take one JSON document per POST (a driver service on ``http://127.0.0.1:<port>``).
A real HTTP server — the standard library's :class:`http.server.ThreadingHTTPServer`; no HTTP is parsed
here — bound to 127.0.0.1 and port 0 (any free port) unless told otherwise.

Every message runs through ``VirtualDevice.execute_for``, so the core's command faults work: a withheld
answer or a hang-up closes the connection without a response (the client sees the answer lost after the
command ran). Bodies are bounded (:data:`MAX_BODY`); other paths get 404, other methods 405.
"""

from __future__ import annotations

import threading
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from typing import Any

from kkt_drivers.transport.http import DEFAULT_PATH, HttpTransport
from kkt_drivers.url import ResolvedUrl

from ..core.control import DeviceControl
from ..core.device import VirtualDevice

MAX_BODY = 64 * 1024 * 1024
CONTENT_TYPE = "application/json; charset=utf-8"


class _Request:
    """The answer control of one request: the core's faults count on it like on a link."""

    def __init__(self) -> None:
        self.withhold_next = 0


class HttpAttachment:
    """An HTTP server in a daemon thread feeding POST bodies to ``device``."""

    def __init__(self, device: VirtualDevice, variant: str, *, host: str = "127.0.0.1", port: int = 0,
                 path: str = DEFAULT_PATH) -> None:
        self.device = device
        self.variant = variant
        self.path = path if path.startswith("/") else "/" + path
        self.requests = 0
        attachment = self

        class Handler(BaseHTTPRequestHandler):
            protocol_version = "HTTP/1.1"
            disable_nagle_algorithm = True  # headers and body go in two writes: no 40 ms wait between them
            server_version = "kkt-emu"

            def log_message(self, format: str, *args: Any) -> None:
                return None  # no access log on stderr (the ready line and tape own the streams)

            def _reply(self, status: int, body: bytes, content_type: str = "text/plain; charset=utf-8") -> None:
                self.send_response(status)
                self.send_header("Content-Type", content_type)
                self.send_header("Content-Length", str(len(body)))
                self.end_headers()
                self.wfile.write(body)

            def do_POST(self) -> None:
                if self.path.split("?", 1)[0] != attachment.path:
                    self._reply(404, b"no such path\n")
                    return
                try:
                    length = int(self.headers.get("Content-Length", ""))
                except ValueError:
                    self.close_connection = True
                    self._reply(411, b"Content-Length required\n")
                    return
                if not 0 < length <= MAX_BODY:
                    self.close_connection = True
                    self._reply(413, b"body empty or too large\n")
                    return
                body = self.rfile.read(length)
                answer = attachment.run(body)
                if answer is None:  # a lost answer: the command ran, the response never comes
                    self.close_connection = True
                    return
                self._reply(200, answer, CONTENT_TYPE)

            def do_GET(self) -> None:
                self._reply(405, b"POST a message\n")

            do_PUT = do_DELETE = do_GET  # noqa: N815

        self.server = ThreadingHTTPServer((host, port), Handler)
        self.server.daemon_threads = True
        self.host, self.port = str(self.server.server_address[0]), int(self.server.server_address[1])
        self._thread: threading.Thread | None = None

    @property
    def url(self) -> str:
        return f"http://{self.host}:{self.port}{self.path}"

    def run(self, body: bytes) -> bytes | None:
        """One message through the device; ``None`` when a fault says the answer is lost."""
        request = _Request()
        self.requests += 1
        outcome = self.device.execute_for(request, body)
        lost = request.withhold_next > 0 or self.device.hangup_pending
        self.device.hangup_pending = False
        return None if lost else outcome.answer

    def start(self) -> HttpAttachment:
        self._thread = threading.Thread(target=self.server.serve_forever, name="kkt-emu-http", daemon=True)
        self._thread.start()
        return self

    def stop(self) -> None:
        self.server.shutdown()
        self.server.server_close()
        if self._thread is not None:
            self._thread.join(timeout=5)


class HttpClientTransport(HttpTransport):
    """An HTTP transport to an emulator served in this process; closing it stops the emulator."""

    def __init__(self, attachment: HttpAttachment, *, owns_device: bool = False) -> None:
        super().__init__(attachment.host, attachment.port, path=attachment.path)
        self.attachment = attachment
        self.owns_device = owns_device
        self.control = DeviceControl(attachment.device)

    def reopen(self) -> None:
        HttpTransport.close(self)  # only the client side: the emulator keeps serving
        HttpTransport.open(self)

    def close(self) -> None:
        super().close()
        self.attachment.stop()
        if self.owns_device:
            self.attachment.device.close()


def open_http(resolved: ResolvedUrl) -> HttpClientTransport:
    """Entry point for an ``emu+http://<family>?…`` attachment (needs its entry point and URL scheme)."""
    from .inprocess import device_for_url

    device, owned = device_for_url(resolved)
    return HttpClientTransport(HttpAttachment(device, resolved.variant).start(), owns_device=owned)
