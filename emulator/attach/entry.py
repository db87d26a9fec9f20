"""The emulator attachments as ``kkt_drivers`` finds them (entry-point group ``kkt_drivers.transports``).

Each entry names the URL options the emulator owns and opens a transport lazily, so that resolving a URL
imports no family.
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass
from importlib import import_module
from typing import TYPE_CHECKING

if TYPE_CHECKING:
    from kkt_drivers.transport.base import Transport
    from kkt_drivers.url import ResolvedUrl

#: URL options the emulator owns (every family's own options are the family's)
EMULATOR_OPTIONS: Mapping[str, str] = {
    "model": "model key (kkt-emu models)",
    "name": "share one virtual device between connections in this process",
    "state": "a directory that keeps the device on disk",
    "ffd": "FFD mode of the virtual ФН: 1.05 or 1.2",
    "tz": "the zone of the device clock, e.g. +03:00 (default: kept from before, else the host's)",
}


@dataclass(frozen=True)
class Attachment:
    connection: str
    factory: str  # "module:function" taking a ResolvedUrl
    options: Mapping[str, str]

    def open(self, resolved: ResolvedUrl) -> Transport:
        module, _, function = self.factory.partition(":")
        transport: Transport = getattr(import_module(module), function)(resolved)
        return transport


INPROCESS = Attachment("emu", "kkt_emu.attach.inprocess:open_inprocess", EMULATOR_OPTIONS)
PTY = Attachment("emu+pty", "kkt_emu.attach.pty:open_pty", EMULATOR_OPTIONS)
TCP = Attachment("emu+tcp", "kkt_emu.attach.tcp:open_tcp", EMULATOR_OPTIONS)
