"""Marking codes (коды маркировки, «Честный знак») as FFD 1.2 and the ФН see them.

A code is what the scanner reads from the DataMatrix: for the usual GS1 form ``01`` + GTIN (14 digits) +
``21`` + serial number, then ``GS`` (``\\x1d``) + ``91`` + the key id, ``GS`` + ``92`` + the crypto code
(44 or 88 characters). This module reads such a code into what the documents need:

* the «тип кода маркировки» (2100), which the ФН command B1h also takes: 2 — crypto code of 88 characters,
  4 — of 44 characters (the two the ФН checks itself, v1.2.06 Table 127); 0 — not identified
  **[the other 2100 values are inferred]**;
* the byte offsets of the ``91`` and ``92`` application identifiers B1h needs for types 2 and 4;
* the «код товара» (1163) child: 1305 «КТ GS1.М» = ``01`` + GTIN + ``21`` + serial (≤ 38 characters, a GS1
  code on a marked good), else 1300 «КТ Н» (a code not identified, ≤ 32 characters).

The ФН itself, not this module, decides whether a code's crypto tail is valid.
"""

from __future__ import annotations

import re
from dataclasses import dataclass
from typing import Final

__all__ = [
    "GS",
    "MAX_CODE_BYTES",
    "MarkingCodeError",
    "ParsedMarkingCode",
    "parse_marking_code",
]

#: GS1 group separator between variable-length fields.
GS: Final = "\x1d"
#: Longest code the ФН accepts in B1h (v1.2.06 §4.10.2).
MAX_CODE_BYTES: Final = 255
#: 2100 values used here (v1.2.06 Table 127 names 2 and 4; 0 «не идентифицирован» inferred).
TYPE_UNKNOWN: Final = 0
TYPE_CRYPTO_88: Final = 2
TYPE_CRYPTO_44: Final = 4
_HEAD = re.compile(r"^01(\d{14})21")
_PRINTABLE = re.compile(r"^[\x1d\x20-\x7e]+$")


class MarkingCodeError(ValueError):
    """The text cannot be a marking code (empty, too long, characters a DataMatrix code cannot hold)."""


@dataclass(frozen=True)
class ParsedMarkingCode:
    """What FFD 1.2 documents and the ФН commands need from one marking code."""

    code: str  #: as scanned (2000 «код маркировки»)
    code_type: int  #: 2100 / the B1h «тип кода маркировки»
    gtin: str | None
    serial: str | None
    offset_91: int | None  #: bytes from the start to the "9" of AI 91 (B1h, types 2 and 4)
    offset_92: int | None  #: bytes from the start to the "9" of AI 92 (B1h, types 2 and 4)
    product_tag: int  #: child of 1163: 1305 (GS1.М) or 1300 (not identified)
    product_code: str  #: its value

    @property
    def checkable_in_fn(self) -> bool:
        """True for the types the ФН checks itself (2 and 4)."""
        return self.code_type in (TYPE_CRYPTO_88, TYPE_CRYPTO_44)


def parse_marking_code(code: str) -> ParsedMarkingCode:
    """Read a scanned marking code (see the module docstring). Raises :class:`MarkingCodeError`."""
    if not isinstance(code, str) or not code:
        raise MarkingCodeError("a marking code cannot be empty")
    if not _PRINTABLE.match(code):
        raise MarkingCodeError("a marking code holds printable ASCII and the GS separator (\\x1d) only")
    if len(code) > MAX_CODE_BYTES:
        raise MarkingCodeError(f"a marking code is at most {MAX_CODE_BYTES} bytes, got {len(code)}")
    head = _HEAD.match(code)
    gtin = serial = None
    offset_91 = offset_92 = None
    code_type = TYPE_UNKNOWN
    if head is not None:
        gtin = head.group(1)
        rest = code[head.end():]
        fields = rest.split(GS)
        serial = fields[0] if GS in rest or len(rest) <= 20 else None
        position = head.end() + len(fields[0])
        crypto = None
        for part in fields[1:]:
            position += 1  # the GS
            if part.startswith("91") and offset_91 is None:
                offset_91 = position
            elif part.startswith("92") and offset_92 is None:
                offset_92, crypto = position, part[2:]
            position += len(part)
        if offset_91 is not None and offset_92 is not None and crypto is not None:
            code_type = {88: TYPE_CRYPTO_88, 44: TYPE_CRYPTO_44}.get(len(crypto), TYPE_UNKNOWN)
        if code_type == TYPE_UNKNOWN:
            offset_91 = offset_92 = None
    if gtin is not None and serial and 1 <= len(serial) <= 20:
        return ParsedMarkingCode(code, code_type, gtin, serial, offset_91, offset_92, 1305, f"01{gtin}21{serial}")
    if len(code) > 32 or GS in code:
        raise MarkingCodeError("not a GS1 marking code (01 + GTIN + 21 + serial, the fields separated by GS "
                               "\\x1d) and too long for «КТ Н» (1300, at most 32 characters)")
    return ParsedMarkingCode(code, TYPE_UNKNOWN, None, None, None, None, 1300, code)
