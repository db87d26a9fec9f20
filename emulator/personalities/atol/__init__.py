"""The ATOL personality: protocol 3.1 over transports v2 and v3."""

from __future__ import annotations

import json
import os
from pathlib import Path

from ...core.clock import DeviceClock
from ...core.connection import DeviceLink
from ...core.device import ModelInfo, VirtualDevice
from ...core.fiscal import FiscalCore, FnConfig
from ...core.incidents import Incidents
from ...core.tape import Tape
from .link_v2 import AtolV2DeviceLink
from .link_v3 import AtolV3DeviceLink
from .personality import AtolPersonality
from .printer import TapePrinter
from .profile import DEFAULT_PROFILE, PROFILES
from .tables import SettingsTables

__all__ = ["DEFAULT_PROFILE", "LINK_FAULTS", "PROFILES", "AtolPersonality", "create_device", "create_link", "models"]

#: faults of ATOL's links: ``nak`` refuses the next N good v2 frames with NAK; ``async_answers`` makes v3
#: answer every task "in progress" and deliver its result later on packet id F0
LINK_FAULTS: dict[str, int | bool] = {"nak": 0, "async_answers": False}


def models() -> list[ModelInfo]:
    return [ModelInfo("atol", p.key, p.name, p.model) for p in PROFILES.values()]


def _persistent_clock(state_dir: Path | None) -> DeviceClock:
    if state_dir is None:
        return DeviceClock()
    path = state_dir / "clock.json"
    offset = json.loads(path.read_text())["offset"] if path.exists() else 0.0

    def save(value: float) -> None:
        tmp = path.with_suffix(".tmp")
        tmp.write_text(json.dumps({"offset": value}))
        os.replace(tmp, path)

    return DeviceClock(offset, on_change=save)


def create_device(profile: str = DEFAULT_PROFILE, *, name: str = "", state_dir: Path | None = None,
                  tape: Tape | None = None, tape_width: int | None = None,
                  fn_config: FnConfig | None = None) -> VirtualDevice:
    """A virtual ATOL register; with ``state_dir`` its ФН archive, tables and clock live on disk there."""
    if profile not in PROFILES:
        raise ValueError(f"unknown ATOL model {profile!r}; known: {', '.join(PROFILES)}")
    chosen = PROFILES[profile]
    if state_dir is not None:
        state_dir.mkdir(parents=True, exist_ok=True)
    clock = _persistent_clock(state_dir)
    core = FiscalCore(clock, fn_config or FnConfig(),
                      archive_path=state_dir / "fn.sqlite" if state_dir is not None else None)
    tables = SettingsTables(state_dir / "atol-tables.json" if state_dir is not None else None)
    printer = TapePrinter(tape, tape_width or chosen.line_width) if tape is not None else None
    incidents = Incidents()
    personality = AtolPersonality(chosen, clock, core, tables=tables, tape=printer, incidents=incidents)
    return VirtualDevice(personality, clock, name=name, link_faults=LINK_FAULTS, incidents=incidents)


def create_link(device: VirtualDevice, generation: str) -> DeviceLink:
    """The device side of one v2 or v3 connection to ``device``."""
    link: AtolV2DeviceLink | AtolV3DeviceLink

    def run(message: bytes) -> tuple[bytes, bool, float]:
        outcome = device.execute_for(link, message)
        return outcome.answer, outcome.failed, outcome.seconds

    if generation == "v2":
        link = AtolV2DeviceLink(lambda message: run(message)[0])
    else:
        link = AtolV3DeviceLink(run)
    return link
