"""A virtual device: the state a real register or scale keeps, shared by every connection to it."""

from __future__ import annotations

import threading
from collections.abc import Mapping
from dataclasses import dataclass
from typing import Any, Protocol

from .clock import DeviceClock
from .faults import FaultPlan, FaultValue
from .incidents import Incidents


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

    def execute(self, message: bytes, client: int = 0) -> Outcome:
        """Run one command sent by ``client`` (a number per connection: what one connection has started, such
        as an open receipt, another may not touch)."""
        ...

    def client_gone(self, client: int) -> None:
        """The connection ``client`` closed: what it held is free again."""
        ...

    def reset(self) -> None: ...

    def close(self) -> None:
        """Release what the device holds open (its archive file)."""
        ...

    def failure(self, message: bytes, error: BaseException) -> Outcome:
        """The answer to ``message`` when executing it raised ``error``: the family's error code."""
        ...

    def command_bytes(self, message: bytes) -> bytes:
        """The message from its command code on (what ``withhold_command`` faults match)."""
        ...

    def control(self, op: str, request: Mapping[str, Any]) -> dict[str, Any] | None:
        """A control-port request only this family knows (a scale's ``set_weight``, say): the reply's fields,
        or ``None`` for an op it does not know. Raise ``ValueError`` for a bad value (it becomes the reply's
        error)."""
        ...

    @property
    def operation_codes(self) -> Mapping[str, str]:
        """Operation names (``close_receipt``, ``open_shift``…) -> the hex code of the command that makes
        the fiscal effect, so faults can be armed by operation in any family."""
        ...

    @property
    def fiscal(self) -> Any:
        """The virtual ФН (a :class:`~kkt_emu.core.fiscal.FiscalCore`), or ``None`` for a device without one."""
        ...


class AnswerControl(Protocol):
    """What a device-side link offers the core's faults: answers it must not send."""

    withhold_next: int


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

    def __init__(self, personality: Personality, clock: DeviceClock, *, name: str = "",
                 link_faults: Mapping[str, FaultValue] | None = None, incidents: Incidents | None = None) -> None:
        self.personality = personality
        self.clock = clock
        self.faults = FaultPlan(link_defaults=dict(link_faults or {}))
        self.name = name
        self.lock = threading.RLock()
        self.commands_executed = 0
        #: set by a ``disconnect_command`` fault; the connection that ran the command hangs up
        self.hangup_pending = False
        #: exceptions met while serving this device (answered, logged, reported by ``control status``)
        self.incidents = incidents or Incidents()

    @property
    def family(self) -> str:
        return self.personality.family

    @property
    def fiscal(self) -> Any:
        """The device's virtual ФН, or ``None`` (a scale has none)."""
        return self.personality.fiscal

    def execute(self, message: bytes, client: int = 0) -> Outcome:
        """Run one command; an exception inside the personality becomes the family's error answer."""
        with self.lock:
            self.commands_executed += 1
            try:
                return self.personality.execute(message, client)
            except Exception as exc:
                self.incidents.record("execute", exc)
                return self.personality.failure(message, exc)

    def execute_for(self, link: AnswerControl, message: bytes) -> Outcome:
        """Execute ``message`` for a connection's link, applying command faults: a withheld answer makes the
        link drop it; a disconnect also hangs the connection up."""
        outcome = self.execute(message, id(link))
        command = self.personality.command_bytes(message)
        if self.faults.take_withhold(command):
            link.withhold_next += 1
        elif self.faults.take_disconnect(command):
            link.withhold_next += 1
            self.hangup_pending = True
        return outcome

    def reset(self) -> None:
        with self.lock:
            self.personality.reset()
            self.clock.reset()
            self.faults.clear()

    def client_gone(self, client: int) -> None:
        with self.lock:
            try:
                self.personality.client_gone(client)
            except Exception as exc:
                self.incidents.record("client_gone", exc)

    def close(self) -> None:
        """Release the device's files (its ФН archive); the same state directory can then be opened again."""
        with self.lock:
            self.personality.close()
