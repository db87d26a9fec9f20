"""Session: owns a transport and a sans-I/O link, performs their actions, one exchange at a time.

* one re-entrant lock per device, so threads sharing a session never interleave frames, and
  :meth:`Session.operation` to hold it (and the host lock between processes, :mod:`.hostlock`) across the
  several commands of one operation;
* after a dropped line the next exchange reconnects by itself;
* three deadlines, all chosen by the link: inter-byte, acknowledgement, and the command's
  execution time (from its :class:`~kkt_drivers.protocols.spec.TimeoutClass`);
* no blind retries: only commands declared idempotent are repeated after a timeout. Recovery of a
  lost answer is the link's job (ATOL v3 asks for the task's status instead of resending);
* trace hooks see every byte written and read.
"""

from __future__ import annotations

import threading
import time
from collections.abc import Iterable, Iterator
from contextlib import contextmanager
from typing import Protocol

from .errors import ConnectionLost, KktError, ProtocolError, Timeout, TransportError
from .hostlock import HostLock
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
                 idempotent_retries: int = 2, execution_scale: float = 1.0,
                 host_lock: HostLock | None = None) -> None:
        self.transport = transport
        self.link = link
        self.hooks: list[ByteHook] = [log_bytes, *hooks]
        self.idempotent_retries = idempotent_retries
        #: multiplies every command's execution deadline (tests of lost answers use < 1)
        self.execution_scale = execution_scale
        self.lock = threading.RLock()
        #: processes on this host take turns on the device (set by ``connect`` for shared devices)
        self.host_lock = host_lock
        self._depth = 0
        #: the line dropped: the next exchange reconnects first
        self.broken = False
        #: the device has answered at least once on this session
        self.answered = False
        #: any byte at all has come back on this session
        self.heard = False

    @contextmanager
    def operation(self) -> Iterator[None]:
        """Hold the device for several exchanges: no other thread, and no other process on this host (with a
        host lock), gets a command in between. Re-entrant."""
        with self.lock:
            self._depth += 1
            try:
                if self._depth == 1 and self.host_lock is not None:
                    self.host_lock.acquire()
                try:
                    yield
                finally:
                    if self._depth == 1 and self.host_lock is not None:
                        self.host_lock.release()
            finally:
                self._depth -= 1

    def _emit(self, direction: str, data: bytes) -> None:
        for hook in self.hooks:
            hook(direction, data)

    def exchange(self, message: bytes, *, timeout: float, idempotent: bool = False) -> bytes:
        """Send one application message and return the device's application answer."""
        with self.operation():
            if self.broken:
                self.reconnect()
            attempt = 0
            while True:
                try:
                    answer = self._run(message, timeout, idempotent)
                    self.answered = True
                    return answer
                except Timeout as exc:
                    attempt += 1
                    # a query is asked again, unless the line has never carried a byte back (a wrong port or
                    # transport fails fast)
                    if not (idempotent and self.heard and attempt <= self.idempotent_retries):
                        raise self._explain(exc, idempotent) from exc

    def _explain(self, exc: Timeout, idempotent: bool) -> Timeout:
        """A query cannot have changed anything, and a device that never answered may be no device at all."""
        where = self.transport.address or "the device"
        if not self.answered:
            maybe = exc.maybe_executed and not idempotent
            detail = str(exc) if maybe else str(exc).replace("; the command may have been executed", "")
            return Timeout(f"nothing at {where} answered (is it the right port, device family, transport and "
                           f"baud rate?): {detail}", phase=exc.phase, maybe_executed=maybe,
                           message_ru=f"устройство по адресу {where} не отвечает (верны ли порт, семейство, протокол "
                                      f"обмена и скорость?)")
        if idempotent and exc.maybe_executed:
            return Timeout(f"the device did not answer the query: {exc}".replace(
                "the command may have been executed", "nothing was changed"), phase=exc.phase, maybe_executed=False,
                message_ru="устройство не ответило на запрос (запрос ничего не меняет)")
        return exc

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
                    self.heard = True
                    self._emit("rx", data)
                    actions = link.receive(data)
                elif time.monotonic() >= deadline:
                    actions = link.timeout()
                else:
                    actions = []
        except ConnectionLost:
            link.abort()
            self.broken = True
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
            try:
                self.transport.reopen()
            except TransportError:
                self.broken = True
                raise
            self.broken = False

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
