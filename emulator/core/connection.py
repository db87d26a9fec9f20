"""One client's conversation with a virtual device: its own link state, buffers and deadlines.

Attachments (in-process, pty, TCP) feed bytes in with :meth:`receive`, call :meth:`poll` when
:attr:`deadline` passes, and send what :meth:`take_output` returns. Faults of the device's
:class:`~kkt_emu.core.faults.FaultPlan` are applied here, at the emulator's side of the pipe.

With ``baud`` the connection behaves like a serial line at that rate (8N1: ten bits a byte): bytes from the
host reach the device only when they would have finished arriving, and each answer is released when its last
byte would have left the wire. Each direction is one line, busy until its last byte is through.
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


#: bits on the wire per byte at 8N1 (start bit, eight data bits, stop bit)
BITS_PER_BYTE = 10
#: with ``baud``: paced bytes due this close are handed on now — the attachments' timers wake up to a
#: millisecond late (epoll rounds its timeout up), which would otherwise add to every paced exchange
TIMER_SLACK = 0.0005


class DeviceConnection:
    def __init__(self, device: VirtualDevice, link: DeviceLink, *, baud: int | None = None) -> None:
        if baud is not None and baud <= 0:
            raise ValueError(f"baud must be positive, not {baud}")
        self.device = device
        self.link = link
        self.deadline: float | None = None
        #: (release time, bytes) waiting to be written
        self.output: deque[tuple[float, bytes]] = deque()
        #: line rate to emulate (bits per second), or None for no pacing
        self.baud = baud
        #: (arrival time, bytes) from the host still on the wire (with ``baud``)
        self.input: deque[tuple[float, bytes]] = deque()
        self._line_out = 0.0  # when the device's transmit line is free again
        self._line_in = 0.0  # when the host's bytes sent so far have all arrived
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
                if self.baud:
                    self._paced(release, data, faults.split_writes)
                elif faults.split_writes:
                    self.output.extend((release, data[i:i + 1]) for i in range(len(data)))
                else:
                    self.output.append((release, data))
                self.bytes_out += len(data)
            elif isinstance(action, Wait):
                self.deadline = now + action.seconds

    def _paced(self, release: float, data: bytes, split: bool) -> None:
        """Queue ``data`` as a serial line sends it: after what is already on the line, each piece released
        when its last byte is through."""
        assert self.baud
        start = max(release, self._line_out)
        per_byte = BITS_PER_BYTE / self.baud
        if split:
            self.output.extend((start + (i + 1) * per_byte, data[i:i + 1]) for i in range(len(data)))
        else:
            self.output.append((start + len(data) * per_byte, data))
        self._line_out = start + len(data) * per_byte

    def _arm_link_faults(self) -> None:
        faults = self.device.faults
        if faults.withhold_answer:
            self.link.withhold_next += faults.withhold_answer
            faults.withhold_answer = 0
        self.link.arm_faults(faults)

    def receive(self, data: bytes, now: float | None = None) -> None:
        """Bytes from the client. Whatever they are, the connection keeps serving: an exception in the
        link is recorded as an incident and the bytes that caused it are dropped. With ``baud`` they are
        handled once they would have arrived over the line (:meth:`poll` hands them on)."""
        now = time.monotonic() if now is None else now
        self.bytes_in += len(data)
        self.last_input = now
        if self.baud:
            self._line_in = max(now, self._line_in) + len(data) * BITS_PER_BYTE / self.baud
            self.input.append((self._line_in, data))
            self._arrived(now)
            return
        self._feed(data, now)

    def _arrived(self, now: float) -> None:
        while self.input and self.input[0][0] <= now + TIMER_SLACK and not self.closed:
            self._feed(self.input.popleft()[1], now)

    def _feed(self, data: bytes, now: float) -> None:
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
        if self.input:
            self._arrived(now)
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
        times = [t for t in (self.deadline, self.output[0][0] if self.output else None,
                             self.input[0][0] if self.input else None) if t is not None]
        return min(times) if times else None

    def take_output(self, now: float | None = None) -> bytes:
        """Bytes due by ``now``; with split writes, one write's worth at a time."""
        now = time.monotonic() if now is None else now
        if self.baud:
            now += TIMER_SLACK
        out = bytearray()
        while self.output and self.output[0][0] <= now:
            out += self.output.popleft()[1]
            if self.device.faults.split_writes:
                break
        return bytes(out)
