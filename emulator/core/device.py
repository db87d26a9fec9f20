"""A virtual device: the state a real register keeps, shared by every connection to it."""

from __future__ import annotations

import threading
from dataclasses import dataclass
from typing import Protocol

from .clock import DeviceClock
from .faults import FaultPlan


class Outcome(Protocol):
    """The result of one command: the answer bytes, whether it failed, how long a device takes."""

    @property
    def answer(self) -> bytes: ...

    @property
    def failed(self) -> bool: ...

    @property
    def seconds(self) -> float: ...


class Personality(Protocol):
    """A family's behaviour: host-protocol messages in, answers out."""

    family: str

    def execute(self, message: bytes) -> Outcome: ...

    def reset(self) -> None: ...


@dataclass(frozen=True)
class ModelInfo:
    family: str
    key: str
    name: str
    model_code: int


class VirtualDevice:
    """Owns the clock, the personality (with its state) and the fault plan.

    Connections come and go; this object stays. Every command runs under :attr:`lock`, so two
    connections never interleave inside the device.
    """

    def __init__(self, personality: Personality, clock: DeviceClock, *, name: str = "") -> None:
        self.personality = personality
        self.clock = clock
        self.faults = FaultPlan()
        self.name = name
        self.lock = threading.RLock()
        self.commands_executed = 0
        #: set by a ``disconnect_command`` fault; the connection that ran the command hangs up
        self.hangup_pending = False

    @property
    def family(self) -> str:
        return self.personality.family

    def execute(self, message: bytes) -> Outcome:
        with self.lock:
            self.commands_executed += 1
            return self.personality.execute(message)

    def reset(self) -> None:
        with self.lock:
            self.personality.reset()
            self.clock.reset()
            self.faults.clear()
