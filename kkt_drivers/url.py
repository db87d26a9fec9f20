"""The device URL grammar: one string selects family, byte pipe and options.

::

    <family>[+<connection>]://<address>[?<option>=<value>&...]
    emu[+pty|+tcp]://<family>[?<option>=<value>&...]

``family``      ``atol`` (more families follow).
``connection``  how the bytes travel; default ``serial``:

    ``serial``   a local port, ``atol:///dev/ttyUSB0``, ``atol://COM3`` (pyserial)
    ``socket``   pyserial's raw TCP client, ``atol+socket://10.0.0.5:5555``
    ``rfc2217``  a remote serial port server, ``atol+rfc2217://lab:4000``
    ``spy``      pyserial's spy wrapper around a local port, ``atol+spy:///dev/ttyUSB0``
    ``tcp``      a network KKT, native socket with TCP_NODELAY, ``atol+tcp://10.0.0.5:5555``
    ``usb``      a vendor-class USB device by VID:PID, ``atol+usb://2912:0005``

``emu://atol`` starts an in-process emulator; ``emu+pty://atol`` and ``emu+tcp://atol`` start
one in a background thread, attached through a pty or a 127.0.0.1 TCP port, and connect to it.

Options (all optional):

    ``transport``  ATOL transport generation, ``v2`` or ``v3`` (default ``v3``)
    ``baudrate``   serial speed (default 115200)
    ``password``   access password, four digits (default ``0000``)
    ``timeout``    seconds for pyserial's port open and reads (default 0.05)

Emulator URLs also take ``model``, ``name`` (share one device in a process), ``state`` (a directory
for a durable device) and ``ffd`` (``1.05`` or ``1.2``). Any other option is refused, so a typo never
goes unnoticed.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from urllib.parse import parse_qsl, urlsplit

from .errors import ConfigurationError

FAMILIES = frozenset({"atol"})
CONNECTIONS = frozenset({"serial", "socket", "rfc2217", "spy", "tcp", "usb"})
EMULATOR_CONNECTIONS = frozenset({"emu", "emu+pty", "emu+tcp"})


@dataclass(frozen=True)
class DeviceUrl:
    """A parsed device URL."""

    family: str
    connection: str
    address: str
    options: dict[str, str] = field(default_factory=dict)

    @property
    def is_emulator(self) -> bool:
        return self.connection in EMULATOR_CONNECTIONS

    def option(self, name: str, default: str) -> str:
        return self.options.get(name, default)

    @property
    def transport_generation(self) -> str:
        gen = self.options.get("transport", "v3")
        if gen not in ("v2", "v3"):
            raise ConfigurationError(f"transport must be v2 or v3, not {gen!r}")
        return gen

    @property
    def access_password(self) -> int:
        raw = self.options.get("password", "0000")
        if not (raw.isdigit() and len(raw) <= 4):
            raise ConfigurationError(f"password must be up to four digits, not {raw!r}")
        return int(raw)

    def __str__(self) -> str:
        scheme = self.connection if self.is_emulator else (
            self.family if self.connection == "serial" else f"{self.family}+{self.connection}")
        query = "&".join(f"{k}={v}" for k, v in self.options.items())
        return f"{scheme}://{self.address}" + (f"?{query}" if query else "")


def parse_device_url(url: str) -> DeviceUrl:
    """Parse a device URL; raises :class:`ConfigurationError` with the reason when it is wrong."""
    if "://" not in url:
        raise ConfigurationError(f"not a device URL (expected <family>[+<connection>]://...): {url!r}")
    scheme, rest = url.split("://", 1)
    scheme = scheme.lower()
    split = urlsplit("x://" + rest)
    address = rest.split("?", 1)[0]
    try:
        options = dict(parse_qsl(split.query, keep_blank_values=True, strict_parsing=bool(split.query)))
    except ValueError as exc:
        raise ConfigurationError(f"bad query in {url!r}: {exc}") from exc
    if scheme in EMULATOR_CONNECTIONS:
        family = address.strip("/") or "atol"
        if family not in FAMILIES:
            raise ConfigurationError(f"the emulator has no family {family!r}; known: {sorted(FAMILIES)}")
        result = DeviceUrl(family, scheme, family, options)
    else:
        family, _, connection = scheme.partition("+")
        connection = connection or "serial"
        if family not in FAMILIES:
            raise ConfigurationError(f"unknown device family {family!r}; known: {sorted(FAMILIES)}")
        if connection not in CONNECTIONS:
            raise ConfigurationError(f"unknown connection {connection!r}; known: {sorted(CONNECTIONS)}")
        if not address:
            raise ConfigurationError(f"no address in {url!r}")
        result = DeviceUrl(family, connection, address, options)
    result.transport_generation  # noqa: B018 - validate early
    result.access_password  # noqa: B018
    return result
