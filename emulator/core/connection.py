"""One client's conversation with a virtual device: its own link state, buffers and deadlines.

Attachments (in-process, pty, TCP) feed bytes in with :meth:`receive`, call :meth:`poll` when
:attr:`deadline` passes, and send what :meth:`take_output` returns. Faults of the device's
:class:`~kkt_emu.core.faults.FaultPlan` are applied here, at the emulator's side of the pipe.
"""

from __future__ import annotations

import time
from collections import deque
from typing import Protocol

from kkt_drivers.protocols.actions import Action, Send, Wait

from .device import VirtualDevice
from .faults import FaultPlan


class DeviceLink(Protocol):
    """A family's device-side link: bytes in, actions out, and the faults it understands."""

    withhold_next: int

    def receive(self, data: bytes) -> list[Action]: ...

    def timeout(self) -> list[Action]: ...

    def arm_faults(self, plan: FaultPlan) -> None:
        """Take the family's link faults (``plan.link``) that apply to this link."""
        ...


class DeviceConnection:
    def __init__(self, device: VirtualDevice, link: DeviceLink) -> None:
        self.device = device
        self.link = link
        self.deadline: float | None = None
        #: (release time, bytes) waiting to be written
        self.output: deque[tuple[float, bytes]] = deque()
        self.bytes_in = 0
        self.bytes_out = 0
        #: the device hung up on this client (a ``disconnect_command`` fault)
        self.closed = False
        #: monotonic time of the last bytes from the client (idle connections are closed by the server loop)
        self.last_input = time.monotonic()

    def _apply(self, actions: list[Action], now: float) -> None:
        faults = self.device.faults
        for action in actions:
            if isinstance(action, Send):
                data = action.data
                if faults.corrupt_answer and len(data) > 1:
                    faults.corrupt_answer -= 1
                    data = data[:-1] + bytes((data[-1] ^ 0x5A,))
                if faults.garbage:
                    data = faults.noise(faults.garbage) + data
                    faults.garbage = 0
                release = now
                if faults.stall:
                    release = now + faults.stall
                    faults.stall = 0.0
                if self.output and self.output[-1][0] > release:
                    release = self.output[-1][0]  # keep order behind stalled output
                if faults.split_writes:
                    self.output.extend((release, data[i:i + 1]) for i in range(len(data)))
                else:
                    self.output.append((release, data))
                self.bytes_out += len(data)
            elif isinstance(action, Wait):
                self.deadline = now + action.seconds

    def _arm_link_faults(self) -> None:
        faults = self.device.faults
        if faults.withhold_answer:
            self.link.withhold_next += faults.withhold_answer
            faults.withhold_answer = 0
        self.link.arm_faults(faults)

    def receive(self, data: bytes, now: float | None = None) -> None:
        """Bytes from the client. Whatever they are, the connection keeps serving: an exception in the
        link is recorded as an incident and the bytes that caused it are dropped."""
        now = time.monotonic() if now is None else now
        self.bytes_in += len(data)
        self.last_input = now
        try:
            self._arm_link_faults()
            data = self.device.faults.mangle_input(data)
            if data:
                self._apply(self.link.receive(data), now)
        except Exception as exc:
            self.device.incidents.record("link", exc)
        if self.device.hangup_pending:
            self.device.hangup_pending = False
            self.closed = True

    def poll(self, now: float | None = None) -> None:
        now = time.monotonic() if now is None else now
        if self.deadline is not None and now >= self.deadline:
            self.deadline = None
            try:
                self._apply(self.link.timeout(), now)
            except Exception as exc:
                self.device.incidents.record("link", exc)

    def close(self) -> None:
        """The client went away: the device frees what this connection held (an open receipt's ownership)."""
        self.closed = True
        self.device.client_gone(id(self.link))

    def next_event(self) -> float | None:
        """The earliest time something is due (a link deadline or stalled output)."""
        times = [t for t in (self.deadline, self.output[0][0] if self.output else None) if t is not None]
        return min(times) if times else None

    def take_output(self, now: float | None = None) -> bytes:
        """Bytes due by ``now``; with split writes, one write's worth at a time."""
        now = time.monotonic() if now is None else now
        out = bytearray()
        while self.output and self.output[0][0] <= now:
            out += self.output.popleft()[1]
            if self.device.faults.split_writes:
                break
        return bytes(out)
