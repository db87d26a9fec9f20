"""Open a device by URL: transport + link + session + family driver in one call."""

from __future__ import annotations

from collections.abc import Iterable
from pathlib import Path

from .drivers.atol import AtolDriver
from .errors import ConfigurationError
from .protocols.atol.link_v2 import AtolV2Link
from .protocols.atol.link_v3 import AtolV3Link
from .session import Link, Session
from .trace import ByteHook, JsonlCapture
from .transport import open_transport
from .url import parse_device_url

DEFAULT_DEVICE = "emu://atol"


def make_link(family: str, generation: str) -> Link:
    if family == "atol":
        return AtolV3Link() if generation == "v3" else AtolV2Link()
    raise ConfigurationError(f"no link for family {family!r}")


def connect(url: str = DEFAULT_DEVICE, *, hooks: Iterable[ByteHook] = (),
            capture: str | Path | None = None) -> AtolDriver:
    """Open the device named by ``url`` (see :mod:`kkt_drivers.url`) and return its driver.

    ``capture`` appends a JSONL trace of every byte in both directions to that file.
    """
    parsed = parse_device_url(url)
    all_hooks = list(hooks)
    if capture is not None:
        all_hooks.append(JsonlCapture(capture))
    transport = open_transport(parsed)
    link = make_link(parsed.family, parsed.transport_generation)
    session = Session(transport, link, hooks=all_hooks)
    return AtolDriver(session, access_password=parsed.access_password)
