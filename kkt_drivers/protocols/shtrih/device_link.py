"""Shtrih-M standard lower level, device side, sans-I/O (for the emulator; the mirror of :mod:`.link`).

Published behaviour (vendor protocol v2.0, «Стандартный нижний уровень», and its appendix 2, the device's
state diagram): the device answers ``ENQ`` with ``NAK`` when it waits for a command and with ``ACK`` when it
prepares or holds an answer; every frame it receives is acknowledged with one byte (``ACK``, or ``NAK`` for a
bad LRC or a frame cut short by its byte timeout); a ``NAK`` (or no ``ACK``) after its answer makes it keep the
answer and wait for ``ENQ``, which it answers with ``ACK`` followed by the answer again.

Emulator choices **[inferred]**, not published:

* a frame equal to the command whose answer is still unacknowledged is a repeat (the host lost our ACK or the
  answer): it is acknowledged and not executed again; the answer is sent again unless it is being withheld;
* a different command while an answer is still held discards that answer and runs the new command;
* a late ``ACK`` while holding an answer that was sent counts as its acknowledgement.

Fault hooks: ``withhold_next`` (execute the next N commands but hold their answers unsent, as if each answer
was lost on the line: only an ``ENQ`` brings it out) and ``nak_next`` (refuse the next N good frames with
``NAK``, as an interface error; they are not executed).
"""

from __future__ import annotations

import enum
from collections.abc import Callable
from dataclasses import dataclass

from ..actions import Action, Send, Wait
from .framer import ACK, ENQ, NAK, BadFrame, Control, Frame, ShtrihFramer, encode

Executor = Callable[[bytes], bytes]

_ACK, _NAK = bytes((ACK,)), bytes((NAK,))


@dataclass(frozen=True)
class DeviceTimeouts:
    """Device-side deadlines (seconds).

    A real device uses its byte timeout (50 ms by default, vendor protocol) both between bytes and for the
    host's ACK after an answer. The defaults here are more tolerant **[inferred]**, for hosts on a loaded
    machine talking over a pty or TCP; an emulator profile may set the device values.
    """

    byte: float = 0.5
    answer_ack: float = 0.5


class DeviceState(enum.Enum):
    IDLE = "idle"  # waiting for ENQ or a command
    ANSWER_SENT = "answer-sent"  # answer sent, waiting for the host's ACK
    HOLDING = "holding"  # answer kept unacknowledged, waiting for ENQ


class ShtrihDeviceLink:
    """Device side of the ENQ-first exchange; ``execute`` maps a command message to its answer message."""

    def __init__(self, execute: Executor, timeouts: DeviceTimeouts | None = None) -> None:
        self.execute = execute
        self.t = timeouts or DeviceTimeouts()
        self.framer = ShtrihFramer()
        self.state = DeviceState.IDLE
        self._request = b""
        self._answer_frame = b""
        #: the held answer went out at least once (so a late ACK may be its acknowledgement)
        self._sent = False
        #: fault hooks (see the module docstring)
        self.withhold_next = 0
        self.nak_next = 0
        #: commands executed and repeats recognised (diagnostics)
        self.executed = 0
        self.repeats = 0

    @property
    def holds_answer(self) -> bool:
        return self.state is not DeviceState.IDLE

    def receive(self, data: bytes) -> list[Action]:
        actions: list[Action] = []
        for event in self.framer.feed(data):
            actions.extend(self._on_event(event))
        if self.framer.in_frame:
            actions.append(Wait(self.t.byte, "inter-byte"))
        return actions

    def timeout(self) -> list[Action]:
        if self.framer.in_frame:  # a frame cut short: not accepted
            self.framer.reset()
            return [Send(_NAK)]
        if self.state is DeviceState.ANSWER_SENT:
            self.state = DeviceState.HOLDING  # no ACK in time: keep the answer for ENQ
        return []

    def _on_event(self, event: Control | Frame | BadFrame) -> list[Action]:
        if isinstance(event, BadFrame):
            return [Send(_NAK)]
        if isinstance(event, Frame):
            return self._on_frame(event.payload)
        byte = event.byte
        if byte == ENQ:
            if self.state is DeviceState.IDLE:
                return [Send(_NAK)]
            return [Send(_ACK), *self._send_answer()]
        if byte == ACK and (self.state is DeviceState.ANSWER_SENT
                            or (self.state is DeviceState.HOLDING and self._sent)):
            self._release()
            return []
        if byte == NAK and self.state is DeviceState.ANSWER_SENT:
            self.state = DeviceState.HOLDING  # not repeated until ENQ
        return []

    def _on_frame(self, message: bytes) -> list[Action]:
        if self.nak_next:
            self.nak_next -= 1
            return [Send(_NAK)]
        if self.state is not DeviceState.IDLE and message == self._request:
            self.repeats += 1
            if self.state is DeviceState.HOLDING and not self._sent:
                return [Send(_ACK)]  # a withheld answer comes out only on ENQ
            return [Send(_ACK), *self._send_answer()]
        self._release()
        self._request = message
        answer = self.execute(message)
        self.executed += 1
        self._answer_frame = encode(answer)
        self._sent = False
        if self.withhold_next:
            self.withhold_next -= 1
            self.state = DeviceState.HOLDING
            return [Send(_ACK)]
        return [Send(_ACK), *self._send_answer()]

    def _send_answer(self) -> list[Action]:
        self.state = DeviceState.ANSWER_SENT
        self._sent = True
        return [Send(self._answer_frame), Wait(self.t.answer_ack, "ack")]

    def _release(self) -> None:
        self.state = DeviceState.IDLE
        self._answer_frame = b""
        self._sent = False
