"""Host side of the driver-service JSON protocol as a sans-I/O link: one request, one answer.

Two carriers:

* ``framing="tcp"`` — the raw-TCP form: each message is its 4-byte big-endian length and the JSON
  (:mod:`.json_tcp`). A byte stream, so an answer may arrive in pieces (an inter-byte deadline runs
  while one is incomplete) and a late answer of an earlier exchange would be taken for the next one;
* ``framing="message"`` — a message-oriented transport (HTTP: one POST, one answer body): each read
  delivers one whole JSON document, no prefix.

The protocol has no request ids and no acknowledgement, so [inferred] the link never sends a request
twice. Any failure after the request went out is :class:`Timeout` with ``maybe_executed=True`` (the
service may have run it), and on the tcp carrier the link becomes :attr:`stale`: an answer to the failed
request may still come, so the connection must be dropped (``session.reconnect()``) before the next
exchange. The driver does that; :meth:`request` on a stale link refuses.
"""

from __future__ import annotations

import enum
from dataclasses import dataclass

from ...errors import InvalidParameter, ProtocolError, Timeout
from ..actions import Action, Deliver, Fail, Send, Wait
from .json_tcp import MAX_LENGTH, JsonFrameError, JsonTcpFramer, encode

FRAMINGS = ("tcp", "message")


@dataclass(frozen=True)
class JsonTimeouts:
    #: between two pieces of one answer on the tcp carrier
    inter_byte: float = 2.0


class LinkState(enum.Enum):
    IDLE = "idle"
    WAIT_ANSWER = "wait-answer"


class JsonLink:
    """One exchange at a time over either carrier."""

    def __init__(self, framing: str = "tcp", *, timeouts: JsonTimeouts | None = None,
                 max_length: int = MAX_LENGTH) -> None:
        if framing not in FRAMINGS:
            raise InvalidParameter(f"framing must be one of {', '.join(FRAMINGS)}, not {framing!r}",
                                   message_ru=f"framing должен быть одним из {', '.join(FRAMINGS)}, а не {framing!r}")
        self.framing = framing
        self.t = timeouts or JsonTimeouts()
        self.max_length = max_length
        self.framer = JsonTcpFramer(max_length)
        self.state = LinkState.IDLE
        #: a tcp exchange failed after its request went out: reconnect before the next one
        self.stale = False
        self._exec = 10.0

    @property
    def busy(self) -> bool:
        return self.state is not LinkState.IDLE

    def request(self, message: bytes, *, execution_timeout: float, idempotent: bool = False) -> list[Action]:
        """Send one JSON document (UTF-8 bytes)."""
        if self.busy:
            raise ProtocolError("JSON link is busy with another exchange", message_ru="канал JSON занят другим обменом")
        if self.stale:
            raise ProtocolError("an earlier exchange on this connection failed and its answer may still come: "
                                "reconnect first",
                                message_ru="предыдущий обмен по этому соединению не удался, и его ответ ещё может "
                                           "прийти: сначала переподключитесь")
        if execution_timeout <= 0:
            raise InvalidParameter(f"execution timeout must be positive, got {execution_timeout}",
                                   message_ru="таймаут выполнения должен быть положительным, получено "
                                              f"{execution_timeout}")
        if not message.lstrip()[:1] == b"{":
            raise InvalidParameter("a driver-service request is a JSON object",
                                   message_ru="запрос к сервису драйвера должен быть объектом JSON")
        data = encode(message, max_length=self.max_length) if self.framing == "tcp" else message
        self._exec = execution_timeout
        self.framer.reset()
        self.state = LinkState.WAIT_ANSWER
        return [Send(data), Wait(execution_timeout, "execution")]

    def _fail(self, message: str, phase: str, message_ru: str | None = None) -> list[Action]:
        self.state = LinkState.IDLE
        self.framer.reset()
        if self.framing == "tcp":
            self.stale = True
        return [Fail(Timeout(message, phase=phase, maybe_executed=True, message_ru=message_ru))]

    def receive(self, data: bytes) -> list[Action]:
        if self.state is LinkState.IDLE:
            return []  # nothing asked: stray bytes (a tcp link that saw them is out of step)
        if self.framing == "message":
            self.state = LinkState.IDLE
            return [Deliver(bytes(data))]
        try:
            messages = self.framer.feed(data)
        except JsonFrameError as exc:
            self.state = LinkState.IDLE
            self.stale = True
            self.framer.reset()
            return [Fail(ProtocolError(f"driver service sent a bad length prefix: {exc}"))]
        if messages:
            self.state = LinkState.IDLE
            if len(messages) > 1 or self.framer.in_message:  # more than one answer: the stream is out of step
                self.stale = True
                self.framer.reset()
                return [Fail(ProtocolError("driver service sent more than one answer to one request"))]
            return [Deliver(messages[0])]
        if self.framer.in_message:
            return [Wait(self.t.inter_byte, "inter-byte")]
        return []

    def timeout(self) -> list[Action]:
        if self.state is LinkState.IDLE:
            return []
        if self.framing == "tcp" and self.framer.in_message:
            return self._fail("the driver service's answer stopped in the middle; the command may have been "
                              "executed", "inter-byte",
                              "ответ службы драйвера оборвался на середине; команда могла быть выполнена")
        return self._fail("no answer from the driver service within the command's execution time; the command "
                          "may have been executed", "execution",
                          "служба драйвера не ответила за время выполнения команды; команда могла быть выполнена")

    def abort(self) -> None:
        """Forget the exchange; called by the session on errors and on reconnect (a fresh connection is
        in step again)."""
        self.state = LinkState.IDLE
        self.framer.reset()
        self.stale = False
