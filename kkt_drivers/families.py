"""The family table: which device families exist, and where each one's code lives.

Built-in families are ``name → "module:attribute"`` strings, imported only when a URL of that family is
used; more come from the ``kkt_drivers.families`` entry-point group, so a separate package can add a
family without touching this one. A family's descriptor (:class:`Family`) says which URL options it owns,
its link variants and defaults, and opens a driver on a transport. Everything else in ``kkt_drivers``
knows families only through this module.

Adding a family: ``protocol-notes/README.md`` walks through it.
"""

from __future__ import annotations

import abc
import threading
from collections.abc import Callable, Iterable, Mapping
from dataclasses import dataclass
from importlib import import_module
from importlib.metadata import entry_points
from typing import TYPE_CHECKING, Any, ClassVar

from .errors import ConfigurationError

if TYPE_CHECKING:
    from .device import DeviceDriver
    from .trace import ByteHook
    from .transport.base import Transport

#: name → "module:attribute" of the family's :class:`Family` descriptor
BUILTIN_FAMILIES: dict[str, str] = {
    "atol": "kkt_drivers.drivers.atol.family:FAMILY",
    "massak": "kkt_drivers.drivers.massak.family:FAMILY",
    "cas": "kkt_drivers.drivers.cas.family:FAMILY",
    "caslp": "kkt_drivers.drivers.caslp.family:FAMILY",
    "shtrihprint": "kkt_drivers.drivers.shtrihprint.family:FAMILY",
    "shtrih": "kkt_drivers.drivers.shtrih.family:FAMILY",
    "mercury": "kkt_drivers.drivers.mercury.family:FAMILY",
}
ENTRY_POINT_GROUP = "kkt_drivers.families"
#: the device used when neither an argument nor ``$KKT_DEVICE`` names one
DEFAULT_DEVICE = "emu://atol"


def whole_number_option(key: str, raw: str, low: int, high: int, *, owner: str = "", digits: int | None = None,
                        default: str = "") -> int:
    """A URL option that is a whole number ``low``..``high`` (at most ``digits`` digits, leading zeros kept, when
    given); anything else is a :class:`ConfigurationError` naming the option and what it takes, in English and
    Russian."""
    if raw.isascii() and raw.isdigit() and (digits is None or len(raw) <= digits) and low <= int(raw) <= high:
        return int(raw)
    prefix = f"{owner}: " if owner else ""
    takes_en = f"up to {digits} digits" if digits is not None else f"a whole number {low}..{high}"
    takes_ru = f"не более {digits} цифр" if digits is not None else f"целое число от {low} до {high}"
    default_en, default_ru = (f" (default {default})", f" (по умолчанию {default})") if default else ("", "")
    raise ConfigurationError(f"{prefix}{key} must be {takes_en}{default_en}, not {raw!r}",
                             message_ru=f"{prefix}{key}: нужно {takes_ru}{default_ru}, а не {raw!r}")


@dataclass(frozen=True)
class FamilyOptions:
    """A family's parsed URL options; ``variant`` picks one of its links (ATOL: ``v2`` or ``v3``)."""

    variant: str = "default"


@dataclass(frozen=True)
class FamilyCommand:
    """A ``kkt`` command a family adds: ``run(kkt, args)`` on a device, or ``run(args)`` without one."""

    help: str
    run: Callable[..., tuple[Any, str]]
    add_arguments: Callable[[Any], None] | None = None
    needs_device: bool = True


class Family(abc.ABC):
    """What the rest of the package needs to know about one device family."""

    name: ClassVar[str]
    #: ``"register"`` or ``"scale"``
    kind: ClassVar[str] = "register"
    title: ClassVar[str] = ""
    #: URL options this family owns, with a one-line description each
    options: ClassVar[Mapping[str, str]] = {}
    #: link variants (several where one family speaks more than one transport generation)
    variants: ClassVar[tuple[str, ...]] = ("default",)
    default_variant: ClassVar[str] = "default"
    #: the operations the family's driver implements (kkt_drivers.register.Op names)
    capabilities: ClassVar[frozenset[str]] = frozenset()
    default_baudrate: ClassVar[int] = 115200
    #: the serial line's parity (``none``, ``even`` or ``odd``; 8 data bits and 1 stop bit always)
    default_parity: ClassVar[str] = "none"
    default_tcp_port: ClassVar[int | None] = None
    #: an emulator personality of this family ships with kkt_emu
    emulated: ClassVar[bool] = True

    def parse_options(self, options: Mapping[str, str]) -> FamilyOptions:
        """Check this family's own options (only its keys are given) and return them typed."""
        variant = options.get("variant", self.default_variant) if "variant" in self.options else self.default_variant
        if variant not in self.variants:
            raise ConfigurationError(f"{self.name}: variant must be one of {', '.join(self.variants)}, not {variant!r}",
                                     message_ru=f"{self.name}: variant — одно из {', '.join(self.variants)}, "
                                                f"а не {variant!r}")
        return FamilyOptions(variant)

    def variant_options(self, variant: str) -> dict[str, str]:
        """The URL options that select ``variant`` (empty for a family with one link)."""
        if variant not in self.variants:
            raise ConfigurationError(f"{self.name} has no variant {variant!r}; known: {', '.join(self.variants)}",
                                     message_ru=f"у {self.name} нет варианта {variant!r}; есть: "
                                                f"{', '.join(self.variants)}")
        return {}

    def variant_capabilities(self, variant: str) -> frozenset[str]:
        """The operations a driver opened on link ``variant`` has: :attr:`capabilities` unless a link lacks a
        command for one (the driver of that link leaves it out and refuses it before a byte is sent)."""
        self.variant_options(variant)
        return self.capabilities

    def variant_over_serial(self, variant: str) -> bool:
        """Whether link ``variant`` may run over a serial line (a port or a pty). A protocol without request ids
        that relies on dropping the connection after a failure (so that a late answer is never read as the next
        one) cannot: a serial line keeps the late answer whatever the host does."""
        self.variant_options(variant)
        return True

    def cli_commands(self) -> Mapping[str, FamilyCommand]:
        """``kkt`` commands of this family's own (its server, its goods base…); imported only when asked."""
        return {}

    @abc.abstractmethod
    def driver_type(self) -> type[DeviceDriver]:
        """The class :meth:`open` returns (imported only when asked)."""

    @abc.abstractmethod
    def open(self, transport: Transport, options: FamilyOptions, *, hooks: Iterable[ByteHook] = ()) -> DeviceDriver:
        """A driver for a device of this family on an open ``transport``."""


_LOADED: dict[str, Family] = {}
_LOCK = threading.Lock()


def _entry_points() -> dict[str, str]:
    return {ep.name: ep.value for ep in entry_points(group=ENTRY_POINT_GROUP)}


def family_names() -> list[str]:
    """Every known family, built in or installed; imports none of them."""
    return sorted({*BUILTIN_FAMILIES, *_entry_points()})


def get_family(name: str) -> Family:
    """The descriptor of family ``name`` (imported on first use)."""
    with _LOCK:
        if name in _LOADED:
            return _LOADED[name]
        target = BUILTIN_FAMILIES.get(name) or _entry_points().get(name)
        if target is None:
            raise ConfigurationError(f"unknown device family {name!r}; known: {', '.join(family_names())}",
                                     message_ru=f"семейство устройств {name!r} не поддерживается; есть: "
                                                f"{', '.join(family_names())}")
        module_name, _, attribute = target.partition(":")
        descriptor = getattr(import_module(module_name), attribute)
        if not isinstance(descriptor, Family) or descriptor.name != name:
            raise ConfigurationError(f"{target} is not the descriptor of family {name!r}",
                                     message_ru=f"{target} — не описание семейства {name!r}")
        _LOADED[name] = descriptor
        return descriptor


def register_family(descriptor: Family) -> None:
    """Make a family known in this process (tests and plugins; installed packages use the entry point)."""
    with _LOCK:
        _LOADED[descriptor.name] = descriptor
        BUILTIN_FAMILIES.setdefault(descriptor.name, f"{type(descriptor).__module__}:<registered>")


def unregister_family(name: str) -> None:
    with _LOCK:
        _LOADED.pop(name, None)
        if BUILTIN_FAMILIES.get(name, "").endswith(":<registered>"):
            del BUILTIN_FAMILIES[name]
