"""The Incotex «Меркурий» personality: the MS-K wire protocol and the driver service's JSON, on the shared ФН."""

from __future__ import annotations

import math
from pathlib import Path

from ...core.clock import MAX_UTC_OFFSET, MIN_UTC_OFFSET, DeviceClock
from ...core.connection import DeviceLink
from ...core.device import ModelInfo, VirtualDevice
from ...core.fiscal import FiscalCore, FnConfig
from ...core.incidents import Incidents
from ...core.tape import Tape
from .links import LINK_FAULTS, JsonDeviceSide, MskDeviceSide
from .personality import MercuryPersonality
from .profile import DEFAULT_PROFILE, PROFILES

__all__ = ["DEFAULT_PROFILE", "LINK_FAULTS", "PROFILES", "MercuryPersonality", "create_device", "create_link",
           "models"]

#: a stored clock offset beyond this (seconds, about a century) is ignored
MAX_CLOCK_OFFSET = 100 * 366 * 86400.0


def models() -> list[ModelInfo]:
    return [ModelInfo("mercury", p.key, p.name, p.model_code) for p in PROFILES.values()]


def _restore_clock(clock: DeviceClock, core: FiscalCore, utc_offset: int | None) -> None:
    """The clock offset and zone kept with the ФН archive; a bad stored value is ignored."""
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
    """A virtual Меркурий; with ``state_dir`` its ФН archive, goods base, journal and clock live there."""
    if profile not in PROFILES:
        raise ValueError(f"unknown Mercury model {profile!r}; known: {', '.join(PROFILES)}")
    chosen = PROFILES[profile]
    if state_dir is not None:
        state_dir.mkdir(parents=True, exist_ok=True)
    clock = DeviceClock()
    core = FiscalCore(clock, fn_config or FnConfig(),
                      archive_path=state_dir / "fn.sqlite" if state_dir is not None else None)
    _restore_clock(clock, core, utc_offset)
    incidents = Incidents()
    personality = MercuryPersonality(chosen, clock, core, tape=tape, incidents=incidents)
    return VirtualDevice(personality, clock, name=name, link_faults=LINK_FAULTS, incidents=incidents)


def create_link(device: VirtualDevice, variant: str) -> DeviceLink:
    """The device side of one connection: ``msk`` frames or the driver service's length-prefixed JSON."""
    personality = device.personality
    assert isinstance(personality, MercuryPersonality)
    if variant == "msk":
        return MskDeviceSide(device, personality)
    return JsonDeviceSide(device)
