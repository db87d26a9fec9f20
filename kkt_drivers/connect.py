"""Open a device by URL: transport + family driver (link and session inside) in one call."""

from __future__ import annotations

import os
from collections.abc import Iterable
from pathlib import Path

from .device import DeviceDriver
from .families import DEFAULT_DEVICE
from .hostlock import HostLock
from .trace import ByteHook, JsonlCapture
from .transport import open_transport
from .url import ResolvedUrl, resolve_device_url

__all__ = ["DEFAULT_DEVICE", "connect", "default_device"]


def default_device() -> str:
    """The device URL to use when none is given: ``$KKT_DEVICE``, else the family table's default."""
    return os.environ.get("KKT_DEVICE") or DEFAULT_DEVICE


def connect(url: str | None = None, *, hooks: Iterable[ByteHook] = (),
            capture: str | Path | None = None) -> DeviceDriver:
    """Open the device named by ``url`` (see :mod:`kkt_drivers.url`; default :func:`default_device`).

    Returns the family's driver: a :class:`~kkt_drivers.register.FiscalRegister` for a register, with the
    family's own commands beside it. ``capture`` appends a JSONL trace of every byte in both directions to
    that file.
    """
    resolved = resolve_device_url(url or default_device())
    all_hooks = list(hooks)
    if capture is not None:
        all_hooks.append(JsonlCapture(capture))
    transport = open_transport(resolved)
    try:
        device = resolved.family.open(transport, resolved.family_options, hooks=all_hooks)
    except BaseException:
        transport.close()
        raise
    key = lock_key(resolved)
    if key is not None:
        device.session.host_lock = HostLock(key)
    return device


def lock_key(resolved: ResolvedUrl) -> str | None:
    """What names the device for the host lock (:mod:`.hostlock`); ``None`` for a device only this
    connection can reach (an emulator started for it)."""
    url = resolved.url
    if url.is_emulator:
        name = resolved.emulator_options.get("name")
        return f"emu:{url.family}:{name}" if name else None
    address = url.address
    if url.connection in ("serial", "spy") and address.startswith("/"):
        address = os.path.realpath(address)
    return f"{url.connection}:{address.lower()}"
