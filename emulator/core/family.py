"""What the emulator's core needs from a family: its models, a device factory and its device-side links.

A family registers one :class:`EmulatedFamily` in :mod:`kkt_emu.personalities`; the core, the attachments,
the control API and the CLI know families only through it.
"""

from __future__ import annotations

import abc
from collections.abc import Mapping
from pathlib import Path
from typing import ClassVar

from .connection import DeviceLink
from .device import ModelInfo, VirtualDevice
from .faults import FaultValue
from .tape import Tape


class EmulatedFamily(abc.ABC):
    name: ClassVar[str]
    #: link variants the device speaks (the same names as the driver family's variants)
    variants: ClassVar[tuple[str, ...]] = ("default",)
    default_variant: ClassVar[str] = "default"
    #: the device has a virtual ФН (a scale has none)
    fiscal: ClassVar[bool] = True
    #: faults of this family's links: name -> default value (its type is the fault's type)
    link_faults: ClassVar[Mapping[str, FaultValue]] = {}
    #: variants served over HTTP (``kkt-emu serve --http``) rather than over a byte pipe
    http_variants: ClassVar[tuple[str, ...]] = ()
    #: variants that are not served over a pty (a network protocol that a serial line cannot carry safely)
    network_only_variants: ClassVar[tuple[str, ...]] = ()

    @abc.abstractmethod
    def models(self) -> list[ModelInfo]:
        """The models this family presents (the first is the default)."""

    @abc.abstractmethod
    def create_device(self, model: str | None = None, *, name: str = "", state_dir: Path | None = None,
                      tape: Tape | None = None, tape_width: int | None = None,
                      ffd: str | None = None, utc_offset: int | None = None) -> VirtualDevice:
        """A virtual device; ``state_dir`` keeps it on disk, ``ffd`` is its ФН's FFD mode (fiscal families),
        ``utc_offset`` the zone of its clock in seconds east of UTC (default: kept from before, else the
        host's)."""

    @abc.abstractmethod
    def create_link(self, device: VirtualDevice, variant: str) -> DeviceLink:
        """The device side of one connection speaking ``variant``."""
