"""The emulated «Сервер ККТ»: a small HTTP server (the standard library's :mod:`http.server`) on loopback.

Paths and bodies: :mod:`kkt_drivers.protocols.incotex.kkt_server`. Every answer is JSON with ``result``
(0 = done) and ``description``, like the driver service's: 1 a malformed body, 3 an unknown register ID,
4 a bad value (a refused goods record is named in the description), 2 an unknown path. [inferred]
"""

from __future__ import annotations

import json
import threading
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from pathlib import Path
from typing import Any

from kkt_drivers.protocols.incotex.kkt_server import BASE_PATH, DEVICES_PATH, KKT_PATH, GoodsBaseError

from .store import ServerStore, UnknownDevice

MAX_BODY = 64 * 1024 * 1024
MALFORMED, UNKNOWN_PATH, UNKNOWN_DEVICE, BAD_VALUE = 1, 2, 3, 4


class Malformed(Exception):
    """The request body is not a JSON document of the allowed size."""


class KktServer:
    """``KktServer(port=0).start()`` serves until :meth:`stop`; ``url`` says where."""

    def __init__(self, host: str = "127.0.0.1", port: int = 0, *, store: ServerStore | None = None,
                 state: Path | None = None) -> None:
        self.store = store or ServerStore(state)
        server = self

        class Handler(BaseHTTPRequestHandler):
            protocol_version = "HTTP/1.1"
            disable_nagle_algorithm = True  # headers and body go in two writes: no 40 ms wait between them
            server_version = "kkt-emu-kkt-server"

            def log_message(self, format: str, *args: Any) -> None:
                return None

            def _reply(self, status: int, result: int, description: str = "", **fields: Any) -> None:
                body = json.dumps({"result": result, "description": description, **fields},
                                  ensure_ascii=False).encode("utf-8")
                self.send_response(status)
                self.send_header("Content-Type", "application/json; charset=utf-8")
                self.send_header("Content-Length", str(len(body)))
                self.end_headers()
                self.wfile.write(body)

            def _body(self) -> Any:
                try:
                    length = int(self.headers.get("Content-Length", "0"))
                except ValueError:
                    length = -1
                if not 0 <= length <= MAX_BODY:
                    raise Malformed("body length missing or too large")
                raw = self.rfile.read(length)
                try:
                    return json.loads(raw.decode("utf-8-sig")) if raw else None
                except (UnicodeDecodeError, ValueError, RecursionError) as exc:
                    raise Malformed(f"not UTF-8 JSON: {exc}") from exc

            def _handle(self, method: str) -> None:
                try:
                    status, result, description, fields = server.handle(method, self.path.split("?", 1)[0],
                                                                         self._body)
                except Malformed as exc:
                    self.close_connection = True
                    status, result, description, fields = 400, MALFORMED, f"тело запроса: {exc}", {}
                self._reply(status, result, description, **fields)

            def do_GET(self) -> None:
                self._handle("GET")

            def do_PUT(self) -> None:
                self._handle("PUT")

            def do_POST(self) -> None:
                self._handle("POST")

        self.server = ThreadingHTTPServer((host, port), Handler)
        self.server.daemon_threads = True
        self.host, self.port = str(self.server.server_address[0]), int(self.server.server_address[1])
        self._thread: threading.Thread | None = None

    @property
    def address(self) -> str:
        """``host:port``, as a register's settings take it."""
        return f"{self.host}:{self.port}"

    @property
    def url(self) -> str:
        return f"http://{self.host}:{self.port}"

    def handle(self, method: str, path: str, body: Any) -> tuple[int, int, str, dict[str, Any]]:
        """One request: (HTTP status, result, description, fields). ``body()`` reads the JSON body."""
        store = self.store
        try:
            if path == BASE_PATH and method == "PUT":
                count = store.put_base(body())
                return 200, 0, "", {"goods": count, "baseVer": store.base_version}
            if path == BASE_PATH and method == "GET":
                return 200, 0, "", store.base_file()
            if path.startswith(DEVICES_PATH):
                server_id = path[len(DEVICES_PATH):].strip("/")
                if not server_id.isdigit():
                    return 404, UNKNOWN_PATH, f"нет пути {path}", {}
                if method == "PUT":
                    return 200, 0, "", store.put_device(server_id, body()).to_json()
                if method == "GET":
                    return 200, 0, "", store.device(server_id)
            if path.startswith(KKT_PATH):
                server_id, _, action = path[len(KKT_PATH):].strip("/").partition("/")
                if method == "GET" and action == "ping":
                    store.ping(server_id)
                    return 200, 0, "", {}
                if method == "GET" and action == "base":
                    base, version = store.base_for(server_id)
                    return 200, 0, "", {"base": base, "baseVer": version}
                if method == "POST" and action == "sales":
                    data = body()
                    receipts = data.get("receipts") if isinstance(data, dict) else None
                    if not isinstance(receipts, list) or not all(isinstance(r, dict) for r in receipts):
                        return 400, MALFORMED, "ожидался журнал продаж с receipts", {}
                    fn_number = data.get("fnNum")
                    accepted = store.add_sales(server_id, [{**r, "fnNum": r.get("fnNum", fn_number)}
                                                           for r in receipts])
                    return 200, 0, "", {"accepted": accepted}
        except UnknownDevice as exc:
            return 404, UNKNOWN_DEVICE, f"касса с ID {exc.args[0]} не зарегистрирована на сервере", {}
        except GoodsBaseError as exc:
            return 422, BAD_VALUE, exc.message_ru, {"record": exc.index, "code": exc.code, "reason": str(exc)}
        except ValueError as exc:
            return 422, BAD_VALUE, str(exc), {}
        return 404, UNKNOWN_PATH, f"нет пути {method} {path}", {}

    def start(self) -> KktServer:
        self._thread = threading.Thread(target=self.server.serve_forever, name="kkt-emu-kkt-server", daemon=True)
        self._thread.start()
        return self

    def stop(self) -> None:
        self.server.shutdown()
        self.server.server_close()
        if self._thread is not None:
            self._thread.join(timeout=5)
