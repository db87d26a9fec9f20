"""The ATOL personality: protocol 3.1 over transports v2 and v3."""

from __future__ import annotations

from ...core.clock import DeviceClock
from ...core.connection import DeviceLink
from ...core.device import ModelInfo, VirtualDevice
from .link_v2 import AtolV2DeviceLink
from .link_v3 import AtolV3DeviceLink
from .personality import AtolPersonality
from .profile import DEFAULT_PROFILE, PROFILES

__all__ = ["DEFAULT_PROFILE", "PROFILES", "AtolPersonality", "create_device", "create_link", "models"]



def models() -> list[ModelInfo]:
    return [ModelInfo("atol", p.key, p.name, p.model) for p in PROFILES.values()]


def create_device(profile: str = DEFAULT_PROFILE, *, name: str = "") -> VirtualDevice:
    if profile not in PROFILES:
        raise ValueError(f"unknown ATOL model {profile!r}; known: {', '.join(PROFILES)}")
    clock = DeviceClock()
    return VirtualDevice(AtolPersonality(PROFILES[profile], clock), clock, name=name)


def create_link(device: VirtualDevice, generation: str) -> DeviceLink:
    if generation == "v2":
        return AtolV2DeviceLink(lambda message: device.execute(message).answer)

    def run(message: bytes) -> tuple[bytes, bool, float]:
        outcome = device.execute(message)
        return outcome.answer, outcome.failed, outcome.seconds

    return AtolV3DeviceLink(run)
