"""ATOL transport v2, device side, sans-I/O (the mirror of kkt_drivers' host link).

IDLE ──ENQ/ACK──▶ RECEIVE ──frame/ACK──▶ WAIT_EOT ──EOT──▶ execute ──▶ ENQ ──ACK──▶ frame ──ACK──▶ EOT.
A bad LRC is answered with NAK; a NAK or silence after our frame resends it (up to 10 times),
silence after our ENQ repeats it (up to 5 times). Behaviour on the device side is inferred from
the host-side rules (protocol-notes/atol/transport-v2.md).
"""

from __future__ import annotations

from collections.abc import Callable

from kkt_drivers.protocols.actions import Action, Send, Wait
from kkt_drivers.protocols.atol.framer_v2 import (
    ACK,
    CONTROL_BYTES,
    ENQ,
    EOT,
    NAK,
    AtolV2Framer,
    BadFrame,
    Control,
    Frame,
)
from kkt_drivers.protocols.atol.link_v2 import V2Timeouts

from ...core.faults import FaultPlan

Executor = Callable[[bytes], bytes]


class AtolV2DeviceLink:
    IDLE, RECEIVE, WAIT_EOT, ANSWER_ENQ, ANSWER_FRAME = range(5)

    def __init__(self, execute: Executor, timeouts: V2Timeouts | None = None) -> None:
        self.execute = execute
        self.t = timeouts or V2Timeouts()
        self.framer = AtolV2Framer()
        self.state = self.IDLE
        self._request = b""
        self._answer_frame = b""
        self._tries = 0
        #: fault hooks: drop the next N answers after executing; NAK the next N good frames
        self.withhold_next = 0
        self.nak_next = 0

    def arm_faults(self, plan: FaultPlan) -> None:
        """``nak``: refuse the next N good frames from the host."""
        self.nak_next += int(plan.take_link("nak"))

    def receive(self, data: bytes) -> list[Action]:
        actions: list[Action] = []
        while data:
            if self.state in (self.RECEIVE, self.WAIT_EOT):
                for event in self.framer.feed(data):
                    actions.extend(self._on_event(event))
                return actions
            # Outside a request only control bytes count: a frame start seen here (line noise, another
            # transport's bytes) must not swallow the host's next ENQ.
            self.framer.reset()
            byte, data = data[0], data[1:]
            if byte in CONTROL_BYTES:
                actions.extend(self._on_event(Control(byte)))
        return actions

    def _on_event(self, event: Control | Frame | BadFrame) -> list[Action]:
        state = self.state
        if isinstance(event, Control):
            byte = event.byte
            if byte == ENQ and state in (self.IDLE, self.RECEIVE, self.WAIT_EOT):
                # a new exchange (or the host lost our ACK and asks again)
                self.state = self.RECEIVE
                return [Send(bytes((ACK,))), Wait(self.t.t2, "ack")]
            if byte == EOT and state == self.WAIT_EOT:
                return self._run()
            if byte == EOT and state == self.RECEIVE:
                self.state = self.IDLE  # the host gave up
                return []
            if byte == ACK and state == self.ANSWER_ENQ:
                self.state = self.ANSWER_FRAME
                self._tries = 1
                return [Send(self._answer_frame), Wait(self.t.t3, "ack")]
            if byte == ACK and state == self.ANSWER_FRAME:
                self.state = self.IDLE
                return [Send(bytes((EOT,)))]
            if byte == NAK and state == self.ANSWER_FRAME:
                return self._resend()
            return []
        if isinstance(event, Frame):
            if state == self.RECEIVE and self.nak_next:
                self.nak_next -= 1
                return [Send(bytes((NAK,))), Wait(self.t.t2, "ack")]
            if state == self.RECEIVE:
                self._request = event.payload
                self.state = self.WAIT_EOT
                return [Send(bytes((ACK,))), Wait(self.t.t4, "ack")]
            if state == self.WAIT_EOT:  # the host lost our ACK and resent the same frame
                return [Send(bytes((ACK,))), Wait(self.t.t4, "ack")]
            return []
        if state == self.RECEIVE:  # bad LRC
            return [Send(bytes((NAK,))), Wait(self.t.t2, "ack")]
        return []

    def _run(self) -> list[Action]:
        answer = self.execute(self._request)
        if self.withhold_next:
            self.withhold_next -= 1
            self.state = self.IDLE
            return []
        self._answer_frame = self.framer.encode(answer)
        self.state = self.ANSWER_ENQ
        self._tries = 1
        return [Send(bytes((ENQ,))), Wait(self.t.t1, "ack")]

    def _resend(self) -> list[Action]:
        self._tries += 1
        if self._tries > self.t.frame_tries:
            self.state = self.IDLE
            return [Send(bytes((EOT,)))]
        return [Send(self._answer_frame), Wait(self.t.t3, "ack")]

    def timeout(self) -> list[Action]:
        state = self.state
        if state == self.WAIT_EOT:
            return self._run()  # the host's EOT was lost; the frame was acknowledged, so run it
        if state == self.ANSWER_ENQ:
            self._tries += 1
            if self._tries > self.t.enq_tries:
                self.state = self.IDLE
                return [Send(bytes((EOT,)))]
            return [Send(bytes((ENQ,))), Wait(self.t.t1, "ack")]
        if state == self.ANSWER_FRAME:
            return self._resend()
        if state == self.RECEIVE:
            self.framer.reset()
            self.state = self.IDLE
        return []
