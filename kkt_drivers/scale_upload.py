"""What each label scale last received: the state behind incremental goods uploads.

As 1С does it: the first upload to a scale sends every goods record; later uploads send only the goods whose
record changed since the last successful upload *to that scale* (its price, name, barcode code — any field
the record carries). The state is one small SQLite file per scale, in :func:`default_state_dir`, so it
survives restarts of the program.

The state never runs ahead of the scale:

* before an upload writes anything, the PLUs it is about to write are forgotten, durably — if the program
  dies half-way, those goods are sent again next time (a record written twice is the same record);
* a PLU is remembered only after the scale acknowledged its record, in batches (a crash loses at most the
  last batch of acknowledgements: those goods are sent again);
* clearing the scale forgets everything first.

A scale is named by a key (:func:`scale_key`): the device URL's address, or what the caller gives. An
emulator started for one connection keeps nothing; its state lives in memory only.
"""

from __future__ import annotations

import hashlib
import json
import os
import sqlite3
import threading
import time
from collections.abc import Iterable, Iterator, Mapping
from contextlib import contextmanager
from dataclasses import asdict
from pathlib import Path

from .errors import ConfigurationError, os_reason_ru
from .scale_device import Goods

#: acknowledgements kept in memory before they are written to the state file
BATCH = 500
BATCH_SECONDS = 1.0
_MEMORY: dict[str, UploadState] = {}
_MEMORY_LOCK = threading.Lock()


def default_state_dir() -> Path:
    """``$KKT_STATE_DIR/scales``, else ``$XDG_STATE_HOME/kkt-drivers/scales``, else
    ``~/.local/state/kkt-drivers/scales``."""
    explicit = os.environ.get("KKT_STATE_DIR")
    if explicit:
        return Path(explicit) / "scales"
    base = os.environ.get("XDG_STATE_HOME") or str(Path.home() / ".local" / "state")
    return Path(base) / "kkt-drivers" / "scales"


def fingerprint(goods: Goods) -> str:
    """A digest of everything the goods record carries: equal digests, equal records on the scale."""
    text = json.dumps(asdict(goods), sort_keys=True, ensure_ascii=False)
    return hashlib.sha256(text.encode("utf-8")).hexdigest()[:32]


def scale_key(url: str) -> str | None:
    """The key of the scale behind a device URL, or ``None`` for an emulator that lives only as long as its
    connection (nothing to remember). A serial port is named by its real path; a network scale by host and
    port; an emulator by its state directory, else by its ``name`` within this process."""
    from .connect import lock_key
    from .url import resolve_device_url

    resolved = resolve_device_url(url)
    if resolved.url.is_emulator:
        state = resolved.emulator_options.get("state")
        if state:
            return f"{resolved.url.family}:emu-state:{os.path.realpath(state)}"
        name = resolved.emulator_options.get("name")
        return f"{resolved.url.family}:emu-memory:{os.getpid()}:{name}" if name else None
    key = lock_key(resolved)
    return None if key is None else f"{resolved.url.family}:{key}"


class UploadState:
    """PLU → fingerprint of the record the scale holds, for one scale. Use :meth:`open`."""

    def __init__(self, db: sqlite3.Connection, key: str, path: Path | None) -> None:
        self._db = db
        self.key = key
        self.path = path
        self._lock = threading.Lock()
        self._pending: dict[int, str] = {}
        self._pending_since = 0.0
        rows = db.execute("SELECT plu, fingerprint FROM goods").fetchall()
        self._known: dict[int, str] = {int(plu): str(fp) for plu, fp in rows}

    @classmethod
    def open(cls, key: str | None, directory: Path | None = None) -> UploadState:
        """The state of the scale named ``key`` (a file in ``directory``, default :func:`default_state_dir`);
        ``key=None`` gives a state kept in memory for the life of this object."""
        if key is None:
            return cls(_connect(":memory:"), "", None)
        if ":emu-memory:" in key:
            with _MEMORY_LOCK:  # an emulator named in this process: shared while the process lives
                if key not in _MEMORY:
                    _MEMORY[key] = cls(_connect(":memory:"), key, None)
                return _MEMORY[key]
        folder = directory or default_state_dir()
        try:
            folder.mkdir(parents=True, exist_ok=True)
        except OSError as exc:
            raise ConfigurationError(f"cannot create the upload state folder {folder}: {exc}",
                                     message_ru=f"не удалось создать папку состояния выгрузки {folder}: "
                                                f"{os_reason_ru(exc)}") from exc
        path = folder / f"{hashlib.sha256(key.encode('utf-8')).hexdigest()[:24]}.sqlite"
        try:
            db = _connect(str(path))
            db.execute("INSERT OR REPLACE INTO meta (name, value) VALUES ('key', ?)", (key,))
        except sqlite3.Error as exc:
            raise ConfigurationError(f"cannot use the upload state {path}: {exc}",
                                     message_ru=f"не удалось открыть файл состояния выгрузки {path}: "
                                                f"{os_reason_ru(exc)}") from exc
        return cls(db, key, path)

    # -- reading -----------------------------------------------------------------------------
    def known(self) -> Mapping[int, str]:
        """PLU → fingerprint of every record the scale is known to hold."""
        with self._lock:
            return {**self._known, **self._pending}

    def changed(self, goods: Iterable[Goods]) -> list[Goods]:
        """The goods whose record differs from (or is missing on) the scale."""
        known = self.known()
        return [item for item in goods if known.get(item.plu) != fingerprint(item)]

    # -- writing -----------------------------------------------------------------------------
    def forget(self, plus: Iterable[int]) -> None:
        """Before writing: these PLUs may change on the scale; durable when this returns."""
        numbers = [(plu,) for plu in plus]
        with self._lock:
            self._flush_locked()
            with _transaction(self._db):
                self._db.executemany("DELETE FROM goods WHERE plu = ?", numbers)
            for (plu,) in numbers:
                self._known.pop(plu, None)

    def remember(self, goods: Goods) -> None:
        """The scale acknowledged this record (written to the file in batches; :meth:`flush` forces it)."""
        with self._lock:
            if not self._pending:
                self._pending_since = time.monotonic()
            self._pending[goods.plu] = fingerprint(goods)
            if len(self._pending) >= BATCH or time.monotonic() - self._pending_since >= BATCH_SECONDS:
                self._flush_locked()

    def flush(self) -> None:
        with self._lock:
            self._flush_locked()

    def _flush_locked(self) -> None:
        if not self._pending:
            return
        with _transaction(self._db):
            self._db.executemany("INSERT OR REPLACE INTO goods (plu, fingerprint) VALUES (?, ?)",
                                 list(self._pending.items()))
        self._known.update(self._pending)
        self._pending.clear()

    def clear(self) -> None:
        """Forget every record (before the scale is cleared); durable when this returns."""
        with self._lock:
            self._pending.clear()
            with _transaction(self._db):
                self._db.execute("DELETE FROM goods")
            self._known.clear()

    def close(self) -> None:
        with self._lock:
            self._flush_locked()
            if self.path is not None:
                self._db.close()


@contextmanager
def _transaction(db: sqlite3.Connection) -> Iterator[None]:
    """One transaction (the connection is in autocommit mode otherwise)."""
    db.execute("BEGIN IMMEDIATE")
    try:
        yield
    except BaseException:
        db.execute("ROLLBACK")
        raise
    db.execute("COMMIT")


def _connect(target: str) -> sqlite3.Connection:
    db = sqlite3.connect(target, isolation_level=None, check_same_thread=False, timeout=10.0)
    if target != ":memory:":
        db.execute("PRAGMA journal_mode=WAL")
        db.execute("PRAGMA synchronous=FULL")
    db.execute("CREATE TABLE IF NOT EXISTS goods (plu INTEGER PRIMARY KEY, fingerprint TEXT NOT NULL)")
    db.execute("CREATE TABLE IF NOT EXISTS meta (name TEXT PRIMARY KEY, value TEXT NOT NULL)")
    return db
