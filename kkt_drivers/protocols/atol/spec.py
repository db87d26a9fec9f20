"""ATOL's extras on the family-neutral :class:`~kkt_drivers.protocols.spec.CommandSpec`.

An ATOL command also declares how its answer begins (:class:`AnswerFormat`), the code of a good
answer, its timeout class (ATOL's T5 per command) and the modes in which the register accepts it.
"""

from __future__ import annotations

import enum
from dataclasses import dataclass

from ..spec import CommandSpec


class TimeoutClass(float, enum.Enum):
    """How long a command may run on the device (ATOL T5, seconds; published per command)."""

    QUICK = 10.0
    CLOSE_DOCUMENT = 20.0
    REPORT = 40.0
    REGISTER_READ = 45.0
    POSITION = 50.0
    LONG_PRINT = 120.0


class AnswerFormat(enum.Enum):
    """How the first bytes of an answer are laid out (ATOL protocol 3.1)."""

    #: ``55 <error> <data…>``; for commands without data the device adds an extended-code byte
    CODE_ERROR = "55 err"
    #: ``<code> <data…>`` on success, ``55 <error> <ext>`` on failure (``3F`` answers ``44``)
    CODE_OR_ERROR = "code|55 err"
    #: ``55 <data…>`` with no error byte (``45``: byte 1 is the mode)
    CODE_ONLY = "55"
    #: ``<error> <data…>`` (``A5``)
    ERROR_FIRST = "err"


@dataclass(frozen=True, eq=False)
class AtolCommandSpec(CommandSpec):
    """One ATOL protocol 3.1 command."""

    answer: AnswerFormat = AnswerFormat.CODE_ERROR
    answer_code: int = 0x55
    timeout: TimeoutClass = TimeoutClass.QUICK
    #: modes (low nibble of the mode byte) where the device accepts the command; None = any
    modes: frozenset[int] | None = None

    @property
    def timeout_seconds(self) -> float:
        return float(self.timeout.value)
