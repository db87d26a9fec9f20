"""ATOL transport v2, host side, as a sans-I/O state machine.

One command is one exchange (see protocol-notes/atol/transport-v2.md):

1. host ``ENQ`` → device ``ACK`` (T1; up to 5 tries, then ``EOT`` and give up);
2. host frame → device ``ACK`` (T3; a NAK or silence resends, up to 10 times);
3. host ``EOT``;
4. device ``ENQ`` when the answer is ready (T5, per command) → host ``ACK``;
5. device frame (T2 for its start, T6 between bytes) → host ``ACK`` or ``NAK`` on a bad LRC;
6. device ``EOT`` (T4).

v2 carries no request id: once step 3 has happened, a missing answer means the command *may*
have run, and the link reports a :class:`Timeout` with ``maybe_executed=True``; it never sends
the command again by itself.
"""

from __future__ import annotations

from dataclasses import dataclass

from ...errors import ProtocolError, Timeout
from ..actions import Action, Deliver, Fail, Send, Wait
from .framer_v2 import ACK, ENQ, EOT, NAK, AtolV2Framer, BadFrame, Control, Frame

_ENQ, _ACK, _NAK, _EOT = bytes((ENQ,)), bytes((ACK,)), bytes((NAK,)), bytes((EOT,))


@dataclass(frozen=True)
class V2Timeouts:
    """Timeouts (seconds) and retry counts of transport v2, as published (T8 is unused)."""

    t1: float = 0.5  # ACK after ENQ
    t2: float = 2.0  # STX of the answer after the host's ACK
    t3: float = 0.5  # ACK after the frame
    t4: float = 0.5  # EOT after the answer
    t6: float = 0.5  # between bytes of a frame
    t7: float = 0.5  # pause after an ENQ collision
    enq_tries: int = 5
    frame_tries: int = 10
    answer_tries: int = 10


class AtolV2Link:
    """Host side of one v2 exchange at a time."""

    IDLE, ENQ_SENT, COLLISION, FRAME_SENT, WAIT_ANSWER, RECEIVING, WAIT_EOT = range(7)

    def __init__(self, timeouts: V2Timeouts | None = None) -> None:
        self.t = timeouts or V2Timeouts()
        self.framer = AtolV2Framer()
        self.state = self.IDLE
        self._frame = b""
        self._answer = b""
        self._tries = 0
        self._exec = 10.0
        #: a copy of the frame met silence: the device may have taken it and lost only its ACK
        self._unanswered = False

    @property
    def busy(self) -> bool:
        return self.state != self.IDLE

    def request(self, message: bytes, *, execution_timeout: float, idempotent: bool = False) -> list[Action]:
        """Start sending ``message`` (password + command + parameters)."""
        if self.busy:
            raise ProtocolError("v2 link is busy with another exchange", message_ru="канал v2 занят другим обменом")
        self._frame = self.framer.encode(message)
        self._exec = execution_timeout
        self._tries = 1
        self._unanswered = False
        self.state = self.ENQ_SENT
        return [Send(_ENQ), Wait(self.t.t1, "ack")]

    def _fail(self, error: Exception, *, eot: bool = False) -> list[Action]:
        self.state = self.IDLE
        self.framer.reset()
        actions: list[Action] = [Send(_EOT)] if eot else []
        actions.append(Fail(error))
        return actions

    def receive(self, data: bytes) -> list[Action]:
        actions: list[Action] = []
        for event in self.framer.feed(data):
            actions.extend(self._on_event(event))
            if actions and isinstance(actions[-1], (Deliver, Fail)):
                return actions
        if self.state in (self.WAIT_ANSWER, self.RECEIVING) and self.framer.in_frame:
            self.state = self.RECEIVING
            actions.append(Wait(self.t.t6, "inter-byte"))
        return actions

    def _on_event(self, event: Control | Frame | BadFrame) -> list[Action]:
        state = self.state
        if state == self.ENQ_SENT:
            if isinstance(event, Control):
                if event.byte == ACK:
                    self.state = self.FRAME_SENT
                    self._tries = 1
                    return [Send(self._frame), Wait(self.t.t3, "ack")]
                if event.byte == ENQ:  # the device wants the line: back off T7, then retry
                    self.state = self.COLLISION
                    return [Wait(self.t.t7, "ack")]
                if event.byte == NAK:  # device busy
                    return self._retry_enq()
            return []  # stray EOT or a late frame from an earlier exchange
        if state == self.FRAME_SENT:
            if isinstance(event, Control):
                if event.byte == ACK:
                    self.state = self.WAIT_ANSWER
                    return [Send(_EOT), Wait(self._exec, "execution")]
                if event.byte == NAK:
                    return self._resend_frame()
                if event.byte == ENQ and self._tries >= 2:
                    # An earlier copy was taken; the device already offers its answer.
                    self.state = self.RECEIVING
                    self._tries = 0
                    return [Send(_ACK), Wait(self.t.t2, "ack")]
            return []
        if state in (self.WAIT_ANSWER, self.RECEIVING):
            if isinstance(event, Control) and event.byte == ENQ:
                self.state = self.RECEIVING
                self._tries = 0
                return [Send(_ACK), Wait(self.t.t2, "ack")]
            if isinstance(event, Frame):
                self._answer = event.payload
                self.state = self.WAIT_EOT
                return [Send(_ACK), Wait(self.t.t4, "ack")]
            if isinstance(event, BadFrame):
                self._tries += 1
                if self._tries > self.t.answer_tries:
                    return self._fail(ProtocolError("v2 answer failed its LRC too many times"))
                return [Send(_NAK), Wait(self.t.t2, "ack")]
            return []
        if state == self.WAIT_EOT:
            if isinstance(event, Control) and event.byte == EOT:
                return self._deliver()
            if isinstance(event, Frame):  # our ACK was lost; the device resent the answer
                self._answer = event.payload
                return [Send(_ACK), Wait(self.t.t4, "ack")]
            return []
        return []  # IDLE: stray bytes between exchanges are dropped

    def _deliver(self) -> list[Action]:
        self.state = self.IDLE
        return [Deliver(self._answer)]

    def _retry_enq(self) -> list[Action]:
        self._tries += 1
        if self._tries > self.t.enq_tries:
            return self._fail(Timeout("device did not acknowledge ENQ (v2)", phase="ack",
                                      message_ru="ККТ не ответила на запрос связи ENQ (v2)"), eot=True)
        self.state = self.ENQ_SENT
        return [Send(_ENQ), Wait(self.t.t1, "ack")]

    def _resend_frame(self) -> list[Action]:
        self._tries += 1
        if self._tries > self.t.frame_tries:
            # Our EOT makes a device run a frame it took; if any copy met silence it may have been taken.
            return self._fail(Timeout("device did not acknowledge the frame (v2)", phase="ack",
                                      maybe_executed=self._unanswered,
                                      message_ru="ККТ не подтвердила приём команды (v2)"), eot=True)
        return [Send(self._frame), Wait(self.t.t3, "ack")]

    def timeout(self) -> list[Action]:
        state = self.state
        if state in (self.ENQ_SENT, self.COLLISION):
            return self._retry_enq()
        if state == self.FRAME_SENT:
            self._unanswered = True
            return self._resend_frame()
        if state == self.WAIT_ANSWER:
            return self._fail(Timeout("no answer from the device within the command's execution time (v2); "
                                      "the command may have been executed", phase="execution",
                                      maybe_executed=True,
                                      message_ru="ККТ не ответила за время выполнения команды (v2); команда могла "
                                                 "быть выполнена"))
        if state == self.RECEIVING:
            if self.framer.in_frame:
                self.framer.reset()
                self._tries += 1
                if self._tries > self.t.answer_tries:
                    return self._fail(Timeout("answer frame stalled (v2)", phase="inter-byte",
                                              maybe_executed=True,
                                              message_ru="передача ответа ККТ оборвалась на середине (v2); "
                                                         "команда могла быть выполнена"))
                return [Send(_NAK), Wait(self.t.t2, "ack")]
            return self._fail(Timeout("device announced an answer but did not send it (v2)", phase="ack",
                                      maybe_executed=True,
                                      message_ru="ККТ сообщила о готовности ответа, но не передала его (v2); "
                                                 "команда могла быть выполнена"))
        if state == self.WAIT_EOT:
            return self._deliver()  # the answer is whole; a missing EOT does not spoil it
        return []

    def abort(self) -> None:
        """Forget the current exchange (after a transport error)."""
        self.state = self.IDLE
        self.framer.reset()
