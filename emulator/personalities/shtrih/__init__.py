"""The Shtrih-M personality: vendor protocol v2.0 (standard lower level) with the ФН commands."""

from __future__ import annotations

from pathlib import Path

from ...core.connection import DeviceLink
from ...core.device import ModelInfo, VirtualDevice
from ...core.fiscal import FnConfig
from ...core.fiscal_device import open_fiscal_device
from ...core.incidents import Incidents
from ...core.tape import Tape
from .link import ShtrihEmulatorLink
from .personality import ShtrihPersonality
from .printer import TapePrinter
from .profile import DEFAULT_PROFILE, PROFILES
from .tables import ShtrihTables

__all__ = ["DEFAULT_PROFILE", "LINK_FAULTS", "PROFILES", "ShtrihPersonality", "create_device", "create_link",
           "models"]

#: faults of Shtrih's link: ``nak`` refuses the next N good frames with NAK
LINK_FAULTS: dict[str, int] = {"nak": 0}
#: 1209 code of each FFD version (table 17 field 17 «формат ФД»)
FFD_CODES = {"1.05": 2, "1.2": 4}


def models() -> list[ModelInfo]:
    return [ModelInfo("shtrih", p.key, p.name, p.model) for p in PROFILES.values()]


def create_device(profile: str = DEFAULT_PROFILE, *, name: str = "", state_dir: Path | None = None,
                  tape: Tape | None = None, tape_width: int | None = None, fn_config: FnConfig | None = None,
                  utc_offset: int | None = None) -> VirtualDevice:
    """A virtual Shtrih-M register; with ``state_dir`` its ФН archive, tables and clock live on disk there."""
    if profile not in PROFILES:
        raise ValueError(f"unknown Shtrih model {profile!r}; known: {', '.join(PROFILES)}")
    chosen = PROFILES[profile]
    clock, core = open_fiscal_device(state_dir, fn_config, utc_offset)
    tables = ShtrihTables(core, ffd_code=FFD_CODES[core.config.ffd])
    printer = TapePrinter(tape, tape_width or chosen.line_width) if tape is not None else None
    incidents = Incidents()
    personality = ShtrihPersonality(chosen, clock, core, tables=tables, tape=printer, incidents=incidents)
    return VirtualDevice(personality, clock, name=name, link_faults=LINK_FAULTS, incidents=incidents)


def create_link(device: VirtualDevice, variant: str = "default") -> DeviceLink:
    """The device side of one connection to ``device``."""
    link: ShtrihEmulatorLink

    def run(message: bytes) -> bytes:
        return device.execute_for(link, message).answer

    link = ShtrihEmulatorLink(run)
    return link
