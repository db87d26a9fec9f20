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

A result is taken for a task only when it cannot belong to another command:

* **task ids are quarantined until released.** After a result the link sends ``C2 <tid>``; the id is not
  used again until the device has answered that ``C2`` (``A3``, or ``B3`` if the slot was already free).
  An abandoned task (its command timed out) keeps its id in quarantine, so the device can never hold an
  old result under an id the link hands out — ids wrap every 224 tasks;
* **``C3`` is only asked for a task this link added** in this connection, after its ``C1`` went out; a
  ``B2`` (id in use) is answered by releasing that id and adding the task under another, never by
  reading the stale result;
* **``C4`` is a barrier.** After an abandoned task, an overflowing quarantine, a stopped buffer or a
  reconnect (:meth:`abort`), the next request first sends ``C4`` (cancel every task) and waits for its
  reply. The device answers in order, so every stale reply still on the line arrives before it and is
  dropped.
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
#: more ids than this waiting for their release: clear the device's buffer with C4 instead
MAX_QUARANTINE = 16


@dataclass(frozen=True)
class V3Timeouts:
    """Deadlines of transport v3 (seconds)."""

    reply: float = 1.0  # a packet's reply
    poll: float = 1.0  # interval of C3 polls while a task runs
    recover_tries: int = 3  # C3 queries after a lost reply before giving up


class AtolV3Link:
    """Host side of the v3 task buffer, one task at a time."""

    IDLE, BARRIER, ADDED, RUNNING, QUERYING = range(5)

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
        #: task ids that may still be held by the device: tid -> packet id of the C2 releasing it (None: abandoned)
        self.quarantine: dict[int, int | None] = {}
        #: packet id of an unanswered C2 -> the task id it releases
        self._releases: dict[int, int] = {}
        #: the next request starts with a C4 barrier
        self.needs_barrier = False
        self._barrier_tries = 0

    @property
    def busy(self) -> bool:
        return self.state != self.IDLE

    # -- sending -------------------------------------------------------------------------
    def _packet(self, data: bytes, *, expect: bool = True) -> Send:
        pid = self._next_packet
        self._next_packet = 0 if pid >= MAX_ID else pid + 1
        wire = encode(pid, data)
        self._sent[pid] = wire
        if len(self._sent) > 8:
            self._sent.pop(next(iter(self._sent)))
        self._releases.pop(pid, None)  # an older C2 under this packet id can no longer be matched
        if expect:
            self._expect = pid
        return Send(wire)

    def _allocate(self) -> int:
        """The next task id that the device cannot be holding a result for."""
        tid = self._next_task
        for _ in range(MAX_ID + 1):
            if tid not in self.quarantine:
                break
            tid = 0 if tid >= MAX_ID else tid + 1
        self._next_task = 0 if tid >= MAX_ID else tid + 1
        return tid

    def _release(self, tid: int) -> Send:
        """``C2 <tid>``; the id stays quarantined until the device answers it."""
        send = self._packet(bytes((ACK_RESULT, tid)), expect=False)
        pid = send.data[3]
        self.quarantine[tid] = pid
        self._releases[pid] = tid
        return send

    def _add(self) -> list[Action]:
        self._adds += 1
        self.state = self.ADDED
        return [self._packet(bytes((ADD, self.flags, self._tid)) + self._message), Wait(self.t.reply, "ack")]

    def _barrier(self) -> list[Action]:
        self.state = self.BARRIER
        self._barrier_tries += 1
        return [self._packet(bytes((ABORT,))), Wait(self.t.reply, "ack")]

    def request(self, message: bytes, *, execution_timeout: float, idempotent: bool = False) -> list[Action]:
        """Add ``message`` (password + command + parameters) as a new task."""
        if self.busy:
            raise ProtocolError("v3 link is busy with another task")
        self._message = message
        self._exec = execution_timeout
        self._idempotent = idempotent
        self._adds = 0
        self._recovers = 0
        self._running = False
        self._barrier_tries = 0
        if len(self.quarantine) > MAX_QUARANTINE:
            self.needs_barrier = True
        if self.needs_barrier:
            return self._barrier()
        self._tid = self._allocate()
        return self._add()

    def abort_all(self) -> list[Action]:
        """Send ``C4`` (cancel every task); the reply is not awaited."""
        return [self._packet(bytes((ABORT,)), expect=False)]

    def _query(self) -> list[Action]:
        self.state = self.QUERYING
        return [self._packet(bytes((REQ, self._tid))), Wait(self.t.reply, "ack")]

    def _done(self, answer: bytes) -> list[Action]:
        self.state = self.IDLE
        self._expect = None
        return [self._release(self._tid), Deliver(answer)]

    def _fail(self, error: Exception, *, abandoned: bool = False) -> list[Action]:
        """End the exchange; an abandoned task (it may still be in the device) forces a C4 barrier next."""
        self.state = self.IDLE
        self._expect = None
        if abandoned:
            self.quarantine[self._tid] = None
            self.needs_barrier = True
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

    def _on_release(self, packet: Packet) -> None:
        """The device answered a C2 of ours: the id it releases may be used again."""
        tid = self._releases.pop(packet.packet_id)
        if self.quarantine.get(tid) == packet.packet_id:
            del self.quarantine[tid]

    def _on_packet(self, packet: Packet) -> list[Action]:
        if not packet.data:  # the device asks us to resend one of our packets
            wire = self._sent.get(packet.packet_id)
            return [Send(wire)] if wire is not None and self.busy else []
        if packet.packet_id in self._releases and packet.packet_id != self._expect:
            self._on_release(packet)
            return []
        if not self.busy:
            return []
        status = packet.data[0]
        if packet.packet_id == ASYNC_ID:
            if status in (ASYNC_RESULT, ASYNC_ERROR) and len(packet.data) >= 2 and packet.data[1] == self._tid \
                    and self.state in (self.RUNNING, self.QUERYING):
                return self._done(packet.data[2:])
            return []
        if packet.packet_id != self._expect:
            return []  # a reply to something older — not ours to handle
        if self.state == self.BARRIER:  # C4 answered: the buffer is empty and the line is clean
            self.needs_barrier = False
            self.quarantine.clear()
            self._releases.clear()
            self._tid = self._allocate()
            return self._add()
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
            # the buffer halted after an earlier failed task; ours did not run: clear it (C4) and add ours again
            if self._barrier_tries < 2:
                self.quarantine[self._tid] = None
                return self._barrier()
            return self._fail(ProtocolError(
                f"task buffer stopped after an earlier failed task (A5, task {body[:1].hex() or '?'}) and stays "
                "stopped after C4; the command was not executed"))
        if status == NOT_FOUND:
            if self.state == self.QUERYING:
                if self._idempotent and self._adds < 2:
                    return self._add()
                return self._fail(NotExecuted("the device reports it never received the command (v3 task "
                                              "not found); it is safe to send it again"))
            return self._fail(ProtocolError("device answered 'task not found' to a new task"))
        if status == EXISTS:
            if self.state == self.ADDED and self._adds <= 3:
                # A stale task holds this id in the device (left by another session, or a release that was
                # lost): release it and add ours under another id. Never take the stale result as ours.
                stale = self._release(self._tid)
                self._tid = self._allocate()
                return [stale, *self._add()]
            return self._fail(NotExecuted("the device refused the task: its id stays in use (B2); the command "
                                          "was not executed"))
        if status == OVERFLOW:
            self.needs_barrier = True
            return self._fail(NotExecuted("device task buffer overflow (B1): the command was not executed"))
        if status == ILLEGAL:
            return self._fail(ProtocolError("device rejected the task as illegal (B4)"))
        return self._fail(ProtocolError(f"unknown v3 status byte 0x{status:02X}"), abandoned=True)

    def timeout(self) -> list[Action]:
        if self.state == self.BARRIER:
            if self._barrier_tries > self.t.recover_tries:
                return self._fail(Timeout("no reply from the device to C4 (v3); the command was not sent",
                                          phase="ack", maybe_executed=False))
            return self._barrier()
        if self.state in (self.ADDED, self.QUERYING) and not self._running:
            self._recovers += 1
            if self._recovers > self.t.recover_tries:
                return self._fail(Timeout("no reply from the device (v3); the command may have been executed",
                                          phase="ack", maybe_executed=True), abandoned=True)
            return self._query()
        if self._running:
            if self.state == self.QUERYING:  # a status poll went unanswered
                self._recovers += 1
                if self._recovers > self.t.recover_tries:
                    return self._fail(Timeout("the device stopped answering while the task ran (v3)",
                                              phase="ack", maybe_executed=True), abandoned=True)
            elif self._exec_left <= 0:
                return self._fail(Timeout("the device did not finish the task within its execution time (v3)",
                                          phase="execution", maybe_executed=True), abandoned=True)
            return self._query()
        return []

    def abort(self) -> None:
        """Forget the exchange in progress (a reconnect, a dropped line): the next request starts with C4."""
        if self.state in (self.ADDED, self.RUNNING, self.QUERYING):
            self.quarantine[self._tid] = None
        self.state = self.IDLE
        self._expect = None
        self.needs_barrier = True
        self.framer.reset()
