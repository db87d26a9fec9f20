"""Transports: serial (pyserial URLs), TCP, USB (pyusb) and emulators found by entry point."""

from __future__ import annotations

from importlib.metadata import entry_points
from typing import Protocol

from ..errors import ConfigurationError
from ..url import DeviceUrl
from .base import EmulatorControl, Transport
from .serial import SerialTransport
from .tcp import TcpTransport
from .usb import UsbTransport, parse_usb_address

__all__ = ["EmulatorControl", "SerialTransport", "TcpTransport", "Transport", "UsbTransport", "open_transport"]

ENTRY_POINT_GROUP = "kkt_drivers.transports"
_PYSERIAL_SCHEMES = {"socket": "socket://", "rfc2217": "rfc2217://", "spy": "spy://"}
_KNOWN_OPTIONS = {"transport", "baudrate", "password", "timeout"}


class TransportFactory(Protocol):
    def __call__(self, url: DeviceUrl) -> Transport: ...


def _host_port(address: str, default_port: int) -> tuple[str, int]:
    host, _, port = address.strip("/").rpartition(":")
    if not host:
        host, port = address.strip("/"), str(default_port)
    try:
        return host.strip("[]"), int(port)
    except ValueError as exc:
        raise ConfigurationError(f"bad port in {address!r}") from exc


def make_transport(url: DeviceUrl) -> Transport:
    """Build (not open) the transport a device URL names."""
    if url.is_emulator:
        for ep in entry_points(group=ENTRY_POINT_GROUP):
            if ep.name == url.connection:
                factory: TransportFactory = ep.load()
                return factory(url)
        raise ConfigurationError(f"{url.connection}:// needs the emulator (package kkt_emu) installed")
    unknown = set(url.options) - _KNOWN_OPTIONS
    if unknown:
        raise ConfigurationError(f"unknown option(s) {sorted(unknown)} in {url}")
    try:
        baudrate = int(url.option("baudrate", "115200"))
        timeout = float(url.option("timeout", "0.05"))
    except ValueError as exc:
        raise ConfigurationError(f"bad baudrate or timeout in {url}: {exc}") from exc
    if url.connection == "serial":
        return SerialTransport(url.address, baudrate=baudrate, timeout=timeout)
    if url.connection in _PYSERIAL_SCHEMES:
        return SerialTransport(_PYSERIAL_SCHEMES[url.connection] + url.address.lstrip("/") if url.connection != "spy"
                               else "spy://" + url.address, baudrate=baudrate, timeout=timeout)
    if url.connection == "tcp":
        host, port = _host_port(url.address, 5555)
        return TcpTransport(host, port)
    if url.connection == "usb":
        return UsbTransport(*parse_usb_address(url.address))
    raise ConfigurationError(f"no transport for {url}")


def open_transport(url: DeviceUrl) -> Transport:
    """Build and open the transport a device URL names."""
    transport = make_transport(url)
    transport.open()
    return transport
