"""Checksums used by the framers (built on crcmod where a polynomial CRC is involved)."""

from __future__ import annotations

from collections.abc import Callable
from functools import reduce

import crcmod

#: CRC-8, polynomial x^8+x^5+x^4+1 (0x31), initial value 0xFF, not reflected, no final XOR.
#: ATOL transport v3 (confirmed by published packets, see tests/vectors/atol_v3.json).
crc8_atol: Callable[[bytes], int] = crcmod.mkCrcFun(0x131, initCrc=0xFF, rev=False, xorOut=0)


def xor8(data: bytes, start: int = 0) -> int:
    """XOR of all bytes (the LRC of ATOL transport v2)."""
    return reduce(int.__xor__, data, start)
