"""The ATOL personality: protocol 3.1 over transports v2 and v3."""

from __future__ import annotations

import json
from pathlib import Path

from ...core.connection import DeviceLink
from ...core.device import ModelInfo, VirtualDevice
from ...core.fiscal import FiscalCore, FnConfig
from ...core.fiscal_device import open_fiscal_device
from ...core.incidents import Incidents
from ...core.tape import Tape
from .link_v2 import AtolV2DeviceLink
from .link_v3 import AtolV3DeviceLink
from .personality import AtolPersonality, Execution
from .printer import TapePrinter
from .profile import DEFAULT_PROFILE, PROFILES
from .tables import SettingsTables

__all__ = ["DEFAULT_PROFILE", "LINK_FAULTS", "PROFILES", "AtolPersonality", "create_device", "create_link", "models"]


#: faults of ATOL's links: ``nak`` refuses the next N good v2 frames with NAK; ``sync_answers`` makes v3 answer a
#: NeedResult task in its reply (A3/A4) instead of asynchronously on packet id F0, as a real register does;
#: ``async_answers`` is accepted and does nothing (asynchronous results are the default behaviour now)
LINK_FAULTS: dict[str, int | bool] = {"nak": 0, "async_answers": False, "sync_answers": False}


def models() -> list[ModelInfo]:
    return [ModelInfo("atol", p.key, p.name, p.model) for p in PROFILES.values()]


def _restore_tables(core: FiscalCore, state_dir: Path | None) -> SettingsTables:
    legacy = state_dir / "atol-tables.json" if state_dir is not None else None
    if core.device_value("tables") is None and legacy is not None and legacy.exists():
        try:
            stored = json.loads(legacy.read_text(encoding="utf-8"))
        except (ValueError, OSError):
            stored = {}
        tables = SettingsTables(core)
        tables.load(stored if isinstance(stored, dict) else {})
        tables.save()
        legacy.unlink()
        return tables
    return SettingsTables(core)


def create_device(profile: str = DEFAULT_PROFILE, *, name: str = "", state_dir: Path | None = None,
                  tape: Tape | None = None, tape_width: int | None = None,
                  fn_config: FnConfig | None = None, utc_offset: int | None = None) -> VirtualDevice:
    """A virtual ATOL register; with ``state_dir`` its ФН archive, tables and clock live on disk there."""
    if profile not in PROFILES:
        raise ValueError(f"unknown ATOL model {profile!r}; known: {', '.join(PROFILES)}")
    chosen = PROFILES[profile]
    clock, core = open_fiscal_device(state_dir, fn_config, utc_offset, legacy_clock="clock.json")
    tables = _restore_tables(core, state_dir)
    printer = TapePrinter(tape, tape_width or chosen.line_width) if tape is not None else None
    incidents = Incidents()
    personality = AtolPersonality(chosen, clock, core, tables=tables, tape=printer, incidents=incidents)
    return VirtualDevice(personality, clock, name=name, link_faults=LINK_FAULTS, incidents=incidents)


def create_link(device: VirtualDevice, generation: str) -> DeviceLink:
    """The device side of one v2 or v3 connection to ``device``."""
    link: AtolV2DeviceLink | AtolV3DeviceLink

    def run(message: bytes) -> tuple[bytes, bool, float, float]:
        outcome = device.execute_for(link, message)
        busy = outcome.busy_for if isinstance(outcome, Execution) else 0.0
        return outcome.answer, outcome.failed, outcome.seconds, busy

    if generation == "v2":
        link = AtolV2DeviceLink(lambda message: run(message)[0])
    else:
        link = AtolV3DeviceLink(run)
    return link
