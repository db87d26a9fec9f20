"""Device-side links of an emulated Меркурий: MS-K frames, and the driver service's length-prefixed JSON.

Both hand each request to ``VirtualDevice.execute_for`` (so the core's command faults work) and send what
it answers. The MS-K side wraps the protocol layer's :class:`MskDeviceLink` (password, ``I`` repeat,
checksum errors) and adds the register's keep-alives: a document or report answer comes after
:data:`DOCUMENT_KEEPALIVES` ``06`` bytes (the captured register sent 14 and 9), and the link fault
``keepalives`` = N holds the next answer back behind N keep-alives :data:`KEEPALIVE_INTERVAL` apart — a
busy register.
"""

from __future__ import annotations

from collections import deque
from typing import Protocol

from kkt_drivers.protocols.actions import Action, Send, Wait
from kkt_drivers.protocols.incotex.json_tcp import JsonFrameError, JsonTcpFramer, encode
from kkt_drivers.protocols.incotex.msk_device_link import MskDeviceLink
from kkt_drivers.protocols.incotex.msk_framer import ACK, STX, RequestFrame

from ...core.device import VirtualDevice
from ...core.faults import FaultPlan

DOCUMENT_KEEPALIVES = 2
KEEPALIVE_INTERVAL = 0.02
LINK_FAULTS: dict[str, int] = {"keepalives": 0}


class StatusSource(Protocol):
    def msk_status(self) -> tuple[int, int]: ...


class MskDeviceSide:
    """One MS-K connection to the device."""

    def __init__(self, device: VirtualDevice, status: StatusSource) -> None:
        self.device = device
        self.inner = MskDeviceLink(self._execute, status=status.msk_status)
        self._slow = 0
        self._queue: deque[bytes] = deque()
        self._seconds = 0.0

    @property
    def withhold_next(self) -> int:
        return self.inner.withhold_next

    @withhold_next.setter
    def withhold_next(self, value: int) -> None:
        self.inner.withhold_next = value

    def arm_faults(self, plan: FaultPlan) -> None:
        self._slow += int(plan.take_link("keepalives"))

    def _execute(self, request: RequestFrame) -> bytes:
        body = bytes((request.command,)) + request.password + b"\x00" + request.data
        outcome = self.device.execute_for(self, body)
        self._seconds = outcome.seconds
        return outcome.answer

    def receive(self, data: bytes) -> list[Action]:
        self._seconds = 0.0
        actions: list[Action] = []
        for chunk in self.inner.receive(data):
            long = self._seconds >= 1.0
            if chunk[:1] == bytes((STX,)) and self._slow:
                self._queue.extend([bytes((ACK,))] * self._slow + [chunk])
                self._slow = 0
                actions += [Send(self._queue.popleft()), Wait(KEEPALIVE_INTERVAL, "execution")]
                continue
            if chunk[:1] == bytes((STX,)) and long:
                chunk = bytes((ACK,)) * DOCUMENT_KEEPALIVES + chunk
            actions.append(Send(chunk))
        return actions

    def timeout(self) -> list[Action]:
        if not self._queue:
            return []
        chunk = self._queue.popleft()
        return [Send(chunk), Wait(KEEPALIVE_INTERVAL, "execution")] if self._queue else [Send(chunk)]


#: silence inside a message after which the part received is dropped (a client writes a message at once)
JSON_INTER_BYTE = 0.2


class JsonDeviceSide:
    """One raw-TCP connection to the driver service: 4-byte big-endian length, then the JSON."""

    def __init__(self, device: VirtualDevice) -> None:
        self.device = device
        self.framer = JsonTcpFramer()
        self.withhold_next = 0

    def arm_faults(self, plan: FaultPlan) -> None:
        """The service has no link faults of its own (the core's apply)."""

    def receive(self, data: bytes) -> list[Action]:
        try:
            messages = self.framer.feed(data)
        except JsonFrameError as exc:  # out of step: answer what came whole, then start over
            messages = exc.messages
            self.framer.reset()
        actions: list[Action] = []
        for message in messages:
            outcome = self.device.execute_for(self, message)
            if self.withhold_next:
                self.withhold_next -= 1
                continue
            actions.append(Send(encode(outcome.answer)))
        if self.framer.in_message:
            actions.append(Wait(JSON_INTER_BYTE, "inter-byte"))
        return actions

    def timeout(self) -> list[Action]:
        """A message that stopped coming is dropped: over a line that outlives its clients (a pty) a damaged
        length prefix would otherwise swallow every request after it, each client's retry keeping it waiting."""
        self.framer.reset()
        return []
