"""The Incotex «Меркурий» personality: the MS-K wire protocol and the driver service's JSON, on the shared ФН."""

from __future__ import annotations

from pathlib import Path

from ...core.connection import DeviceLink
from ...core.device import ModelInfo, VirtualDevice
from ...core.fiscal import FnConfig
from ...core.fiscal_device import open_fiscal_device
from ...core.incidents import Incidents
from ...core.tape import Tape
from .links import LINK_FAULTS, JsonDeviceSide, MskDeviceSide
from .personality import MercuryPersonality
from .profile import DEFAULT_PROFILE, PROFILES

__all__ = ["DEFAULT_PROFILE", "LINK_FAULTS", "PROFILES", "MercuryPersonality", "create_device", "create_link",
           "models"]



def models() -> list[ModelInfo]:
    return [ModelInfo("mercury", p.key, p.name, p.model_code) for p in PROFILES.values()]


def create_device(profile: str = DEFAULT_PROFILE, *, name: str = "", state_dir: Path | None = None,
                  tape: Tape | None = None, tape_width: int | None = None, fn_config: FnConfig | None = None,
                  utc_offset: int | None = None) -> VirtualDevice:
    """A virtual Меркурий; with ``state_dir`` its ФН archive, goods base, journal and clock live there."""
    if profile not in PROFILES:
        raise ValueError(f"unknown Mercury model {profile!r}; known: {', '.join(PROFILES)}")
    chosen = PROFILES[profile]
    clock, core = open_fiscal_device(state_dir, fn_config, utc_offset)
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
