"""The device URL grammar: one string selects family, byte pipe and options.

::

    <family>[+<connection>]://<address>[?<option>=<value>&...]
    emu[+pty|+tcp]://<family>[?<option>=<value>&...]

``family``      a name from the family table (:mod:`kkt_drivers.families`; ``kkt-emu models`` lists
                the emulated ones).
``connection``  how the bytes travel; default ``serial``:

    ``serial``   a local port, ``<family>:///dev/ttyUSB0``, ``<family>://COM3`` (pyserial)
    ``socket``   pyserial's raw TCP client, ``<family>+socket://10.0.0.5:5555``
    ``rfc2217``  a remote serial port server, ``<family>+rfc2217://lab:4000``
    ``spy``      pyserial's spy wrapper around a local port, ``<family>+spy:///dev/ttyUSB0``
    ``tcp``      a network device, native socket with TCP_NODELAY, ``<family>+tcp://10.0.0.5:5555``
    ``usb``      a vendor-class USB device by VID:PID, ``<family>+usb://2912:0005``
    ``udp``      a device that speaks in datagrams (a label scale), ``<family>+udp://10.0.0.5:1111``
    ``http``     a service taking one message per POST, ``<family>+http://127.0.0.1:50010[/path]``

``emu://<family>`` starts an in-process emulator; ``emu+pty://`` and ``emu+tcp://`` start one in a
background thread, attached through a pty or a 127.0.0.1 TCP port, and connect to it.

Options belong to an owner, and each owner takes only its own: the connection (``baudrate``,
``parity`` and ``timeout`` on serial-like connections), the family (for ATOL ``transport`` and ``password``), and on
``emu`` URLs the emulator (``model``, ``name``, ``state``, ``ffd``). An option nobody owns is refused
with a message that names whose option it is, so a typo or a misplaced option never goes unnoticed.
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass, field
from importlib.metadata import entry_points
from typing import Any
from urllib.parse import parse_qsl, urlsplit

from .errors import ConfigurationError
from .families import Family, FamilyOptions, family_names, get_family

#: options each connection owns (pyserial's port settings on the serial-like ones)
CONNECTION_OPTIONS: dict[str, frozenset[str]] = {
    "serial": frozenset({"baudrate", "parity", "timeout"}),
    "socket": frozenset({"baudrate", "parity", "timeout"}),
    "rfc2217": frozenset({"baudrate", "parity", "timeout"}),
    "spy": frozenset({"baudrate", "parity", "timeout"}),
    "tcp": frozenset(),
    "usb": frozenset(),
    "udp": frozenset(),
    "http": frozenset({"path"}),
}
CONNECTIONS = frozenset(CONNECTION_OPTIONS)
EMULATOR_CONNECTIONS = frozenset({"emu", "emu+pty", "emu+tcp"})
#: where emulator attachments (``emu``, ``emu+pty``, ``emu+tcp``) are found, so kkt_drivers never imports them
ATTACHMENT_GROUP = "kkt_drivers.transports"


@dataclass(frozen=True)
class DeviceUrl:
    """A parsed device URL: family, connection, address and the raw options."""

    family: str
    connection: str
    address: str
    options: dict[str, str] = field(default_factory=dict)

    @property
    def is_emulator(self) -> bool:
        return self.connection in EMULATOR_CONNECTIONS

    def option(self, name: str, default: str) -> str:
        return self.options.get(name, default)

    def __str__(self) -> str:
        scheme = self.connection if self.is_emulator else (
            self.family if self.connection == "serial" else f"{self.family}+{self.connection}")
        query = "&".join(f"{k}={v}" for k, v in self.options.items())
        return f"{scheme}://{self.address}" + (f"?{query}" if query else "")


@dataclass(frozen=True)
class ResolvedUrl:
    """A device URL with every option handed to its owner and checked by it."""

    url: DeviceUrl
    family: Family
    family_options: FamilyOptions
    connection_options: dict[str, str]
    emulator_options: dict[str, str]

    @property
    def variant(self) -> str:
        return self.family_options.variant


def parse_device_url(url: str) -> DeviceUrl:
    """Parse a device URL's grammar; raises :class:`ConfigurationError` with the reason when it is wrong.

    Options are checked by their owners in :func:`resolve_device_url`.
    """
    if not isinstance(url, str) or "://" not in url:
        raise ConfigurationError(f"not a device URL (expected <family>[+<connection>]://...): {url!r}",
                                 message_ru=f"это не адрес устройства (нужен вид <семейство>[+<подключение>]://...): "
                                            f"{url!r}")
    scheme, rest = url.split("://", 1)
    scheme = scheme.lower()
    split = urlsplit("x://" + rest)
    address = rest.split("?", 1)[0]
    try:
        options = dict(parse_qsl(split.query, keep_blank_values=True, strict_parsing=bool(split.query)))
    except ValueError as exc:
        raise ConfigurationError(f"bad query in {url!r}: {exc}",
                                 message_ru=f"ошибка в параметрах адреса {url!r}: после «?» нужны пары "
                                            f"имя=значение через «&»") from exc
    known = family_names()
    if scheme in EMULATOR_CONNECTIONS:
        family = address.strip("/")
        if not family:
            raise ConfigurationError(f"name the emulated family in {url!r}, e.g. {scheme}://{known[0]}",
                                     message_ru=f"укажите семейство эмулятора в {url!r}, например "
                                                f"{scheme}://{known[0]}")
        emulated = [name for name in known if get_family(name).emulated]
        if family in known and family not in emulated:
            raise ConfigurationError(f"kkt-emu has no {family} device (the package has its driver only); "
                                     f"emulated families: {', '.join(emulated)}",
                                     message_ru=f"эмулятора {family} нет (только драйвер); эмулируются: "
                                                f"{', '.join(emulated)}")
        if family not in known:
            raise ConfigurationError(f"the emulator has no family {family!r}; known: {', '.join(emulated)}",
                                     message_ru=f"эмулятор не знает семейства {family!r}; есть: {', '.join(emulated)}")
        return DeviceUrl(family, scheme, family, options)
    family, _, connection = scheme.partition("+")
    connection = connection or "serial"
    if family not in known:
        raise ConfigurationError(f"unknown device family {family!r}; known: {', '.join(known)}",
                                 message_ru=f"семейство устройств {family!r} не поддерживается; есть: "
                                            f"{', '.join(known)}")
    if connection not in CONNECTIONS:
        raise ConfigurationError(f"unknown connection {connection!r}; known: {', '.join(sorted(CONNECTIONS))}",
                                 message_ru=f"способ подключения {connection!r} не поддерживается; есть: "
                                            f"{', '.join(sorted(CONNECTIONS))}")
    if not address:
        raise ConfigurationError(f"no address in {url!r}",
                                 message_ru=f"в {url!r} не указан адрес устройства (порт, хост или VID:PID "
                                            f"после «://»)")
    return DeviceUrl(family, connection, address, options)


def emulator_attachment(connection: str) -> Any:
    """The installed emulator attachment for ``emu``/``emu+pty``/``emu+tcp`` (kkt_emu's entry points)."""
    for ep in entry_points(group=ATTACHMENT_GROUP):
        if ep.name == connection:
            return ep.load()
    raise ConfigurationError(f"{connection}:// needs the emulator (package kkt_emu) installed",
                             message_ru=f"для {connection}:// нужен установленный эмулятор (пакет kkt_emu)")


def _owner_of(option: str, url: DeviceUrl, *, ru: bool = False) -> str:
    """Whose option ``option`` is, for the message that refuses it on ``url`` (in Russian if ``ru``)."""
    owners = [(f"семейства {name}" if ru else f"the {name} family") for name in family_names()
              if name != url.family and option in _family_options_quietly(name)]
    connections = [name for name, keys in CONNECTION_OPTIONS.items() if option in keys]
    if connections:
        owners.append(f"подключений {', '.join(connections)}" if ru else f"{', '.join(connections)} connections")
    if option in _emulator_options_quietly():
        owners.append("эмулятора (адреса emu://)" if ru else "the emulator (emu:// URLs)")
    return ", ".join(owners)


def _family_options_quietly(name: str) -> Mapping[str, str]:
    try:
        return get_family(name).options
    except Exception:  # an installed family that fails to load must not hide the real error
        return {}


def _emulator_options_quietly() -> frozenset[str]:
    try:
        return frozenset(emulator_attachment("emu").options)
    except Exception:
        return frozenset()


def resolve_device_url(url: str | DeviceUrl) -> ResolvedUrl:
    """Parse ``url`` and give each option to its owner: connection, family, emulator.

    An option left over is refused, naming whose option it is ("``transport`` is an option of the atol
    family, not of mercury").
    """
    parsed = url if isinstance(url, DeviceUrl) else parse_device_url(url)
    family = get_family(parsed.family)
    left = dict(parsed.options)
    family_own = {key: left.pop(key) for key in list(left) if key in family.options}
    family_options = family.parse_options(family_own)
    connection_options: dict[str, str] = {}
    emulator_options: dict[str, str] = {}
    if parsed.is_emulator:
        emulator_keys = frozenset(emulator_attachment(parsed.connection).options)
        emulator_options = {key: left.pop(key) for key in list(left) if key in emulator_keys}
        owner_name = f"{parsed.connection}://{parsed.family}"
        takes = sorted({*family.options, *emulator_keys})
    else:
        connection_keys = CONNECTION_OPTIONS[parsed.connection]
        connection_options = {key: left.pop(key) for key in list(left) if key in connection_keys}
        owner_name = f"{parsed.family}+{parsed.connection}://"
        takes = sorted({*family.options, *connection_keys})
    for key in sorted(left):
        owner = _owner_of(key, parsed)
        what = f"an option of {owner}, not of {owner_name} URLs" if owner else f"not an option of {owner_name} URLs"
        owner_ru = _owner_of(key, parsed, ru=True)
        what_ru = (f"параметр {owner_ru}, а не адресов {owner_name}" if owner_ru
                   else f"не параметр адресов {owner_name}")
        raise ConfigurationError(f"{key!r} is {what}; they take: {', '.join(takes) or 'no options'}",
                                 message_ru=f"{key!r} — {what_ru}; у них есть: "
                                            f"{', '.join(takes) or 'параметров нет'}")
    return ResolvedUrl(parsed, family, family_options, connection_options, emulator_options)


def with_variant(url: str | DeviceUrl, variant: str) -> DeviceUrl:
    """The same device URL, speaking another of its family's link variants (``transport=v2`` for ATOL)."""
    parsed = url if isinstance(url, DeviceUrl) else parse_device_url(url)
    family = get_family(parsed.family)
    options = {k: v for k, v in parsed.options.items() if k not in family.variant_options(family.default_variant)}
    options.update(family.variant_options(variant))
    return DeviceUrl(parsed.family, parsed.connection, parsed.address, options)
