"""Vendor-class USB devices through pyusb: bulk IN/OUT endpoints found by VID:PID.

Devices that present a CDC-ACM serial port (``/dev/ttyACM0``) should use the serial transport
instead; this one is for devices that expose raw bulk endpoints.
"""

from __future__ import annotations

import errno
from typing import Any

from ..errors import ConfigurationError, ConnectionLost, DeviceNotFound, PermissionDenied, TransportError, os_reason_ru
from .base import Transport


def parse_usb_address(address: str) -> tuple[int, int, str | None]:
    """``VID:PID`` or ``VID:PID/SERIAL``, hexadecimal ids."""
    ids, _, serial_number = address.strip("/").partition("/")
    vid_text, sep, pid_text = ids.partition(":")
    try:
        if not sep:
            raise ValueError
        vid, pid = int(vid_text, 16), int(pid_text, 16)
    except ValueError as exc:
        raise ConfigurationError(f"USB address must be VID:PID in hex, not {address!r}",
                                 message_ru=f"адрес USB должен быть VID:PID в шестнадцатеричном виде, а не "
                                            f"{address!r}") from exc
    if not (0 <= vid <= 0xFFFF and 0 <= pid <= 0xFFFF):
        raise ConfigurationError(f"USB ids out of range in {address!r}",
                                 message_ru=f"VID и PID в {address!r} должны быть от 0000 до FFFF")
    return vid, pid, serial_number or None


class UsbTransport(Transport):
    """A byte pipe over the first bulk IN and bulk OUT endpoint of a USB device."""

    def __init__(self, vid: int, pid: int, serial_number: str | None = None, *, backend: Any = None) -> None:
        self.vid, self.pid, self.serial_number = vid, pid, serial_number
        self.address = f"usb://{vid:04x}:{pid:04x}" + (f"/{serial_number}" if serial_number else "")
        self._backend = backend
        self._dev: Any = None
        self._ep_in: Any = None
        self._ep_out: Any = None
        self._interface: int | None = None
        self._pending = b""

    def open(self) -> None:
        import usb.core
        import usb.util

        try:
            kwargs: dict[str, Any] = {"idVendor": self.vid, "idProduct": self.pid}
            if self._backend is not None:
                kwargs["backend"] = self._backend
            if self.serial_number:
                kwargs["serial_number"] = self.serial_number
            dev = usb.core.find(**kwargs)
        except usb.core.NoBackendError as exc:
            raise DeviceNotFound("no USB backend: install libusb-1.0 to use usb:// devices",
                                 message_ru="нет драйвера USB: для устройств usb:// установите libusb-1.0") from exc
        if dev is None:
            raise DeviceNotFound(f"no USB device {self.vid:04x}:{self.pid:04x} is connected",
                                 message_ru=f"устройство USB {self.vid:04x}:{self.pid:04x} не подключено")
        try:
            cfg = dev.get_active_configuration()
        except usb.core.USBError as exc:
            if exc.errno in (errno.EACCES, errno.EPERM):
                raise PermissionDenied(
                    f"no permission for USB device {self.vid:04x}:{self.pid:04x}; add a udev rule "
                    f"or run with access to /dev/bus/usb",
                    message_ru=f"нет прав на устройство USB {self.vid:04x}:{self.pid:04x}: добавьте правило udev "
                               f"или запустите с доступом к /dev/bus/usb") from exc
            try:
                dev.set_configuration()
                cfg = dev.get_active_configuration()
            except usb.core.USBError as exc2:
                raise TransportError(f"cannot configure USB device: {exc2}",
                                     message_ru=f"не удалось настроить устройство USB {self.vid:04x}:{self.pid:04x}: "
                                                f"{os_reason_ru(exc2)}") from exc2
        for intf in cfg:
            ep_out = usb.util.find_descriptor(intf, custom_match=lambda e: usb.util.endpoint_direction(
                e.bEndpointAddress) == usb.util.ENDPOINT_OUT and usb.util.endpoint_type(
                e.bmAttributes) == usb.util.ENDPOINT_TYPE_BULK)
            ep_in = usb.util.find_descriptor(intf, custom_match=lambda e: usb.util.endpoint_direction(
                e.bEndpointAddress) == usb.util.ENDPOINT_IN and usb.util.endpoint_type(
                e.bmAttributes) == usb.util.ENDPOINT_TYPE_BULK)
            if ep_in is not None and ep_out is not None:
                number = intf.bInterfaceNumber
                self._detach_kernel_driver(dev, number)
                try:
                    usb.util.claim_interface(dev, number)
                except usb.core.USBError as exc:
                    if exc.errno in (errno.EACCES, errno.EPERM):
                        raise PermissionDenied(f"no permission to claim USB interface {number}",
                                               message_ru=f"нет прав на захват интерфейса USB {number}") from exc
                    raise TransportError(f"cannot claim USB interface {number}: {exc}",
                                         message_ru=f"не удалось захватить интерфейс USB {number}: "
                                                    f"{os_reason_ru(exc)}") from exc
                self._dev, self._ep_in, self._ep_out, self._interface = dev, ep_in, ep_out, number
                return
        raise DeviceNotFound(f"USB device {self.vid:04x}:{self.pid:04x} has no bulk IN/OUT endpoint pair",
                             message_ru=f"у устройства USB {self.vid:04x}:{self.pid:04x} нет пары конечных точек "
                                        f"bulk IN/OUT (если это порт CDC-ACM, подключайтесь через /dev/ttyACM…)")

    @staticmethod
    def _detach_kernel_driver(dev: Any, number: int) -> None:
        """Take the interface from a kernel driver (Linux). Backends without kernel-driver control
        (Windows, macOS) report that by raising NotImplementedError; there is nothing to detach."""
        import usb.core

        try:
            active = dev.is_kernel_driver_active(number)
        except NotImplementedError:  # backend limitation, see the docstring
            return
        if active:
            try:
                dev.detach_kernel_driver(number)
            except usb.core.USBError as exc:
                if exc.errno in (errno.EACCES, errno.EPERM):
                    raise PermissionDenied(f"no permission to detach the kernel driver of interface {number}",
                                           message_ru=f"нет прав отключить драйвер ядра от интерфейса USB "
                                                      f"{number}") from exc
                raise TransportError(f"cannot detach the kernel driver of interface {number}: {exc}",
                                     message_ru=f"не удалось отключить драйвер ядра от интерфейса USB {number}: "
                                                f"{os_reason_ru(exc)}") from exc

    def close(self) -> None:
        if self._dev is not None:
            import usb.util

            try:
                if self._interface is not None:
                    usb.util.release_interface(self._dev, self._interface)
                usb.util.dispose_resources(self._dev)
            finally:
                self._dev = None

    @property
    def is_open(self) -> bool:
        return self._dev is not None

    def write(self, data: bytes) -> None:
        if self._ep_out is None:
            raise TransportError(f"{self.address} is not open", message_ru=f"соединение {self.address} не открыто")
        import usb.core

        try:
            self._ep_out.write(data, timeout=2000)
        except usb.core.USBError as exc:
            raise ConnectionLost(f"USB write failed: {exc}",
                                 message_ru=f"не удалось передать данные в {self.address}: "
                                            f"{os_reason_ru(exc)}") from exc

    def read(self, timeout: float) -> bytes:
        if self._ep_in is None:
            raise TransportError(f"{self.address} is not open", message_ru=f"соединение {self.address} не открыто")
        import usb.core

        try:
            data = self._ep_in.read(self._ep_in.wMaxPacketSize * 8, timeout=max(int(timeout * 1000), 1))
        except usb.core.USBTimeoutError:
            return b""
        except usb.core.USBError as exc:
            if exc.errno == errno.ETIMEDOUT:
                return b""
            raise ConnectionLost(f"USB read failed: {exc}",
                                 message_ru=f"не удалось прочитать данные из {self.address}: "
                                            f"{os_reason_ru(exc)}") from exc
        return bytes(data)
