"""The fiscal sign (ФПД, tag 1077) — a deterministic keyed SUBSTITUTE.

**This is NOT the FNS algorithm.** A real drive computes the ФПД in its crypto coprocessor with a
GOST-based MAC and a key nobody outside the drive knows (research §2.9; the algorithm is not
public). The emulator needs something with the same *shape* that is stable across runs, so that
golden tests can compare documents byte for byte:

    mac  = HMAC-SHA256(sign_key, fn_number(16 ASCII) ‖ FD number (Uint32 BE) ‖
                                 datetime ("YYYYMMDDhhmmss" ASCII) ‖ document bytes)
    ФПД  = first 4 bytes of mac, big-endian  → 0 … 4 294 967 295 (at most 10 digits, as 54-ФЗ
                                               art. 4.1 requires)

"document bytes" are the top-level requisites of the document STLV in stored order with the 1077
requisite itself left out (the sign cannot cover itself). Tag 1077 holds the sign in the form the
FFD uses: 2 prefix bytes ``21 04`` (the prefix seen in every real sample; meaning unknown —
inferred) followed by the 4 bytes big-endian, see :func:`kkt_drivers.ffd.fiscal_sign_bytes`.
"""

from __future__ import annotations

import hashlib
import hmac
import struct
from datetime import datetime

from kkt_drivers.ffd import fiscal_sign_bytes

__all__ = ["SIGN_TAG", "compute_sign", "sign_tlv", "strip_top_level", "verify_document"]

#: Tag of the ФПД requisite.
SIGN_TAG = 1077
_HEADER = struct.Struct("<HH")


def compute_sign(key: bytes, fn_number: str, fd_number: int, when: datetime, body: bytes) -> int:
    """The substitute ФПД of a document (see the module docstring for the exact message)."""
    message = (
        fn_number.encode("ascii")
        + fd_number.to_bytes(4, "big")
        + when.strftime("%Y%m%d%H%M%S").encode("ascii")
        + body
    )
    return int.from_bytes(hmac.new(key, message, hashlib.sha256).digest()[:4], "big")


def sign_tlv(number: int) -> bytes:
    """The whole 1077 requisite (header and 6-byte value) for a ФПД number."""
    value = fiscal_sign_bytes(number)
    return _HEADER.pack(SIGN_TAG, len(value)) + value


def strip_top_level(document: bytes, tag: int) -> tuple[int, bytes, list[bytes]]:
    """Split a document STLV: its type, its children bytes without ``tag``, and the removed TLVs.

    Works on raw bytes (no re-encoding), so the result is exactly what was signed.
    Raises ``ValueError`` on a malformed document.
    """
    if len(document) < 4:
        raise ValueError("document shorter than a TLV header")
    doc_type, length = _HEADER.unpack_from(document, 0)
    if 4 + length != len(document):
        raise ValueError("document length field does not match its size")
    kept: list[bytes] = []
    removed: list[bytes] = []
    pos = 4
    while pos < len(document):
        if pos + 4 > len(document):
            raise ValueError("truncated TLV header inside the document")
        child_tag, child_len = _HEADER.unpack_from(document, pos)
        end = pos + 4 + child_len
        if end > len(document):
            raise ValueError(f"tag {child_tag} overruns the document")
        (removed if child_tag == tag else kept).append(document[pos:end])
        pos = end
    return doc_type, b"".join(kept), removed


def verify_document(key: bytes, fn_number: str, fd_number: int, when: datetime, document: bytes) -> bool:
    """True if the document's 1077 equals the substitute sign of the rest of its bytes."""
    try:
        _doc_type, body, removed = strip_top_level(document, SIGN_TAG)
    except ValueError:
        return False
    if len(removed) != 1:
        return False
    return removed[0] == sign_tlv(compute_sign(key, fn_number, fd_number, when, body))
