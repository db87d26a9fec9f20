"""Serve a virtual device on a pseudo-terminal (Linux, macOS).

* both ends are put in raw mode at creation, so every byte 0x00–0xFF passes unchanged;
* the emulator keeps its own slave fd open, so the master never reports a hang-up when a client
  closes, and a client can come and go;
* the emulator never speaks first (pyserial's open() discards pending input).
"""

from __future__ import annotations

import os
from typing import Any

from kkt_drivers.transport.serial import SerialTransport
from kkt_drivers.url import ResolvedUrl

from ..core.control import DeviceControl
from ..core.device import VirtualDevice
from ..personalities import connect_to
from .loop import Endpoint, ServerLoop


class PtyAttachment:
    def __init__(self, device: VirtualDevice, variant: str, *, loop: ServerLoop | None = None,
                 link: str | None = None, baud: int | None = None) -> None:
        """``baud``: pace the bytes both ways as a serial line at that rate (8N1); None serves at full speed."""
        if baud is not None and baud <= 0:
            raise ValueError(f"baud must be positive, not {baud}")
        self.baud = baud
        self.device = device
        self.variant = variant
        self.loop = loop
        self._own_loop = loop is None
        self.link_path = link
        self.master = self.slave = -1
        self.path = ""

    def start(self) -> PtyAttachment:
        if os.name == "nt":
            raise OSError("pseudo-terminals are not available on this system (Windows): use --tcp")
        import tty

        master, slave = os.openpty()
        tty.setraw(master)
        tty.setraw(slave)
        os.set_blocking(master, False)
        self.master, self.slave = master, slave
        self.path = os.ttyname(slave)
        if self.link_path:
            if os.path.lexists(self.link_path):
                if not os.path.islink(self.link_path):  # never delete a file someone else put there
                    os.close(master)
                    os.close(slave)
                    self.master = self.slave = -1
                    raise FileExistsError(f"--link {self.link_path} exists and is not a symlink: not replacing it")
                os.unlink(self.link_path)
            os.symlink(self.path, self.link_path)
        if self.loop is None:
            self.loop = ServerLoop()
            self.loop.start("kkt-emu-pty")
        connection = connect_to(self.device, self.variant)
        connection.baud = self.baud
        self.loop.add_endpoint(Endpoint(master, connection, keep_open=True))
        return self

    def stop(self) -> None:
        if self.loop is not None and self._own_loop:
            self.loop.stop()
        for fd in (self.master, self.slave):
            if fd >= 0:
                try:
                    os.close(fd)
                except OSError:
                    pass
        self.master = self.slave = -1
        if self.link_path and os.path.islink(self.link_path):
            os.unlink(self.link_path)


class PtyClientTransport(SerialTransport):
    """A serial transport to a pty the emulator serves in this process; closing it stops the emulator."""

    def __init__(self, attachment: PtyAttachment, *, owns_device: bool = False, **kwargs: Any) -> None:
        super().__init__(attachment.path, **kwargs)
        self.attachment = attachment
        self.owns_device = owns_device
        self.control = DeviceControl(attachment.device)

    def reopen(self) -> None:
        SerialTransport.close(self)  # only the client side: the emulator keeps serving
        SerialTransport.open(self)

    def close(self) -> None:
        super().close()
        self.attachment.stop()
        if self.owns_device:
            self.attachment.device.close()


def open_pty(resolved: ResolvedUrl) -> PtyClientTransport:
    """Entry point for ``emu+pty://<family>?…``."""
    from .inprocess import device_for_url

    device, owned = device_for_url(resolved)
    attachment = PtyAttachment(device, resolved.variant).start()
    return PtyClientTransport(attachment, owns_device=owned)
