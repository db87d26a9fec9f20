"""The Shtrih-M personality: vendor protocol v2.0 (standard lower level) with the ФН commands."""

from __future__ import annotations

import math
from pathlib import Path

from ...core.clock import MAX_UTC_OFFSET, MIN_UTC_OFFSET, DeviceClock
from ...core.connection import DeviceLink
from ...core.device import ModelInfo, VirtualDevice
from ...core.fiscal import FiscalCore, FnConfig
from ...core.incidents import Incidents
from ...core.tape import Tape
from .link import ShtrihEmulatorLink
from .personality import ShtrihPersonality
from .printer import TapePrinter
from .profile import DEFAULT_PROFILE, PROFILES
from .tables import ShtrihTables

__all__ = ["DEFAULT_PROFILE", "LINK_FAULTS", "PROFILES", "ShtrihPersonality", "create_device", "create_link",
           "models"]

#: a stored clock offset beyond this (seconds, about a century) is ignored
MAX_CLOCK_OFFSET = 100 * 366 * 86400.0
#: faults of Shtrih's link: ``nak`` refuses the next N good frames with NAK
LINK_FAULTS: dict[str, int] = {"nak": 0}
#: 1209 code of each FFD version (table 17 field 17 «формат ФД»)
FFD_CODES = {"1.05": 2, "1.2": 4}


def models() -> list[ModelInfo]:
    return [ModelInfo("shtrih", p.key, p.name, p.model) for p in PROFILES.values()]


def _restore_clock(clock: DeviceClock, core: FiscalCore, utc_offset: int | None) -> None:
    """Take the clock offset and zone kept with the ФН archive; a bad stored value is ignored."""
    stored = core.device_value("clock")
    if isinstance(stored, (int, float)) and not isinstance(stored, bool) and math.isfinite(stored) \
            and abs(stored) < MAX_CLOCK_OFFSET:
        clock.offset = float(stored)
    zone = core.device_value("utc_offset")
    if utc_offset is not None:
        clock.utc_offset = utc_offset
        core.store_device_values({"utc_offset": utc_offset})
    elif isinstance(zone, int) and not isinstance(zone, bool) and MIN_UTC_OFFSET <= zone <= MAX_UTC_OFFSET:
        clock.utc_offset = zone
    else:
        core.store_device_values({"utc_offset": clock.utc_offset})
    clock.on_change = lambda offset: core.store_device_values({"clock": offset})


def create_device(profile: str = DEFAULT_PROFILE, *, name: str = "", state_dir: Path | None = None,
                  tape: Tape | None = None, tape_width: int | None = None, fn_config: FnConfig | None = None,
                  utc_offset: int | None = None) -> VirtualDevice:
    """A virtual Shtrih-M register; with ``state_dir`` its ФН archive, tables and clock live on disk there."""
    if profile not in PROFILES:
        raise ValueError(f"unknown Shtrih model {profile!r}; known: {', '.join(PROFILES)}")
    chosen = PROFILES[profile]
    if state_dir is not None:
        state_dir.mkdir(parents=True, exist_ok=True)
    clock = DeviceClock()
    core = FiscalCore(clock, fn_config or FnConfig(),
                      archive_path=state_dir / "fn.sqlite" if state_dir is not None else None)
    _restore_clock(clock, core, utc_offset)
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
