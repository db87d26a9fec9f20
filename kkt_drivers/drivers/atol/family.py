"""ATOL's entry in the family table: its URL options, links and defaults.

Cheap to import: the protocol modules load only when :meth:`AtolFamily.open` runs.
"""

from __future__ import annotations

from collections.abc import Iterable, Mapping
from dataclasses import dataclass
from typing import TYPE_CHECKING, ClassVar

from ...errors import ConfigurationError
from ...families import Family, FamilyOptions, whole_number_option
from ...register import Op

if TYPE_CHECKING:
    from ...device import DeviceDriver
    from ...trace import ByteHook
    from ...transport.base import Transport


#: no Op.RECEIPT_DISCOUNT: on a register with a ФН the receipt-wide discount (43, area 0) only rounds off the
#: kopecks of the total; :class:`~kkt_drivers.kkt.Kkt` spreads a receipt discount over the positions itself
CAPABILITIES = frozenset({
    Op.OFD_STATUS, Op.DOCUMENT_TLV, Op.OPEN_SHIFT, Op.CLOSE_SHIFT, Op.X_REPORT, Op.STATE_REPORT, Op.RECEIPT,
    Op.CORRECTION, Op.CASH, Op.REGISTER, Op.CLOSE_FN, Op.OFD_SERVER, Op.VENDOR_CLOUD, Op.OPERATOR_PASSWORDS,
})


@dataclass(frozen=True)
class AtolOptions(FamilyOptions):
    """``transport`` (the link: ``v2`` or ``v3``, as :attr:`variant`) and the access password."""

    access_password: int = 0


class AtolFamily(Family):
    name: ClassVar[str] = "atol"
    title: ClassVar[str] = "ATOL (protocol 3.1)"
    options: ClassVar[Mapping[str, str]] = {
        "transport": "transport generation: v2 (ENQ/ACK frames) or v3 (task buffer); default v3",
        "password": "access password, up to four digits; default 0000",
    }
    variants: ClassVar[tuple[str, ...]] = ("v2", "v3")
    default_variant: ClassVar[str] = "v3"
    default_baudrate: ClassVar[int] = 115200
    default_tcp_port: ClassVar[int | None] = 5555

    capabilities: ClassVar[frozenset[str]] = CAPABILITIES

    def parse_options(self, options: Mapping[str, str]) -> AtolOptions:
        generation = options.get("transport", self.default_variant)
        if generation not in self.variants:
            raise ConfigurationError(f"transport must be v2 or v3, not {generation!r}",
                                     message_ru=f"transport: v2 или v3, а не {generation!r}")
        password = whole_number_option("password", options.get("password", "0000"), 0, 9999, digits=4,
                                       default="0000")
        return AtolOptions(variant=generation, access_password=password)

    def variant_options(self, variant: str) -> dict[str, str]:
        super().variant_options(variant)
        return {"transport": variant}

    def driver_type(self) -> type[DeviceDriver]:
        from .driver import AtolDriver

        return AtolDriver

    def open(self, transport: Transport, options: FamilyOptions, *, hooks: Iterable[ByteHook] = ()) -> DeviceDriver:
        from ...protocols.atol.link_v2 import AtolV2Link
        from ...protocols.atol.link_v3 import AtolV3Link
        from ...session import Link, Session
        from .driver import AtolDriver

        assert isinstance(options, AtolOptions)
        link: Link = AtolV3Link() if options.variant == "v3" else AtolV2Link()
        return AtolDriver(Session(transport, link, hooks=hooks), access_password=options.access_password)


FAMILY = AtolFamily()
