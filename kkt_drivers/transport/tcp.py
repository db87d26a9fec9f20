"""Network KKT: a plain TCP client with TCP_NODELAY (ATOL listens on port 5555)."""

from __future__ import annotations

import select
import socket

from ..errors import ConnectionLost, DeviceNotFound, TransportError, os_reason_ru
from .socket_base import SocketTransport


class TcpTransport(SocketTransport):
    """A byte pipe over one TCP connection."""

    def __init__(self, host: str, port: int, *, connect_timeout: float = 5.0) -> None:
        self.host = host
        self.port = port
        self.address = f"tcp://{host}:{port}"
        self.connect_timeout = connect_timeout
        self._sock: socket.socket | None = None

    def open(self) -> None:
        try:
            sock = socket.create_connection((self.host, self.port), timeout=self.connect_timeout)
        except ConnectionRefusedError as exc:
            raise DeviceNotFound(f"nothing listens on {self.host}:{self.port}",
                                 message_ru=f"на {self.host}:{self.port} подключение отклонено — там никто не "
                                            f"ждёт подключений: проверьте адрес, порт и что устройство "
                                            f"включено") from exc
        except OSError as exc:
            raise TransportError(f"cannot connect to {self.host}:{self.port}: {exc}",
                                 message_ru=f"не удалось подключиться к {self.host}:{self.port}: "
                                            f"{os_reason_ru(exc)}") from exc
        sock.setsockopt(socket.IPPROTO_TCP, socket.TCP_NODELAY, 1)
        sock.setblocking(False)
        self._sock = sock

    def write(self, data: bytes) -> None:
        sock = self._require()
        view = memoryview(data)
        try:
            while view:
                try:
                    sent = sock.send(view)
                except BlockingIOError:
                    select.select([], [sock], [], 1.0)
                    continue
                view = view[sent:]
        except OSError as exc:
            raise ConnectionLost(f"write to {self.address} failed: {exc}",
                                 message_ru=f"не удалось передать данные в {self.address}: "
                                            f"{os_reason_ru(exc)}") from exc

    def read(self, timeout: float) -> bytes:
        sock = self._require()
        try:
            try:
                data = sock.recv(65536)
            except BlockingIOError:
                ready, _, _ = select.select([sock], [], [], max(timeout, 0.0))
                if not ready:
                    return b""
                data = sock.recv(65536)
        except OSError as exc:
            raise ConnectionLost(f"read from {self.address} failed: {exc}",
                                 message_ru=f"не удалось прочитать данные из {self.address}: "
                                            f"{os_reason_ru(exc)}") from exc
        if not data:
            raise ConnectionLost(f"{self.address} closed the connection",
                                 message_ru=f"{self.address} закрыл соединение")
        return data
