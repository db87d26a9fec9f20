"""A message-oriented transport over HTTP: each ``write`` POSTs one request body, the next ``read`` returns
the answer body (the standard library's :mod:`http.client`; no HTTP is parsed here).

For device services that take one JSON document per POST (a local driver service listening on
``http://127.0.0.1:<port>/<path>``). The link above it must treat every read as one whole message.

* one persistent connection (HTTP/1.1 keep-alive); a write while an answer is still unread, or after a
  read that timed out, starts a fresh connection, so a late answer can never be read as the next one;
* a request is never sent twice: a connection that fails after the request went out is
  :class:`~kkt_drivers.errors.ConnectionLost` (the command may have run; the caller settles it);
* an HTTP status other than 200 is a :class:`~kkt_drivers.errors.TransportError` naming it.
"""

from __future__ import annotations

import http.client
import socket

from ..errors import ConnectionLost, DeviceNotFound, TransportError, os_reason_ru
from .base import Transport

DEFAULT_PATH = "/api.json"
#: the largest answer body read (a whole goods base or sales journal fits)
MAX_BODY = 64 * 1024 * 1024


class HttpTransport(Transport):
    """POST each message to ``http://host:port/path``; read the answer body."""

    def __init__(self, host: str, port: int, *, path: str = DEFAULT_PATH, connect_timeout: float = 5.0,
                 content_type: str = "application/json; charset=utf-8") -> None:
        if not path.startswith("/"):
            path = "/" + path
        self.host = host
        self.port = port
        self.path = path
        self.connect_timeout = connect_timeout
        self.content_type = content_type
        self.address = f"http://{host}:{port}{path}"
        self._conn: http.client.HTTPConnection | None = None
        self._pending = False
        self._opened = False

    # -- connection ------------------------------------------------------------------------
    def _connect(self) -> http.client.HTTPConnection:
        conn = http.client.HTTPConnection(self.host, self.port, timeout=self.connect_timeout)
        try:
            conn.connect()
        except ConnectionRefusedError as exc:
            conn.close()
            raise DeviceNotFound(f"nothing listens on {self.host}:{self.port}",
                                 message_ru=f"на {self.host}:{self.port} подключение отклонено — там никто не "
                                            f"ждёт подключений: проверьте адрес, порт и что служба запущена") from exc
        except OSError as exc:
            conn.close()
            raise TransportError(f"cannot connect to {self.address}: {exc}",
                                 message_ru=f"не удалось подключиться к {self.address}: {os_reason_ru(exc)}") from exc
        if conn.sock is not None:
            conn.sock.setsockopt(socket.IPPROTO_TCP, socket.TCP_NODELAY, 1)
        return conn

    def _drop(self) -> None:
        if self._conn is not None:
            self._conn.close()
        self._conn = None
        self._pending = False

    def open(self) -> None:
        self._drop()
        self._conn = self._connect()
        self._opened = True

    def close(self) -> None:
        self._drop()
        self._opened = False

    @property
    def is_open(self) -> bool:
        return self._opened

    # -- messages --------------------------------------------------------------------------
    def write(self, data: bytes) -> None:
        if not self._opened:
            raise TransportError(f"{self.address} is not open", message_ru=f"соединение {self.address} не открыто")
        if self._pending or self._conn is None:
            self._drop()  # an answer was not read: it must never be taken for this request's
            self._conn = self._connect()
        conn = self._conn
        try:
            conn.request("POST", self.path, body=data, headers={"Content-Type": self.content_type,
                                                                "Accept": "application/json"})
        except OSError as exc:
            self._drop()
            raise ConnectionLost(f"POST to {self.address} failed: {exc}",
                                 message_ru=f"не удалось отправить запрос на {self.address}: "
                                            f"{os_reason_ru(exc)}") from exc
        self._pending = True

    def read(self, timeout: float) -> bytes:
        conn = self._conn
        if not self._pending or conn is None:
            return b""
        try:
            if conn.sock is not None:
                conn.sock.settimeout(max(timeout, 0.001))
            response = conn.getresponse()
            body = response.read(MAX_BODY + 1)
        except TimeoutError:
            self._drop()  # the answer is late: this connection can never be trusted again
            return b""
        except (OSError, http.client.HTTPException) as exc:
            self._drop()
            raise ConnectionLost(f"{self.address}: no answer ({type(exc).__name__}: {exc})",
                                 message_ru=f"{self.address}: ответа нет ({os_reason_ru(exc)})") from exc
        self._pending = False
        if response.will_close:
            self._drop()
        if len(body) > MAX_BODY:
            self._drop()
            raise TransportError(f"{self.address}: answer larger than {MAX_BODY} bytes",
                                 message_ru=f"{self.address}: ответ больше {MAX_BODY} байт")
        if response.status != 200:
            raise TransportError(f"{self.address}: HTTP {response.status} {response.reason}: {body[:200]!r}",
                                 message_ru=f"{self.address}: служба ответила кодом HTTP {response.status} "
                                            f"вместо 200: {body[:200]!r}")
        if not body:
            raise ConnectionLost(f"{self.address}: empty answer body", message_ru=f"{self.address}: пустой ответ")
        return body

    def reopen(self) -> None:
        self.close()
        self.open()
