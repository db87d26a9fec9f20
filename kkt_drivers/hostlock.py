"""An advisory lock per device on this host, so that processes sharing a register take turns.

Four ``kkt`` commands run at once against one network register (what a shop with scripts does) each
open their own connection; the device cannot tell whose receipt a position belongs to. Every operation of
:class:`~kkt_drivers.kkt.Kkt` (a whole receipt, a report) — and every single exchange of a raw driver —
holds this lock, so one process's receipt never takes another's positions and nobody gets someone
else's result. A process that waits longer than the timeout gets :class:`DeviceBusy`, naming the holder.

The lock is a file in ``$KKT_LOCK_DIR`` (default: ``kkt-drivers-<user>`` in the temporary directory) named
after the device's address, locked with ``flock`` (POSIX) or ``msvcrt.locking`` (Windows). It binds
processes of one user on one host; programs on other hosts rely on the device's own exclusivity (the
emulator refuses to let a second connection touch a receipt another connection has open).
"""

from __future__ import annotations

import hashlib
import os
import tempfile
import threading
import time
from pathlib import Path
from typing import IO

from .errors import KktError

DEFAULT_TIMEOUT = 60.0  # longer than any single operation (a Z-report may take 40 s)

try:  # POSIX
    import fcntl

    def _try_lock(handle: IO[bytes]) -> bool:
        try:
            fcntl.flock(handle.fileno(), fcntl.LOCK_EX | fcntl.LOCK_NB)
        except BlockingIOError:
            return False
        return True

    def _unlock(handle: IO[bytes]) -> None:
        fcntl.flock(handle.fileno(), fcntl.LOCK_UN)

except ImportError:  # pragma: no cover - Windows
    import msvcrt

    def _try_lock(handle: IO[bytes]) -> bool:
        try:
            handle.seek(0)
            msvcrt.locking(handle.fileno(), msvcrt.LK_NBLCK, 1)  # type: ignore[attr-defined]
        except OSError:
            return False
        return True

    def _unlock(handle: IO[bytes]) -> None:
        handle.seek(0)
        msvcrt.locking(handle.fileno(), msvcrt.LK_UNLCK, 1)  # type: ignore[attr-defined]


class DeviceBusy(KktError):
    """Another process holds the device for longer than we were willing to wait; nothing was sent."""

    ru_title = "Устройство занято другим процессом"

    def __init__(self, message: str, *, holder: str = "", message_ru: str | None = None) -> None:
        super().__init__(message, message_ru=message_ru)
        self.holder = holder


def lock_dir() -> Path:
    configured = os.environ.get("KKT_LOCK_DIR")
    if configured:
        return Path(configured)
    user = os.environ.get("USER") or os.environ.get("USERNAME") or str(getattr(os, "getuid", lambda: 0)())
    return Path(tempfile.gettempdir()) / f"kkt-drivers-{user}"


class HostLock:
    """An exclusive, re-entrant (within one thread of this object) advisory lock for the device ``key``.

    The file names the process holding the lock (``pid N``), read only by a process that waited for it too
    long. It stays open between operations and keeps the last holder's name after a release, so taking the
    lock again from the same process costs a ``flock``, a ``stat`` and a read — not opening, truncating and
    writing a file on every single exchange. :meth:`close` closes it. A file that was removed or replaced
    meanwhile, or one inherited from a parent process, is opened afresh."""

    def __init__(self, key: str, *, timeout: float = DEFAULT_TIMEOUT, directory: Path | None = None) -> None:
        self.key = key
        self.timeout = timeout
        folder = directory or lock_dir()
        self.path = folder / (hashlib.sha1(key.encode()).hexdigest()[:20] + ".lock")
        self._handle: IO[bytes] | None = None  # the file while the lock is held
        self._file: IO[bytes] | None = None  # the open lock file, held or not
        self._file_pid = 0
        self._close_on_release = False
        self._guard = threading.Lock()

    def _holder(self) -> str:
        try:
            return self.path.read_text(encoding="utf-8", errors="replace").strip()
        except OSError:
            return ""

    def _open(self) -> IO[bytes]:
        handle = self._file
        if handle is not None and self._file_pid != os.getpid():  # a forked child shares the parent's lock
            self._discard()
            handle = None
        if handle is None:
            self.path.parent.mkdir(parents=True, exist_ok=True, mode=0o700)
            handle = self._file = open(self.path, "a+b")
            self._file_pid = os.getpid()
        return handle

    def _current(self, handle: IO[bytes]) -> bool:
        """Whether the open file is still the one at :attr:`path` (a lock on a removed file binds nobody)."""
        try:
            return os.path.samestat(os.fstat(handle.fileno()), os.stat(self.path))
        except OSError:
            return False

    def _discard(self) -> None:
        handle, self._file = self._file, None
        if handle is not None:
            handle.close()

    def acquire(self) -> None:
        with self._guard:
            if self._handle is not None:
                raise RuntimeError("HostLock is not re-entrant; the session counts nesting")
            deadline = time.monotonic() + self.timeout
            pause = 0.005
            while True:
                handle = self._open()
                if _try_lock(handle):
                    if self._current(handle):
                        break
                    self._discard()  # closing it drops the lock; the file at the path is the one to lock
                    continue
                if time.monotonic() >= deadline:
                    holder = self._holder()
                    raise DeviceBusy(f"the device {self.key} is busy: another process ({holder or 'unknown'}) "
                                     f"has used it for more than {self.timeout:g} s; nothing was sent",
                                     holder=holder,
                                     message_ru=f"устройство {self.key} занято: другой процесс "
                                                f"({holder or 'неизвестно какой'}) работает с ним дольше "
                                                f"{self.timeout:g} с; ничего не отправлено")
                time.sleep(pause)
                pause = min(pause * 2, 0.1)
            try:
                mark = f"pid {os.getpid()}".encode()
                handle.seek(0)
                if handle.read(len(mark) + 1) != mark:  # the holder's name stays in the file after a release
                    handle.seek(0)
                    handle.truncate()
                    handle.write(mark)
                    handle.flush()
            except BaseException:
                self._discard()
                raise
            self._handle = handle

    def release(self) -> None:
        with self._guard:
            handle, self._handle = self._handle, None
            if handle is None:
                return
            try:
                _unlock(handle)
            except BaseException:
                self._discard()  # closing the file drops the lock
                raise
            if self._close_on_release:
                self._close_on_release = False
                self._discard()

    def close(self) -> None:
        """Close the lock file (after the operation holding the lock, if one does)."""
        with self._guard:
            if self._handle is not None:
                self._close_on_release = True
            else:
                self._discard()
