"""Faults on demand, applied at the emulator's side of any attachment.

A :class:`FaultPlan` holds counters that the device connection consumes. The core's faults act on the
byte pipe or on whole commands, so they work for every family:

``withhold_answer``  execute the next N commands but never send their answers (lost answer)
``corrupt_answer``   flip the last (checksum) byte of the next N frames/packets we send
``drop_input``       lose the next N chunks of bytes the host sends (as a noisy line loses them)
``corrupt_input``    flip one byte in each of the next N chunks the host sends
``garbage``          put N bytes of line noise (no control or start bytes) before the next output
``split_writes``     send output one byte per write (attachments) / per read (in-process)
``stall``            hold the next output back for this many seconds
``withhold_command`` execute the next command whose code starts with this hex (e.g. ``"4a"``) but lose
                     its answer
``disconnect_command`` execute the next command with this code, then hang up without answering
                     (TCP and in-process; a pty cannot hang up, so there it acts as a lost answer)

A family declares faults of its own link (ATOL: ``nak`` for v2, ``sync_answers`` for v3) when the plan
is made; its links read them from :attr:`FaultPlan.link`. Randomness (garbage bytes) comes from a seeded
generator, so a run can be repeated.
"""

from __future__ import annotations

import random
from collections.abc import Mapping
from dataclasses import dataclass, field

CORE_FAULTS = ("withhold_answer", "corrupt_answer", "drop_input", "corrupt_input", "garbage", "split_writes", "stall",
               "withhold_command", "disconnect_command")
_NOISE = bytes(b for b in range(0x20, 0x7F))  # printable ASCII: never a control or start byte
FaultValue = float | int | bool | str


@dataclass
class FaultPlan:
    withhold_answer: int = 0
    corrupt_answer: int = 0
    drop_input: int = 0
    corrupt_input: int = 0
    garbage: int = 0
    split_writes: bool = False
    stall: float = 0.0
    withhold_command: str = ""
    disconnect_command: str = ""
    seed: int = 0
    #: the family's link faults: name -> default value (its type is the fault's type)
    link_defaults: Mapping[str, FaultValue] = field(default_factory=dict)
    #: the family's link faults as armed now
    link: dict[str, FaultValue] = field(default_factory=dict)
    _rng: random.Random = field(default_factory=random.Random, repr=False)

    def __post_init__(self) -> None:
        self._rng.seed(self.seed)
        self.link = dict(self.link_defaults)

    @property
    def names(self) -> tuple[str, ...]:
        return (*CORE_FAULTS, *self.link_defaults)

    def arm(self, name: str, value: FaultValue = 1) -> None:
        if name in CORE_FAULTS:
            current = getattr(self, name)
            setattr(self, name, type(current)(value))
        elif name in self.link_defaults:
            self.link[name] = type(self.link_defaults[name])(value)
        else:
            raise ValueError(f"unknown fault {name!r}; known: {', '.join(self.names)}")

    def take_link(self, name: str) -> FaultValue:
        """A counting link fault's value, reset to its default (a switch keeps its value)."""
        value = self.link.get(name, 0)
        if not isinstance(value, bool):
            self.link[name] = self.link_defaults[name]
        return value

    def clear(self) -> None:
        self.withhold_answer = self.corrupt_answer = self.garbage = self.drop_input = self.corrupt_input = 0
        self.split_writes = False
        self.withhold_command = ""
        self.disconnect_command = ""
        self.stall = 0.0
        self.link = dict(self.link_defaults)

    def take_withhold(self, command: bytes) -> bool:
        """True (once) when ``command`` (from its code on) is the command whose answer must be lost."""
        code = self.withhold_command
        if code and command.hex().startswith(code.lower()):
            self.withhold_command = ""
            return True
        return False

    def take_disconnect(self, command: bytes) -> bool:
        """True (once) when the connection must hang up after running ``command``."""
        code = self.disconnect_command
        if code and command.hex().startswith(code.lower()):
            self.disconnect_command = ""
            return True
        return False

    def mangle_input(self, data: bytes) -> bytes:
        """Apply the input faults to a chunk from the host: dropped whole, or one byte flipped."""
        if self.drop_input and data:
            self.drop_input -= 1
            return b""
        if self.corrupt_input and data:
            self.corrupt_input -= 1
            at = self._rng.randrange(len(data))
            return data[:at] + bytes((data[at] ^ 0x20,)) + data[at + 1:]
        return data

    def noise(self, size: int) -> bytes:
        return bytes(self._rng.choice(_NOISE) for _ in range(size))
