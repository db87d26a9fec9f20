"""The receipt an ATOL register is building between ``92`` (open) and ``4A`` (close).

Positions, requisites written with ``E8`` and payments accumulate here; on close they become one
:class:`~kkt_emu.core.fiscal.ReceiptData` (or correction) handed to the virtual ФН in one call.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import date, datetime
from typing import Any

from kkt_drivers.ffd.tlv import Tlv, decode_tlv

PAYMENT_TAGS = {1: 1031, 2: 1081, 3: 1215, 4: 1216, 5: 1217}
VAT_SUM_TAGS = (1102, 1103, 1104, 1105, 1106, 1107)


@dataclass
class OpenReceipt:
    atol_type: int  # 1, 2, 4, 5 receipts; 7..10 corrections
    items: list[Any] = field(default_factory=list)
    position_open: bool = False
    position_tags: list[tuple[int, bytes]] = field(default_factory=list)
    tags: dict[int, Tlv] = field(default_factory=dict)
    raw_tags: list[tuple[int, bytes]] = field(default_factory=list)
    payments: dict[int, int] = field(default_factory=dict)  # ATOL payment type 1..5 -> kopecks
    discounted: bool = False  # a receipt discount was given: only payments, close and cancel may follow
    marked: bool = False  # a position's marking code was checked by the ФН for this receipt

    @property
    def is_correction(self) -> bool:
        return self.atol_type >= 7

    @property
    def by_amounts(self) -> bool:
        """A correction given as amounts only (FFD 1.05): its total is what was paid."""
        return self.is_correction and not self.items

    @property
    def total(self) -> int:
        if self.by_amounts:
            return self.paid
        return sum(int(item.amount) for item in self.items)

    @property
    def paid(self) -> int:
        return sum(self.payments.values())

    @property
    def remainder(self) -> int:
        return max(self.total - self.paid, 0)

    @property
    def change(self) -> int:
        return max(self.paid - self.total, 0)

    def add_tlv(self, data: bytes) -> None:
        """Store requisites written with E8 (inside a position they belong to that position)."""
        for tlv in decode_tlv(data):
            raw = _raw_of(data, tlv.tag)
            if self.position_open:
                self.position_tags.append((tlv.tag, raw))
            else:
                self.tags[tlv.tag] = tlv
                self.raw_tags.append((tlv.tag, raw))

    def text(self, tag: int, default: str = "") -> str:
        tlv = self.tags.get(tag)
        return str(tlv.value) if tlv is not None and not isinstance(tlv.value, tuple) else default

    def number(self, tag: int, default: int = 0) -> int:
        tlv = self.tags.get(tag)
        if tlv is None or isinstance(tlv.value, tuple):
            return default
        value = tlv.value
        if isinstance(value, int):
            return value
        return int(value) if isinstance(value, str) and value.isdigit() else default

    def basis(self, today: date) -> tuple[date, str, str]:
        """Основание коррекции (1174): date 1178 (``today``, the device's date, when absent), number 1179,
        description 1177."""
        tlv = self.tags.get(1174)
        when, number, text = today, "", ""
        for child in tlv.children if tlv is not None else ():
            if child.tag == 1178 and isinstance(child.value, datetime):
                when = child.value.date()
            elif child.tag == 1179:
                number = str(child.value)
            elif child.tag == 1177:
                text = str(child.value)
        return when, number, text


@dataclass
class RequisiteBlocks:
    """An E8 requisite arriving in several blocks: numbered 0..count-1, in order, then decoded whole.

    The protocol names the block count and number but no size limit [inferred: any block size is taken;
    a requisite may not grow past one TLV's 16-bit length plus its header].
    """

    count: int
    received: int = 0
    data: bytearray = field(default_factory=bytearray)

    LIMIT = 4 + 0xFFFF

    def accepts(self, count: int, block: int) -> bool:
        return count == self.count and block == self.received

    def add(self, chunk: bytes) -> None:
        if len(self.data) + len(chunk) > self.LIMIT:
            raise ValueError("requisite larger than one TLV")
        self.data += chunk
        self.received += 1

    @property
    def complete(self) -> bool:
        return self.received == self.count


def _raw_of(data: bytes, tag: int) -> bytes:
    """The value bytes of the first TLV with ``tag`` in ``data`` (E8 carries one TLV per block)."""
    offset = 0
    while offset + 4 <= len(data):
        t = int.from_bytes(data[offset:offset + 2], "little")
        size = int.from_bytes(data[offset + 2:offset + 4], "little")
        if t == tag:
            return data[offset + 4:offset + 4 + size]
        offset += 4 + size
    return b""
