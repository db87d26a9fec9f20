"""ATOL transport v3, device side: packets and the task buffer, sans-I/O.

How the device answers a task ``C1 <flags> <tid> <message>`` depends on its flags, as clients written
against real registers expect (protocol-notes/atol/transport-v3.md, "Our emulator"):

* **NeedResult (01) set**: the reply to ``C1`` is ``A1`` (queued); the result follows as an asynchronous
  packet ``A6 <tid> <answer>`` (``A7`` when the command failed) with packet id ``F0``. atol4j and the
  Crystals plugin wait for exactly that packet and drop a synchronous ``A3``;
* **NeedResult clear**: the reply is ``A1`` and nothing follows on success; a failed task sends ``A7`` on
  ``F0`` unless IgnoreError (02) is set **[inferred from the Crystals plugin, which handles an async error
  of a task it added without NeedResult]**;
* either way the result is kept for ``C3 <tid>`` (``A3``/``A4`` + answer) until ``C2 <tid>`` or ``C4``
  (at most ``keep`` results);
* a failed task without IgnoreError halts the buffer: later ``C1`` get ``A5 <tid>`` until ``C4``;
* a reused task id gives ``B2``; ``C2`` or ``C3`` for a task the device does not hold gives ``B3`` (some
  clients acknowledge a synchronous answer with ``C2 FF``: answering that with ``A3`` would start an endless
  exchange of acknowledgements);
* a packet that is itself a reply (``A1``…``A8``, ``B1``…``B4``) is never answered, so two links can never
  bounce replies between them;
* an empty packet from the host asks us to resend our packet with that id (at most :data:`MAX_RESENDS`
  times); a packet that fails its CRC is answered with an empty packet of the same id;
* while the register is busy (printing a report) a task that needs it waits in the buffer, in order: its
  ``C1`` is answered ``A1`` and the task runs when the register is free; ``C3`` for it answers ``A1``
  **[inferred: that is what a task buffer is for; status queries are answered meanwhile]**.

With ``sync_answers`` (the link fault of that name) a NeedResult task is answered in the reply instead
(``A3``/``A4`` + answer, nothing on ``F0``), the way this emulator answered before — hosts written for
either style can be tested.
"""

from __future__ import annotations

from collections import OrderedDict, deque
from collections.abc import Callable

from kkt_drivers.protocols.actions import Action, Send, Wait
from kkt_drivers.protocols.atol.framer_v3 import ASYNC_ID, AtolV3Framer, BadPacket, Packet, encode
from kkt_drivers.protocols.atol.link_v3 import (
    ABORT,
    ACK_RESULT,
    ADD,
    ASYNC_ERROR,
    ASYNC_RESULT,
    ERROR,
    EXISTS,
    FLAG_IGNORE_ERROR,
    FLAG_NEED_RESULT,
    ILLEGAL,
    IN_PROGRESS,
    NOT_FOUND,
    PENDING,
    REQ,
    RESULT,
    STOPPED,
)

from ...core.faults import FaultPlan

#: execute(message) -> (answer, failed, seconds the command would take on a real device, seconds the register
#: stays busy and did not run it: 0 when it ran)
Executor = Callable[[bytes], tuple[bytes, bool, float, float]]

#: first bytes of the device's own replies: a packet starting with one of these is never answered
REPLY_STATUSES = frozenset((*range(0xA1, 0xA9), *range(0xB1, 0xB5)))
#: how often one packet is sent again on the host's request
MAX_RESENDS = 3


class AtolV3DeviceLink:
    def __init__(self, execute: Executor, *, keep: int = 64, sync_answers: bool = False) -> None:
        self.execute = execute
        self.keep = keep
        self.sync_answers = sync_answers
        self.framer = AtolV3Framer(accept_escaped_crc=True)
        self.results: OrderedDict[int, tuple[int, bytes]] = OrderedDict()
        self.halted_by: int | None = None
        self._sent: OrderedDict[int, bytes] = OrderedDict()
        self._resends: dict[int, int] = {}
        #: tasks accepted while the register was busy, in order: (flags, tid, message)
        self.queue: deque[tuple[int, int, bytes]] = deque()
        #: fault hook: drop every reply (and asynchronous result) to the next N tasks
        self.withhold_next = 0

    def arm_faults(self, plan: FaultPlan) -> None:
        """``sync_answers``: answer NeedResult tasks in the reply (A3/A4) instead of on packet F0.

        ``async_answers`` is kept for old control scripts and does nothing: NeedResult tasks are always
        answered asynchronously now."""
        self.sync_answers = bool(plan.link.get("sync_answers", False))

    def _reply(self, packet_id: int, data: bytes) -> Send:
        wire = encode(packet_id, data)
        self._sent[packet_id] = wire
        self._sent.move_to_end(packet_id)
        self._resends.pop(packet_id, None)
        while len(self._sent) > 16:
            old, _ = self._sent.popitem(last=False)
            self._resends.pop(old, None)
        return Send(wire)

    def receive(self, data: bytes) -> list[Action]:
        actions: list[Action] = []
        for event in self.framer.feed(data):
            if isinstance(event, BadPacket):
                if event.packet_id is not None and event.packet_id != ASYNC_ID:
                    actions.append(Send(encode(event.packet_id, b"")))
                continue
            actions.extend(self._on_packet(event))
        return actions

    def _store(self, tid: int, status: int, answer: bytes) -> None:
        self.results[tid] = (status, answer)
        while len(self.results) > self.keep:
            self.results.popitem(last=False)

    def _resend(self, packet_id: int) -> list[Action]:
        wire = self._sent.get(packet_id)
        count = self._resends.get(packet_id, 0)
        if wire is None or count >= MAX_RESENDS:
            return []
        self._resends[packet_id] = count + 1
        return [Send(wire)]

    def _on_packet(self, packet: Packet) -> list[Action]:
        pid, data = packet.packet_id, packet.data
        if not data:
            return self._resend(pid)
        cmd = data[0]
        if pid == ASYNC_ID or cmd in REPLY_STATUSES:
            return []  # not a request: a host never sends on F0, and replies are not answered
        if cmd == ABORT:
            self.results.clear()
            self.queue.clear()
            self.halted_by = None
            return [self._reply(pid, bytes((RESULT,)))]
        if cmd in (ACK_RESULT, REQ):
            if len(data) != 2:
                return [self._reply(pid, bytes((ILLEGAL,)))]
            found = self.results.get(data[1])
            if found is None:
                queued = cmd == REQ and any(task[1] == data[1] for task in self.queue)
                return [self._reply(pid, bytes((PENDING if queued else NOT_FOUND,)))]
            if cmd == ACK_RESULT:
                del self.results[data[1]]
                return [self._reply(pid, bytes((RESULT,)))]
            status, answer = found
            return [self._reply(pid, bytes((status,)) + answer)]
        if cmd == ADD:
            return self._add(pid, data)
        return [self._reply(pid, bytes((ILLEGAL,)))]

    def _add(self, pid: int, data: bytes) -> list[Action]:
        if len(data) < 4:
            return [self._reply(pid, bytes((ILLEGAL,)))]
        flags, tid, message = data[1], data[2], data[3:]
        if self.halted_by is not None:
            return [self._reply(pid, bytes((STOPPED, self.halted_by)))]
        if tid in self.results or any(task[1] == tid for task in self.queue):
            return [self._reply(pid, bytes((EXISTS,)))]
        if self.queue:  # earlier tasks wait for the register: this one waits behind them
            self.queue.append((flags, tid, message))
            return [self._reply(pid, bytes((PENDING,)))]
        return self._run(pid, flags, tid, message)

    def _run(self, pid: int | None, flags: int, tid: int, message: bytes) -> list[Action]:
        """Run a task; ``pid`` is the packet to reply to, None for a task already answered ``A1`` (queued)."""
        answer, failed, _seconds, busy = self.execute(message)
        need_result = bool(flags & FLAG_NEED_RESULT)
        if busy > 0:
            actions: list[Action] = []
            if pid is not None:
                self.queue.append((flags, tid, message))
                queued = IN_PROGRESS if need_result and self.sync_answers else PENDING
                actions.append(self._reply(pid, bytes((queued,))))
            return [*actions, Wait(busy, "busy")]
        status = ERROR if failed else RESULT
        self._store(tid, status, answer)
        halts = failed and not flags & FLAG_IGNORE_ERROR
        if halts:
            self.halted_by = tid
        if self.withhold_next:
            self.withhold_next -= 1
            return []
        if pid is not None and need_result and self.sync_answers:
            return [self._reply(pid, bytes((status,)) + answer)]
        actions = [self._reply(pid, bytes((PENDING,)))] if pid is not None else []
        if need_result or halts:
            done = ASYNC_ERROR if failed else ASYNC_RESULT
            wire = encode(ASYNC_ID, bytes((done, tid)) + answer)
            self._sent[ASYNC_ID] = wire
            self._resends.pop(ASYNC_ID, None)
            actions.append(Send(wire))
        return actions

    def timeout(self) -> list[Action]:
        """Run the tasks that waited for the register, in order, while it is free."""
        actions: list[Action] = []
        while self.queue:
            flags, tid, message = self.queue[0]
            if self.halted_by is not None:  # an earlier task stopped the buffer: the rest never run
                self.queue.popleft()
                self._store(tid, STOPPED, bytes((self.halted_by,)))
                continue
            out = self._run(None, flags, tid, message)
            if out and isinstance(out[-1], Wait):
                return actions + out
            self.queue.popleft()
            actions += out
        return actions
