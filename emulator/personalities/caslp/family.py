"""CAS LP's entry in the emulator's family table: a label scale, no fiscal drive, goods memory in a store."""

from __future__ import annotations

from pathlib import Path
from typing import ClassVar

from ...core.clock import DeviceClock
from ...core.connection import DeviceLink
from ...core.device import ModelInfo, VirtualDevice
from ...core.family import EmulatedFamily
from ...core.incidents import Incidents
from ...core.store import DeviceStore, MemoryDeviceStore, SqliteDeviceStore, StoreError
from ...core.tape import Tape
from ..massak.weighing import WeighingPlatform
from .link import LINK_FAULTS, CasLpDeviceLink
from .personality import DEFAULT_PROFILE, PROFILES, CasLpPersonality

STORE_FILE = "scale.sqlite"


class CasLpEmulatedFamily(EmulatedFamily):
    name: ClassVar[str] = "caslp"
    fiscal: ClassVar[bool] = False
    link_faults = LINK_FAULTS

    def models(self) -> list[ModelInfo]:
        return [ModelInfo("caslp", p.key, p.name, p.model_code) for p in PROFILES.values()]

    def create_device(self, model: str | None = None, *, name: str = "", state_dir: Path | None = None,
                      tape: Tape | None = None, tape_width: int | None = None,
                      ffd: str | None = None, utc_offset: int | None = None) -> VirtualDevice:
        """A CAS LP scale; with ``state_dir`` its goods memory lives in ``state_dir/scale.sqlite``."""
        key = model or DEFAULT_PROFILE
        if key not in PROFILES:
            raise ValueError(f"unknown CAS LP model {key!r}; known: {', '.join(PROFILES)}")
        profile = PROFILES[key]
        store: DeviceStore
        if state_dir is None:
            store = MemoryDeviceStore()
        else:
            try:
                state_dir.mkdir(parents=True, exist_ok=True)
                store = SqliteDeviceStore(state_dir / STORE_FILE)
            except (StoreError, OSError) as exc:
                raise ValueError(f"the scale's state {state_dir} cannot be used (is another emulator using it?): "
                                 f"{exc}") from exc
        incidents = Incidents()
        personality = CasLpPersonality(profile, WeighingPlatform(profile.spec), store, incidents)
        return VirtualDevice(personality, DeviceClock(utc_offset=utc_offset), name=name, link_faults=LINK_FAULTS,
                             incidents=incidents)

    def create_link(self, device: VirtualDevice, variant: str) -> DeviceLink:
        return CasLpDeviceLink(device)


FAMILY = CasLpEmulatedFamily()
