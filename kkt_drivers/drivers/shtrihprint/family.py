"""Штрих-Принт's entry in the family table: a label scale reached over Ethernet (UDP), driver only.

There is no emulator of this family: the vendor's protocol description forbids implementing the protocol in
other devices without its consent (protocol-notes/scales/README.md). Cheap to import: the protocol modules
load only when :meth:`ShtrihPrintFamily.open` runs.
"""

from __future__ import annotations

from collections.abc import Iterable, Mapping
from dataclasses import dataclass
from typing import TYPE_CHECKING, ClassVar

from ...errors import ConfigurationError
from ...families import Family, FamilyOptions, whole_number_option
from ...scale_device import ScaleOp

if TYPE_CHECKING:
    from ...device import DeviceDriver
    from ...trace import ByteHook
    from ...transport.base import Transport

CAPABILITIES = frozenset({ScaleOp.WEIGH, ScaleOp.PLU_WRITE, ScaleOp.PLU_READ, ScaleOp.PLU_DELETE,
                          ScaleOp.PLU_CLEAR})


@dataclass(frozen=True)
class ShtrihPrintOptions(FamilyOptions):
    password: str = "0030"
    plu_max: int | None = None


class ShtrihPrintFamily(Family):
    name: ClassVar[str] = "shtrihprint"
    kind: ClassVar[str] = "scale"
    title: ClassVar[str] = "Штрих-Принт label scales (Ethernet)"
    options: ClassVar[Mapping[str, str]] = {
        "password": "administrator password, four digits (default 0030)",
        "plu_max": "the goods table size; default: asked from the scale (D0h)",
    }
    capabilities: ClassVar[frozenset[str]] = CAPABILITIES
    default_baudrate: ClassVar[int] = 9600
    #: the scale's UDP port [2src]
    default_tcp_port: ClassVar[int | None] = 1111
    emulated: ClassVar[bool] = False

    def parse_options(self, options: Mapping[str, str]) -> ShtrihPrintOptions:
        password = options.get("password", "0030")
        if len(password) != 4 or not (password.isascii() and password.isdigit()):
            raise ConfigurationError(f"shtrihprint: password must be 4 digits (default 0030), not {password!r}",
                                     message_ru=f"shtrihprint: password — 4 цифры (по умолчанию 0030), "
                                                f"а не {password!r}")
        raw = options.get("plu_max")
        plu_max = None if raw is None else whole_number_option("plu_max", raw, 1, 0xFFFF, owner="shtrihprint")
        return ShtrihPrintOptions(password=password, plu_max=plu_max)

    def driver_type(self) -> type[DeviceDriver]:
        from .driver import ShtrihPrintScale

        return ShtrihPrintScale

    def open(self, transport: Transport, options: FamilyOptions, *, hooks: Iterable[ByteHook] = ()) -> DeviceDriver:
        from ...protocols.shtrihprint.link import ShtrihPrintUdpLink
        from ...session import Session
        from ...transport.udp import UdpTransport
        from .driver import ShtrihPrintScale

        if not isinstance(transport, UdpTransport):
            raise ConfigurationError("shtrihprint scales are driven over Ethernet here: use "
                                     "shtrihprint+udp://HOST[:1111] (the RS-232 link is not implemented)",
                                     message_ru="весы Штрих-Принт здесь подключаются только по сети: "
                                                "shtrihprint+udp://ХОСТ[:1111] (связь по RS-232 не реализована)")
        opts = options if isinstance(options, ShtrihPrintOptions) else ShtrihPrintOptions()
        return ShtrihPrintScale(Session(transport, ShtrihPrintUdpLink(), hooks=hooks), password=opts.password,
                                plu_max=opts.plu_max)


FAMILY = ShtrihPrintFamily()
