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

    def __init__(self, message: str, *, holder: str = "") -> None:
        super().__init__(message)
        self.holder = holder


def lock_dir() -> Path:
    configured = os.environ.get("KKT_LOCK_DIR")
    if configured:
        return Path(configured)
    user = os.environ.get("USER") or os.environ.get("USERNAME") or str(getattr(os, "getuid", lambda: 0)())
    return Path(tempfile.gettempdir()) / f"kkt-drivers-{user}"


class HostLock:
    """An exclusive, re-entrant (within one thread of this object) advisory lock for the device ``key``."""

    def __init__(self, key: str, *, timeout: float = DEFAULT_TIMEOUT, directory: Path | None = None) -> None:
        self.key = key
        self.timeout = timeout
        folder = directory or lock_dir()
        self.path = folder / (hashlib.sha1(key.encode()).hexdigest()[:20] + ".lock")
        self._handle: IO[bytes] | None = None
        self._guard = threading.Lock()

    def _holder(self) -> str:
        try:
            return self.path.read_text(encoding="utf-8", errors="replace").strip()
        except OSError:
            return ""

    def acquire(self) -> None:
        with self._guard:
            if self._handle is not None:
                raise RuntimeError("HostLock is not re-entrant; the session counts nesting")
            self.path.parent.mkdir(parents=True, exist_ok=True, mode=0o700)
            handle = open(self.path, "a+b")
            deadline = time.monotonic() + self.timeout
            pause = 0.005
            while not _try_lock(handle):
                if time.monotonic() >= deadline:
                    holder = self._holder()
                    handle.close()
                    raise DeviceBusy(f"the device {self.key} is busy: another process ({holder or 'unknown'}) "
                                     f"has used it for more than {self.timeout:g} s; nothing was sent",
                                     holder=holder)
                time.sleep(pause)
                pause = min(pause * 2, 0.1)
            handle.seek(0)
            handle.truncate()
            handle.write(f"pid {os.getpid()}".encode())
            handle.flush()
            self._handle = handle

    def release(self) -> None:
        with self._guard:
            handle, self._handle = self._handle, None
            if handle is None:
                return
            try:
                handle.seek(0)
                handle.truncate()
                _unlock(handle)
            finally:
                handle.close()
