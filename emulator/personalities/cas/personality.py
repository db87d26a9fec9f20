"""The CAS personality: DC1 (weight frame) and DC2 (price frame) in, frames out.

The frames are built with the driver's own codec (:mod:`kkt_drivers.protocols.cas.frames`). The host cannot
tare or zero a CAS scale; the control port's ``press_tare``/``press_zero`` press the scale's keys.
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass
from decimal import Decimal
from typing import Any, ClassVar

from kkt_drivers.protocols.cas.frames import (
    DC1,
    DC2,
    CasPriceReading,
    CasWeight,
    encode_price_frame,
    encode_weight_frame,
)

from ...core.incidents import Incidents
from ..massak.weighing import PlatformSpec, WeighingPlatform, platform_control


@dataclass(frozen=True)
class CasProfile:
    key: str
    name: str
    model_code: int
    spec: PlatformSpec
    #: answers DC2 with the three-block price frame
    price_computing: bool


#: 6/15 kg, e = 2/5 g: a common trade-scale platform [inferred for these models]
_SPEC = PlatformSpec(max_g=15_000, min_g=40, ranges=((6_000, 2), (15_000, 5)), max_tare_g=6_000)

PROFILES: dict[str, CasProfile] = {p.key: p for p in (
    CasProfile("ap-15", "CAS AP 15 kg (price computing)", 1, _SPEC, True),
    CasProfile("pr-15", "CAS PR 15 kg (weight only)", 2, _SPEC, False),
)}
DEFAULT_PROFILE = "ap-15"


@dataclass(frozen=True)
class Answer:
    answer: bytes
    failed: bool = False
    seconds: float = 0.0


def _money(kopecks: int) -> str:
    """A price field: 8 characters, roubles with two decimals, right-aligned [inferred]."""
    text = f"{Decimal(kopecks).scaleb(-2):.2f}"
    return text.rjust(8) if len(text) <= 8 else "99999.99"


class CasPersonality:
    family = "cas"
    fiscal: Any = None
    operation_codes: ClassVar[Mapping[str, str]] = {"weigh": "11", "price": "12"}

    def __init__(self, profile: CasProfile, platform: WeighingPlatform, incidents: Incidents | None = None) -> None:
        self.profile = profile
        self.platform = platform
        self.incidents = incidents or Incidents()
        #: цена за кг of the goods on the scale, kopecks (set with the control port's ``set_price``)
        self.unit_price = 0

    def weight_block(self) -> tuple[CasWeight, Decimal]:
        reading = self.platform.reading()
        if reading.overload:
            return CasWeight.overloaded(), Decimal(0)
        kg = Decimal(reading.net_g).scaleb(-3)
        return CasWeight.from_value(kg, unit="kg", decimals=3, stable=reading.stable), kg

    def execute(self, message: bytes, client: int = 0) -> Answer:
        command = message[0] if message else 0
        if command == DC1:
            return Answer(encode_weight_frame(self.weight_block()[0]))
        if command == DC2 and self.profile.price_computing:
            block, kg = self.weight_block()
            total = int((kg * self.unit_price).to_integral_value()) if kg > 0 else 0
            return Answer(encode_price_frame(CasPriceReading(_money(total), block, _money(self.unit_price))))
        return Answer(b"", failed=True)  # a scale that does not know the request stays silent [inferred]

    def failure(self, message: bytes, error: BaseException) -> Answer:
        return Answer(b"", failed=True)  # the protocol has no error answer: silence

    def command_bytes(self, message: bytes) -> bytes:
        return message

    def control(self, op: str, request: Mapping[str, Any]) -> dict[str, Any] | None:
        if op == "set_price":
            price = request.get("price")
            if isinstance(price, bool) or not isinstance(price, int) or not 0 <= price <= 99_999_99:
                raise ValueError("set_price needs price=KOPECKS (0..9999999)")
            self.unit_price = price
            return {"price": price}
        reply = platform_control(self.platform, op, request)
        if reply is not None:
            reply["price"] = self.unit_price
        return reply

    def reset(self) -> None:
        self.platform.reset()
        self.unit_price = 0

    def client_gone(self, client: int) -> None:
        pass

    def close(self) -> None:
        pass
