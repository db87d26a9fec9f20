"""Massa-K's entry in the emulator's family table: a scale, no fiscal drive."""

from __future__ import annotations

from pathlib import Path
from typing import ClassVar

from ...core.clock import DeviceClock
from ...core.connection import DeviceLink
from ...core.device import ModelInfo, VirtualDevice
from ...core.family import EmulatedFamily
from ...core.incidents import Incidents
from ...core.tape import Tape
from .link import LINK_FAULTS, MassaKDeviceLink
from .personality import DEFAULT_PROFILE, PROFILES, MassaKPersonality
from .weighing import WeighingPlatform


class MassaKEmulatedFamily(EmulatedFamily):
    name: ClassVar[str] = "massak"
    fiscal: ClassVar[bool] = False
    link_faults = LINK_FAULTS

    def models(self) -> list[ModelInfo]:
        return [ModelInfo("massak", p.key, p.name, p.model_code) for p in PROFILES.values()]

    def create_device(self, model: str | None = None, *, name: str = "", state_dir: Path | None = None,
                      tape: Tape | None = None, tape_width: int | None = None,
                      ffd: str | None = None, utc_offset: int | None = None) -> VirtualDevice:
        """A Massa-K scale. It keeps nothing across restarts (tare and zero are lost at power-off, as on the
        real device [inferred]), so ``state_dir`` is accepted and unused."""
        key = model or DEFAULT_PROFILE
        if key not in PROFILES:
            raise ValueError(f"unknown Massa-K model {key!r}; known: {', '.join(PROFILES)}")
        profile = PROFILES[key]
        incidents = Incidents()
        personality = MassaKPersonality(profile, WeighingPlatform(profile.spec), incidents)
        return VirtualDevice(personality, DeviceClock(utc_offset=utc_offset), name=name, link_faults=LINK_FAULTS,
                             incidents=incidents)

    def create_link(self, device: VirtualDevice, variant: str) -> DeviceLink:
        return MassaKDeviceLink(device)


FAMILY = MassaKEmulatedFamily()
