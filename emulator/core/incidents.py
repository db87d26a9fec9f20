"""What went wrong inside the emulator, kept so that it is seen: logged with its traceback, counted, and
reported by ``control status``.

An exception anywhere in serving — a handler bug, a failed archive write, a field that overflows, an
unwritable tape, a packet that trips a link — is recorded here and answered (a command gets its family's
error code); serving goes on.
"""

from __future__ import annotations

import logging
import threading
import time
import traceback
from collections import deque
from dataclasses import dataclass

logger = logging.getLogger("kkt_emu")

MAX_KEPT = 50


@dataclass(frozen=True)
class Incident:
    at: float  # time.time()
    where: str  # "execute", "link", "loop", "tape", ...
    error: str  # "ValueError: ..."
    traceback: str


class Incidents:
    """A bounded record of recent incidents, with a total count; thread-safe."""

    def __init__(self, keep: int = MAX_KEPT) -> None:
        self._recent: deque[Incident] = deque(maxlen=keep)
        self._lock = threading.Lock()
        self.total = 0

    def record(self, where: str, exc: BaseException) -> Incident:
        text = "".join(traceback.format_exception(type(exc), exc, exc.__traceback__))
        incident = Incident(time.time(), where, f"{type(exc).__name__}: {exc}", text)
        with self._lock:
            self._recent.append(incident)
            self.total += 1
        logger.error("emulator incident in %s: %s\n%s", where, incident.error, text)
        return incident

    def recent(self) -> list[Incident]:
        with self._lock:
            return list(self._recent)

    def clear(self) -> None:
        with self._lock:
            self._recent.clear()
            self.total = 0
