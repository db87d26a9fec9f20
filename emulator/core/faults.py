"""Faults on demand, applied at the emulator's side of any attachment.

A :class:`FaultPlan` holds counters that the device connection consumes:

``withhold_answer``  execute the next N commands but never send their answers (lost answer)
``corrupt_answer``   flip the checksum byte of the next N frames/packets we send
``garbage``          put N bytes of line noise (no control or start bytes) before the next output
``nak``              (v2) refuse the next N good frames from the host with NAK
``split_writes``     send output one byte per write (attachments) / per read (in-process)
``stall``            hold the next output back for this many seconds
``async_answers``    (v3) answer every task "in progress" and deliver its result later on id F0
``withhold_command`` execute the next command with this code (hex, e.g. ``"4a"``) but lose its answer
``disconnect_command`` execute the next command with this code, then hang up without answering
                     (TCP and in-process; a pty cannot hang up, so there it acts as a lost answer)

Randomness (garbage bytes) comes from a seeded generator, so a run can be repeated.
"""

from __future__ import annotations

import random
from dataclasses import dataclass, field

FAULT_NAMES = ("withhold_answer", "corrupt_answer", "garbage", "nak", "split_writes", "stall", "async_answers",
               "withhold_command", "disconnect_command")
_NOISE = bytes(b for b in range(0x20, 0x7F))  # printable ASCII: never a control or start byte


@dataclass
class FaultPlan:
    withhold_answer: int = 0
    corrupt_answer: int = 0
    garbage: int = 0
    nak: int = 0
    split_writes: bool = False
    stall: float = 0.0
    async_answers: bool = False
    withhold_command: str = ""
    disconnect_command: str = ""
    seed: int = 0
    _rng: random.Random = field(default_factory=random.Random, repr=False)

    def __post_init__(self) -> None:
        self._rng.seed(self.seed)

    def arm(self, name: str, value: float | int | bool | str = 1) -> None:
        if name not in FAULT_NAMES:
            raise ValueError(f"unknown fault {name!r}; known: {', '.join(FAULT_NAMES)}")
        current = getattr(self, name)
        setattr(self, name, type(current)(value))

    def clear(self) -> None:
        self.withhold_answer = self.corrupt_answer = self.garbage = self.nak = 0
        self.split_writes = False
        self.async_answers = False
        self.withhold_command = ""
        self.disconnect_command = ""
        self.stall = 0.0

    def take_withhold(self, message: bytes) -> bool:
        """True (once) when ``message`` (password + command) is the command whose answer must be lost."""
        code = self.withhold_command
        if code and message[2:].hex().startswith(code.lower()):
            self.withhold_command = ""
            return True
        return False

    def take_disconnect(self, message: bytes) -> bool:
        """True (once) when the connection must hang up after running ``message``."""
        code = self.disconnect_command
        if code and message[2:].hex().startswith(code.lower()):
            self.disconnect_command = ""
            return True
        return False

    def noise(self, size: int) -> bytes:
        return bytes(self._rng.choice(_NOISE) for _ in range(size))
