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

Releases go out with the next request: the ``C2`` packets are written together with the next ``C1`` (or
``C4``), so an exchange is one write and one read; :meth:`take_pending` hands them out when the link is
closed first.

**Batches** (:meth:`request_batch`): several tasks added in one write, in order, and waited for once. A task
whose answer is not wanted goes without NeedResult; a task with ``halt`` goes without IgnoreError, so if it
fails the device runs none of the later ones (``A5``); the last task always asks for its result. Task ``k``
ran when a later task ran and ``k`` was taken (``A1``…``A8``); a reply that refuses a task (``B1``, ``B2``,
``B4``, ``A5``, a resend request for its packet, ``B3`` to a query) means it did not run. A refused task is
never added again by the link — that would put it after later tasks — and a lost reply is asked for with
``C3``, never by sending the task again. The batch ends with one :class:`~..actions.TaskResult` per task
(``DeliverBatch``); what the results mean for the caller (a broken order, a failed command) is the caller's
to judge.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass

from ...errors import NotExecuted, ProtocolError, Timeout
from ..actions import Action, Deliver, DeliverBatch, Fail, Send, Task, TaskResult, Wait
from .framer_v3 import ASYNC_ID, AtolV3Framer, BadPacket, Packet, encode

ADD, ACK_RESULT, REQ, ABORT = 0xC1, 0xC2, 0xC3, 0xC4
PENDING, IN_PROGRESS, RESULT, ERROR, STOPPED, ASYNC_RESULT, ASYNC_ERROR, WAITING = range(0xA1, 0xA9)
OVERFLOW, EXISTS, NOT_FOUND, ILLEGAL = 0xB1, 0xB2, 0xB3, 0xB4
FLAG_NEED_RESULT, FLAG_IGNORE_ERROR, FLAG_WAIT_ASYNC = 0x01, 0x02, 0x04

MAX_ID = 0xDF  # host packet and task ids run 0x00..0xDF and wrap
#: more ids than this waiting for their release: clear the device's buffer with C4 instead (a batch's ids wait
#: for their releases' replies until the next exchange, so this leaves room for two batches)
MAX_QUARANTINE = 96
#: tasks in one batch at most [inferred: the size of a register's task buffer is not published; the emulator
#: keeps 64 results]
MAX_BATCH = 32
_PENDING_STATUSES = (PENDING, IN_PROGRESS, WAITING)
#: actions that end an exchange
_FINAL = (Deliver, Fail, DeliverBatch)


class _Slot:
    """One task of a batch and what is known of it."""

    __slots__ = ("accepted", "failed", "flags", "index", "pid", "query_pid", "result", "stopped_by", "task", "tid")

    def __init__(self, index: int, task: Task, flags: int) -> None:
        self.index = index
        self.task = task
        self.flags = flags
        self.tid = 0
        self.pid = 0
        #: None: no reply yet; True: the device took it; False: it did not (refused, stopped, never received)
        self.accepted: bool | None = None
        self.result: bytes | None = None
        self.failed = False
        self.stopped_by: int | None = None
        self.query_pid: int | None = None


@dataclass(frozen=True)
class V3Timeouts:
    """Deadlines of transport v3 (seconds)."""

    reply: float = 1.0  # a packet's reply
    poll: float = 1.0  # interval of C3 polls while a task runs
    recover_tries: int = 3  # C3 queries after a lost reply before giving up


class AtolV3Link:
    """Host side of the v3 task buffer, one task at a time."""

    IDLE, BARRIER, ADDED, RUNNING, QUERYING, BATCH = range(6)

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
        #: packets written with the next request (releases)
        self._outbox: list[bytes] = []
        #: the batch in progress (or waiting behind a C4 barrier)
        self._slots: list[_Slot] = []
        self._by_pid: dict[int, _Slot] = {}
        self._by_query: dict[int, _Slot] = {}
        self._by_tid: dict[int, _Slot] = {}
        self._batch_pending = False
        #: largest batch this link sends (a device that overflows its buffer lowers it)
        self.max_batch = MAX_BATCH

    @property
    def busy(self) -> bool:
        return self.state != self.IDLE

    # -- sending -------------------------------------------------------------------------
    def _wire(self, data: bytes) -> tuple[int, bytes]:
        """A new packet: (its id, its bytes), kept for a resend request."""
        pid = self._next_packet
        self._next_packet = 0 if pid >= MAX_ID else pid + 1
        wire = encode(pid, data)
        sent = self._sent
        sent[pid] = wire
        if len(sent) > 80:
            del sent[next(iter(sent))]
        self._releases.pop(pid, None)  # an older C2 under this packet id can no longer be matched
        return pid, wire

    def _packet(self, data: bytes, *, expect: bool = True) -> Send:
        """A packet to send now, after whatever waits in the outbox."""
        pid, wire = self._wire(data)
        if expect:
            self._expect = pid
        if self._outbox:
            wire = b"".join(self._outbox) + wire
            self._outbox.clear()
        return Send(wire)

    def take_pending(self) -> bytes:
        """Packets that wait for the next request (releases): to be written before the link is closed."""
        wire = b"".join(self._outbox)
        self._outbox.clear()
        return wire

    def _allocate(self) -> int:
        """The next task id that the device cannot be holding a result for."""
        tid = self._next_task
        for _ in range(MAX_ID + 1):
            if tid not in self.quarantine:
                break
            tid = 0 if tid >= MAX_ID else tid + 1
        self._next_task = 0 if tid >= MAX_ID else tid + 1
        return tid

    def _release(self, tid: int) -> None:
        """``C2 <tid>``, written with the next request; the id stays quarantined until the device answers it."""
        pid, wire = self._wire(bytes((ACK_RESULT, tid)))
        self._outbox.append(wire)
        self.quarantine[tid] = pid
        self._releases[pid] = tid

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
            raise ProtocolError("v3 link is busy with another task", message_ru="канал v3 занят другим заданием")
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
        self._release(self._tid)
        return [Deliver(answer)]

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
            new = self._on_packet(event)
            if new:
                actions.extend(new)
                if any(isinstance(a, _FINAL) for a in new):  # earlier actions were checked when they came
                    return actions
        return actions

    def _on_release(self, packet: Packet) -> None:
        """The device answered a C2 of ours: the id it releases may be used again."""
        tid = self._releases.pop(packet.packet_id)
        if self.quarantine.get(tid) == packet.packet_id:
            del self.quarantine[tid]

    def _on_packet(self, packet: Packet) -> list[Action]:
        if not packet.data:  # the device asks us to resend one of our packets
            if self.state == self.BATCH and packet.packet_id in self._by_pid:
                return self._batch_resend(self._by_pid[packet.packet_id])
            wire = self._sent.get(packet.packet_id)
            return [Send(wire)] if wire is not None and self.busy else []
        if packet.packet_id in self._releases and packet.packet_id != self._expect:
            self._on_release(packet)
            return []
        if not self.busy:
            return []
        if self.state == self.BATCH:
            return self._batch_packet(packet)
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
            if self._batch_pending:
                return self._send_batch()
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
                                              "not found); it is safe to send it again",
                                              message_ru="ККТ сообщает, что не получала команду (задание v3 не "
                                                         "найдено); её можно отправить снова"))
            return self._fail(ProtocolError("device answered 'task not found' to a new task"))
        if status == EXISTS:
            if self.state == self.ADDED and self._adds <= 3:
                # A stale task holds this id in the device (left by another session, or a release that was
                # lost): release it and add ours under another id. Never take the stale result as ours.
                self._release(self._tid)
                self._tid = self._allocate()
                return self._add()
            return self._fail(NotExecuted("the device refused the task: its id stays in use (B2); the command "
                                          "was not executed",
                                          message_ru="ККТ отклонила задание: его номер ещё занят (B2); команда "
                                                     "не выполнена"))
        if status == OVERFLOW:
            self.needs_barrier = True
            return self._fail(NotExecuted("device task buffer overflow (B1): the command was not executed",
                                          message_ru="буфер заданий ККТ переполнен (B1): команда не выполнена"))
        if status == ILLEGAL:
            return self._fail(ProtocolError("device rejected the task as illegal (B4)"))
        return self._fail(ProtocolError(f"unknown v3 status byte 0x{status:02X}"), abandoned=True)

    def timeout(self) -> list[Action]:
        if self.state == self.BATCH:
            return self._batch_timeout()
        if self.state == self.BARRIER:
            if self._barrier_tries > self.t.recover_tries:
                self._batch_pending = False
                return self._fail(Timeout("no reply from the device to C4 (v3); the command was not sent",
                                          phase="ack", maybe_executed=False,
                                          message_ru="ККТ не ответила на C4 (v3); команда не отправлена"))
            return self._barrier()
        if self.state in (self.ADDED, self.QUERYING) and not self._running:
            self._recovers += 1
            if self._recovers > self.t.recover_tries:
                return self._fail(Timeout("no reply from the device (v3); the command may have been executed",
                                          phase="ack", maybe_executed=True,
                                          message_ru="ККТ не отвечает (v3); команда могла быть выполнена"),
                                  abandoned=True)
            return self._query()
        if self._running:
            if self.state == self.QUERYING:  # a status poll went unanswered
                self._recovers += 1
                if self._recovers > self.t.recover_tries:
                    return self._fail(Timeout("the device stopped answering while the task ran (v3)",
                                              phase="ack", maybe_executed=True,
                                              message_ru="ККТ перестала отвечать во время выполнения задания (v3); "
                                                         "команда могла быть выполнена"), abandoned=True)
            elif self._exec_left <= 0:
                return self._fail(Timeout("the device did not finish the task within its execution time (v3)",
                                          phase="execution", maybe_executed=True,
                                          message_ru="ККТ не завершила задание за время его выполнения (v3); "
                                                     "команда могла быть выполнена"), abandoned=True)
            return self._query()
        return []

    def abort(self) -> None:
        """Forget the exchange in progress (a reconnect, a dropped line): the next request starts with C4."""
        if self.state in (self.ADDED, self.RUNNING, self.QUERYING):
            self.quarantine[self._tid] = None
        if self.state == self.BATCH:
            for slot in self._slots:
                self.quarantine[slot.tid] = None
        self._batch_pending = False
        self._outbox.clear()  # releases never sent: the C4 barrier frees everything
        self.state = self.IDLE
        self._expect = None
        self.needs_barrier = True
        self.framer.reset()

    # -- batches -------------------------------------------------------------------------
    def request_batch(self, tasks: Sequence[Task]) -> list[Action]:
        """Add ``tasks`` in one write, in order; the batch ends with :class:`DeliverBatch`."""
        if self.busy:
            raise ProtocolError("v3 link is busy with another task", message_ru="канал v3 занят другим заданием")
        if not 0 < len(tasks) <= self.max_batch:
            raise ValueError(f"a batch holds 1..{self.max_batch} tasks, not {len(tasks)}")
        last = len(tasks) - 1
        self._slots = [_Slot(i, task, (FLAG_NEED_RESULT if task.answer or i == last else 0)
                             | (0 if task.halt else FLAG_IGNORE_ERROR)) for i, task in enumerate(tasks)]
        self._by_pid.clear()
        self._by_query.clear()
        self._by_tid.clear()
        self._recovers = 0
        self._barrier_tries = 0
        self._exec_left = sum(task.execution_timeout for task in tasks)
        if len(self.quarantine) > MAX_QUARANTINE:
            self.needs_barrier = True
        if self.needs_barrier:
            self._batch_pending = True
            return self._barrier()
        return self._send_batch()

    def _send_batch(self) -> list[Action]:
        self._batch_pending = False
        self.state = self.BATCH
        self._expect = None
        wires = self._outbox
        self._outbox = []
        for slot in self._slots:
            slot.tid = self._allocate()
            slot.pid, wire = self._wire(bytes((ADD, slot.flags, slot.tid)) + slot.task.message)
            self._by_pid[slot.pid] = slot
            self._by_tid[slot.tid] = slot
            wires.append(wire)
        return [Send(b"".join(wires)), Wait(self.t.reply, "ack")]

    def _batch_resend(self, slot: _Slot) -> list[Action]:
        """The device asks for a task's packet again: it dropped it. Sent again only when no later task went
        out after it (the last of the batch); otherwise it did not run, and stays so — order first."""
        if slot.index == len(self._slots) - 1 and slot.accepted is None:
            return [Send(self._sent.get(slot.pid, b""))] if slot.pid in self._sent else []
        if slot.accepted is None:
            slot.accepted = False
        return self._batch_progress()

    def _batch_packet(self, packet: Packet) -> list[Action]:
        pid, data = packet.packet_id, packet.data
        status = data[0]
        if pid == ASYNC_ID:
            slot = self._by_tid.get(data[1]) if len(data) >= 2 else None
            if slot is None or status not in (ASYNC_RESULT, ASYNC_ERROR) or slot.result is not None:
                return []
            slot.accepted = True
            slot.result, slot.failed = data[2:], status == ASYNC_ERROR
            return self._batch_progress()
        queried = self._by_query.pop(pid, None)
        slot = queried or self._by_pid.get(pid)
        if slot is None:
            return []  # a reply to something older — not ours to handle
        if status in (RESULT, ERROR):
            slot.accepted = True
            if slot.result is None:
                slot.result, slot.failed = data[1:], status == ERROR
        elif status in _PENDING_STATUSES:
            slot.accepted = True
        elif status == STOPPED:  # the buffer halted before this task: it did not run
            slot.accepted = False
            slot.stopped_by = data[1] if len(data) > 1 else None
            stopper = self._by_tid.get(slot.stopped_by) if slot.stopped_by is not None else None
            if stopper is not None and stopper.result is None and stopper.query_pid is None:
                return [*self._batch_query([stopper], self.t.reply, "ack"), *self._batch_progress(arm=False)]
        elif queried is not None and status == NOT_FOUND:
            if slot.accepted is None:
                slot.accepted = False  # the device never got it
            else:
                slot.query_pid = -1  # taken, and now gone from the buffer: nothing more can be learnt
        elif queried is None:  # B1 overflow, B2 id in use, B3, B4, anything else: the task was refused
            slot.accepted = False
            if status == EXISTS:
                self._release(slot.tid)  # a stale task holds the id: free it, as for a single task
            elif status == OVERFLOW:
                self.max_batch = max(1, sum(s.accepted is True for s in self._slots))
        if queried is not None and slot.query_pid == pid:
            slot.query_pid = None
        return self._batch_progress()

    def _resolve(self, *, final: bool = False) -> tuple[list[TaskResult], list[_Slot]]:
        """The results so far, and the tasks still unknown (before the first halting failure)."""
        slots = self._slots
        last_ran = max((s.index for s in slots if s.result is not None), default=-1)
        results: list[TaskResult] = []
        unknown: list[_Slot] = []
        halted = False
        for slot in slots:
            if halted:
                results.append(TaskResult(False))
            elif slot.result is not None:
                results.append(TaskResult(True, slot.result, slot.failed))
                halted = slot.failed and not slot.flags & FLAG_IGNORE_ERROR
            elif slot.accepted is False:
                results.append(TaskResult(False))
            elif slot.accepted and slot.index < last_ran and not slot.flags & FLAG_NEED_RESULT:
                results.append(TaskResult(True))  # a later task ran, so this one did, and did not fail
            else:
                if slot.query_pid != -1 and not final:
                    unknown.append(slot)
                results.append(TaskResult(None))
        return results, unknown

    def _batch_progress(self, *, arm: bool = True) -> list[Action]:
        """Something was learnt: finish the batch if every task is settled, else wait on."""
        self._recovers = 0
        last = self._slots[-1]
        if last.accepted is None and last.result is None and last.query_pid is None \
                and not any(slot.failed for slot in self._slots):
            # the common case while the replies come in: the last task is not even taken yet (nothing halted the
            # batch before it), so it is unknown and untaken — what _resolve would find, without the full pass
            return [Wait(self.t.reply, "ack")] if arm else []
        results, unknown = self._resolve()
        if not unknown:
            return self._batch_finish(results)
        if not arm:
            return []
        if any(slot.accepted is None for slot in unknown):
            return [Wait(self.t.reply, "ack")]
        wait = min(self.t.poll, max(self._exec_left, 0.0))
        self._exec_left -= wait
        return [Wait(wait, "execution")]

    def _batch_finish(self, results: list[TaskResult]) -> list[Action]:
        self.state = self.IDLE
        self._expect = None
        halted = any(slot.result is not None and slot.failed and not slot.flags & FLAG_IGNORE_ERROR
                     for slot in self._slots)
        unsure = any(result.ran is None for result in results)
        if halted or unsure:
            # the buffer is stopped, or holds tasks we know nothing of: C4 before the next request
            self.needs_barrier = True
            for slot in self._slots:
                self.quarantine[slot.tid] = None
        else:
            for slot in self._slots:
                if slot.accepted:
                    self._release(slot.tid)
        self._by_pid.clear()
        self._by_query.clear()
        self._by_tid.clear()
        return [DeliverBatch(tuple(results))]

    def _batch_query(self, slots: list[_Slot], seconds: float, phase: str) -> list[Action]:
        wires = []
        for slot in slots:
            slot.query_pid, wire = self._wire(bytes((REQ, slot.tid)))
            self._by_query[slot.query_pid] = slot
            wires.append(wire)
        if self._outbox:
            wires[:0] = self._outbox
            self._outbox.clear()
        return [Send(b"".join(wires)), Wait(seconds, phase)]

    def _batch_timeout(self) -> list[Action]:
        _, unknown = self._resolve()
        if not unknown:
            return self._batch_finish(self._resolve()[0])
        untaken = [slot for slot in unknown if slot.accepted is None]
        if untaken or any(slot.query_pid is not None for slot in unknown):  # replies or query answers lost
            self._recovers += 1
            if self._recovers > self.t.recover_tries:
                return self._batch_finish(self._resolve(final=True)[0])
        if untaken:
            return self._batch_query(untaken, self.t.reply, "ack")
        if self._exec_left <= 0:  # every task was taken; the device did not finish them in time
            return self._batch_finish(self._resolve(final=True)[0])
        wait = min(self.t.poll, self._exec_left)
        self._exec_left -= wait
        return self._batch_query(unknown[:1], wait, "execution")
