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
        """Arm a fault; ``withhold_command``/``disconnect_command`` take a hex command code or an operation
        name (``close_receipt``, ``open_shift``, ``close_shift``, ``register``, ``close_fn``…)."""
        if name in ("withhold_command", "disconnect_command") and isinstance(value, str):
            value = self.device.personality.operation_codes.get(value, value)
        with self.device.lock:
            self.device.faults.arm(name, value)

    @property
    def fiscal(self) -> Any:
        """The device's virtual ФН (:class:`~kkt_emu.core.fiscal.FiscalCore`), or ``None``."""
        return self.device.fiscal

    @property
    def personality(self) -> Any:
        return self.device.personality

    @property
    def commands_executed(self) -> int:
        return self.device.commands_executed
