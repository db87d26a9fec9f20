"""Session: owns a transport and a sans-I/O link, performs their actions, one exchange at a time.

* one re-entrant lock per device, so threads sharing a session never interleave frames;
* three deadlines, all chosen by the link: inter-byte, acknowledgement, and the command's
  execution time (from its :class:`~kkt_drivers.protocols.spec.TimeoutClass`);
* no blind retries: only commands declared idempotent are repeated after a timeout. Recovery of a
  lost answer is the link's job (ATOL v3 asks for the task's status instead of resending);
* trace hooks see every byte written and read.
"""

from __future__ import annotations

import threading
import time
from collections.abc import Iterable
from typing import Protocol

from .errors import ConnectionLost, KktError, ProtocolError, Timeout
from .protocols.actions import Action, Deliver, Fail, Send, Wait
from .trace import ByteHook, log_bytes
from .transport.base import Transport


class Link(Protocol):
    """What a session needs from a link state machine."""

    @property
    def busy(self) -> bool: ...

    def request(self, message: bytes, *, execution_timeout: float, idempotent: bool = False) -> list[Action]: ...

    def receive(self, data: bytes) -> list[Action]: ...

    def timeout(self) -> list[Action]: ...

    def abort(self) -> None: ...


class Session:
    """Runs exchanges over ``transport`` with ``link``; thread-safe."""

    def __init__(self, transport: Transport, link: Link, *, hooks: Iterable[ByteHook] = (),
                 idempotent_retries: int = 2, execution_scale: float = 1.0) -> None:
        self.transport = transport
        self.link = link
        self.hooks: list[ByteHook] = [log_bytes, *hooks]
        self.idempotent_retries = idempotent_retries
        #: multiplies every command's execution deadline (tests of lost answers use < 1)
        self.execution_scale = execution_scale
        self.lock = threading.RLock()

    def _emit(self, direction: str, data: bytes) -> None:
        for hook in self.hooks:
            hook(direction, data)

    def exchange(self, message: bytes, *, timeout: float, idempotent: bool = False) -> bytes:
        """Send one application message and return the device's application answer."""
        with self.lock:
            attempts = 1 + (self.idempotent_retries if idempotent else 0)
            for attempt in range(attempts):
                try:
                    return self._run(message, timeout, idempotent)
                except Timeout:
                    if attempt + 1 >= attempts:
                        raise
            raise AssertionError("unreachable")

    def _run(self, message: bytes, timeout: float, idempotent: bool) -> bytes:
        link = self.link
        if link.busy:
            link.abort()
        actions = link.request(message, execution_timeout=timeout * self.execution_scale, idempotent=idempotent)
        deadline = time.monotonic()
        try:
            while True:
                for action in actions:
                    if isinstance(action, Send):
                        self._emit("tx", action.data)
                        self.transport.write(action.data)
                    elif isinstance(action, Wait):
                        deadline = time.monotonic() + action.seconds
                    elif isinstance(action, Deliver):
                        return action.answer
                    elif isinstance(action, Fail):
                        raise action.error
                remaining = deadline - time.monotonic()
                data = self.transport.read(remaining) if remaining > 0 else b""
                if data:
                    self._emit("rx", data)
                    actions = link.receive(data)
                elif time.monotonic() >= deadline:
                    actions = link.timeout()
                else:
                    actions = []
        except ConnectionLost:
            link.abort()
            raise
        except KktError:
            if link.busy:
                link.abort()
            raise
        except Exception as exc:  # a bug or an unforeseen input in a link must not escape untyped
            link.abort()
            raise ProtocolError(f"the link failed on the device's bytes: {type(exc).__name__}: {exc}") from exc

    def reconnect(self) -> None:
        """Open a fresh connection to the same device; the link forgets any half-done exchange."""
        with self.lock:
            self.link.abort()
            self.transport.reopen()

    def close(self) -> None:
        """Close the transport, and any hook that holds a file (a JSONL capture)."""
        with self.lock:
            try:
                self.transport.close()
            finally:
                for hook in self.hooks:
                    closer = getattr(hook, "close", None)
                    if callable(closer):
                        closer()
