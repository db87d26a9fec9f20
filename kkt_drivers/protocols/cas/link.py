"""CAS simple weighing, host side, as a sans-I/O state machine.

One exchange:

1. host ``ENQ`` → scale ``ACK`` (ready) or ``NAK`` (busy, some models) — deadline ``ack``;
2. host ``DC1`` (weight) or ``DC2`` (price-computing scales) → the frame — deadline ``execution``,
   then ``inter-byte`` while the frame arrives.

Some clients skip step 1 and send DC1 at once (``skip_enq=True``). A NAK or a silent ENQ is retried
``enq_tries`` times; a damaged or missing frame restarts the exchange when the request is
``idempotent`` (weight requests are reads, so drivers pass ``idempotent=True``). ``Deliver.answer``
holds the whole frame; :func:`.frames.parse_weight_frame` / :func:`.frames.parse_price_frame` read it.
"""

from __future__ import annotations

from dataclasses import dataclass
from enum import Enum

from ...errors import FrameError, InvalidParameter, ProtocolError, Timeout
from ..actions import Action, Deliver, Fail, Send, Wait
from .frames import ACK, DC1, DC2, ENQ, NAK, BadFrame, BccRule, CasFramer, Control, Frame

_KIND = {DC1: "weight", DC2: "price"}


@dataclass(frozen=True)
class CasTimeouts:
    """Deadlines (seconds) and retry counts of the host link. The values are ours [inf]: no source
    states them; one client waits 3 s for the frame."""

    ack: float = 0.5
    busy_pause: float = 0.2  # pause before asking again after a NAK
    inter_byte: float = 0.2
    enq_tries: int = 5
    tries: int = 3  # whole exchanges of an idempotent request
    stray_frames: int = 8


class LinkState(Enum):
    IDLE = "idle"
    ENQ_SENT = "enq-sent"
    BUSY_PAUSE = "busy-pause"
    WAIT_FRAME = "wait-frame"
    RECEIVING = "receiving"


class CasLink:
    """Host side of one weight request at a time."""

    def __init__(self, timeouts: CasTimeouts | None = None, *, skip_enq: bool = False,
                 price_rule: BccRule = BccRule.XOR) -> None:
        self.t = timeouts or CasTimeouts()
        self.skip_enq = skip_enq
        self.framer = CasFramer(price_rule=price_rule)
        self.state = LinkState.IDLE
        self._command = DC1
        self._exec = 1.0
        self._idempotent = False
        self._enq_tries = 0
        self._tries = 0
        self._stray = 0

    @property
    def busy(self) -> bool:
        return self.state is not LinkState.IDLE

    def request(self, message: bytes, *, execution_timeout: float, idempotent: bool = False) -> list[Action]:
        """``message`` is ``b"\\x11"`` (DC1, weight) or ``b"\\x12"`` (DC2, weight and prices)."""
        if self.busy:
            raise ProtocolError("CAS link is busy with another request", message_ru="канал CAS занят другим запросом")
        if len(message) != 1 or message[0] not in _KIND:
            raise InvalidParameter(f"CAS request must be DC1 (11) or DC2 (12), got {message.hex(' ')}",
                                   message_ru="запрос CAS должен быть DC1 (11) или DC2 (12), получено "
                                              f"{message.hex(' ')}")
        self._command = message[0]
        self._exec = execution_timeout
        self._idempotent = idempotent
        self._tries = 1
        self._stray = 0
        return self._start()

    def _start(self) -> list[Action]:
        self.framer.reset()
        self._enq_tries = 1
        if self.skip_enq:
            return self._send_command()
        self.state = LinkState.ENQ_SENT
        return [Send(bytes((ENQ,))), Wait(self.t.ack, "ack")]

    def _send_command(self) -> list[Action]:
        self.state = LinkState.WAIT_FRAME
        return [Send(bytes((self._command,))), Wait(self._exec, "execution")]

    def _fail(self, error: Exception) -> list[Action]:
        self.state = LinkState.IDLE
        self.framer.reset()
        return [Fail(error)]

    def _retry(self, error: Exception) -> list[Action]:
        if not self._idempotent or self._tries >= self.t.tries:
            return self._fail(error)
        self._tries += 1
        return self._start()

    def _enq_again(self, error: Exception) -> list[Action]:
        self._enq_tries += 1
        if self._enq_tries > self.t.enq_tries:
            return self._fail(error)
        self.state = LinkState.ENQ_SENT
        return [Send(bytes((ENQ,))), Wait(self.t.ack, "ack")]

    def receive(self, data: bytes) -> list[Action]:
        if self.state is LinkState.IDLE:
            return []
        actions: list[Action] = []
        for event in self.framer.feed(data):
            actions.extend(self._on_event(event))
            if actions and isinstance(actions[-1], (Deliver, Fail)):
                return actions
        if self.state in (LinkState.WAIT_FRAME, LinkState.RECEIVING):
            if self.framer.in_frame:
                self.state = LinkState.RECEIVING
                actions.append(Wait(self.t.inter_byte, "inter-byte"))
            elif self.state is LinkState.RECEIVING and not actions:
                actions.extend(self._stray_event("noise that looked like a frame start"))
        return actions

    def _stray_event(self, what: str) -> list[Action]:
        self._stray += 1
        if self._stray > self.t.stray_frames:
            return self._fail(ProtocolError(f"CAS: {self._stray} times no frame for the request (last: {what})"))
        self.state = LinkState.WAIT_FRAME
        return [Wait(self._exec, "execution")]

    def _on_event(self, event: Control | Frame | BadFrame) -> list[Action]:
        state = self.state
        if state is LinkState.ENQ_SENT:
            if isinstance(event, Control):
                if event.byte == ACK:
                    return self._send_command()
                if event.byte == NAK:
                    self.state = LinkState.BUSY_PAUSE
                    return [Wait(self.t.busy_pause, "ack")]
            return []  # a late frame of an earlier exchange
        if state in (LinkState.WAIT_FRAME, LinkState.RECEIVING):
            if isinstance(event, Frame):
                if event.kind != _KIND[self._command]:
                    return self._stray_event(f"a {event.kind} frame")
                self.state = LinkState.IDLE
                return [Deliver(event.raw)]
            if isinstance(event, BadFrame):
                return self._retry(FrameError(f"CAS {event.kind} frame failed its {event.reason} check"))
            return []  # ACK/NAK repeated by the scale: nothing to do
        return []

    def timeout(self) -> list[Action]:
        state = self.state
        if state is LinkState.ENQ_SENT:
            return self._enq_again(Timeout("CAS scale did not answer ENQ", phase="ack",
                                           message_ru="весы CAS не ответили на запрос ENQ"))
        if state is LinkState.BUSY_PAUSE:
            return self._enq_again(Timeout("CAS scale stayed busy (NAK)", phase="ack",
                                           message_ru="весы CAS остаются заняты (NAK)"))
        if state is LinkState.WAIT_FRAME:
            return self._retry(Timeout("no weight frame from the CAS scale", phase="execution", maybe_executed=True,
                                       message_ru="весы CAS не передали вес"))
        if state is LinkState.RECEIVING:
            self.framer.reset()
            return self._retry(Timeout("CAS frame stalled", phase="inter-byte", maybe_executed=True,
                                       message_ru="передача данных весов CAS оборвалась на середине"))
        return []

    def abort(self) -> None:
        """Forget the current request (after a transport error)."""
        self.state = LinkState.IDLE
        self.framer.reset()
