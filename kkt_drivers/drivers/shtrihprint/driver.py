"""Штрих-Принт label-scale driver over Ethernet: weight from the status (11h) and the goods table (57h write,
58h read, 54h delete, 18h clear with 12h polled until the scale has finished).

Every request can be repeated without harm, so all go as idempotent. The goods table size comes from the
scale (D0h) the first time goods are checked, unless the URL's ``plu_max`` gives it.
"""

from __future__ import annotations

import time
from decimal import Decimal
from typing import ClassVar

from ...errors import DeviceError, InvalidParameter
from ...protocols.shtrihprint import commands as c
from ...protocols.shtrihprint.plu import NAME_BYTES, PluFieldError, PluRecord, encode_record
from ...scale_device import Goods, InvalidGoods, LabelLimits, ScaleDevice, Weight, split_name
from ...session import Session
from .family import CAPABILITIES

COMMAND_TIMEOUT = 2.0
#: how long clearing the goods table (18h) may take before we give up waiting [inferred]
CLEAR_TIMEOUT = 120.0
CLEAR_POLL = 0.5


def label_limits(plu_max: int) -> LabelLimits:
    """The PLU record's ranges from the protocol description (protocol-notes/scales/README.md)."""
    return LabelLimits(plu_min=1, plu_max=plu_max, name_lines=2, line_bytes=NAME_BYTES, encoding="cp1251",
                       price_max=999_999, code_max=999_999, shelf_life_max=9_999, tare_max_g=0xFFFF,
                       group_max=9_999, message_max=0xFFFF, piece_goods=True)


class ShtrihPrintScale(ScaleDevice):
    family: ClassVar[str] = "shtrihprint"
    capabilities: ClassVar[frozenset[str]] = CAPABILITIES

    def __init__(self, session: Session, *, password: str = c.DEFAULT_PASSWORD, plu_max: int | None = None) -> None:
        self.session = session
        self.password = password
        self._sized = plu_max is not None
        self.label_limits = label_limits(plu_max or 0xFFFF)

    def request(self, body: bytes) -> c.Reply:
        return c.parse_reply(self.session.exchange(body, timeout=COMMAND_TIMEOUT, idempotent=True))

    def status(self) -> c.ScaleStatus:
        """11h Запрос состояния весов."""
        return c.parse_status(self.request(c.status()))

    def read_weight(self) -> Weight:
        status = self.status()
        if status.overload:
            return Weight(None, "kg", stable=False, overload=True)
        tare = Decimal(status.tare_g).scaleb(-3)
        return Weight(Decimal(status.weight_g).scaleb(-3), "kg", status.stable, tare, False,
                      net=status.tare_g != 0, zero=status.weight_g == 0)

    def plu_table_size(self) -> int:
        """D0h Запрос макс. количества ПЛУ."""
        return c.parse_max_plu(self.request(c.max_plu(self.password)))

    def _limits(self) -> LabelLimits:
        if not self._sized:
            self.label_limits = label_limits(self.plu_table_size())
            self._sized = True
        assert self.label_limits is not None
        return self.label_limits

    def record(self, goods: Goods) -> PluRecord:
        first, second = split_name(goods.name, self._limits(), goods)
        return PluRecord(plu=goods.plu, item_code=goods.code, name1=first, name2=second, price=goods.price,
                         shelf_life_days=goods.shelf_life_days, tare_g=goods.tare_g, group_code=goods.group,
                         message=goods.message, piece=goods.piece)

    def check_goods(self, goods: Goods) -> None:
        """As the base, within the scale's table size (asked once with D0h, a read-only query)."""
        self._limits()
        super().check_goods(goods)
        try:
            encode_record(self.record(goods), plu_table_size=self._limits().plu_max)
        except PluFieldError as exc:
            raise InvalidGoods(goods, exc.field, str(exc).split(": ", 1)[-1]) from None
        except InvalidParameter as exc:
            raise InvalidGoods(goods, "record", str(exc)) from None

    def write_plu(self, goods: Goods) -> None:
        self.check_goods(goods)
        body = c.write_plu(self.record(goods), self.password, plu_table_size=self._limits().plu_max)
        c.parse_ack(self.request(body), c.Cmd.WRITE_PLU)

    def read_plu(self, plu: int) -> Goods | None:
        record = c.parse_read_plu(self.request(c.read_plu(plu, self.password)), plu)
        if record is None:
            return None
        name = " ".join(part for part in (record.name1, record.name2) if part)
        return Goods(plu=record.plu, name=name, price=record.price, code=record.item_code,
                     shelf_life_days=record.shelf_life_days, tare_g=record.tare_g, group=record.group_code,
                     message=record.message, piece=record.piece)

    def delete_plu(self, plu: int) -> None:
        c.parse_ack(self.request(c.clear_plu(plu, self.password)), c.Cmd.CLEAR_PLU)

    def clear_plu(self) -> None:
        """18h clears the goods and messages in the background; 12h is polled until it is done."""
        with self.operation():
            c.parse_ack(self.request(c.clear_database(self.password)), c.Cmd.CLEAR_DATABASE)
            deadline = time.monotonic() + CLEAR_TIMEOUT
            while True:
                mode = c.parse_mode(self.request(c.mode()))
                if mode.clear_failed:
                    raise DeviceError(mode.submode, "Clearing the goods table failed", "Ошибка очистки базы товаров",
                                      family=self.family, command="0x18")
                if not mode.clearing:
                    return
                if time.monotonic() > deadline:
                    raise DeviceError(mode.submode, "The scale is still clearing its goods table",
                                      "Весы всё ещё очищают базу товаров", family=self.family, command="0x18")
                time.sleep(CLEAR_POLL)
