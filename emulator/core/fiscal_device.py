"""What every emulated register starts from: a device clock and a ФН whose archive (with the clock's offset and
zone) lives in ``state_dir/fn.sqlite`` when the device is kept on disk.

The clock offset and the time zone are stored with the archive, atomically with the documents. A stored
value that is not a finite number of seconds within a century (or a zone outside the clock's range) is
ignored — the clock then starts at the host's time — so a bad stored value never stops a device from starting.
"""

from __future__ import annotations

import json
import math
from pathlib import Path

from .clock import MAX_UTC_OFFSET, MIN_UTC_OFFSET, DeviceClock
from .fiscal import FiscalCore, FnConfig

__all__ = ["MAX_CLOCK_OFFSET", "open_fiscal_device"]

#: a stored clock offset beyond this (seconds, about a century) is ignored
MAX_CLOCK_OFFSET = 100 * 366 * 86400.0


def open_fiscal_device(state_dir: Path | None, fn_config: FnConfig | None, utc_offset: int | None, *,
                       legacy_clock: str | None = None) -> tuple[DeviceClock, FiscalCore]:
    """A clock and a ФН, restored from ``state_dir`` if given (created if missing). ``utc_offset`` (minutes)
    overrides the stored zone and is kept. ``legacy_clock`` names a JSON file ``{"offset": seconds}`` that an
    older version kept beside the archive: its offset is taken once, moved into the archive and the file removed.
    """
    if state_dir is not None:
        state_dir.mkdir(parents=True, exist_ok=True)
    clock = DeviceClock()
    core = FiscalCore(clock, fn_config or FnConfig(),
                      archive_path=state_dir / "fn.sqlite" if state_dir is not None else None)
    legacy = state_dir / legacy_clock if state_dir is not None and legacy_clock else None
    stored = core.device_value("clock")
    if stored is None and legacy is not None and legacy.exists():
        try:
            stored = json.loads(legacy.read_text())["offset"]
        except (ValueError, KeyError, TypeError, OSError):
            stored = None
    if isinstance(stored, (int, float)) and not isinstance(stored, bool) and math.isfinite(stored) \
            and abs(stored) < MAX_CLOCK_OFFSET:
        clock.offset = float(stored)
    zone = core.device_value("utc_offset")
    if utc_offset is not None:
        clock.utc_offset = utc_offset
        core.store_device_values({"utc_offset": utc_offset})
    elif isinstance(zone, int) and not isinstance(zone, bool) and MIN_UTC_OFFSET <= zone <= MAX_UTC_OFFSET:
        clock.utc_offset = zone  # the device keeps its zone across restarts
    else:
        core.store_device_values({"utc_offset": clock.utc_offset})
    clock.on_change = lambda offset: core.store_device_values({"clock": offset})
    if legacy is not None and legacy.exists():
        core.store_device_values({"clock": clock.offset})
        legacy.unlink()
    return clock, core
