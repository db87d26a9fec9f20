"""ATOL transport v3, device side: packets and the task buffer, sans-I/O.

Behaviour (device side is inferred from the host-side sources, see
protocol-notes/atol/transport-v3.md):

* every reply carries the id of the packet it answers; an empty packet from the host asks us to
  resend our packet with that id; a packet that fails its CRC is answered with an empty packet of
  the same id;
* ``C1`` runs the task at once; quick commands are answered ``A3``/``A4`` + answer, commands
  slower than ``async_over`` seconds are answered ``A2`` and then completed by ``A6``/``A7`` on
  packet id ``F0``; a reused task id gives ``B2``;
* results are kept per task id until ``C2`` or ``C4`` (at most ``keep`` of them);
* a failed task without the IgnoreError flag halts the buffer: later ``C1`` get ``A5 <tid>``
  until ``C4``.
"""

from __future__ import annotations

from collections import OrderedDict
from collections.abc import Callable

from kkt_drivers.protocols.actions import Action, Send
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
    ILLEGAL,
    IN_PROGRESS,
    NOT_FOUND,
    REQ,
    RESULT,
    STOPPED,
)

from ...core.faults import FaultPlan

#: execute(message) -> (answer, failed, seconds the command would take on a real device)
Executor = Callable[[bytes], tuple[bytes, bool, float]]


class AtolV3DeviceLink:
    def __init__(self, execute: Executor, *, async_over: float = 10.0, keep: int = 64) -> None:
        self.execute = execute
        self.async_over = async_over
        self.keep = keep
        self.framer = AtolV3Framer(accept_escaped_crc=True)
        self.results: OrderedDict[int, tuple[int, bytes]] = OrderedDict()
        self.halted_by: int | None = None
        self._sent: OrderedDict[int, bytes] = OrderedDict()
        #: fault hooks: drop the replies to the next N tasks; answer every task asynchronously
        self.withhold_next = 0
        self.force_async = False

    def arm_faults(self, plan: FaultPlan) -> None:
        """``async_answers``: answer every task "in progress", its result later on packet id F0."""
        self.force_async = bool(plan.link.get("async_answers", False))

    def _reply(self, packet_id: int, data: bytes) -> Send:
        wire = encode(packet_id, data)
        self._sent[packet_id] = wire
        while len(self._sent) > 16:
            self._sent.popitem(last=False)
        return Send(wire)

    def receive(self, data: bytes) -> list[Action]:
        actions: list[Action] = []
        for event in self.framer.feed(data):
            if isinstance(event, BadPacket):
                if event.packet_id is not None:
                    actions.append(Send(encode(event.packet_id, b"")))
                continue
            actions.extend(self._on_packet(event))
        return actions

    def _store(self, tid: int, status: int, answer: bytes) -> None:
        self.results[tid] = (status, answer)
        while len(self.results) > self.keep:
            self.results.popitem(last=False)

    def _on_packet(self, packet: Packet) -> list[Action]:
        pid, data = packet.packet_id, packet.data
        if not data:
            wire = self._sent.get(pid)
            return [Send(wire)] if wire is not None else []
        cmd = data[0]
        if cmd == ABORT:
            self.results.clear()
            self.halted_by = None
            return [self._reply(pid, bytes((RESULT,)))]
        if cmd == ACK_RESULT:
            if len(data) >= 2:
                self.results.pop(data[1], None)
            return [self._reply(pid, bytes((RESULT,)))]
        if cmd == REQ:
            if len(data) < 2:
                return [self._reply(pid, bytes((ILLEGAL,)))]
            found = self.results.get(data[1])
            if found is None:
                return [self._reply(pid, bytes((NOT_FOUND,)))]
            status, answer = found
            return [self._reply(pid, bytes((status,)) + answer)]
        if cmd == ADD:
            if len(data) < 4:
                return [self._reply(pid, bytes((ILLEGAL,)))]
            flags, tid, message = data[1], data[2], data[3:]
            if self.halted_by is not None:
                return [self._reply(pid, bytes((STOPPED, self.halted_by)))]
            if tid in self.results:
                return [self._reply(pid, bytes((EXISTS,)))]
            answer, failed, seconds = self.execute(message)
            status = ERROR if failed else RESULT
            self._store(tid, status, answer)
            if failed and not flags & FLAG_IGNORE_ERROR:
                self.halted_by = tid
            if self.withhold_next:
                self.withhold_next -= 1
                return []
            if seconds > self.async_over or self.force_async:
                done = ASYNC_ERROR if failed else ASYNC_RESULT
                return [self._reply(pid, bytes((IN_PROGRESS,))),
                        Send(encode(ASYNC_ID, bytes((done, tid)) + answer))]
            return [self._reply(pid, bytes((status,)) + answer)]
        return [self._reply(pid, bytes((ILLEGAL,)))]

    def timeout(self) -> list[Action]:
        return []
