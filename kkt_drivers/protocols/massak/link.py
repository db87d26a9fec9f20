"""Massa-K «Протокол 100», host side, as a sans-I/O state machine.

The exchange is one frame each way: the host sends a request frame, the scale answers with one
frame (the reply, CMD_ERROR or CMD_NACK). There is no acknowledgement layer and no request id, so:

* a reply whose code cannot answer the request (see :data:`.commands.EXPECTED_REPLIES`) is taken
  for a late reply to an earlier request and dropped;
* a missing or damaged reply is retried only for an ``idempotent`` request; otherwise the link
  fails — with :class:`~kkt_drivers.errors.Timeout` (``maybe_executed=True``: the scale may have
  taken the request) or :class:`~kkt_drivers.errors.FrameError`.

Deadlines: ``execution`` from the request to the first byte of a reply (per request), then
``inter-byte`` while a reply frame is arriving. The one client that states its timing reads for up
to 2 s with a 220 ms gap between bytes (protocol-notes/scales/README.md).
"""

from __future__ import annotations

from dataclasses import dataclass
from enum import Enum

from ...errors import FrameError, ProtocolError, Timeout
from ..actions import Action, Deliver, Fail, Send, Wait
from .commands import ANY_REQUEST_REPLIES, EXPECTED_REPLIES
from .framer import BadFrame, Frame, MassaKFramer, encode


@dataclass(frozen=True)
class MassaKTimeouts:
    """Deadlines (seconds) and retry counts of the host link."""

    inter_byte: float = 0.25
    tries: int = 3  # sends of an idempotent request, the first one included
    stale_replies: int = 8  # replies to other requests tolerated in one exchange


class LinkState(Enum):
    IDLE = "idle"
    WAIT_REPLY = "wait-reply"
    RECEIVING = "receiving"


class MassaKLink:
    """Host side of one request at a time."""

    def __init__(self, timeouts: MassaKTimeouts | None = None, *, max_body: int | None = None) -> None:
        self.t = timeouts or MassaKTimeouts()
        self.framer = MassaKFramer() if max_body is None else MassaKFramer(max_body=max_body)
        self.state = LinkState.IDLE
        self._frame = b""
        self._expected: frozenset[int] | None = None
        self._exec = 2.0
        self._idempotent = False
        self._tries = 0
        self._stale = 0

    @property
    def busy(self) -> bool:
        return self.state is not LinkState.IDLE

    def request(self, message: bytes, *, execution_timeout: float, idempotent: bool = False) -> list[Action]:
        """Send ``message`` (``CMD`` + ``DATA``) and wait for its reply."""
        if self.busy:
            raise ProtocolError("Massa-K link is busy with another request",
                                message_ru="канал Масса-К занят другим запросом")
        self._frame = encode(message)  # raises InvalidParameter for an empty or oversized body
        known = EXPECTED_REPLIES.get(message[0])
        self._expected = None if known is None else known | ANY_REQUEST_REPLIES
        self._exec = execution_timeout
        self._idempotent = idempotent
        self._tries = 1
        self._stale = 0
        self.framer.reset()
        self.state = LinkState.WAIT_REPLY
        return [Send(self._frame), Wait(self._exec, "execution")]

    def _fail(self, error: Exception) -> list[Action]:
        self.state = LinkState.IDLE
        self.framer.reset()
        return [Fail(error)]

    def _retry(self, error: Exception) -> list[Action]:
        if not self._idempotent or self._tries >= self.t.tries:
            return self._fail(error)
        self._tries += 1
        self.framer.reset()
        self.state = LinkState.WAIT_REPLY
        return [Send(self._frame), Wait(self._exec, "execution")]

    def receive(self, data: bytes) -> list[Action]:
        if self.state is LinkState.IDLE:
            return []  # nothing asked: late bytes are dropped
        actions: list[Action] = []
        for event in self.framer.feed(data):
            actions.extend(self._on_event(event))
            if actions and isinstance(actions[-1], (Deliver, Fail)):
                return actions
        if self.framer.in_frame:
            self.state = LinkState.RECEIVING
            actions.append(Wait(self.t.inter_byte, "inter-byte"))
        elif self.state is LinkState.RECEIVING and not actions:
            # the bytes that looked like a frame start were noise: the reply is still due. Re-arming the
            # execution deadline counts like a stale reply, so a noisy line cannot hold the link forever.
            actions.extend(self._stale_reply("noise that looked like a frame start"))
        return actions

    def _stale_reply(self, what: str) -> list[Action]:
        self._stale += 1
        if self._stale > self.t.stale_replies:
            return self._fail(ProtocolError(f"Massa-K: {self._stale} times no reply to the request (last: {what})"))
        self.state = LinkState.WAIT_REPLY
        return [Wait(self._exec, "execution")]

    def _on_event(self, event: Frame | BadFrame) -> list[Action]:
        if isinstance(event, BadFrame):
            return self._retry(FrameError(f"Massa-K reply failed its {event.reason} check"))
        if self._expected is not None and event.command not in self._expected:
            return self._stale_reply(f"reply 0x{event.command:02X}, which does not answer the request")
        self.state = LinkState.IDLE
        return [Deliver(event.body)]

    def timeout(self) -> list[Action]:
        if self.state is LinkState.WAIT_REPLY:
            return self._retry(Timeout("no reply from the Massa-K scale", phase="execution", maybe_executed=True,
                                       message_ru="весы Масса-К не ответили"))
        if self.state is LinkState.RECEIVING:
            self.framer.reset()
            return self._retry(Timeout("Massa-K reply frame stalled", phase="inter-byte", maybe_executed=True,
                                       message_ru="ответ весов Масса-К оборвался на середине"))
        return []

    def abort(self) -> None:
        """Forget the current request (after a transport error)."""
        self.state = LinkState.IDLE
        self.framer.reset()
