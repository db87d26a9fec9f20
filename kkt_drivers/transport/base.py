"""The byte-pipe floor: what every transport offers the session above it."""

from __future__ import annotations

import abc
from typing import Any, Protocol, runtime_checkable


@runtime_checkable
class EmulatorControl(Protocol):
    """What an emulator exposes to tests through its transport (``transport.control``).

    Declared here so that kkt_drivers can type it without importing the emulator.
    """

    def reset(self) -> None:
        """Return the virtual device to its profile's initial state."""

    def advance_clock(self, seconds: float) -> None:
        """Move the device clock forward."""

    def set_fault(self, name: str, value: float | int | bool | str = 1) -> None:
        """Arm a fault (see the emulator's FaultPlan for names); a command fault takes an operation name."""

    @property
    def fiscal(self) -> Any:
        """The virtual ФН of the emulated device, or ``None`` for a device without one."""


class Transport(abc.ABC):
    """A byte pipe: open, close, write, and read what has arrived until a deadline.

    ``read`` returns at least one byte, or ``b""`` when ``timeout`` seconds pass with nothing.
    It never splits or joins frames; that is the framer's job.
    """

    #: set by emulator transports; ``None`` on real hardware
    control: EmulatorControl | None = None
    #: a human-readable address, for errors and traces
    address: str = ""

    @abc.abstractmethod
    def open(self) -> None: ...

    @abc.abstractmethod
    def close(self) -> None: ...

    @property
    @abc.abstractmethod
    def is_open(self) -> bool: ...

    @abc.abstractmethod
    def write(self, data: bytes) -> None: ...

    @abc.abstractmethod
    def read(self, timeout: float) -> bytes: ...

    def reopen(self) -> None:
        """Drop the connection and make a new one to the same device (after ``ConnectionLost``)."""
        self.close()
        self.open()

    def __enter__(self) -> Transport:
        if not self.is_open:
            self.open()
        return self

    def __exit__(self, *exc: object) -> None:
        self.close()
