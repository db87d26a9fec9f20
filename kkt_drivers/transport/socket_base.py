"""What the TCP and UDP transports share: one non-blocking socket, opened by the subclass."""

from __future__ import annotations

import socket

from ..errors import TransportError
from .base import Transport

__all__ = ["SocketTransport"]


class SocketTransport(Transport):
    """A transport over one socket (``_sock``, ``None`` while closed); subclasses open it and move bytes."""

    _sock: socket.socket | None = None

    def close(self) -> None:
        if self._sock is not None:
            try:
                self._sock.close()
            finally:
                self._sock = None

    @property
    def is_open(self) -> bool:
        return self._sock is not None

    def _require(self) -> socket.socket:
        if self._sock is None:
            raise TransportError(f"{self.address} is not open", message_ru=f"соединение {self.address} не открыто")
        return self._sock
