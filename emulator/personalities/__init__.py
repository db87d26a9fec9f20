"""Device families the emulator can present, looked up by family name."""

from __future__ import annotations

from ..core.connection import DeviceConnection
from ..core.device import ModelInfo, VirtualDevice
from . import atol

FAMILIES = ("atol",)
GENERATIONS = {"atol": ("v2", "v3")}


def models() -> list[ModelInfo]:
    return atol.models()


def create_device(family: str = "atol", model: str | None = None, *, name: str = "") -> VirtualDevice:
    if family != "atol":
        raise ValueError(f"the emulator has no family {family!r}; known: {', '.join(FAMILIES)}")
    return atol.create_device(model or atol.DEFAULT_PROFILE, name=name) if model else atol.create_device(name=name)


def connect_to(device: VirtualDevice, generation: str) -> DeviceConnection:
    if generation not in GENERATIONS.get(device.family, ()):
        raise ValueError(f"{device.family} has no transport {generation!r}")
    return DeviceConnection(device, atol.create_link(device, generation))
