"""The device clock: wall time plus an offset the device owns (set by commands or the control API)."""

from __future__ import annotations

import time
from collections.abc import Callable
from datetime import datetime, timedelta


class DeviceClock:
    """``now()`` is local wall time shifted by ``offset``; setting the device time moves the offset."""

    def __init__(self, offset: float = 0.0, on_change: Callable[[float], None] | None = None) -> None:
        self.offset = offset
        #: called with the new offset whenever it changes (the emulator persists it with the device)
        self.on_change = on_change

    def _changed(self) -> None:
        if self.on_change is not None:
            self.on_change(self.offset)

    def now(self) -> datetime:
        return datetime.fromtimestamp(time.time() + self.offset).replace(microsecond=0)

    def set(self, value: datetime) -> None:
        self.offset = value.timestamp() - time.time()
        self._changed()

    def advance(self, seconds: float) -> None:
        self.offset += seconds
        self._changed()

    def reset(self) -> None:
        self.offset = 0.0
        self._changed()

    def shifted(self, seconds: float) -> datetime:
        return self.now() + timedelta(seconds=seconds)
