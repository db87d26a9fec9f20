"""The control API a test or the CLI uses to steer a virtual device (not part of any device protocol)."""

from __future__ import annotations

from typing import Any

from .device import VirtualDevice


class DeviceControl:
    """Implements :class:`kkt_drivers.transport.base.EmulatorControl` for one virtual device."""

    def __init__(self, device: VirtualDevice) -> None:
        self.device = device

    def reset(self) -> None:
        self.device.reset()

    def advance_clock(self, seconds: float) -> None:
        with self.device.lock:
            self.device.clock.advance(seconds)

    def set_fault(self, name: str, value: float | int | bool | str = 1) -> None:
        with self.device.lock:
            self.device.faults.arm(name, value)

    @property
    def personality(self) -> Any:
        return self.device.personality

    @property
    def commands_executed(self) -> int:
        return self.device.commands_executed
