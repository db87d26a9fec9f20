"""Massa-K's entry in the family table: its URL options and defaults.

Cheap to import: the protocol modules load only when :meth:`MassaKFamily.open` runs.
"""

from __future__ import annotations

from collections.abc import Iterable, Mapping
from dataclasses import dataclass
from typing import TYPE_CHECKING, ClassVar

from ...errors import ConfigurationError
from ...families import Family, FamilyOptions
from ...scale_device import ScaleOp

if TYPE_CHECKING:
    from ...device import DeviceDriver
    from ...trace import ByteHook
    from ...transport.base import Transport

CAPABILITIES = frozenset({ScaleOp.WEIGH, ScaleOp.SET_TARE, ScaleOp.ZERO})
WEIGHT_REQUESTS = ("auto", "23", "a0")


@dataclass(frozen=True)
class MassaKOptions(FamilyOptions):
    """``request``: which weight request to send — ``23`` (CMD_GET_MASSA: net, tare and the zero flag),
    ``a0`` (CMD_TCP_GET_WEIGHT of network models) or ``auto`` (23, and A0 if the scale does not know 23)."""

    weight_request: str = "auto"


class MassaKFamily(Family):
    name: ClassVar[str] = "massak"
    kind: ClassVar[str] = "scale"
    title: ClassVar[str] = "Massa-K (Протокол 100)"
    options: ClassVar[Mapping[str, str]] = {
        "request": "weight request: 23 (GET_MASSA), a0 (TCP GET_WEIGHT) or auto (default: 23, then a0)",
    }
    capabilities: ClassVar[frozenset[str]] = CAPABILITIES
    #: one client uses 4800 baud, another 19200; both with even parity [inferred: the default]
    default_baudrate: ClassVar[int] = 4800
    #: 8E1: both serial setups seen in production clients use even parity (protocol-notes/scales/README.md)
    default_parity: ClassVar[str] = "even"
    #: the port one network client uses [1src]
    default_tcp_port: ClassVar[int | None] = 5001

    def parse_options(self, options: Mapping[str, str]) -> MassaKOptions:
        request = options.get("request", "auto").lower()
        if request not in WEIGHT_REQUESTS:
            raise ConfigurationError(f"massak: request must be one of {', '.join(WEIGHT_REQUESTS)}, not {request!r}",
                                     message_ru=f"massak: request — одно из {', '.join(WEIGHT_REQUESTS)}, "
                                                f"а не {request!r}")
        return MassaKOptions(weight_request=request)

    def driver_type(self) -> type[DeviceDriver]:
        from .driver import MassaKScale

        return MassaKScale

    def open(self, transport: Transport, options: FamilyOptions, *, hooks: Iterable[ByteHook] = ()) -> DeviceDriver:
        from ...protocols.massak.link import MassaKLink
        from ...session import Session
        from .driver import MassaKScale

        request = options.weight_request if isinstance(options, MassaKOptions) else "auto"
        return MassaKScale(Session(transport, MassaKLink(), hooks=hooks), weight_request=request)


FAMILY = MassaKFamily()
