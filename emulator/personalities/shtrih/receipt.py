"""What an emulated Shtrih-M register is building: a receipt between 8Dh (or its first position) and its close,
or a ФН document begun with FF41h/FF42h/FF05h/FF3Dh/FF35h and finished by the command that forms it.

Positions, TLV requisites (FF0Ch, FF4Dh) and payments accumulate here; the close hands them to the virtual ФН in
one call, so a document is either whole in the archive or absent.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import date, datetime
from typing import Any

from kkt_drivers.ffd.tlv import Tlv, decode_tlv

#: 8Dh receipt type (low bits) → 1054 operation: 0 sale → приход, 1 purchase → расход, 2 sale return → возврат
#: прихода, 3 purchase return → возврат расхода
OPERATION_BY_TYPE = {0: 1, 1: 3, 2: 2, 3: 4}
TYPE_BY_OPERATION = {operation: kind for kind, operation in OPERATION_BY_TYPE.items()}
CORRECTION_FLAG = 0x80


def split_tlvs(data: bytes) -> list[tuple[int, bytes]]:
    """``(tag, value)`` of each top-level TLV in ``data``; ValueError when it does not parse whole."""
    decode_tlv(data)  # refuses a malformed structure
    out, offset = [], 0
    while offset < len(data):
        tag = int.from_bytes(data[offset:offset + 2], "little")
        size = int.from_bytes(data[offset + 2:offset + 4], "little")
        out.append((tag, data[offset + 4:offset + 4 + size]))
        offset += 4 + size
    return out


@dataclass
class OpenReceipt:
    kind: int  # 0 sale, 1 purchase, 2 sale return, 3 purchase return
    correction: bool
    operator: int  # the table-2 row that opened it
    items: list[Any] = field(default_factory=list)
    #: receipt-level requisites (FF0Ch), in arrival order
    tags: list[tuple[int, bytes]] = field(default_factory=list)
    operations: int = 0  # «количество операций в чеке» of 10h

    @property
    def operation(self) -> int:
        return OPERATION_BY_TYPE[self.kind]

    @property
    def total(self) -> int:
        return sum(int(item.amount) for item in self.items)

    def value(self, tag: int) -> bytes | None:
        found = [value for t, value in self.tags if t == tag]
        return found[-1] if found else None

    def text(self, tag: int) -> str | None:
        raw = self.value(tag)
        return None if raw is None else raw.decode("cp866", "replace")

    def number(self, tag: int, default: int = 0) -> int:
        raw = self.value(tag)
        return default if raw is None else int.from_bytes(raw, "little")

    def basis(self, today: date) -> tuple[date, str, str]:
        """Основание коррекции (1174): date 1178 (``today`` when absent), number 1179, description 1177."""
        raw = self.value(1174)
        when, number, text = today, "", ""
        if raw is not None:
            tlv: Tlv = decode_tlv((1174).to_bytes(2, "little") + len(raw).to_bytes(2, "little") + raw)[0]
            for child in tlv.children:
                if child.tag == 1178 and isinstance(child.value, datetime):
                    when = child.value.date()
                elif child.tag == 1179:
                    number = str(child.value)
                elif child.tag == 1177:
                    text = str(child.value)
        return when, number, text


@dataclass
class PendingDocument:
    """A ФН document begun by its «начать …» command: ``kind`` is ``open_shift``, ``close_shift``,
    ``registration`` (``report_type`` 0, 1 or 2), ``close_fn``, ``correction`` or ``state_report``."""

    kind: str
    report_type: int = 0
    tags: list[tuple[int, bytes]] = field(default_factory=list)

    def value(self, tag: int) -> bytes | None:
        found = [value for t, value in self.tags if t == tag]
        return found[-1] if found else None

    def text(self, tag: int) -> str | None:
        raw = self.value(tag)
        return None if raw is None else raw.decode("cp866", "replace")
