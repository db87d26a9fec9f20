"""The device clock: wall time plus an offset the device owns (set by commands or the control API)."""

from __future__ import annotations

import time
from datetime import datetime, timedelta


class DeviceClock:
    """``now()`` is local wall time shifted by ``offset``; setting the device time moves the offset."""

    def __init__(self, offset: float = 0.0) -> None:
        self.offset = offset

    def now(self) -> datetime:
        return datetime.fromtimestamp(time.time() + self.offset).replace(microsecond=0)

    def set(self, value: datetime) -> None:
        self.offset = value.timestamp() - time.time()

    def advance(self, seconds: float) -> None:
        self.offset += seconds

    def reset(self) -> None:
        self.offset = 0.0

    def shifted(self, seconds: float) -> datetime:
        return self.now() + timedelta(seconds=seconds)
