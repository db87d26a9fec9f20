"""Network devices that speak in datagrams (a label scale's UDP port): one write is one datagram out, one read
one datagram in, so a message never splits or merges on the way."""

from __future__ import annotations

import select
import socket

from ..errors import ConnectionLost, DeviceNotFound, TransportError, os_reason_ru
from .socket_base import SocketTransport

#: the largest datagram read (a label scale's block upload is under 600 bytes)
MAX_DATAGRAM = 65_535


class UdpTransport(SocketTransport):
    """A connected UDP socket: datagrams go to ``host:port`` and only its datagrams are read."""

    def __init__(self, host: str, port: int, *, local_port: int = 0) -> None:
        self.host = host
        self.port = port
        self.local_port = local_port
        self.address = f"udp://{host}:{port}"
        self._sock: socket.socket | None = None

    def open(self) -> None:
        try:
            infos = socket.getaddrinfo(self.host, self.port, type=socket.SOCK_DGRAM)
        except OSError as exc:
            raise DeviceNotFound(f"cannot resolve {self.host}: {exc}",
                                 message_ru=f"узел {self.host} не найден: {os_reason_ru(exc)}") from exc
        family, kind, proto, _, address = infos[0]
        sock = socket.socket(family, kind, proto)
        try:
            if self.local_port:
                sock.bind(("", self.local_port))
            sock.connect(address)
        except OSError as exc:
            sock.close()
            raise TransportError(f"cannot open {self.address}: {exc}",
                                 message_ru=f"не удалось открыть {self.address}: {os_reason_ru(exc)}") from exc
        sock.setblocking(False)
        self._sock = sock

    def write(self, data: bytes) -> None:
        try:
            self._require().send(data)
        except OSError as exc:
            raise ConnectionLost(f"send to {self.address} failed: {exc}",
                                 message_ru=f"не удалось отправить данные на {self.address}: "
                                            f"{os_reason_ru(exc)}") from exc

    def read(self, timeout: float) -> bytes:
        """One datagram, or ``b""`` when none came within ``timeout``. An ICMP "port unreachable" (nothing
        listens there) is a :class:`ConnectionLost`."""
        sock = self._require()
        try:
            ready, _, _ = select.select([sock], [], [], max(timeout, 0.0))
            if not ready:
                return b""
            return sock.recv(MAX_DATAGRAM)
        except BlockingIOError:
            return b""
        except OSError as exc:
            raise ConnectionLost(f"receive from {self.address} failed: {exc}",
                                 message_ru=f"не удалось получить данные от {self.address}: {os_reason_ru(exc)}"
                                            + ("; там никто не принимает датаграммы"
                                               if isinstance(exc, ConnectionRefusedError) else "")) from exc
