"""The device clock: the register's own time, kept as an offset from the host's UTC clock.

The device shows wall time in a fixed zone (``utc_offset`` seconds east of UTC; by default the host's zone
as it is when the device is made). It never follows the host into a DST change: Russian registers keep
one offset all year, and a host that falls back an hour must not make every document fail for an hour.
Setting the device time moves the offset; so does the control API (``advance``).
"""

from __future__ import annotations

import re
import time
from collections.abc import Callable
from datetime import datetime, timedelta, timezone

#: utc offsets a device accepts (UTC-12:00 .. UTC+14:00)
MIN_UTC_OFFSET, MAX_UTC_OFFSET = -12 * 3600, 14 * 3600
_EPOCH = datetime(1970, 1, 1)
_ZONE = re.compile(r"^(?:UTC|GMT)?\s*([+-])(\d{1,2})(?::?(\d{2}))?$", re.IGNORECASE)


def host_utc_offset() -> int:
    """The host's offset from UTC now, in seconds."""
    offset = datetime.now().astimezone().utcoffset()
    return int(offset.total_seconds()) if offset is not None else 0


def parse_utc_offset(text: str) -> int:
    """``+03:00``, ``+3``, ``UTC+3``, ``-0530``, ``UTC`` → seconds east of UTC; ``ValueError`` otherwise."""
    value = text.strip()
    if value.upper() in ("UTC", "GMT", "Z"):
        return 0
    match = _ZONE.match(value)
    if not match:
        raise ValueError(f"not a UTC offset: {text!r} (use e.g. +03:00 or UTC+3)")
    sign, hours, minutes = match.group(1), int(match.group(2)), int(match.group(3) or 0)
    seconds = (hours * 3600 + minutes * 60) * (-1 if sign == "-" else 1)
    if minutes >= 60 or not MIN_UTC_OFFSET <= seconds <= MAX_UTC_OFFSET:
        raise ValueError(f"UTC offset out of range (UTC-12:00..UTC+14:00): {text!r}")
    return seconds


def format_utc_offset(seconds: int) -> str:
    sign = "-" if seconds < 0 else "+"
    hours, minutes = divmod(abs(seconds) // 60, 60)
    return f"{sign}{hours:02d}:{minutes:02d}"


class DeviceClock:
    """``now()`` is the device's wall time: host UTC + ``offset`` seconds, shown in the ``utc_offset`` zone."""

    def __init__(self, offset: float = 0.0, on_change: Callable[[float], None] | None = None, *,
                 utc_offset: int | None = None) -> None:
        self.offset = offset
        self.utc_offset = host_utc_offset() if utc_offset is None else utc_offset
        #: called with the new offset whenever it changes (the emulator persists it with the device)
        self.on_change = on_change

    def _changed(self) -> None:
        if self.on_change is not None:
            self.on_change(self.offset)

    def now(self) -> datetime:
        utc = datetime.fromtimestamp(time.time() + self.offset, timezone.utc).replace(tzinfo=None)
        return (utc + timedelta(seconds=self.utc_offset)).replace(microsecond=0)

    def set(self, value: datetime) -> None:
        """Set the device's wall time (naive, in its zone)."""
        utc = value.replace(tzinfo=None) - timedelta(seconds=self.utc_offset)
        self.offset = (utc - _EPOCH).total_seconds() - time.time()
        self._changed()

    def advance(self, seconds: float) -> None:
        self.offset += seconds
        self._changed()

    def reset(self) -> None:
        self.offset = 0.0
        self._changed()

    def shifted(self, seconds: float) -> datetime:
        return self.now() + timedelta(seconds=seconds)
