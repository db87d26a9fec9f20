"""CAS simple-weighing driver: the weight frame (DC1) and the price frame of price-computing scales (DC2).

The protocol has no tare or zero from the host (the scale's own keys do that), so those stay NotSupported.
"""

from __future__ import annotations

from typing import ClassVar

from ...protocols.cas.frames import DC1, DC2, CasPriceReading, CasWeight, parse_price_frame, parse_weight_frame
from ...scale_device import ScaleDevice, Weight
from ...session import Session
from .family import CAPABILITIES

COMMAND_TIMEOUT = 1.0


class CasScale(ScaleDevice):
    family: ClassVar[str] = "cas"
    capabilities: ClassVar[frozenset[str]] = CAPABILITIES

    def __init__(self, session: Session) -> None:
        self.session = session

    def weight_frame(self) -> CasWeight:
        """DC1: the weight block as the scale sent it."""
        frame = self.session.exchange(bytes((DC1,)), timeout=COMMAND_TIMEOUT, idempotent=True)
        return parse_weight_frame(frame)

    def read_weight(self) -> Weight:
        block = self.weight_frame()
        return Weight(block.value, block.unit_name, block.stable and not block.overload, None, block.overload)

    def read_price(self) -> CasPriceReading:
        """DC2 (price-computing scales): стоимость, the weight block and цена за единицу."""
        frame = self.session.exchange(bytes((DC2,)), timeout=COMMAND_TIMEOUT, idempotent=True)
        return parse_price_frame(frame)
