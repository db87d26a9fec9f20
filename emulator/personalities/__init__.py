"""The emulator's family table: which families it can present, found by name.

Built-in families are ``name → "module:attribute"`` strings imported on first use; more come from the
``kkt_emu.personalities`` entry-point group. Nothing else in the emulator names a family.
"""

from __future__ import annotations

import threading
from importlib import import_module
from importlib.metadata import entry_points
from pathlib import Path

from ..core.connection import DeviceConnection
from ..core.device import ModelInfo, VirtualDevice
from ..core.family import EmulatedFamily
from ..core.tape import Tape

BUILTIN_PERSONALITIES: dict[str, str] = {
    "atol": "kkt_emu.personalities.atol.family:FAMILY",
    "massak": "kkt_emu.personalities.massak.family:FAMILY",
    "cas": "kkt_emu.personalities.cas.family:FAMILY",
    "caslp": "kkt_emu.personalities.caslp.family:FAMILY",
    "shtrih": "kkt_emu.personalities.shtrih.family:FAMILY",
    "mercury": "kkt_emu.personalities.mercury.family:FAMILY",
}
ENTRY_POINT_GROUP = "kkt_emu.personalities"

_LOADED: dict[str, EmulatedFamily] = {}
_LOCK = threading.Lock()


def _entry_points() -> dict[str, str]:
    return {ep.name: ep.value for ep in entry_points(group=ENTRY_POINT_GROUP)}


def family_names() -> list[str]:
    """Every family the emulator can present (imports none of them)."""
    return sorted({*BUILTIN_PERSONALITIES, *_entry_points(), *_LOADED})


def get_family(name: str) -> EmulatedFamily:
    with _LOCK:
        if name in _LOADED:
            return _LOADED[name]
        target = BUILTIN_PERSONALITIES.get(name) or _entry_points().get(name)
        if target is None:
            raise ValueError(f"the emulator has no family {name!r}; known: {', '.join(family_names())}")
        module_name, _, attribute = target.partition(":")
        family = getattr(import_module(module_name), attribute)
        if not isinstance(family, EmulatedFamily) or family.name != name:
            raise ValueError(f"{target} is not the emulator family {name!r}")
        _LOADED[name] = family
        return family


def register_family(family: EmulatedFamily) -> None:
    """Make a family known in this process (tests, plugins; installed packages use the entry point)."""
    with _LOCK:
        _LOADED[family.name] = family


def unregister_family(name: str) -> None:
    with _LOCK:
        if name not in BUILTIN_PERSONALITIES:
            _LOADED.pop(name, None)


def models() -> list[ModelInfo]:
    return [model for name in family_names() for model in get_family(name).models()]


def create_device(family: str, model: str | None = None, *, name: str = "", state_dir: Path | None = None,
                  tape: Tape | None = None, tape_width: int | None = None, ffd: str | None = None,
                  utc_offset: int | None = None) -> VirtualDevice:
    """A virtual device of ``family``; ``state_dir`` makes its state durable on disk; ``ffd`` is the FFD mode
    of its ФН ("1.05" or "1.2"; families without a ФН refuse it)."""
    chosen = get_family(family)
    if ffd is not None and not chosen.fiscal:
        raise ValueError(f"{family} devices have no fiscal drive: --ffd/ffd= does not apply")
    return chosen.create_device(model, name=name, state_dir=state_dir, tape=tape, tape_width=tape_width, ffd=ffd,
                                utc_offset=utc_offset)


def connect_to(device: VirtualDevice, variant: str) -> DeviceConnection:
    """A new connection to ``device`` speaking ``variant`` of its family's links."""
    family = get_family(device.family)
    if variant not in family.variants:
        raise ValueError(f"{device.family} has no link {variant!r}; known: {', '.join(family.variants)}")
    return DeviceConnection(device, family.create_link(device, variant))
