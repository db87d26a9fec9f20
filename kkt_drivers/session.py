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

On a link that can queue commands in the device (a :class:`BatchLink`: ATOL v3's task buffer):

* :meth:`Session.defer` queues a command whose answer only needs checking (a receipt's positions, say); it
  goes out with the next exchange, in one write, and the batch is waited for once. A command that changes
  something is never queued behind commands not yet known to have run: the queue goes first, on its own.
  Where the link cannot queue, ``defer`` is an exchange and its check, at once. What is still queued when
  the outermost :meth:`Session.operation` ends is sent then (and dropped, never sent, if the operation
  fails);
* ``exchange(..., prefetch=...)`` adds queries after the command in the same batch; their answers are
  returned by the next exchanges of exactly those messages, as long as nothing else was sent in between and
  the operation has not ended.
"""

from __future__ import annotations

import threading
import time
from collections.abc import Callable, Iterable, Iterator, Sequence
from contextlib import contextmanager
from dataclasses import dataclass
from typing import Protocol

from .errors import ConnectionLost, KktError, NotExecuted, ProtocolError, Timeout, TransportError
from .hostlock import HostLock
from .protocols.actions import Action, Deliver, DeliverBatch, Fail, Send, Task, TaskResult, Wait
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


class BatchLink(Link, Protocol):
    """A link that can queue several commands in the device and wait for them once."""

    max_batch: int

    def request_batch(self, tasks: Sequence[Task]) -> list[Action]: ...

    def take_pending(self) -> bytes: ...


class QueueBroken(ProtocolError):
    """Commands queued in the device did not all run in order: one was refused or lost on the line while later
    ones may have run. What they built (a receipt's positions) is not what was asked for; the caller must undo
    it (cancel the receipt) — nothing after the queue was sent."""


@dataclass(frozen=True)
class _Queued:
    task: Task
    check: Callable[[bytes], object]


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
        #: commands queued by :meth:`defer`, not sent yet
        self._queued: list[_Queued] = []
        #: answers of queries sent ahead (``prefetch``), by message
        self._prefetched: dict[bytes, bytes] = {}

    @contextmanager
    def operation(self) -> Iterator[None]:
        """Hold the device for several exchanges: no other thread, and no other process on this host (with a
        host lock), gets a command in between. Re-entrant. Commands still queued when the outermost operation
        ends are sent then; if it ends with an exception they are dropped (they were never sent)."""
        with self.lock:
            self._depth += 1
            try:
                if self._depth == 1 and self.host_lock is not None:
                    self.host_lock.acquire()
                try:
                    yield
                    if self._depth == 1 and self._queued:
                        self.flush()
                finally:
                    if self._depth == 1:
                        self._queued.clear()
                        self._prefetched.clear()
                        if self.host_lock is not None:
                            self.host_lock.release()
            finally:
                self._depth -= 1

    def _emit(self, direction: str, data: bytes) -> None:
        for hook in self.hooks:
            hook(direction, data)

    def _batch_link(self) -> BatchLink | None:
        link = self.link
        return link if callable(getattr(link, "request_batch", None)) else None  # type: ignore[return-value]

    @property
    def queues(self) -> bool:
        """Whether :meth:`defer` queues commands in the device (else it runs them at once)."""
        return self._batch_link() is not None

    def defer(self, message: bytes, *, timeout: float, check: Callable[[bytes], object]) -> None:
        """Queue ``message``: it is sent with the next exchange and ``check(answer)`` raises if the device refused
        it (the device reports the answer only then). Where the link cannot queue: exchange and check now."""
        with self.operation():
            link = self._batch_link()
            if link is None:
                check(self.exchange(message, timeout=timeout))
                return
            self._prefetched.clear()
            self._queued.append(_Queued(Task(message, timeout * self.execution_scale, answer=False, halt=True), check))
            if len(self._queued) >= link.max_batch - 1:  # room for the command that sends them
                self.flush()

    def flush(self) -> None:
        """Send what :meth:`defer` queued and wait until the device has run it; raise what the first refusal
        raises (:class:`QueueBroken` if one did not run while later ones did)."""
        with self.operation():
            while self._queued:
                link = self._batch_link()
                if link is None:
                    raise ProtocolError("commands are queued but the link can no longer queue them",
                                        message_ru="команды стоят в очереди, но канал больше не может их передать")
                queued = self._queued[:link.max_batch]
                del self._queued[:len(queued)]
                self._check(queued, self._run_batch(link, [q.task for q in queued]))

    @staticmethod
    def _check(queued: Sequence[_Queued], results: Sequence[TaskResult]) -> None:
        for position, (item, result) in enumerate(zip(queued, results, strict=True)):
            if result.ran:
                if result.answer is not None:
                    item.check(result.answer)  # raises for the device's refusal
                if result.failed:
                    raise ProtocolError(f"queued command {position + 1} failed, but its answer says nothing went "
                                        f"wrong: {(result.answer or b'').hex(' ')}",
                                        message_ru=f"команда {position + 1} из очереди не выполнена, но её ответ не "
                                                   f"сообщает об ошибке: {(result.answer or b'').hex(' ')}")
                continue
            raise QueueBroken(
                f"queued command {position + 1} of {len(queued)} did not run in order "
                f"({'not taken' if result.ran is False else 'no word from the device'}); what the queue built is "
                "not what was asked for", message_ru="команды из очереди ККТ выполнены не все или не по порядку")

    def exchange(self, message: bytes, *, timeout: float, idempotent: bool = False,
                 prefetch: Sequence[tuple[bytes, float]] = ()) -> bytes:
        """Send one application message and return the device's application answer.

        Commands queued by :meth:`defer` go first, in the same batch when ``message`` is a query. ``prefetch``:
        queries ``(message, timeout)`` sent after it in the same batch (where the link can queue), answered
        from memory by the next exchanges of exactly those messages."""
        with self.operation():
            if self._prefetched:
                early = self._prefetched.pop(message, None) if idempotent and not self._queued else None
                if early is not None:
                    return early
                self._prefetched.clear()
            link = self._batch_link()
            if link is not None and (self._queued or prefetch):
                if not idempotent:
                    self.flush()  # a command that changes something never waits behind unconfirmed ones
                if self._queued or prefetch:
                    return self._exchange_batch(link, message, timeout, idempotent, prefetch)
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
        where_ru = f" по адресу {self.transport.address}" if self.transport.address else ""
        if not self.answered:
            maybe = exc.maybe_executed and not idempotent
            detail = str(exc) if maybe else str(exc).replace("; the command may have been executed", "")
            return Timeout(f"nothing at {where} answered (is it the right port, device family, transport and "
                           f"baud rate?): {detail}", phase=exc.phase, maybe_executed=maybe,
                           message_ru=f"устройство{where_ru} не отвечает (верны ли порт, семейство, протокол "
                                      f"обмена и скорость?)")
        if idempotent and exc.maybe_executed:
            return Timeout(f"the device did not answer the query: {exc}".replace(
                "the command may have been executed", "nothing was changed"), phase=exc.phase, maybe_executed=False,
                message_ru="устройство не ответило на запрос (запрос ничего не меняет)")
        return exc

    def _exchange_batch(self, link: BatchLink, message: bytes, timeout: float, idempotent: bool,
                        prefetch: Sequence[tuple[bytes, float]]) -> bytes:
        """The queued commands, ``message`` and the prefetch queries in one batch."""
        scale = self.execution_scale
        ahead = [Task(query, seconds * scale, idempotent=True) for query, seconds in prefetch]
        room = link.max_batch - 1 - len(ahead)
        if len(self._queued) > room:
            ahead = []  # too many to go in one batch: the queue first, then the command on its own
            self.flush()
        queued = self._queued
        self._queued = []
        tasks = [q.task for q in queued] + [Task(message, timeout * scale, idempotent=idempotent), *ahead]
        results = self._run_batch(link, tasks)
        self._check(queued, results[:len(queued)])
        main = results[len(queued)]
        for (query, _), result in zip(prefetch if ahead else (), results[len(queued) + 1:], strict=True):
            if result.ran and result.answer is not None and not result.failed:
                self._prefetched[query] = result.answer
        if main.ran and main.answer is not None:
            return main.answer
        if idempotent:  # a query the batch did not get to: ask it on its own
            self._prefetched.clear()
            return self.exchange(message, timeout=timeout, idempotent=True)
        if main.ran is False:
            raise NotExecuted("the device did not take the command (v3 task refused); it is safe to send it again",
                              message_ru="ККТ не приняла команду (задание v3 отклонено); её можно отправить снова")
        raise Timeout("no word from the device about the command (v3); the command may have been executed",
                      phase="ack", maybe_executed=True,
                      message_ru="ККТ ничего не сообщила о команде (v3); команда могла быть выполнена")

    def _run_batch(self, link: BatchLink, tasks: Sequence[Task]) -> tuple[TaskResult, ...]:
        if self.broken:
            self.reconnect()
        if link.busy:
            link.abort()
        results = self._drive(link, link.request_batch(tasks))
        assert isinstance(results, tuple)
        if any(result.ran for result in results):
            self.answered = True
        return results

    def _run(self, message: bytes, timeout: float, idempotent: bool) -> bytes:
        link = self.link
        if link.busy:
            link.abort()
        answer = self._drive(link, link.request(message, execution_timeout=timeout * self.execution_scale,
                                                idempotent=idempotent))
        assert isinstance(answer, bytes)
        return answer

    def _drive(self, link: Link, actions: list[Action]) -> bytes | tuple[TaskResult, ...]:
        """Perform the link's actions until it delivers or fails."""
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
                    elif isinstance(action, DeliverBatch):
                        return action.results
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
            raise ProtocolError(f"the link failed on the device's bytes: {type(exc).__name__}: {exc}",
                                message_ru=f"канал не справился с байтами устройства: {type(exc).__name__}: "
                                           f"{exc}") from exc

    def reconnect(self) -> None:
        """Open a fresh connection to the same device; the link forgets any half-done exchange."""
        with self.lock:
            self._prefetched.clear()
            self.link.abort()
            try:
                self.transport.reopen()
            except TransportError:
                self.broken = True
                raise
            self.broken = False

    def close(self) -> None:
        """Close the transport, the host lock's file and any hook that holds a file (a JSONL capture). Packets the
        link keeps for the next request (v3 releases) are written first, best effort."""
        with self.lock:
            try:
                link = self._batch_link()
                pending = link.take_pending() if link is not None and not self.broken else b""
                if pending and self.transport.is_open:
                    try:
                        self._emit("tx", pending)
                        self.transport.write(pending)
                    except KktError:
                        pass
                self.transport.close()
            finally:
                if self.host_lock is not None:
                    self.host_lock.close()
                for hook in self.hooks:
                    closer = getattr(hook, "close", None)
                    if callable(closer):
                        closer()
