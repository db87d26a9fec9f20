"""CAS LP's entry in the family table: its URL options and defaults.

Cheap to import: the protocol modules load only when :meth:`CasLpFamily.open` runs.
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

CAPABILITIES = frozenset({ScaleOp.WEIGH, ScaleOp.PLU_WRITE, ScaleOp.PLU_READ, ScaleOp.PLU_DELETE})
#: PLU numbers of CAS LP scales, 1..3999 in the one source that states them [1src]
DEFAULT_PLU_MAX = 3999
DIGIT_ORDERS = ("lsd", "msd")


@dataclass(frozen=True)
class CasLpOptions(FamilyOptions):
    logical_number: int = 0
    digits: str = "lsd"
    plu_max: int = DEFAULT_PLU_MAX


class CasLpFamily(Family):
    name: ClassVar[str] = "caslp"
    kind: ClassVar[str] = "scale"
    title: ClassVar[str] = "CAS LP 1.5/1.6 label scales"
    options: ClassVar[Mapping[str, str]] = {
        "lognum": "the scale's logical number for the handshake, 0..127 (default 0)",
        "digits": "digit order of the item and group codes: lsd (least significant first, default) or msd",
        "plu_max": f"the highest PLU number the scale holds (default {DEFAULT_PLU_MAX})",
    }
    capabilities: ClassVar[frozenset[str]] = CAPABILITIES
    default_baudrate: ClassVar[int] = 9600
    #: the port of the scale's serial-to-Ethernet converter [2src]
    default_tcp_port: ClassVar[int | None] = 1001

    def parse_options(self, options: Mapping[str, str]) -> CasLpOptions:
        def number(key: str, default: int, low: int, high: int) -> int:
            return whole_number_option(key, options.get(key, str(default)), low, high, owner="caslp",
                                       default=str(default))

        digits = options.get("digits", "lsd").lower()
        if digits not in DIGIT_ORDERS:
            raise ConfigurationError(f"caslp: digits must be lsd or msd, not {digits!r}",
                                     message_ru=f"caslp: digits — lsd или msd, а не {digits!r}")
        return CasLpOptions(logical_number=number("lognum", 0, 0, 127), digits=digits,
                            plu_max=number("plu_max", DEFAULT_PLU_MAX, 1, 0xFFFFFFFF))

    def driver_type(self) -> type[DeviceDriver]:
        from .driver import CasLpScale

        return CasLpScale

    def open(self, transport: Transport, options: FamilyOptions, *, hooks: Iterable[ByteHook] = ()) -> DeviceDriver:
        from ...protocols.caslp.commands import DigitOrder
        from ...protocols.caslp.link import CasLpLink
        from ...session import Session
        from .driver import CasLpScale

        opts = options if isinstance(options, CasLpOptions) else CasLpOptions()
        link = CasLpLink(opts.logical_number)
        return CasLpScale(Session(transport, link, hooks=hooks), digits=DigitOrder(opts.digits), plu_max=opts.plu_max)


FAMILY = CasLpFamily()
