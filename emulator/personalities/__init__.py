"""Device families the emulator can present, looked up by family name."""

from __future__ import annotations

from pathlib import Path

from ..core.connection import DeviceConnection
from ..core.device import ModelInfo, VirtualDevice
from ..core.fiscal import FnConfig
from ..core.tape import Tape
from . import atol

FAMILIES = ("atol",)
GENERATIONS = {"atol": ("v2", "v3")}


def models() -> list[ModelInfo]:
    return atol.models()


def create_device(family: str = "atol", model: str | None = None, *, name: str = "", state_dir: Path | None = None,
                  tape: Tape | None = None, tape_width: int | None = None, ffd: str = "1.05") -> VirtualDevice:
    """A virtual device of ``family``; ``state_dir`` makes its state durable on disk; ``ffd`` is the FFD
    mode its ФН works in ("1.05" or "1.2")."""
    if family != "atol":
        raise ValueError(f"the emulator has no family {family!r}; known: {', '.join(FAMILIES)}")
    return atol.create_device(model or atol.DEFAULT_PROFILE, name=name, state_dir=state_dir, tape=tape,
                              tape_width=tape_width, fn_config=FnConfig(ffd=ffd))


def connect_to(device: VirtualDevice, generation: str) -> DeviceConnection:
    if generation not in GENERATIONS.get(device.family, ()):
        raise ValueError(f"{device.family} has no transport {generation!r}")
    return DeviceConnection(device, atol.create_link(device, generation))
