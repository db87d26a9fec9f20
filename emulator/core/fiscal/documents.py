"""Forming the TLV of fiscal documents: requisite lists, items, counters, signing, size checks.

Encoding goes through :func:`kkt_drivers.ffd.encode_tlv` requisite by requisite (type, length and
FFD-version checks come from the shared tag table); the document STLV itself is assembled here so
that the fiscal sign can be computed over the exact stored bytes. Encoding problems become ФН
answer codes:

* a requisite with a wrong value, length or FFD version → 18h «некорректный реквизит» [inferred:
  the text names 18h for requisites that break the format rules];
* an item STLV or the whole document over its size limit → 10h «превышение размеров TLV данных»;
* an extra requisite the drive forms itself → 0Bh (FFD 1.2 mode; in FFD 1.05 mode 0Ch, as the
  document already holds it [inferred]); a non-repeatable requisite given twice → 0Ch;
* a mandatory requisite missing (tables of :mod:`kkt_drivers.ffd.mandatory`) → 3Ch.
"""

from __future__ import annotations

import struct
from collections.abc import Iterable
from datetime import date, datetime, time
from decimal import Decimal
from typing import Final

from kkt_drivers.ffd import (
    DocumentType,
    FfdError,
    LengthLimitError,
    PaymentMethod,
    PaymentSubject,
    Tlv,
    VatRate,
    decode_one,
    encode_tlv,
    mandatory_item_tags,
    mandatory_tags,
    tag_info,
)
from kkt_drivers.ffd.tags import FN_FORMED_FFD12
from kkt_drivers.ffd.tlv import TlvInput

from .errors import Code, FnError
from .model import ItemData, OperationTotals, RawTlvs
from .sign import compute_sign, sign_tlv
from .state import Totals

__all__ = [
    "EXCISE_SUBJECTS",
    "Body",
    "assemble",
    "counters_stlv",
    "encode_item",
    "item_vat",
    "receipt_vat_totals",
]

_HEADER = struct.Struct("<HH")
#: 1212 codes that mean excise goods (need the «подакцизные товары» registration flag; 19h otherwise).
EXCISE_SUBJECTS: Final = frozenset({PaymentSubject.EXCISE_GOODS, PaymentSubject.EXCISE_MARKED_NO_CODE,
                                    PaymentSubject.EXCISE_MARKED_WITH_CODE})
#: VAT included in a sum, as (numerator, denominator) of the sum, by 1199 code.
_VAT_SHARE: Final = {1: (20, 120), 2: (10, 110), 3: (20, 120), 4: (10, 110), 7: (5, 105), 8: (7, 107),
                     9: (5, 105), 10: (7, 107)}
_ITEM_LIMIT: Final = 1024  # 1059 maximum length (research §1.2)
_VAT_CODES: Final = frozenset(int(v) for v in VatRate)
_METHOD_CODES: Final = frozenset(int(v) for v in PaymentMethod)
_SUBJECT_CODES: Final = frozenset(int(v) for v in PaymentSubject)


class Body:
    """The children of a document (or an STLV) being formed, as encoded TLV bytes."""

    def __init__(self, ffd: str, command: str) -> None:
        self.ffd = ffd
        self.command = command
        self._parts: list[bytes] = []
        self.tags: list[int] = []

    def error(self, code: int, reason: str, tag: int | None = None) -> FnError:
        return FnError(code, reason, tag=tag, command=self.command)

    def add(self, tag: int, value: TlvInput) -> None:
        """Encode one requisite with the shared tag table."""
        try:
            encoded = encode_tlv(tag, value, self.ffd)
        except FfdError as exc:
            raise self.error(Code.BAD_REQUISITE, str(exc), tag) from exc
        self.add_encoded(tag, encoded)

    def add_if(self, tag: int, value: TlvInput | None) -> None:
        """:meth:`add` unless the value is ``None`` or an empty string."""
        if value is not None and value != "":
            self.add(tag, value)

    def add_encoded(self, tag: int, encoded: bytes) -> None:
        """Append a requisite that is already encoded."""
        self._parts.append(encoded)
        self.tags.append(tag)

    def add_extra(self, extra: RawTlvs, reserved: Iterable[int] = ()) -> None:
        """Append caller-given raw requisites after checking them (see the module docstring)."""
        own = set(reserved) | (FN_FORMED_FFD12 if self.ffd == "1.2" else set())
        for tag, value in extra:
            if not 0 <= tag <= 0xFFFF or len(value) > 0xFFFF:
                raise self.error(Code.BAD_REQUISITE, f"extra requisite {tag} is not a valid TLV", None)
            info = tag_info(tag)
            if tag in own:
                code = Code.FORBIDDEN_TAG if self.ffd == "1.2" else Code.DUPLICATE_TAG
                raise self.error(code, f"tag {tag} is formed by the fiscal drive", tag)
            if tag in self.tags and not (info is not None and info.multi):
                raise self.error(Code.DUPLICATE_TAG, f"tag {tag} given twice", tag)
            raw = _HEADER.pack(tag, len(value)) + bytes(value)
            try:
                encode_tlv(tag, decode_one(raw).value, self.ffd)  # validates type, length, FFD version
            except FfdError as exc:
                raise self.error(Code.BAD_REQUISITE, f"extra requisite {tag}: {exc}", tag) from exc
            self.add_encoded(tag, raw)

    def has(self, tag: int) -> bool:
        return tag in self.tags

    def value_bytes(self) -> bytes:
        """The concatenated children."""
        return b"".join(self._parts)

    def require(self, required: Iterable[int]) -> None:
        """3Ch when a mandatory requisite is missing."""
        missing = sorted(set(required) - set(self.tags))
        if missing:
            raise self.error(Code.MISSING_REQUISITES, f"mandatory requisites missing: {missing}", missing[0])


# --- items and VAT ---------------------------------------------------------------------------


def item_vat(item: ItemData) -> int:
    """VAT of an item: its 1200 if given, else computed from 1043 and the rate (half up)."""
    if item.vat_amount is not None:
        return item.vat_amount
    share = _VAT_SHARE.get(item.vat)
    if share is None:
        return 0
    num, den = share
    return (item.amount * num * 2 + den) // (den * 2)


def receipt_vat_totals(items: Iterable[ItemData]) -> dict[int, int]:
    """Receipt-level VAT requisites 1102–1107 computed from the items (zero sums left out).

    1102/1103/1106/1107 are VAT sums of the rates 20 %, 10 %, 20/120, 10/110; 1104 and 1105 are the
    *amounts* at 0 % and without VAT. Rates 7–10 (5 %, 7 %) have no receipt-level tag in the tables
    we have, so they are counted nowhere here [inferred].
    """
    sums = {1102: 0, 1103: 0, 1104: 0, 1105: 0, 1106: 0, 1107: 0}
    for item in items:
        if item.vat == VatRate.VAT_20:
            sums[1102] += item_vat(item)
        elif item.vat == VatRate.VAT_10:
            sums[1103] += item_vat(item)
        elif item.vat == VatRate.VAT_0:
            sums[1104] += item.amount
        elif item.vat == VatRate.NO_VAT:
            sums[1105] += item.amount
        elif item.vat == VatRate.VAT_20_120:
            sums[1106] += item_vat(item)
        elif item.vat == VatRate.VAT_10_110:
            sums[1107] += item_vat(item)
    return {tag: value for tag, value in sums.items() if value}


def vat_totals_of(vat: dict[int, int]) -> dict[str, int]:
    """Map 1102–1107 sums onto :class:`OperationTotals` field names."""
    names = {1102: "vat_20", 1103: "vat_10", 1104: "sum_vat_0", 1105: "sum_no_vat", 1106: "vat_20_120",
             1107: "vat_10_110"}
    return {names[tag]: value for tag, value in vat.items()}


def encode_item(item: ItemData, ffd: str, command: str, *, excise_registered: bool) -> bytes:
    """One 1059 «предмет расчета» STLV, checked (18h, 19h, 3Ch, 10h)."""
    body = Body(ffd, command)
    if item.vat not in _VAT_CODES:
        raise body.error(Code.BAD_REQUISITE, f"unknown VAT rate code {item.vat}", 1199)
    if item.payment_method not in _METHOD_CODES:
        raise body.error(Code.BAD_REQUISITE, f"unknown payment method {item.payment_method}", 1214)
    if item.payment_subject not in _SUBJECT_CODES:
        raise body.error(Code.BAD_REQUISITE, f"unknown payment subject {item.payment_subject}", 1212)
    if item.payment_subject in EXCISE_SUBJECTS and not excise_registered:
        raise body.error(Code.REGISTRATION_MISMATCH, "excise goods were not registered", 1212)
    if item.quantity_milli <= 0:
        raise body.error(Code.BAD_REQUISITE, "quantity must be positive", 1023)
    body.add_if(1030, item.name)
    body.add(1079, item.price)
    body.add(1023, Decimal(item.quantity_milli).scaleb(-3))
    body.add(1043, item.amount)
    body.add(1199, item.vat)
    body.add(1214, item.payment_method)
    body.add(1212, item.payment_subject)
    if item.vat_amount is not None:
        body.add(1200, item.vat_amount)
    if ffd == "1.2" and not any(tag == 2108 for tag, _ in item.extra):
        body.add(2108, 0)  # мера количества: штуки — the default a KKT sends [inferred]
    body.add_extra(item.extra)
    body.require(mandatory_item_tags(ffd))
    value = body.value_bytes()
    if len(value) > _ITEM_LIMIT:
        raise body.error(Code.TLV_TOO_LARGE, f"item of {len(value)} bytes exceeds {_ITEM_LIMIT}", 1059)
    return _HEADER.pack(1059, len(value)) + value


# --- counters (FFD 1.2: 1157 / 1194) ----------------------------------------------------------

#: counter STLV per 1054 operation type, for receipts and for correction receipts [inferred mapping
#: for corrections: 1145 приход, 1232 возврат прихода, 1146 расход, 1233 возврат расхода]
_RECEIPT_COUNTERS: Final = {1: 1129, 2: 1130, 3: 1131, 4: 1132}
_CORRECTION_COUNTERS: Final = {1: 1145, 2: 1232, 3: 1146, 4: 1233}
_SUMS: Final = (("cash", 1136), ("electronic", 1138), ("prepaid", 1218), ("credit", 1219), ("other", 1220))
_VATS: Final = (("vat_20", 1139), ("vat_10", 1140), ("vat_20_120", 1141), ("vat_10_110", 1142),
                ("sum_vat_0", 1143), ("sum_no_vat", 1183))


def _operation_stlv(tag: int, totals: OperationTotals, ffd: str, *, with_vat: bool) -> Tlv:
    children = [Tlv(1135, totals.count), Tlv(1201, totals.total)]
    pairs = _SUMS + (_VATS if with_vat else ())
    children += [Tlv(child, getattr(totals, name)) for name, child in pairs if getattr(totals, name)]
    stlv = Tlv(tag, tuple(children))
    try:
        encode_tlv(stlv.tag, stlv.value, ffd)
    except LengthLimitError:
        if not with_vat:
            raise
        return _operation_stlv(tag, totals, ffd, with_vat=False)  # huge sums: keep the limit, drop VAT
    return stlv


def counters_stlv(tag: int, totals: Totals, ffd: str) -> Tlv:
    """«счетчики итогов» STLV (1194 смены / 1157 ФН) [inferred structure]:

    1134 receipts count, then 1129–1132 (one per operation type: 1135 count, 1201 total, the
    non-zero payment sums 1136/1138/1218/1219/1220 and VAT sums 1139–1143/1183), then 1133 (1144
    corrections count and a 1145/1232/1146/1233 STLV per operation type that occurred). The
    maximum sizes of the tag table (1157: 708 = 8 + 4×(4+116) + (4+216)) fit this layout.
    """
    children = [Tlv(1134, totals.receipts_count)]
    for operation, child in _RECEIPT_COUNTERS.items():
        children.append(_operation_stlv(child, totals.receipts.get(operation, OperationTotals()), ffd, with_vat=True))
    corrections = [Tlv(1144, totals.corrections_count)]
    for operation, child in _CORRECTION_COUNTERS.items():
        found = totals.corrections.get(operation)
        if found is not None and found.count:
            corrections.append(_operation_stlv(child, found, ffd, with_vat=False))
    children.append(Tlv(1133, tuple(corrections)))
    return Tlv(tag, tuple(children))


# --- the document ------------------------------------------------------------------------------


def as_datetime(day: date) -> datetime:
    """A date as the UNIXTIME of its midnight (1178)."""
    return datetime.combine(day, time())


def assemble(
    doc_type: DocumentType, body: Body, *, key: bytes, fn_number: str, number: int, when: datetime
) -> tuple[bytes, int]:
    """Check mandatory requisites, sign, append 1077 and wrap into the document STLV.

    Returns ``(document_bytes, fiscal_sign)``. 3Ch when a mandatory requisite is missing, 10h when
    the document exceeds its size limit for the FFD version.
    """
    body.require(mandatory_tags(doc_type, body.ffd) - {1077})
    value = body.value_bytes()
    sign = compute_sign(key, fn_number, number, when, value)
    value += sign_tlv(sign)
    limit = doc_type.max_size(body.ffd)
    if len(value) > limit:
        raise body.error(Code.TLV_TOO_LARGE, f"document of {len(value)} bytes exceeds {limit}", int(doc_type))
    return _HEADER.pack(int(doc_type), len(value)) + value, sign
