"""Text encodings of the devices.

ATOL's «внешняя кодировка» is CP866 with two positions swapped: byte ``0x24`` is «№» and byte
``0xFC`` is «$» (CP866 has them the other way round). Confirmed by two independent drivers.
"""

from __future__ import annotations

import codecs

import construct as cs

_SWAP = str.maketrans({"$": "№", "№": "$"})

# construct looks encodings up in a module-level table; register the ones we use once, here.
cs.possiblestringencodings["cp866"] = 1


def encode_atol(text: str) -> bytes:
    """Encode text in ATOL's external code page; raises ``UnicodeEncodeError`` if impossible."""
    return codecs.encode(text.translate(_SWAP), "cp866")


def decode_atol(data: bytes) -> str:
    """Decode bytes of ATOL's external code page."""
    return codecs.decode(data, "cp866").translate(_SWAP)


def encodable_atol(text: str) -> bool:
    """True when every character of ``text`` has a byte in ATOL's code page."""
    try:
        encode_atol(text)
    except UnicodeEncodeError:
        return False
    return True
