"""Штрих-Принт over Ethernet, host side, as a sans-I/O state machine: one request datagram, one reply datagram.

Every ``receive`` is one whole datagram (the UDP transport reads one at a time). A reply echoes the command
code: a datagram with another code is a late reply to an earlier request and is dropped, as are single-byte
service datagrams. ``BUSY`` (another host holds the scale in the synchronised mode) fails the request with
the holder's address. A lost reply is repeated only for an ``idempotent`` request; otherwise the link fails
with ``Timeout(maybe_executed=True)`` — UDP has no way to ask what became of it.
"""

from __future__ import annotations

from dataclasses import dataclass
from enum import Enum

from ...errors import DeviceError, FrameError, ProtocolError, Timeout
from ..actions import Action, Deliver, Fail, Send, Wait
from .framer import Busy, Control, Message, decode_datagram, encode

#: the block upload (55h) goes with the dynamic length LEN FF
_DYNAMIC = 0x55


@dataclass(frozen=True)
class ShtrihPrintTimeouts:
    """Retry counts of the datagram link [inferred]; the execution deadline comes with each request."""

    tries: int = 3
    stray: int = 16  # datagrams that do not answer the request, tolerated in one exchange


class LinkState(Enum):
    IDLE = "idle"
    WAIT_REPLY = "wait-reply"


class ShtrihPrintUdpLink:
    def __init__(self, timeouts: ShtrihPrintTimeouts | None = None) -> None:
        self.t = timeouts or ShtrihPrintTimeouts()
        self.state = LinkState.IDLE
        self._datagram = b""
        self._command = 0
        self._exec = 2.0
        self._idempotent = False
        self._tries = 0
        self._stray = 0

    @property
    def busy(self) -> bool:
        return self.state is not LinkState.IDLE

    def request(self, message: bytes, *, execution_timeout: float, idempotent: bool = False) -> list[Action]:
        if self.busy:
            raise ProtocolError("Штрих-Принт link is busy with another request",
                                message_ru="канал Штрих-Принт занят другим запросом")
        self._datagram = encode(message, dynamic_length=bool(message) and message[0] == _DYNAMIC)
        self._command = message[0]
        self._exec = execution_timeout
        self._idempotent = idempotent
        self._tries = 1
        self._stray = 0
        self.state = LinkState.WAIT_REPLY
        return [Send(self._datagram), Wait(execution_timeout, "execution")]

    def _fail(self, error: Exception) -> list[Action]:
        self.state = LinkState.IDLE
        return [Fail(error)]

    def receive(self, data: bytes) -> list[Action]:
        if self.state is LinkState.IDLE:
            return []
        try:
            event = decode_datagram(data)
        except FrameError as exc:
            return self._stray_datagram(str(exc))
        if isinstance(event, Busy):
            return self._fail(DeviceError(0x0B, f"the scale is held by {event.address}:{event.port} (BUSY)",
                                          f"весы заняты другим компьютером {event.address}:{event.port}",
                                          family="shtrihprint", command=f"0x{self._command:02X}"))
        if isinstance(event, Control):
            return self._stray_datagram(f"service byte 0x{event.byte:02X}")
        assert isinstance(event, Message)
        if event.command != self._command:
            return self._stray_datagram(f"a reply to 0x{event.command:02X}")
        self.state = LinkState.IDLE
        return [Deliver(event.body)]

    def _stray_datagram(self, what: str) -> list[Action]:
        self._stray += 1
        if self._stray > self.t.stray:
            return self._fail(ProtocolError(f"Штрих-Принт: {self._stray} datagrams without the reply (last: {what})"))
        return []  # the execution deadline armed at the request still runs

    def timeout(self) -> list[Action]:
        if self.state is LinkState.IDLE:
            return []
        if self._idempotent and self._tries < self.t.tries:
            self._tries += 1
            return [Send(self._datagram), Wait(self._exec, "execution")]
        return self._fail(Timeout(f"no reply from the Штрих-Принт scale to 0x{self._command:02X}", phase="execution",
                                  maybe_executed=True,
                                  message_ru=f"весы Штрих-Принт не ответили на команду 0x{self._command:02X}"))

    def abort(self) -> None:
        self.state = LinkState.IDLE
