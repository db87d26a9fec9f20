"""Transports: serial (pyserial URLs), TCP, USB (pyusb) and emulators found by entry point."""

from __future__ import annotations

from ..errors import ConfigurationError
from ..url import ResolvedUrl, emulator_attachment
from .base import EmulatorControl, Transport
from .serial import PARITIES, SerialTransport
from .tcp import TcpTransport
from .udp import UdpTransport
from .usb import UsbTransport, parse_usb_address

__all__ = ["EmulatorControl", "SerialTransport", "TcpTransport", "Transport", "UdpTransport", "UsbTransport",
           "open_transport"]

_PYSERIAL_SCHEMES = {"socket": "socket://", "rfc2217": "rfc2217://", "spy": "spy://"}


def _host_port(address: str, default_port: int | None) -> tuple[str, int]:
    host, _, port = address.strip("/").rpartition(":")
    if not host:
        if default_port is None:
            raise ConfigurationError(f"name the port in {address!r} (HOST:PORT)")
        host, port = address.strip("/"), str(default_port)
    try:
        return host.strip("[]"), int(port)
    except ValueError as exc:
        raise ConfigurationError(f"bad port in {address!r}") from exc


def make_transport(resolved: ResolvedUrl) -> Transport:
    """Build (not open) the transport a resolved device URL names."""
    url = resolved.url
    if url.is_emulator:
        transport: Transport = emulator_attachment(url.connection).open(resolved)
        return transport
    options = resolved.connection_options
    try:
        baudrate = int(options.get("baudrate", str(resolved.family.default_baudrate)))
        timeout = float(options.get("timeout", "0.05"))
    except ValueError as exc:
        raise ConfigurationError(f"bad baudrate or timeout in {url}: {exc}") from exc
    parity = options.get("parity", resolved.family.default_parity)
    if parity not in PARITIES:
        raise ConfigurationError(f"parity must be one of {', '.join(PARITIES)}, not {parity!r}",
                                 message_ru=f"чётность: одно из {', '.join(PARITIES)}, а не {parity!r}")
    if url.connection == "serial":
        return SerialTransport(url.address, baudrate=baudrate, timeout=timeout, parity=parity)
    if url.connection in _PYSERIAL_SCHEMES:
        return SerialTransport(_PYSERIAL_SCHEMES[url.connection] + url.address.lstrip("/") if url.connection != "spy"
                               else "spy://" + url.address, baudrate=baudrate, timeout=timeout, parity=parity)
    if url.connection == "tcp":
        host, port = _host_port(url.address, resolved.family.default_tcp_port)
        return TcpTransport(host, port)
    if url.connection == "usb":
        return UsbTransport(*parse_usb_address(url.address))
    if url.connection == "udp":
        host, port = _host_port(url.address, resolved.family.default_tcp_port)
        return UdpTransport(host, port)
    if url.connection == "http":  # a service taking one message per POST: <family>+http://host:port[/path]
        from .http import DEFAULT_PATH, HttpTransport

        where, _, path = url.address.strip("/").partition("/")
        host, port = _host_port(where, resolved.family.default_tcp_port)
        return HttpTransport(host, port, path=options.get("path") or "/" + (path or DEFAULT_PATH.lstrip("/")))
    raise ConfigurationError(f"no transport for {url}")


def open_transport(resolved: ResolvedUrl) -> Transport:
    """Build and open the transport a resolved device URL names."""
    transport = make_transport(resolved)
    transport.open()
    return transport
