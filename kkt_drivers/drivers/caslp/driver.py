"""CAS LP 1.6 label-scale driver: weight from the status (89h) and the goods memory (81h, 82h, 8Dh).

Every command goes as idempotent: a record written twice is the same record, a read changes nothing. The
protocol has no command that empties the whole goods memory; :class:`kkt_drivers.scale.LabelScale` clears
it record by record.
"""

from __future__ import annotations

from decimal import Decimal
from typing import ClassVar

from ...errors import InvalidParameter
from ...protocols.caslp import commands as c
from ...protocols.caslp.commands import DigitOrder, PluRecord, ScaleStatus, ShelfLife, Totals
from ...scale_device import Goods, InvalidGoods, LabelLimits, ScaleDevice, Weight, split_name
from ...session import Session
from .family import CAPABILITIES, DEFAULT_PLU_MAX

COMMAND_TIMEOUT = 2.0


def label_limits(plu_max: int = DEFAULT_PLU_MAX) -> LabelLimits:
    """What the 83-byte record holds (protocol-notes/scales/caslp.md)."""
    return LabelLimits(plu_min=1, plu_max=plu_max, name_lines=2, line_bytes=c.NAME_BYTES, encoding=c.ENCODING,
                       price_max=999_999, code_max=999_999, shelf_life_max=9999, tare_max_g=0xFFFF,
                       group_max=999_999, message_max=0xFFFF, piece_goods=False)


class CasLpScale(ScaleDevice):
    """A CAS LP label scale; ``digits`` is the digit order of the item and group codes."""

    family: ClassVar[str] = "caslp"
    capabilities: ClassVar[frozenset[str]] = CAPABILITIES

    def __init__(self, session: Session, *, digits: DigitOrder = DigitOrder.LEAST_FIRST,
                 plu_max: int = DEFAULT_PLU_MAX) -> None:
        self.session = session
        self.digits = digits
        self.label_limits = label_limits(plu_max)

    def command(self, message: bytes) -> bytes:
        """One command; returns its reply data (DeviceError for ``EE``)."""
        return self.session.exchange(message, timeout=COMMAND_TIMEOUT, idempotent=True)

    def status(self) -> ScaleStatus:
        """89h: weight and the scale's flags, the selected PLU, its price and the sum."""
        return ScaleStatus.decode(self.command(c.status()))

    def totals(self) -> Totals:
        """85h: sales totals and the free PLU and message cells."""
        return Totals.decode(self.command(c.totals()))

    def read_weight(self) -> Weight:
        status = self.status()
        if status.overload:
            return Weight(None, "kg", stable=False, overload=True, net=status.tare, zero=status.zero)
        return Weight(Decimal(status.weight_g).scaleb(-3), "kg", status.stable, None, False, status.tare, status.zero)

    def record(self, goods: Goods) -> PluRecord:
        limits = self.label_limits
        assert limits is not None
        lines = split_name(goods.name, limits, goods)
        return PluRecord(goods.plu, goods.code, lines[0], lines[1], goods.price, ShelfLife(days=goods.shelf_life_days),
                         goods.tare_g, goods.group, goods.message)

    def check_goods(self, goods: Goods) -> None:
        super().check_goods(goods)
        try:
            self.record(goods).encode(self.digits)
        except InvalidParameter as exc:
            raise InvalidGoods(goods, "record", str(exc)) from None

    def write_plu(self, goods: Goods) -> None:
        self.check_goods(goods)
        self.command(c.write_plu(self.record(goods), self.digits))

    def read_plu(self, plu: int) -> Goods | None:
        """81h; an empty cell comes back as a record of PLU 0 [inferred] and reads as ``None``."""
        record, _ = c.decode_readback(self.command(c.read_plu(plu)), self.digits)
        if record.plu != plu:
            return None
        name = " ".join(part for part in (record.name1, record.name2) if part)
        return Goods(plu=record.plu, name=name, price=record.price, code=record.code,
                     shelf_life_days=record.shelf_life.days, tare_g=record.tare_g, group=record.group,
                     message=record.message)

    def delete_plu(self, plu: int) -> None:
        self.command(c.delete_plu(plu))
