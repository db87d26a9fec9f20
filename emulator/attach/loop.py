"""One thread serving device connections over file descriptors (pty masters, TCP sockets).

Reads are fed to each :class:`~kkt_emu.core.connection.DeviceConnection`; its due output is
written with back-pressure (partial writes are kept and retried when the fd is writable, so a
pty's ~20 KB buffer or a slow TCP peer never loses bytes); link deadlines are honoured by
computing the select timeout from the connections' next events.

The loop cannot be knocked offline: network connections are bounded (``max_connections``; one more is
accepted and closed at once), a connection silent for ``idle_timeout`` seconds is closed, and an
exception while serving one endpoint drops that endpoint (and is logged), never the thread.
"""

from __future__ import annotations

import errno
import logging
import os
import select
import selectors
import socket
import threading
import time
from collections.abc import Callable
from dataclasses import dataclass, field
from typing import Protocol


class Connection(Protocol):
    """What the loop needs from a connection (a DeviceConnection or an echo peer)."""

    closed: bool
    last_input: float

    def close(self) -> None: ...

    def receive(self, data: bytes, now: float | None = None) -> None: ...

    def poll(self, now: float | None = None) -> None: ...

    def next_event(self) -> float | None: ...

    def take_output(self, now: float | None = None) -> bytes: ...

MAX_READ = 4096
MAX_CONNECTIONS = 64
IDLE_TIMEOUT = 600.0
#: waits shorter than this go through select(), which keeps microseconds (epoll keeps milliseconds)
SHORT_WAIT = 0.005
#: selectors that are themselves a descriptor that turns readable when an event is ready
_POLLABLE = tuple(kind for kind in (getattr(selectors, name, None)
                                    for name in ("EpollSelector", "KqueueSelector", "DevpollSelector"))
                  if kind is not None)
logger = logging.getLogger("kkt_emu")


@dataclass(eq=False)
class Endpoint:
    fd: int
    connection: Connection
    sock: socket.socket | None = None
    pending: bytearray = field(default_factory=bytearray)
    keep_open: bool = False  # a pty master: EIO means "no client now", not "gone"


class ServerLoop:
    def __init__(self, *, max_connections: int = MAX_CONNECTIONS, idle_timeout: float = IDLE_TIMEOUT) -> None:
        self.max_connections = max_connections
        self.idle_timeout = idle_timeout
        #: passes through the loop (a test reads it to tell an idle loop from a busy one)
        self.iterations = 0
        #: network connections refused because ``max_connections`` were open
        self.refused = 0
        self._sel = selectors.DefaultSelector()
        #: the selector's own descriptor (epoll, kqueue), for waits shorter than a millisecond; None for select()
        self._sel_fd: int | None = self._sel.fileno() if isinstance(self._sel, _POLLABLE) else None
        self._wake_r, self._wake_w = os.pipe()
        os.set_blocking(self._wake_r, False)
        self._sel.register(self._wake_r, selectors.EVENT_READ, None)
        self._endpoints: dict[int, Endpoint] = {}
        self._listeners: dict[int, tuple[socket.socket, Callable[[socket.socket], Endpoint]]] = {}
        self._stop = threading.Event()
        self._thread: threading.Thread | None = None
        self._lock = threading.Lock()

    # -- registration ----------------------------------------------------------------------
    def add_endpoint(self, endpoint: Endpoint) -> None:
        with self._lock:
            self._endpoints[endpoint.fd] = endpoint
            self._sel.register(endpoint.fd, selectors.EVENT_READ, endpoint)
        self.wake()

    def add_listener(self, sock: socket.socket, accept: Callable[[socket.socket], Endpoint]) -> None:
        sock.setblocking(False)
        with self._lock:
            self._listeners[sock.fileno()] = (sock, accept)
            self._sel.register(sock.fileno(), selectors.EVENT_READ, "listener")
        self.wake()

    def wake(self) -> None:
        try:
            os.write(self._wake_w, b"x")
        except OSError:
            pass

    # -- running ---------------------------------------------------------------------------
    def start(self, name: str = "kkt-emu") -> None:
        self._thread = threading.Thread(target=self.run, name=name, daemon=True)
        self._thread.start()

    def stop(self) -> None:
        self._stop.set()
        self.wake()
        if self._thread is not None and self._thread is not threading.current_thread():
            self._thread.join(timeout=5)
        for ep in list(self._endpoints.values()):
            self._drop(ep, close=not ep.keep_open)
        for sock, _ in self._listeners.values():
            sock.close()
        self._listeners.clear()
        self._sel.close()
        os.close(self._wake_r)
        os.close(self._wake_w)

    def run(self) -> None:
        while not self._stop.is_set():
            try:
                self._once()
            except Exception:  # never lose the serving thread
                logger.exception("kkt-emu server loop")
                time.sleep(0.05)

    def _once(self) -> None:
        """One pass: wait for input or the next deadline, read, run deadlines, write what is due."""
        self.iterations += 1
        now = time.monotonic()
        timeout = 0.5
        for ep in list(self._endpoints.values()):
            due = ep.connection.next_event()
            if due is not None:
                timeout = min(timeout, max(due - now, 0.0))
            if ep.pending:
                timeout = min(timeout, 0.01)
        for key, events in self._select(timeout):
            if key.data is None:
                try:
                    os.read(self._wake_r, 4096)
                except BlockingIOError:
                    pass
            elif key.data == "listener":
                self._accept(key.fd)
            elif events & selectors.EVENT_READ:
                try:
                    self._read(key.data)
                except Exception:
                    logger.exception("kkt-emu: dropping a connection that failed")
                    self._drop(key.data, close=not key.data.keep_open)
        now = time.monotonic()
        for ep in list(self._endpoints.values()):
            try:
                if ep.sock is not None and now - ep.connection.last_input > self.idle_timeout:
                    logger.info("kkt-emu: closing a connection idle for %.0f s", now - ep.connection.last_input)
                    self._drop(ep)
                    continue
                ep.connection.poll(now)
                self._flush(ep, now)
            except Exception:
                logger.exception("kkt-emu: dropping a connection that failed")
                self._drop(ep, close=not ep.keep_open)

    def _select(self, timeout: float) -> list[tuple[selectors.SelectorKey, int]]:
        """``selector.select(timeout)`` to the microsecond: epoll rounds a timeout up to the next millisecond, so a
        paced byte due in 0.1 ms would be handed on 0.9 ms late, on every turn of a paced exchange. A short wait
        is done by ``select()`` on the epoll descriptor itself (readable when an event is ready), then the
        events are taken without waiting."""
        if 0 < timeout < SHORT_WAIT and self._sel_fd is not None:
            select.select([self._sel_fd], [], [], timeout)
            return self._sel.select(0)
        return self._sel.select(timeout)

    def _accept(self, fd: int) -> None:
        sock, factory = self._listeners[fd]
        try:
            client, _ = sock.accept()
        except (BlockingIOError, OSError):
            return
        if sum(1 for ep in self._endpoints.values() if ep.sock is not None) >= self.max_connections:
            self.refused += 1
            logger.warning("kkt-emu: %d connections open; refusing one more", self.max_connections)
            client.close()
            return
        client.setblocking(False)
        client.setsockopt(socket.IPPROTO_TCP, socket.TCP_NODELAY, 1)
        endpoint = factory(client)
        self._endpoints[endpoint.fd] = endpoint
        self._sel.register(endpoint.fd, selectors.EVENT_READ, endpoint)

    def _read(self, ep: Endpoint) -> None:
        try:
            data = os.read(ep.fd, MAX_READ) if ep.sock is None else ep.sock.recv(MAX_READ)
        except BlockingIOError:
            return
        except OSError as exc:
            if ep.keep_open and exc.errno == errno.EIO:
                return  # pty with no client: wait for one
            self._drop(ep)
            return
        if not data:
            if not ep.keep_open:
                self._drop(ep)
            return
        ep.connection.receive(data)
        if ep.connection.closed and not ep.keep_open:
            self._drop(ep)

    def _flush(self, ep: Endpoint, now: float) -> None:
        while True:
            chunk = ep.connection.take_output(now)
            if not chunk:
                break
            ep.pending += chunk
            if not self._write(ep):
                return
        self._write(ep)

    def _write(self, ep: Endpoint) -> bool:
        """Write what is pending; False if the fd would block (retry later)."""
        while ep.pending:
            try:
                sent = os.write(ep.fd, ep.pending) if ep.sock is None else ep.sock.send(ep.pending)
            except BlockingIOError:
                return False
            except OSError:
                if not ep.keep_open:
                    self._drop(ep)
                ep.pending.clear()
                return False
            del ep.pending[:sent]
        return True

    def _drop(self, ep: Endpoint, close: bool = True) -> None:
        if self._endpoints.get(ep.fd) is ep:
            try:
                ep.connection.close()
            except Exception:
                logger.exception("kkt-emu: closing a connection")
        if self._endpoints.pop(ep.fd, None) is not None:
            try:
                self._sel.unregister(ep.fd)
            except (KeyError, ValueError):
                pass
        if close:
            if ep.sock is not None:
                ep.sock.close()
            elif not ep.keep_open:
                os.close(ep.fd)
