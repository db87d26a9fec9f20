"""The emulator's family table: which families it can present, found by name.

Built-in families are ``name → "module:attribute"`` strings imported on first use; more come from the
``kkt_emu.personalities`` entry-point group. Nothing else in the emulator names a family.
"""

from __future__ import annotations

import json
import sqlite3
import threading
from importlib import import_module
from importlib.metadata import entry_points
from pathlib import Path

from kkt_drivers.errors import ConfigurationError

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
    of its ФН ("1.05" or "1.2"; families without a ФН refuse it).

    A state directory keeps the family and the FFD it was made with: asking for another one is a
    :class:`StateMismatch` (never a silent switch to the stored one)."""
    chosen = get_family(family)
    if ffd is not None and not chosen.fiscal:
        raise ValueError(f"{family} devices have no fiscal drive: --ffd/ffd= does not apply")
    if state_dir is not None:
        check_state_dir(state_dir, family, ffd)
    device = chosen.create_device(model, name=name, state_dir=state_dir, tape=tape, tape_width=tape_width, ffd=ffd,
                                  utc_offset=utc_offset)
    if state_dir is not None and not (state_dir / STATE_MARK).exists():
        try:
            (state_dir / STATE_MARK).write_text(json.dumps({"family": family}) + "\n", encoding="utf-8")
        except OSError:
            pass  # the device works without it; only a later mismatch of family goes unnoticed
    return device


#: the file in a state directory naming the family that made it
STATE_MARK = "kkt-emu.json"


class StateMismatch(ConfigurationError):
    """A state directory made for another family or FFD than the one asked for."""


def stored_state(state_dir: Path) -> tuple[str | None, str | None]:
    """(family, FFD) a state directory was made with; ``None`` for what it does not tell."""
    family = ffd = None
    try:
        family = str(json.loads((state_dir / STATE_MARK).read_text(encoding="utf-8"))["family"])
    except (OSError, ValueError, KeyError, TypeError):
        pass
    archive = state_dir / "fn.sqlite"
    if archive.exists():
        try:
            db = sqlite3.connect(f"{archive.resolve().as_uri()}?mode=ro", uri=True, timeout=0.2)
            try:
                row = db.execute("SELECT json FROM state WHERE id = 1").fetchone()
            finally:
                db.close()
            ffd = str(json.loads(row[0])["ffd"]) if row else None
        except (sqlite3.Error, ValueError, KeyError, TypeError):
            pass  # in use or unreadable: opening it says so
    return family, ffd


def check_state_dir(state_dir: Path, family: str, ffd: str | None) -> None:
    """Refuse to serve ``state_dir`` as another family, or (when ``ffd`` is asked for) in another FFD."""
    stored_family, stored_ffd = stored_state(state_dir)
    if stored_family is not None and stored_family != family:
        raise StateMismatch(
            f"the state directory {state_dir} holds a device of the {stored_family} family, not {family}: serve it as "
            f"{stored_family} (kkt-emu serve --family {stored_family}, emu://{stored_family}?state=...), or start "
            f"afresh with a new or empty directory (its documents stay in {state_dir})",
            message_ru=f"в каталоге состояния {state_dir} — устройство {stored_family}, а не {family}: запустите "
                       f"его как {stored_family} (kkt-emu serve --family {stored_family}, "
                       f"emu://{stored_family}?state=...) или начните заново с новым или пустым каталогом "
                       f"(документы останутся в {state_dir})")
    if ffd is not None and stored_ffd is not None and stored_ffd != ffd:
        raise StateMismatch(
            f"the state directory {state_dir} holds a ФН in FFD {stored_ffd}, not {ffd}; a ФН keeps its FFD: "
            f"serve it without --ffd/ffd= (or with {stored_ffd}), or start afresh in FFD {ffd} with a new or empty "
            f"directory (its documents stay in {state_dir})",
            message_ru=f"в каталоге состояния {state_dir} — ФН в ФФД {stored_ffd}, а не {ffd}; ФФД у ФН не "
                       f"меняется: запустите без --ffd/ffd= (или с {stored_ffd}) или начните заново в ФФД {ffd} "
                       f"с новым или пустым каталогом (документы останутся в {state_dir})")


def connect_to(device: VirtualDevice, variant: str) -> DeviceConnection:
    """A new connection to ``device`` speaking ``variant`` of its family's links."""
    family = get_family(device.family)
    if variant not in family.variants:
        raise ValueError(f"{device.family} has no link {variant!r}; known: {', '.join(family.variants)}")
    return DeviceConnection(device, family.create_link(device, variant))
