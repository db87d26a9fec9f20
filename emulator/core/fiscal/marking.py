"""The drive's marking-code check table (таблица проверки КМ, v1.2.06 §4.10) and a simulated marking system.

State the drive keeps between B1h and the receipt, in memory only: the text says the table is cleared when a
receipt is formed successfully, by B3h, and when the drive loses power (B3h note) — so it is not persisted.

* ``pending`` — the code handed over by B1h and not yet kept or dropped (B2h); it may carry the marking
  request formed for it (B5h) and the marking system's answer (B6h);
* ``kept`` — codes kept with B2h(1), each with its 2106 value, at most 128 (35h beyond).

Request and answer blocks (B5h/B6h): the text says both are «в защищенном виде» and fixes only the header
of the request (Uint16 length with itself, Uint16 CRC16 poly 1021h init FFFFh). The protection is not
public, so here both blocks are that header followed by plain TLVs **[inferred layout]**, the CRC taken over
the TLVs **[inferred]**. The simulated marking system (:func:`oism_answer`) answers with 2001 (the request
number), 1041 (the drive number), 2100 and 2109 «ответ ОИСМ о статусе товара» (1 = the planned status is
possible, 0 = it is not) **[inferred content and coding]**.

2106 «результат проверки сведений о товаре» is built as: bit 0 the drive checked the code, bit 1 its check
was positive (the 2004 value of B1h), bit 2 the marking system answered, bit 3 its answer was positive
**[inferred bit layout; 2004 = 0/1/3 is Table 128]**.
"""

from __future__ import annotations

import struct
from dataclasses import dataclass, field
from typing import Final

from kkt_drivers.protocols.fn.datatypes import iter_tlv
from kkt_drivers.protocols.fn.frame import crc16

__all__ = ["MAX_KEPT", "MarkingTable", "Pending", "oism_answer", "product_check", "read_block", "write_block"]

#: codes the drive keeps for the next receipt (v1.2.06 §4.10.3)
MAX_KEPT: Final = 128
_HEADER = struct.Struct("<HH")


@dataclass
class Pending:
    """The code under check (after B1h)."""

    code: str
    code_type: int
    check_result: int  #: 2004
    request_number: int | None = None  #: 2001 of the last B5h for it
    request: bytes | None = None  #: the last B5h block
    oism_status: int | None = None  #: 2109 from the B6h answer


@dataclass
class MarkingTable:
    """The check table (see the module docstring)."""

    pending: Pending | None = None
    kept: list[tuple[str, int]] = field(default_factory=list)
    requests_formed: int = 0  #: 2001 numbering [inferred: counts from 1 per power-on]
    last_request: bytes | None = None

    def take(self, code: str) -> int | None:
        """Remove a kept code (one use per position) and return its 2106; ``None`` if it was not kept."""
        for index, (kept, result) in enumerate(self.kept):
            if kept == code:
                del self.kept[index]
                return result
        return None

    def clear(self) -> None:
        self.pending = None
        self.kept.clear()


def product_check(check_result: int, oism_status: int | None) -> int:
    """The 2106 value for a code (see the module docstring)."""
    value = check_result & 0x03
    if oism_status is not None:
        value |= 0x04 | (0x08 if oism_status == 1 else 0)
    return value


def write_block(tlvs: bytes) -> bytes:
    """A request/answer block: length (with itself), CRC16 of the TLVs, the TLVs [inferred layout]."""
    return _HEADER.pack(_HEADER.size + len(tlvs), crc16(tlvs)) + tlvs


def read_block(block: bytes) -> tuple[bytes | None, int]:
    """``(tlvs, 0)`` for a well-formed block, else ``(None, reason)`` with the Table 139 reason (7 length,
    5 CRC, 2 format)."""
    if len(block) < _HEADER.size:
        return None, 7
    length, crc = _HEADER.unpack_from(block)
    if length != len(block):
        return None, 7
    tlvs = bytes(block[_HEADER.size:])
    if crc16(tlvs) != crc:
        return None, 5
    try:
        list(iter_tlv(tlvs))
    except ValueError:
        return None, 2
    return tlvs, 0


def _tlv(tag: int, value: bytes) -> bytes:
    return _HEADER.pack(tag, len(value)) + value


def oism_answer(request: bytes, *, accepted: bool = True) -> bytes:
    """The simulated marking system's answer to a B5h request block (raises ``ValueError`` on a bad block)."""
    tlvs, reason = read_block(request)
    if tlvs is None:
        raise ValueError(f"not a marking request block (reason {reason})")
    fields = dict(iter_tlv(tlvs))
    if 2001 not in fields or 1041 not in fields:
        raise ValueError("the request has no 2001/1041")
    body = _tlv(2001, fields[2001]) + _tlv(1041, fields[1041])
    if 2100 in fields:
        body += _tlv(2100, fields[2100])
    body += _tlv(2109, bytes((1 if accepted else 0,)))
    return write_block(body)
