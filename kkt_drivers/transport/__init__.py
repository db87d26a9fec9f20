"""Transports: serial (pyserial URLs), TCP, USB (pyusb) and emulators found by entry point."""

from __future__ import annotations

import math

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
            raise ConfigurationError(f"name the port in {address!r} (HOST:PORT)",
                                     message_ru=f"укажите порт в {address!r} (ХОСТ:ПОРТ)")
        host, port = address.strip("/"), str(default_port)
    if not (port.isascii() and port.isdigit() and 1 <= int(port) <= 65535):
        raise ConfigurationError(f"the port in {address!r} must be a whole number 1..65535, not {port!r}",
                                 message_ru=f"порт в {address!r}: нужно целое число от 1 до 65535, а не {port!r}")
    return host.strip("[]"), int(port)


#: the usual line speeds, named in the message that refuses a baudrate
USUAL_BAUDRATES = (1200, 2400, 4800, 9600, 19200, 38400, 57600, 115200, 230400, 460800, 921600)


def _baudrate(raw: str, default: int) -> int:
    if raw.isascii() and raw.isdigit() and 0 < int(raw) <= 4_000_000:
        return int(raw)
    usual = ", ".join(map(str, USUAL_BAUDRATES))
    raise ConfigurationError(f"baudrate must be a whole number of bits per second, 1..4000000, usually one of "
                             f"{usual} (this family's default {default}), not {raw!r}",
                             message_ru=f"baudrate: нужно целое число бит в секунду, 1..4000000, обычно одно из "
                                        f"{usual} (по умолчанию для этого семейства {default}), а не {raw!r}")


def _timeout(raw: str) -> float:
    try:
        value = float(raw) if raw.strip() == raw else math.nan
    except ValueError:
        value = math.nan
    if math.isfinite(value) and value >= 0:
        return value
    raise ConfigurationError(f"timeout must be a number of seconds, 0 or more, e.g. 0.05 (the default), not {raw!r}",
                             message_ru=f"timeout: нужно число секунд, 0 или больше, например 0.05 (по умолчанию), "
                                        f"а не {raw!r}")


def make_transport(resolved: ResolvedUrl) -> Transport:
    """Build (not open) the transport a resolved device URL names."""
    url = resolved.url
    if url.is_emulator:
        transport: Transport = emulator_attachment(url.connection).open(resolved)
        return transport
    options = resolved.connection_options
    default_baudrate = resolved.family.default_baudrate
    baudrate = _baudrate(options.get("baudrate", str(default_baudrate)), default_baudrate)
    timeout = _timeout(options.get("timeout", "0.05"))
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
    raise ConfigurationError(f"no transport for {url}", message_ru=f"для {url} нет способа подключения")


def open_transport(resolved: ResolvedUrl) -> Transport:
    """Build and open the transport a resolved device URL names."""
    transport = make_transport(resolved)
    transport.open()
    return transport
