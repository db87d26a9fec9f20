"""Where a virtual device keeps its own values (a cash drawer, settings, the clock, a goods memory).

A device with a ФН keeps them in its fiscal archive (:class:`~kkt_emu.core.fiscal.FiscalCore` has the same
two methods), so a receipt and the cash it puts in the drawer are committed together. A device without one
uses :class:`SqliteDeviceStore` in its state directory, or :class:`MemoryDeviceStore`. Either way a value is
durable when ``store_device_values`` returns: a ``kill -9`` keeps it whole or not at all.
"""

from __future__ import annotations

import json
import sqlite3
import threading
from collections.abc import Mapping
from pathlib import Path
from typing import Any, Protocol


class DeviceStore(Protocol):
    def device_value(self, key: str, default: Any = None) -> Any: ...

    def store_device_values(self, values: Mapping[str, Any]) -> None: ...


class StoreError(Exception):
    """The device state cannot be opened or written."""


class MemoryDeviceStore:
    def __init__(self) -> None:
        self._values: dict[str, Any] = {}

    def device_value(self, key: str, default: Any = None) -> Any:
        return self._values.get(key, default)

    def store_device_values(self, values: Mapping[str, Any]) -> None:
        self._values.update(json.loads(json.dumps(dict(values))))  # the same values a file would give back

    def clear(self) -> None:
        self._values.clear()


class SqliteDeviceStore:
    """``key -> JSON`` in an SQLite file (WAL, exclusive: one emulator per state directory)."""

    def __init__(self, path: Path) -> None:
        self.path = path
        self._lock = threading.Lock()
        try:
            self._db = sqlite3.connect(str(path), isolation_level=None, check_same_thread=False, timeout=0.2)
            self._db.execute("PRAGMA locking_mode=EXCLUSIVE")
            self._db.execute("PRAGMA journal_mode=WAL")
            self._db.execute("PRAGMA synchronous=FULL")
            self._db.execute("CREATE TABLE IF NOT EXISTS device_state (key TEXT PRIMARY KEY, json TEXT NOT NULL)")
            rows = self._db.execute("SELECT key, json FROM device_state").fetchall()
        except sqlite3.Error as exc:
            raise StoreError(f"cannot open the device state {path}: {exc}") from exc
        self._values: dict[str, Any] = {}
        for key, text in rows:
            try:
                self._values[str(key)] = json.loads(text)
            except ValueError:
                continue

    def device_value(self, key: str, default: Any = None) -> Any:
        return self._values.get(key, default)

    def store_device_values(self, values: Mapping[str, Any]) -> None:
        encoded = sorted((key, json.dumps(value, sort_keys=True)) for key, value in values.items())
        with self._lock:
            try:
                self._db.execute("BEGIN IMMEDIATE")
                try:
                    self._db.executemany("INSERT OR REPLACE INTO device_state (key, json) VALUES (?, ?)", encoded)
                    self._db.execute("COMMIT")
                except BaseException:
                    if self._db.in_transaction:
                        self._db.execute("ROLLBACK")
                    raise
            except sqlite3.Error as exc:
                raise StoreError(f"cannot write the device state {self.path}: {exc}") from exc
            self._values.update(json.loads(json.dumps(dict(values))))

    def clear(self) -> None:
        with self._lock:
            self._db.execute("DELETE FROM device_state")
            self._values.clear()

    def close(self) -> None:
        with self._lock:
            self._db.close()
