"""Mercury's entry in the emulator's family table."""

from __future__ import annotations

from pathlib import Path
from typing import ClassVar

from ...core.connection import DeviceLink
from ...core.device import ModelInfo, VirtualDevice
from ...core.family import EmulatedFamily
from ...core.fiscal import FnConfig
from ...core.tape import Tape
from . import DEFAULT_PROFILE, LINK_FAULTS, create_device, create_link, models


class MercuryEmulatedFamily(EmulatedFamily):
    name: ClassVar[str] = "mercury"
    variants: ClassVar[tuple[str, ...]] = ("msk", "json")
    default_variant: ClassVar[str] = "msk"
    link_faults = LINK_FAULTS
    #: variants whose messages are whole JSON documents, so an HTTP attachment can carry them
    http_variants: ClassVar[tuple[str, ...]] = ("json",)
    #: the driver service is a PC program reached over TCP or HTTP, never a serial line (its JSON has no request
    #: ids: only dropping the connection loses a late answer)
    network_only_variants: ClassVar[tuple[str, ...]] = ("json",)

    def models(self) -> list[ModelInfo]:
        return models()

    def create_device(self, model: str | None = None, *, name: str = "", state_dir: Path | None = None,
                      tape: Tape | None = None, tape_width: int | None = None,
                      ffd: str | None = None, utc_offset: int | None = None) -> VirtualDevice:
        return create_device(model or DEFAULT_PROFILE, name=name, state_dir=state_dir, tape=tape,
                             tape_width=tape_width,
                             fn_config=FnConfig(ffd=ffd or "1.05"),
                             utc_offset=utc_offset)

    def create_link(self, device: VirtualDevice, variant: str) -> DeviceLink:
        return create_link(device, variant)


FAMILY = MercuryEmulatedFamily()
