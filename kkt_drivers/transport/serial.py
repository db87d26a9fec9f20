"""Serial ports and everything pyserial reaches by URL (``socket://``, ``rfc2217://``, ``spy://``)."""

from __future__ import annotations

import errno
import os
import select
import stat
from typing import Any

import serial

from ..errors import ConnectionLost, DeviceNotFound, PermissionDenied, TransportError, os_reason_en, os_reason_ru
from .base import Transport

#: URL ``parity`` values and pyserial's names for them (8 data bits and 1 stop bit always)
#: bytes asked for per read (a port hands over what it holds, up to this)
MAX_READ = 4096
PARITIES: dict[str, str] = {"none": serial.PARITY_NONE, "even": serial.PARITY_EVEN, "odd": serial.PARITY_ODD}


def _is_pseudo_terminal(path: str) -> bool:
    """Unix98 pty slaves (``/dev/pts/N``: character majors 136–143)."""
    try:
        st = os.stat(path)
    except (OSError, ValueError):
        return False
    return stat.S_ISCHR(st.st_mode) and 136 <= os.major(st.st_rdev) <= 143


class SerialTransport(Transport):
    """A byte pipe over ``serial.serial_for_url``.

    Reads wait on the file descriptor with ``select`` where the port has one (local ports,
    ``socket://``), so changing the deadline costs no ``tcsetattr``; other handlers fall back to
    pyserial's own read timeout.
    """

    def __init__(self, url: str, *, baudrate: int = 115200, timeout: float = 0.05, parity: str = "none") -> None:
        if parity not in PARITIES:
            raise ValueError(f"parity must be one of {', '.join(PARITIES)}")
        self.url = url
        self.address = url
        self.baudrate = baudrate
        self.parity = parity
        self._default_timeout = timeout
        self._port: Any = None
        self._fd: int | None = None
        self._raw_fd: int | None = None

    def open(self) -> None:
        try:
            # a pseudo-terminal (an emulator's pty) has no line to check parity on, and Linux refuses PARENB
            # on one; the setting only matters on a real port
            parity = "none" if _is_pseudo_terminal(self.url) else self.parity
            port = serial.serial_for_url(self.url, baudrate=self.baudrate, timeout=self._default_timeout,
                                         parity=PARITIES[parity], do_not_open=True)
            port.open()
        except serial.SerialException as exc:
            cause = exc.__cause__ or exc.__context__
            code = getattr(exc, "errno", None) or getattr(cause, "errno", None)
            if code in (errno.EACCES, errno.EPERM):
                raise PermissionDenied(f"no permission to open {self.url}: {os_reason_en(exc)}; give the user access "
                                       "to it (on Linux, the dialout group)",
                                       message_ru=f"нет прав на порт {self.url}: дайте пользователю доступ к нему "
                                                  f"(в Linux — группа dialout)") from exc
            if code in (errno.ENOENT, errno.ENODEV, errno.ENXIO) or "could not open port" in str(exc):
                raise DeviceNotFound(f"cannot open {self.url}: {os_reason_en(exc)}; check that the device is "
                                     "plugged in and the port path is right",
                                     message_ru=f"порт {self.url} не найден ({os_reason_ru(exc)}): проверьте, "
                                                f"что устройство подключено и путь к порту верен") from exc
            raise TransportError(f"cannot open {self.url}: {os_reason_en(exc)}",
                                 message_ru=f"не удалось открыть порт {self.url}: {os_reason_ru(exc)}") from exc
        except (ValueError, OSError) as exc:
            raise TransportError(f"cannot open {self.url}: {exc}",
                                 message_ru=f"не удалось открыть порт {self.url}: {os_reason_ru(exc)}") from exc
        self._port = port
        self._raw_fd = None
        try:
            fd = port.fileno()
            select.select([fd], [], [], 0)
            self._fd = fd
            port.timeout = 0
        except Exception:  # handlers without a real descriptor (rfc2217, loop)
            self._fd = None
        if self._fd is not None and type(port) is serial.Serial:
            # a plain local port (not spy://, socket://…, whose read/write do more): system calls straight on its
            # non-blocking descriptor, without pyserial's extra select and ioctl per call
            self._raw_fd = self._fd

    def close(self) -> None:
        if self._port is not None:
            try:
                self._port.close()
            finally:
                self._port = None
                self._fd = None
                self._raw_fd = None

    @property
    def is_open(self) -> bool:
        return self._port is not None

    def _require(self) -> Any:
        if self._port is None:
            raise TransportError(f"{self.url} is not open", message_ru=f"порт {self.url} не открыт")
        return self._port

    def write(self, data: bytes) -> None:
        port = self._require()
        try:
            if self._raw_fd is not None:
                _write_all(self._raw_fd, data)
            else:
                port.write(data)
        except (serial.SerialException, OSError) as exc:
            raise ConnectionLost(f"write to {self.url} failed: {exc}",
                                 message_ru=f"не удалось передать данные в порт {self.url}: "
                                            f"{os_reason_ru(exc)}") from exc

    def read(self, timeout: float) -> bytes:
        port = self._require()
        try:
            if self._raw_fd is not None:
                return self._read_raw(self._raw_fd, timeout)
            if self._fd is not None:
                waiting = port.in_waiting
                if not waiting:
                    ready, _, _ = select.select([self._fd], [], [], max(timeout, 0.0))
                    if not ready:
                        return b""
                data: bytes = port.read(max(port.in_waiting, 1))
                if not data:
                    raise ConnectionLost(f"{self.url} closed by the peer",
                                         message_ru=f"порт {self.url} закрыт другой стороной (устройство отключено?)")
                return data
            if port.timeout != timeout:
                port.timeout = max(timeout, 0.0)
            data = port.read(1)
            if data and port.in_waiting:
                data += port.read(port.in_waiting)
            return bytes(data)
        except (serial.SerialException, OSError) as exc:
            raise ConnectionLost(f"read from {self.url} failed: {exc}",
                                 message_ru=f"не удалось прочитать данные из порта {self.url}: "
                                            f"{os_reason_ru(exc)}") from exc

    def _read_raw(self, fd: int, timeout: float) -> bytes:
        """Wait up to ``timeout`` for the port to be readable, then take what it holds. With pyserial's settings
        (VMIN = VTIME = 0) an empty read after ``select`` said readable means the line hung up."""
        ready, _, _ = select.select([fd], [], [], max(timeout, 0.0))
        if not ready:
            return b""
        try:
            data = os.read(fd, MAX_READ)
        except BlockingIOError:
            return b""
        if not data:
            raise ConnectionLost(f"{self.url} closed by the peer",
                                 message_ru=f"порт {self.url} закрыт другой стороной (устройство отключено?)")
        return data


def _write_all(fd: int, data: bytes) -> None:
    """Write all of ``data`` to a non-blocking descriptor, waiting while its buffer is full."""
    view = memoryview(data)
    while view:
        try:
            sent = os.write(fd, view)
        except BlockingIOError:
            select.select([], [fd], [], 1.0)
            continue
        view = view[sent:]
