"""The drive's durable archive (Архив ФН): SQLite in WAL mode, standard library only.

Tables:

* ``documents`` — one row per fiscal document of the installed drive: ``number`` (FD, primary key),
  ``type``, ``datetime``, ``shift``, ``receipt_number``, ``fiscal_sign``, ``tlv`` (the document STLV
  exactly as formed), ``ofd`` (1 = queued for the OFD, 0 = autonomous, never sent) and
  ``confirmed_at`` (when the simulated OFD confirmed it, NULL while waiting);
* ``retired_documents`` — the same columns plus ``fn_number``: documents of drives the device used
  before a ФН replacement (a real user keeps the old drive for five years);
* ``state`` — exactly one row with the JSON of :mod:`.state`.

Every operation of the drive is ONE transaction: the new document row(s), OFD confirmations and
the new state row commit together or not at all, so the archive can never hold half a document or
a document the counters do not know about. ``synchronous=FULL`` (default) also survives an OS crash
or power loss; ``NORMAL`` is offered for speed and is still crash-consistent — in WAL mode it may
lose the last commits on an OS crash or power loss but never corrupts the file, and a killed
*process* (``kill -9``) loses nothing that was committed, because committed pages are already in
the OS cache.

The file is opened in ``locking_mode=EXCLUSIVE``: one drive object owns an archive at a time; a
second opener gets :class:`~.errors.ArchiveError`. The lock dies with the process, so reopening
after a crash works. The path comes from the emulator's constructor only — never from anything
received over a wire.
"""

from __future__ import annotations

import datetime as dt
import sqlite3
import threading
from collections.abc import Iterator, Mapping, Sequence
from contextlib import contextmanager
from dataclasses import dataclass
from pathlib import Path
from typing import Literal

from .errors import ArchiveError

__all__ = ["Archive", "DocumentRow", "Synchronous"]

Synchronous = Literal["FULL", "NORMAL"]

_COLUMNS = "number, type, datetime, shift, receipt_number, fiscal_sign, tlv, ofd, confirmed_at"
_SCHEMA = """
CREATE TABLE IF NOT EXISTS documents (
    number INTEGER PRIMARY KEY,
    type INTEGER NOT NULL,
    datetime TEXT NOT NULL,
    shift INTEGER NOT NULL,
    receipt_number INTEGER NOT NULL,
    fiscal_sign INTEGER NOT NULL,
    tlv BLOB NOT NULL,
    ofd INTEGER NOT NULL,
    confirmed_at TEXT
);
CREATE TABLE IF NOT EXISTS device_state (
    key TEXT PRIMARY KEY,
    json TEXT NOT NULL
);
CREATE TABLE IF NOT EXISTS retired_documents (
    fn_number TEXT NOT NULL,
    number INTEGER NOT NULL,
    type INTEGER NOT NULL,
    datetime TEXT NOT NULL,
    shift INTEGER NOT NULL,
    receipt_number INTEGER NOT NULL,
    fiscal_sign INTEGER NOT NULL,
    tlv BLOB NOT NULL,
    ofd INTEGER NOT NULL,
    confirmed_at TEXT,
    PRIMARY KEY (fn_number, number)
);
CREATE TABLE IF NOT EXISTS state (
    id INTEGER PRIMARY KEY CHECK (id = 1),
    json TEXT NOT NULL
);
"""


@dataclass(frozen=True, slots=True)
class DocumentRow:
    """One archived document."""

    number: int
    type: int
    datetime: dt.datetime
    shift: int
    receipt_number: int
    fiscal_sign: int
    tlv: bytes
    ofd: bool
    confirmed_at: dt.datetime | None

    def values(self) -> tuple[object, ...]:
        return (
            self.number, self.type, self.datetime.isoformat(), self.shift, self.receipt_number,
            self.fiscal_sign, self.tlv, int(self.ofd),
            self.confirmed_at.isoformat() if self.confirmed_at is not None else None,
        )

    @classmethod
    def from_sql(cls, row: Sequence[object]) -> DocumentRow:
        number, doc_type, when, shift, receipt, sign, tlv, ofd, confirmed = row
        return cls(
            number=int(str(number)),
            type=int(str(doc_type)),
            datetime=dt.datetime.fromisoformat(str(when)),
            shift=int(str(shift)),
            receipt_number=int(str(receipt)),
            fiscal_sign=int(str(sign)),
            tlv=bytes(tlv) if isinstance(tlv, (bytes, bytearray, memoryview)) else b"",
            ofd=bool(ofd),
            confirmed_at=dt.datetime.fromisoformat(str(confirmed)) if confirmed is not None else None,
        )


class Archive:
    """SQLite storage of documents and state. ``path=None`` keeps everything in memory."""

    def __init__(self, path: str | Path | None, *, synchronous: Synchronous = "FULL") -> None:
        if synchronous not in ("FULL", "NORMAL"):
            raise ValueError(f"synchronous must be 'FULL' or 'NORMAL', got {synchronous!r}")
        self.path = Path(path) if path is not None else None
        self._lock = threading.RLock()
        target = str(self.path) if self.path is not None else ":memory:"
        try:
            self._db = sqlite3.connect(target, isolation_level=None, check_same_thread=False, timeout=0.2)
        except sqlite3.Error as exc:
            raise ArchiveError(f"cannot open the fiscal archive {target}: {exc}") from exc
        try:
            if self.path is not None:
                self._db.execute("PRAGMA locking_mode=EXCLUSIVE")
                mode = self._db.execute("PRAGMA journal_mode=WAL").fetchone()[0]
                if str(mode).lower() != "wal":
                    raise ArchiveError(f"the fiscal archive {target} cannot use WAL (got {mode})")
            self._db.execute(f"PRAGMA synchronous={synchronous}")
            with self.transaction():
                for statement in filter(None, (s.strip() for s in _SCHEMA.split(";"))):
                    self._db.execute(statement)
        except sqlite3.OperationalError as exc:
            self._db.close()
            raise ArchiveError(f"the fiscal archive {target} is locked or unreadable: {exc}") from exc
        except BaseException:
            self._db.close()
            raise

    # --- transactions ------------------------------------------------------------------------

    @contextmanager
    def transaction(self) -> Iterator[sqlite3.Connection]:
        """``BEGIN IMMEDIATE`` … ``COMMIT``; any exception rolls everything back."""
        with self._lock:
            self._db.execute("BEGIN IMMEDIATE")
            try:
                yield self._db
                self._db.execute("COMMIT")
            except BaseException:
                self._rollback()
                raise

    def _rollback(self) -> None:
        """Undo an open transaction (a failed COMMIT leaves one open); the archive stays usable."""
        try:
            if self._db.in_transaction:
                self._db.execute("ROLLBACK")
        except sqlite3.Error:
            pass

    def close(self) -> None:
        """Close the file (releases the exclusive lock)."""
        with self._lock:
            self._db.close()

    # --- writes ------------------------------------------------------------------------------

    def commit(
        self,
        state_json: str,
        new: Sequence[DocumentRow] = (),
        confirmed: Sequence[int] = (),
        confirmed_at: dt.datetime | None = None,
        device_state: Mapping[str, str] | None = None,
    ) -> None:
        """Store new documents, OFD confirmations, the drive's state and the device's own values (the cash
        drawer, settings, clock: ``key -> JSON``) in one transaction."""
        with self.transaction() as db:
            self._write(db, state_json, new, confirmed, confirmed_at)
            self._write_device(db, device_state)

    def save_device_state(self, values: Mapping[str, str]) -> None:
        """Store device values (``key -> JSON``) alone, in their own transaction."""
        with self.transaction() as db:
            self._write_device(db, values)

    @staticmethod
    def _write_device(db: sqlite3.Connection, values: Mapping[str, str] | None) -> None:
        if values:
            db.executemany("INSERT OR REPLACE INTO device_state (key, json) VALUES (?, ?)", sorted(values.items()))

    def load_device_state(self) -> dict[str, str]:
        with self._lock:
            return {str(k): str(v) for k, v in self._db.execute("SELECT key, json FROM device_state")}

    def retire_and_commit(
        self,
        fn_number: str,
        state_json: str,
        new: Sequence[DocumentRow],
        confirmed: Sequence[int] = (),
        confirmed_at: dt.datetime | None = None,
    ) -> None:
        """ФН replacement: move the old drive's documents aside and store the new drive's first one."""
        with self.transaction() as db:
            db.execute(f"INSERT INTO retired_documents (fn_number, {_COLUMNS}) SELECT ?, {_COLUMNS} FROM documents",
                       (fn_number,))
            db.execute("DELETE FROM documents")
            self._write(db, state_json, new, confirmed, confirmed_at)

    @staticmethod
    def _write(
        db: sqlite3.Connection,
        state_json: str,
        new: Sequence[DocumentRow],
        confirmed: Sequence[int],
        confirmed_at: dt.datetime | None,
    ) -> None:
        if new:
            db.executemany(f"INSERT INTO documents ({_COLUMNS}) VALUES (?,?,?,?,?,?,?,?,?)",
                           [row.values() for row in new])
        if confirmed:
            when = (confirmed_at or dt.datetime.now()).isoformat()
            db.executemany("UPDATE documents SET confirmed_at = ? WHERE number = ?",
                           [(when, number) for number in confirmed])
        db.execute("INSERT OR REPLACE INTO state (id, json) VALUES (1, ?)", (state_json,))

    def wipe(self, state_json: str) -> None:
        """Factory reset: every document (retired ones too) goes; the fresh state is stored."""
        with self.transaction() as db:
            db.execute("DELETE FROM documents")
            db.execute("DELETE FROM retired_documents")
            db.execute("DELETE FROM device_state")
            db.execute("INSERT OR REPLACE INTO state (id, json) VALUES (1, ?)", (state_json,))

    # --- reads -------------------------------------------------------------------------------

    def load_state(self) -> str | None:
        with self._lock:
            row = self._db.execute("SELECT json FROM state WHERE id = 1").fetchone()
        return str(row[0]) if row is not None else None

    def document(self, number: int) -> DocumentRow | None:
        with self._lock:
            row = self._db.execute(f"SELECT {_COLUMNS} FROM documents WHERE number = ?", (number,)).fetchone()
        return DocumentRow.from_sql(row) if row is not None else None

    def retired_document(self, fn_number: str, number: int) -> DocumentRow | None:
        with self._lock:
            row = self._db.execute(
                f"SELECT {_COLUMNS} FROM retired_documents WHERE fn_number = ? AND number = ?", (fn_number, number)
            ).fetchone()
        return DocumentRow.from_sql(row) if row is not None else None

    def unconfirmed(self) -> list[tuple[int, dt.datetime]]:
        """Queued documents without an OFD confirmation, in FD order."""
        with self._lock:
            rows = self._db.execute(
                "SELECT number, datetime FROM documents WHERE ofd = 1 AND confirmed_at IS NULL ORDER BY number"
            ).fetchall()
        return [(int(n), dt.datetime.fromisoformat(str(w))) for n, w in rows]

    def numbers(self) -> list[int]:
        """Every stored FD number, ascending."""
        with self._lock:
            return [int(n) for (n,) in self._db.execute("SELECT number FROM documents ORDER BY number")]

    def max_number(self) -> int:
        with self._lock:
            row = self._db.execute("SELECT MAX(number) FROM documents").fetchone()
        return int(row[0]) if row is not None and row[0] is not None else 0
