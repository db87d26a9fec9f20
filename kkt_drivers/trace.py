"""Trace hooks: every byte in both directions, with timestamps.

* hex dumps at DEBUG level on the stdlib logger ``kkt_drivers.trace``;
* :class:`JsonlCapture` writes one JSON object per chunk (``{"t": …, "dir": "tx"|"rx", "hex": …}``)
  so a session can be replayed or attached to a bug report.
"""

from __future__ import annotations

import json
import logging
import threading
import time
from collections.abc import Callable
from pathlib import Path
from typing import IO

logger = logging.getLogger("kkt_drivers.trace")

#: a hook receives the direction (``"tx"`` host→device, ``"rx"`` device→host) and the bytes
ByteHook = Callable[[str, bytes], None]


def log_bytes(direction: str, data: bytes) -> None:
    """A :data:`ByteHook` that logs hex at DEBUG level."""
    if logger.isEnabledFor(logging.DEBUG):
        logger.debug("%s %s", "->" if direction == "tx" else "<-", data.hex(" "))


class JsonlCapture:
    """A :data:`ByteHook` appending JSON lines to a file; usable as a context manager."""

    def __init__(self, path: str | Path) -> None:
        self.path = Path(path)
        self._file: IO[str] | None = self.path.open("a", encoding="utf-8")
        self._lock = threading.Lock()

    def __call__(self, direction: str, data: bytes) -> None:
        line = json.dumps({"t": time.time(), "dir": direction, "hex": data.hex()})
        with self._lock:
            if self._file is not None:
                self._file.write(line + "\n")
                self._file.flush()

    def close(self) -> None:
        with self._lock:
            if self._file is not None:
                self._file.close()
                self._file = None

    def __enter__(self) -> JsonlCapture:
        return self

    def __exit__(self, *exc: object) -> None:
        self.close()


def read_capture(path: str | Path) -> list[tuple[float, str, bytes]]:
    """Read a capture back as (timestamp, direction, bytes) tuples."""
    out = []
    for line in Path(path).read_text(encoding="utf-8").splitlines():
        if line.strip():
            obj = json.loads(line)
            out.append((float(obj["t"]), str(obj["dir"]), bytes.fromhex(obj["hex"])))
    return out
