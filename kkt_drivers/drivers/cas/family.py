"""CAS simple weighing's entry in the family table: its URL options and defaults.

Cheap to import: the protocol modules load only when :meth:`CasFamily.open` runs.
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

CAPABILITIES = frozenset({ScaleOp.WEIGH})
_YES, _NO = ("1", "yes", "true", "on"), ("0", "no", "false", "off")


@dataclass(frozen=True)
class CasOptions(FamilyOptions):
    """``enq``: ask ``ENQ`` before each request (default) or send ``DC1`` at once, as some clients do."""

    enq: bool = True


class CasFamily(Family):
    name: ClassVar[str] = "cas"
    kind: ClassVar[str] = "scale"
    title: ClassVar[str] = "CAS weighing (ENQ/ACK/DC1)"
    options: ClassVar[Mapping[str, str]] = {
        "enq": "send ENQ and wait for ACK before each request: yes (default) or no",
    }
    capabilities: ClassVar[frozenset[str]] = CAPABILITIES
    default_baudrate: ClassVar[int] = 9600
    #: these scales are serial; a network link goes through a converter whose port the user names
    default_tcp_port: ClassVar[int | None] = None

    def parse_options(self, options: Mapping[str, str]) -> CasOptions:
        value = options.get("enq", "yes").lower()
        if value not in _YES + _NO:
            raise ConfigurationError(f"cas: enq must be yes or no, not {value!r}",
                                     message_ru=f"cas: enq — yes или no, а не {value!r}")
        return CasOptions(enq=value in _YES)

    def driver_type(self) -> type[DeviceDriver]:
        from .driver import CasScale

        return CasScale

    def open(self, transport: Transport, options: FamilyOptions, *, hooks: Iterable[ByteHook] = ()) -> DeviceDriver:
        from ...protocols.cas.link import CasLink
        from ...session import Session
        from .driver import CasScale

        enq = options.enq if isinstance(options, CasOptions) else True
        return CasScale(Session(transport, CasLink(skip_enq=not enq), hooks=hooks))


FAMILY = CasFamily()
