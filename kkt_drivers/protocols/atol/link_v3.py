"""ATOL transport v3, host side: packet ids, the task buffer and lost-answer recovery, sans-I/O.

Each command becomes a task ``C1 <flags> <tid> <message>`` in its own packet. The device answers
in a packet with the same id:

* ``A3``/``A4`` + application answer: done (A4 = the command failed; the answer says why);
* ``A1``/``A2``/``A8``: queued or running; the result comes later as ``A6``/``A7 <tid> <answer>``
  in a packet with id ``F0``; while waiting the link also polls ``C3 <tid>`` now and then;
* ``A5``: the buffer stopped after an earlier error; ``B1``–``B4``: buffer overflow, task id in
  use, unknown task id, illegal value.

When the answer to ``C1`` is lost, the link asks ``C3 <tid>`` instead of sending the command
again: a result means the command ran; ``B3`` means the device never got it, which the link
reports as :class:`NotExecuted` (safe to send again) — or, for commands declared idempotent,
it adds the task again by itself.

After a result the link sends ``C2 <tid>`` so the device may free the slot; it does not wait for
the reply (a later packet with an unknown id is dropped).
"""

from __future__ import annotations

from dataclasses import dataclass

from ...errors import NotExecuted, ProtocolError, Timeout
from ..actions import Action, Deliver, Fail, Send, Wait
from .framer_v3 import ASYNC_ID, AtolV3Framer, BadPacket, Packet, encode

ADD, ACK_RESULT, REQ, ABORT = 0xC1, 0xC2, 0xC3, 0xC4
PENDING, IN_PROGRESS, RESULT, ERROR, STOPPED, ASYNC_RESULT, ASYNC_ERROR, WAITING = range(0xA1, 0xA9)
OVERFLOW, EXISTS, NOT_FOUND, ILLEGAL = 0xB1, 0xB2, 0xB3, 0xB4
FLAG_NEED_RESULT, FLAG_IGNORE_ERROR, FLAG_WAIT_ASYNC = 0x01, 0x02, 0x04

MAX_ID = 0xDF  # host packet and task ids run 0x00..0xDF and wrap


@dataclass(frozen=True)
class V3Timeouts:
    """Deadlines of transport v3 (seconds)."""

    reply: float = 1.0  # a packet's reply
    poll: float = 1.0  # interval of C3 polls while a task runs
    recover_tries: int = 3  # C3 queries after a lost reply before giving up


class AtolV3Link:
    """Host side of the v3 task buffer, one task at a time."""

    IDLE, ADDED, RUNNING, QUERYING = range(4)

    def __init__(self, timeouts: V3Timeouts | None = None, *,
                 flags: int = FLAG_NEED_RESULT | FLAG_IGNORE_ERROR) -> None:
        self.t = timeouts or V3Timeouts()
        self.flags = flags
        self.framer = AtolV3Framer()
        self.state = self.IDLE
        self._next_packet = 1
        self._next_task = 1
        self._expect: int | None = None  # packet id whose reply we wait for
        self._sent: dict[int, bytes] = {}  # packet id -> on-wire bytes, for resend requests
        self._tid = 0
        self._message = b""
        self._exec = 10.0
        self._exec_left = 0.0
        self._idempotent = False
        self._adds = 0
        self._recovers = 0
        self._running = False

    @property
    def busy(self) -> bool:
        return self.state != self.IDLE

    # -- sending -------------------------------------------------------------------------
    def _packet(self, data: bytes) -> Send:
        pid = self._next_packet
        self._next_packet = 0 if pid >= MAX_ID else pid + 1
        wire = encode(pid, data)
        self._sent[pid] = wire
        if len(self._sent) > 8:
            self._sent.pop(next(iter(self._sent)))
        self._expect = pid
        return Send(wire)

    def _add(self) -> list[Action]:
        self._adds += 1
        self.state = self.ADDED
        return [self._packet(bytes((ADD, self.flags, self._tid)) + self._message), Wait(self.t.reply, "ack")]

    def request(self, message: bytes, *, execution_timeout: float, idempotent: bool = False) -> list[Action]:
        """Add ``message`` (password + command + parameters) as a new task."""
        if self.busy:
            raise ProtocolError("v3 link is busy with another task")
        self._tid = self._next_task
        self._next_task = 0 if self._tid >= MAX_ID else self._tid + 1
        self._message = message
        self._exec = execution_timeout
        self._idempotent = idempotent
        self._adds = 0
        self._recovers = 0
        self._running = False
        return self._add()

    def abort_all(self) -> list[Action]:
        """Send ``C4`` (cancel every task); the reply is not awaited."""
        return [self._packet(bytes((ABORT,)))]

    def _query(self) -> list[Action]:
        self.state = self.QUERYING
        return [self._packet(bytes((REQ, self._tid))), Wait(self.t.reply, "ack")]

    def _done(self, answer: bytes) -> list[Action]:
        self.state = self.IDLE
        tid = self._tid
        ack = self._packet(bytes((ACK_RESULT, tid)))
        self._expect = None
        return [ack, Deliver(answer)]

    def _fail(self, error: Exception) -> list[Action]:
        self.state = self.IDLE
        self._expect = None
        return [Fail(error)]

    # -- receiving -----------------------------------------------------------------------
    def receive(self, data: bytes) -> list[Action]:
        actions: list[Action] = []
        for event in self.framer.feed(data):
            if isinstance(event, BadPacket):
                if event.packet_id is not None and event.packet_id != ASYNC_ID and self.busy:
                    actions.append(Send(encode(event.packet_id, b"")))  # ask the device to resend
                continue
            actions.extend(self._on_packet(event))
            if actions and any(isinstance(a, (Deliver, Fail)) for a in actions):
                return actions
        return actions

    def _on_packet(self, packet: Packet) -> list[Action]:
        if not packet.data:  # the device asks us to resend one of our packets
            wire = self._sent.get(packet.packet_id)
            return [Send(wire)] if wire is not None and self.busy else []
        if not self.busy:
            return []
        status = packet.data[0]
        if packet.packet_id == ASYNC_ID:
            if status in (ASYNC_RESULT, ASYNC_ERROR) and len(packet.data) >= 2 and packet.data[1] == self._tid \
                    and self.state in (self.RUNNING, self.QUERYING):
                return self._done(packet.data[2:])
            return []
        if packet.packet_id != self._expect:
            return []  # a reply to something older (e.g. a C2) — not ours to handle
        body = packet.data[1:]
        if status in (RESULT, ERROR):
            return self._done(body)
        if status in (PENDING, IN_PROGRESS, WAITING):
            if not self._running:
                self._running = True
                self._exec_left = self._exec
            self._recovers = 0
            self.state = self.RUNNING
            self._expect = None
            wait = min(self.t.poll, self._exec_left)
            self._exec_left -= wait
            return [Wait(wait, "execution")]
        if status == STOPPED:
            return self._fail(ProtocolError(
                f"task buffer stopped after an earlier failed task (A5, task {body[:1].hex() or '?'}); "
                "the command was not executed"))
        if status == NOT_FOUND:
            if self.state == self.QUERYING:
                if self._idempotent and self._adds < 2:
                    return self._add()
                return self._fail(NotExecuted("the device reports it never received the command (v3 task "
                                              "not found); it is safe to send it again"))
            return self._fail(ProtocolError("device answered 'task not found' to a new task"))
        if status == EXISTS:
            if self.state == self.ADDED and self._adds == 1:
                # A stale task with this id is still in the device (left by another session): free it and
                # add ours under the next id. Never take the stale result as ours.
                stale = self._packet(bytes((ACK_RESULT, self._tid)))
                self._tid = self._next_task
                self._next_task = 0 if self._tid >= MAX_ID else self._tid + 1
                return [stale, *self._add()]
            return self._query()
        if status == OVERFLOW:
            return self._fail(ProtocolError("device task buffer overflow (B1)"))
        if status == ILLEGAL:
            return self._fail(ProtocolError("device rejected the task as illegal (B4)"))
        return self._fail(ProtocolError(f"unknown v3 status byte 0x{status:02X}"))

    def timeout(self) -> list[Action]:
        if self.state in (self.ADDED, self.QUERYING) and not self._running:
            self._recovers += 1
            if self._recovers > self.t.recover_tries:
                return self._fail(Timeout("no reply from the device (v3); the command may have been executed",
                                          phase="ack", maybe_executed=True))
            return self._query()
        if self._running:
            if self.state == self.QUERYING:  # a status poll went unanswered
                self._recovers += 1
                if self._recovers > self.t.recover_tries:
                    return self._fail(Timeout("the device stopped answering while the task ran (v3)",
                                              phase="ack", maybe_executed=True))
            elif self._exec_left <= 0:
                return self._fail(Timeout("the device did not finish the task within its execution time (v3)",
                                          phase="execution", maybe_executed=True))
            return self._query()
        return []

    def abort(self) -> None:
        self.state = self.IDLE
        self._expect = None
        self.framer.reset()
