"""An echo peer with the interface of a device connection: every byte received is sent back.

Used to measure the raw cost of an attachment (the baseline of the round-trip benchmarks) and to
prove that a pty passes every byte value unchanged.
"""

from __future__ import annotations

import time


class EchoConnection:
    def __init__(self) -> None:
        self._out = bytearray()
        self.closed = False
        self.last_input = time.monotonic()

    def receive(self, data: bytes, now: float | None = None) -> None:
        self.last_input = time.monotonic() if now is None else now
        self._out += data

    def close(self) -> None:
        self.closed = True

    def poll(self, now: float | None = None) -> None:
        return None

    def next_event(self) -> float | None:
        return None

    def take_output(self, now: float | None = None) -> bytes:
        out = bytes(self._out)
        self._out.clear()
        return out
