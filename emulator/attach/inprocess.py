"""The in-process attachment: ``emu://<family>`` — a virtual device inside the caller's process.

No threads and no OS resources: a write runs the device at once and its answer waits in a buffer
for the next read. Link deadlines of the device side are honoured during reads.
"""

from __future__ import annotations

import threading
import time
from pathlib import Path

from kkt_drivers.errors import ConfigurationError, ConnectionLost, TransportError
from kkt_drivers.transport.base import Transport
from kkt_drivers.url import ResolvedUrl

from ..core.clock import parse_utc_offset
from ..core.connection import DeviceConnection
from ..core.control import DeviceControl
from ..core.device import VirtualDevice
from ..core.fiscal.errors import ArchiveError
from ..personalities import connect_to, create_device

_NAMED: dict[str, VirtualDevice] = {}
_NAMED_LOCK = threading.Lock()


def device_for_url(resolved: ResolvedUrl) -> tuple[VirtualDevice, bool]:
    """Create the device an emulator URL describes; the flag says whether the caller owns it (and closes
    it with its connection) — a ``name=`` device is shared within this process and stays.

    ``state=DIR`` keeps its ФН archive, settings and clock in that directory (a path the user chose,
    never one received from a device).
    """
    options = resolved.emulator_options
    family = resolved.url.family
    model = options.get("model")
    name = options.get("name")
    state = options.get("state")
    state_dir = Path(state) if state else None
    ffd = options.get("ffd")
    if ffd is not None and ffd not in ("1.05", "1.2"):
        raise ConfigurationError(f"ffd must be 1.05 or 1.2, not {ffd!r}",
                                 message_ru=f"ffd: нужно 1.05 или 1.2, а не {ffd!r}")
    try:
        zone = parse_utc_offset(options["tz"]) if "tz" in options else None
    except ValueError as exc:
        raise ConfigurationError(f"tz: {exc}", message_ru=f"tz: нужно смещение от UTC, например +03:00 или UTC+3, "
                                                          f"а не {options['tz']!r}") from exc
    try:
        if not name:
            return create_device(family, model, state_dir=state_dir, ffd=ffd, utc_offset=zone), True
        with _NAMED_LOCK:
            if name not in _NAMED:
                _NAMED[name] = create_device(family, model, name=name, state_dir=state_dir, ffd=ffd,
                                             utc_offset=zone)
            return _NAMED[name], False
    except ArchiveError as exc:
        raise ConfigurationError(f"the emulator state {state_dir} cannot be used (is another emulator using "
                                 f"it?): {exc}") from exc
    except ConfigurationError:
        raise
    except (ValueError, OSError) as exc:
        raise ConfigurationError(str(exc)) from exc


class InProcessTransport(Transport):
    def __init__(self, device: VirtualDevice, variant: str, *, owns_device: bool = False) -> None:
        self.device = device
        self.owns_device = owns_device
        self.variant = variant
        self.address = f"emu://{device.family} ({variant})"
        self.control = DeviceControl(device)
        self._conn: DeviceConnection | None = None

    def open(self) -> None:
        self._conn = connect_to(self.device, self.variant)

    def close(self) -> None:
        if self._conn is not None:
            self._conn.close()
        self._conn = None
        if self.owns_device:
            self.device.close()

    def reopen(self) -> None:
        if self._conn is not None:
            self._conn.close()
        self._conn = connect_to(self.device, self.variant)

    @property
    def is_open(self) -> bool:
        return self._conn is not None

    def _require(self) -> DeviceConnection:
        if self._conn is None:
            raise TransportError(f"{self.address} is not open")
        return self._conn

    def write(self, data: bytes) -> None:
        conn = self._require()
        if conn.closed:
            raise ConnectionLost(f"{self.address}: the device hung up")
        conn.receive(data)

    def read(self, timeout: float) -> bytes:
        conn = self._require()
        if conn.closed:
            raise ConnectionLost(f"{self.address}: the device hung up")
        end = time.monotonic() + timeout
        while True:
            now = time.monotonic()
            conn.poll(now)
            out = conn.take_output(now)
            if out:
                return out
            if now >= end:
                return b""
            due = conn.next_event()
            wake = end if due is None else min(end, due)
            time.sleep(max(wake - now, 0.0))


def open_inprocess(resolved: ResolvedUrl) -> InProcessTransport:
    """Entry point for ``emu://<family>?<family options>&model=…&name=…&state=…``."""
    device, owned = device_for_url(resolved)
    return InProcessTransport(device, resolved.variant, owns_device=owned)
