"""TLV framing of FFD requisites (research §1.1).

Each requisite is ``tag (uint16 LE) | length (uint16 LE) | value``; the length counts the value only.
A structured requisite (STLV) carries a concatenation of child TLVs as its value, and a whole fiscal
document is an STLV whose tag is the document type code. Repeated requisites (items, phones) are
simply written several times at the same level.

Decoding is bounded: every read is checked against the end of its enclosing value, nesting is limited
(:data:`MAX_DEPTH`), and any problem raises a :class:`~kkt_drivers.ffd.errors.FfdDecodeError` that
names the path of tags leading to it. Tags outside the table decode as raw bytes.
"""

from __future__ import annotations

import struct
from collections.abc import Iterable, Sequence
from dataclasses import dataclass
from datetime import datetime
from decimal import Decimal
from typing import Final, Literal, TypeGuard

from .doctypes import document_type
from .errors import (
    FfdDecodeError,
    FfdEncodeError,
    LengthLimitError,
    NestingTooDeep,
    TagVersionError,
    TruncatedError,
    ValueTypeMismatch,
)
from .tags import TagInfo, tag_info
from .values import Scalar, ValueType, decode_scalar, encode_scalar

#: FFD versions an encoder can check against.
FfdLabel = Literal["1.05", "1.2"]

#: Bytes of a TLV header (tag + length).
HEADER_LEN: Final = 4
#: Longest value the 16-bit length field can state.
MAX_VALUE_LEN: Final = 0xFFFF
#: Default limit of STLV nesting. Real documents use at most 4 levels (document → 1059 item →
#: 1223 agent data → …); anything deeper is treated as hostile input.
MAX_DEPTH: Final = 8

_HEADER = struct.Struct("<HH")


@dataclass(frozen=True, slots=True)
class Tlv:
    """One decoded requisite: a tag and its Python value (a tuple of children for STLV)."""

    tag: int
    value: TlvValue

    @property
    def children(self) -> tuple[Tlv, ...]:
        """Child requisites of an STLV (empty for a scalar)."""
        return self.value if isinstance(self.value, tuple) else ()


TlvValue = Scalar | tuple[Tlv, ...]
#: What an encoder accepts for an STLV: any sequence of :class:`Tlv`.
TlvInput = Scalar | Sequence[Tlv]


def _check_ffd(ffd: str) -> FfdLabel:
    if ffd == "1.05":
        return "1.05"
    if ffd == "1.2":
        return "1.2"
    raise ValueTypeMismatch(f"ffd must be '1.05' or '1.2', got {ffd!r}",
                            message_ru=f"ffd должен быть '1.05' или '1.2', получено {ffd!r}")


def _value_limit(tag: int, ffd: FfdLabel) -> tuple[ValueType, int | None, bool] | None:
    doc = document_type(tag)
    if doc is not None:
        return ValueType.STLV, doc.max_size(ffd), False
    info = tag_info(tag)
    if info is None:
        return None
    return info.type, info.max_len, info.fixed_len


#: what encoding a tag needs under an FFD version: its limits and table entry (the tables never change, and a
#: document encodes the same few dozen tags over and over)
_Plan = tuple[tuple[ValueType, int | None, bool] | None, TagInfo | None]
_PLANS: dict[tuple[int, FfdLabel], _Plan] = {}


def _plan(tag: int, ffd: FfdLabel) -> _Plan:
    plan = _PLANS.get((tag, ffd))
    if plan is None:
        plan = _PLANS[(tag, ffd)] = (_value_limit(tag, ffd), tag_info(tag))
    return plan


def encode_tlv(tag: int, value: TlvInput, ffd: str = "1.05", *, check_version: bool = True) -> bytes:
    """Encode one requisite (header and value) using the tag table for its type.

    Checks the value against the type, the tag's maximum or fixed length and — unless
    ``check_version`` is false — that the tag belongs to ``ffd``. A tag outside the table accepts
    raw ``bytes`` only. STLV values are sequences of :class:`Tlv`, encoded recursively.
    """
    label = _check_ffd(ffd)
    if not 0 <= tag <= 0xFFFF:
        raise ValueTypeMismatch(f"tag must be 0..65535, got {tag}",
                                message_ru=f"номер реквизита должен быть 0..65535, получено {tag}")
    limit, info = _plan(tag, label)
    if limit is None:
        if not isinstance(value, (bytes, bytearray)):
            raise ValueTypeMismatch(f"tag {tag} is not in the table: pass its value as raw bytes",
                                    message_ru=f"реквизита {tag} нет в таблице: передайте его значение байтами")
        body = bytes(value)
    else:
        vtype, max_len, fixed = limit
        if check_version and info is not None and label not in info.ffd_versions:
            raise TagVersionError(f"tag {tag} ({info.name_ru}) is not part of FFD {label}",
                                  message_ru=f"реквизит {tag} ({info.name_ru}) не входит в ФФД {label}")
        try:
            if vtype is ValueType.STLV:
                body = _encode_children(value, label, check_version)
                if max_len is not None and len(body) > max_len:
                    raise LengthLimitError(f"STLV of {len(body)} bytes exceeds the limit {max_len}",
                                           message_ru=f"STLV из {len(body)} байт превышает предел {max_len}")
            else:
                if not is_scalar(value):
                    raise ValueTypeMismatch(f"{vtype.value} value expected, got {type(value).__name__}",
                                            message_ru=f"ожидалось значение типа {vtype.value}, получено "
                                                       f"{type(value).__name__}")
                body = encode_scalar(vtype, value, max_len=max_len, fixed=fixed)
        except FfdEncodeError as exc:
            raise type(exc)(f"tag {tag}: {exc}") from exc
    if len(body) > MAX_VALUE_LEN:
        raise LengthLimitError(f"tag {tag}: value of {len(body)} bytes exceeds the TLV length field",
                               message_ru=f"реквизит {tag}: значение из {len(body)} байт не помещается в поле длины "
                                          "TLV")
    return _HEADER.pack(tag, len(body)) + body


def _encode_children(value: TlvInput, ffd: FfdLabel, check_version: bool) -> bytes:
    if isinstance(value, (str, bytes, bytearray)) or not isinstance(value, Sequence):
        raise ValueTypeMismatch(f"STLV value must be a sequence of Tlv, got {type(value).__name__}",
                                message_ru="значение STLV должно быть последовательностью Tlv, получено "
                                           f"{type(value).__name__}")
    parts = []
    for child in value:
        if not isinstance(child, Tlv):
            raise ValueTypeMismatch(f"STLV children must be Tlv, got {type(child).__name__}",
                                    message_ru="вложенные элементы STLV должны быть Tlv, получено "
                                               f"{type(child).__name__}")
        parts.append(encode_tlv(child.tag, child.value, ffd, check_version=check_version))
    return b"".join(parts)


def encode_tlvs(tlvs: Iterable[Tlv], ffd: str = "1.05", *, check_version: bool = True) -> bytes:
    """Encode a list of requisites one after another."""
    return b"".join(encode_tlv(t.tag, t.value, ffd, check_version=check_version) for t in tlvs)


def decode_tlv(data: bytes, *, max_depth: int = MAX_DEPTH) -> list[Tlv]:
    """Decode a TLV list (a whole buffer of consecutive requisites).

    STLV values are decoded recursively; tags outside the table become raw bytes. Any malformed
    input raises :class:`~kkt_drivers.ffd.errors.FfdDecodeError`.
    """
    if not isinstance(data, (bytes, bytearray, memoryview)):
        raise FfdDecodeError(f"decode_tlv needs bytes, got {type(data).__name__}",
                             message_ru=f"decode_tlv принимает bytes, получено {type(data).__name__}")
    return list(_decode_list(bytes(data), depth=0, max_depth=max_depth, path=()))


def decode_one(data: bytes, *, max_depth: int = MAX_DEPTH) -> Tlv:
    """Decode a buffer that must hold exactly one TLV (a document STLV, say)."""
    tlvs = decode_tlv(data, max_depth=max_depth)
    if len(tlvs) != 1:
        raise FfdDecodeError(f"expected exactly one TLV, found {len(tlvs)}",
                             message_ru=f"ожидался ровно один TLV, найдено {len(tlvs)}")
    return tlvs[0]


def _where(path: tuple[int, ...]) -> str:
    return "/".join(map(str, path)) or "top level"


def _decode_list(data: bytes, *, depth: int, max_depth: int, path: tuple[int, ...]) -> tuple[Tlv, ...]:
    if depth > max_depth:
        raise NestingTooDeep(f"STLV nesting deeper than {max_depth} at {_where(path)}",
                             message_ru=f"вложенность STLV глубже {max_depth} в {_where(path)}")
    items: list[Tlv] = []
    pos, end = 0, len(data)
    while pos < end:
        if end - pos < HEADER_LEN:
            raise TruncatedError(f"{end - pos} stray byte(s) where a TLV header was expected at {_where(path)}",
                                 message_ru=f"{end - pos} лишних байт там, где ожидался заголовок TLV, в "
                                            f"{_where(path)}")
        tag, length = _HEADER.unpack_from(data, pos)
        start = pos + HEADER_LEN
        if start + length > end:
            raise TruncatedError(f"tag {tag} at {_where(path)} declares {length} bytes but only {end - start} remain",
                                 message_ru=f"реквизит {tag} в {_where(path)} объявляет {length} байт, а осталось "
                                            f"только {end - start}")
        raw = data[start : start + length]
        items.append(Tlv(tag, _decode_value(tag, raw, depth=depth, max_depth=max_depth, path=(*path, tag))))
        pos = start + length
    return tuple(items)


def _decode_value(tag: int, raw: bytes, *, depth: int, max_depth: int, path: tuple[int, ...]) -> TlvValue:
    if document_type(tag) is not None and depth == 0:
        vtype = ValueType.STLV
    else:
        info = tag_info(tag)
        vtype = info.type if info is not None and info.tag >= 1000 else ValueType.BYTES
    if vtype is ValueType.STLV:
        return _decode_list(raw, depth=depth + 1, max_depth=max_depth, path=path)
    try:
        return decode_scalar(vtype, raw)
    except FfdDecodeError as exc:
        raise type(exc)(f"tag {_where(path)}: {exc}") from exc


def is_scalar(value: object) -> TypeGuard[Scalar]:
    """True for a non-STLV value (int, Decimal, datetime, str, bytes)."""
    return isinstance(value, (int, Decimal, datetime, str, bytes, bytearray))
