"""Serve a virtual device on a TCP port: 127.0.0.1 and port 0 (any free port) unless told otherwise."""

from __future__ import annotations

import socket

from kkt_drivers.transport.tcp import TcpTransport
from kkt_drivers.url import ResolvedUrl

from ..core.control import DeviceControl
from ..core.device import VirtualDevice
from ..personalities import connect_to
from .loop import Endpoint, ServerLoop


class TcpAttachment:
    def __init__(self, device: VirtualDevice, variant: str, *, host: str = "127.0.0.1", port: int = 0,
                 loop: ServerLoop | None = None, baud: int | None = None) -> None:
        """``baud``: pace the bytes both ways as a serial line at that rate (8N1); None serves at full speed."""
        if baud is not None and baud <= 0:
            raise ValueError(f"baud must be positive, not {baud}")
        self.baud = baud
        self.device = device
        self.variant = variant
        self.host, self.port = host, port
        self.loop = loop
        self._own_loop = loop is None
        self.sock: socket.socket | None = None

    def start(self) -> TcpAttachment:
        family = socket.AF_INET6 if ":" in self.host else socket.AF_INET
        sock = socket.socket(family, socket.SOCK_STREAM)
        sock.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEADDR, 1)
        sock.bind((self.host, self.port))
        sock.listen(8)
        self.sock = sock
        self.host, self.port = sock.getsockname()[:2]
        if self.loop is None:
            self.loop = ServerLoop()
            self.loop.start("kkt-emu-tcp")
        self.loop.add_listener(sock, self._accept)
        return self

    def _accept(self, client: socket.socket) -> Endpoint:
        connection = connect_to(self.device, self.variant)
        connection.baud = self.baud
        return Endpoint(client.fileno(), connection, sock=client)

    def stop(self) -> None:
        if self.loop is not None and self._own_loop:
            self.loop.stop()
        elif self.sock is not None:
            self.sock.close()


class TcpClientTransport(TcpTransport):
    """A TCP transport to an emulator served in this process; closing it stops the emulator."""

    def __init__(self, attachment: TcpAttachment, *, owns_device: bool = False) -> None:
        super().__init__(attachment.host, attachment.port)
        self.attachment = attachment
        self.owns_device = owns_device
        self.control = DeviceControl(attachment.device)

    def reopen(self) -> None:
        TcpTransport.close(self)  # only the client side: the emulator keeps serving
        TcpTransport.open(self)

    def close(self) -> None:
        super().close()
        self.attachment.stop()
        if self.owns_device:
            self.attachment.device.close()


def open_tcp(resolved: ResolvedUrl) -> TcpClientTransport:
    """Entry point for ``emu+tcp://<family>?…``."""
    from .inprocess import device_for_url

    device, owned = device_for_url(resolved)
    return TcpClientTransport(TcpAttachment(device, resolved.variant).start(), owns_device=owned)
