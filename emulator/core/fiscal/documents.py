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
* a mandatory requisite missing (tables of :mod:`kkt_drivers.ffd.mandatory`) → 3Ch;
* a VAT code that did not exist on the document date (22 % before 2026) → 18h [inferred code];
* agent sign 1222 without supplier INN 1226 or the other way round (FFD 1.2, v1.2.06 §4.3.3), agent or
  supplier data without the sign / INN they belong to → 3Ch with the missing tag [inferred code];
* marking requisites (2102, 1291, a 1163 holding a marked-goods code 1305–1307) in a position whose marking
  code the drive has not checked → 0Bh (v1.2.06 §4.10.7: they may not come with 07h) [inferred for the
  direct API]; a position with payment subject 31/33 and no marking code → 3Ch (tag 2000) [inferred].

Receipt-level VAT sums follow the document date and FFD version (:mod:`kkt_drivers.ffd.vat`).
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
from kkt_drivers.ffd.marking import MarkingCodeError, parse_marking_code
from kkt_drivers.ffd.tags import FN_FORMED_FFD12
from kkt_drivers.ffd.tlv import TlvInput
from kkt_drivers.ffd.vat import is_amount_rate, rate_in_force, receipt_vat_requisites, vat_in

from .errors import Code, FnError
from .model import ItemData, OperationTotals, RawTlvs
from .sign import compute_sign, sign_tlv
from .state import Totals, add_totals

__all__ = [
    "EXCISE_SUBJECTS",
    "VAT_TOTAL_FIELDS",
    "Body",
    "assemble",
    "counters_stlv",
    "encode_item",
    "item_vat",
    "read_back_chunks",
    "receipt_vat_tlvs",
    "unit_price",
    "vat_by_rate",
    "vat_totals_of",
]

_HEADER = struct.Struct("<HH")
#: 1212 codes that mean excise goods (need the «подакцизные товары» registration flag; 19h otherwise).
EXCISE_SUBJECTS: Final = frozenset({PaymentSubject.EXCISE_GOODS, PaymentSubject.EXCISE_MARKED_NO_CODE,
                                    PaymentSubject.EXCISE_MARKED_WITH_CODE})
#: 1212 codes of a marked good with a marking code (FFD 1.2)
MARKED_WITH_CODE: Final = frozenset({PaymentSubject.EXCISE_MARKED_WITH_CODE, PaymentSubject.MARKED_WITH_CODE})
#: 1163 children that are codes of marked goods (GS1.М, КМК, МИ): only through the marking check
_MARKED_PRODUCT_CODES: Final = frozenset({1305, 1306, 1307})
#: VAT-sum requisites of a receipt (flat tags and the 2025 container)
VAT_SUM_TAGS: Final = frozenset({1102, 1103, 1104, 1105, 1106, 1107, 1115})
#: OperationTotals field of each 1199 code (VAT sum; the amount for 0 % and без НДС)
VAT_TOTAL_FIELDS: Final = {1: "vat_20", 2: "vat_10", 3: "vat_20_120", 4: "vat_10_110", 5: "sum_vat_0",
                           6: "sum_no_vat", 7: "vat_5", 8: "vat_7", 9: "vat_5_105", 10: "vat_7_107",
                           11: "vat_22", 12: "vat_22_122"}
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
    return vat_in(item.amount, item.vat) if item.vat in _VAT_CODES else 0


def vat_by_rate(items: Iterable[ItemData]) -> dict[int, int]:
    """Receipt-level VAT values by 1199 code: the VAT sum of a taxed rate, the amount at 0 % / без НДС."""
    sums: dict[int, int] = {}
    for item in items:
        value = item.amount if is_amount_rate(item.vat) else item_vat(item)
        sums[item.vat] = sums.get(item.vat, 0) + value
    return sums


def receipt_vat_tlvs(by_rate: dict[int, int], ffd: str, when: datetime) -> list[Tlv]:
    """The receipt-level VAT requisites for the document date (1102–1107, 1115; :mod:`kkt_drivers.ffd.vat`)."""
    return receipt_vat_requisites(by_rate, ffd, when)


def vat_totals_of(by_rate: dict[int, int]) -> dict[str, int]:
    """Map VAT values by 1199 code onto :class:`OperationTotals` field names."""
    out: dict[str, int] = {}
    for rate, value in by_rate.items():
        name = VAT_TOTAL_FIELDS[rate]
        out[name] = out.get(name, 0) + value
    return out


def _times(price: int, quantity_milli: int) -> int:
    """price × quantity rounded half up to the kopeck."""
    return (price * quantity_milli * 2 + 1000) // 2000


def unit_price(item: ItemData) -> int:
    """1079 «цена за единицу с учетом скидок и наценок»: the given price when price × quantity gives the
    amount (1043), else the amount divided by the quantity, half up (a discounted or marked-up position)."""
    if _times(item.price, item.quantity_milli) == item.amount:
        return item.price
    return (item.amount * 1000 * 2 + item.quantity_milli) // (2 * item.quantity_milli)


def _check_item_extra(body: Body, item: ItemData, ffd: str, *, checked: bool) -> None:
    """What the format requires of the requisites given with a position (see the module docstring)."""
    tags = [tag for tag, _ in item.extra]
    present = set(tags)
    if ffd == "1.2" and (1222 in present) != (1226 in present):
        missing = 1226 if 1222 in present else 1222
        raise body.error(Code.MISSING_REQUISITES, "1222 and 1226 go together (v1.2.06 §4.3.3)", missing)
    if 1223 in present and 1222 not in present:
        raise body.error(Code.MISSING_REQUISITES, "agent data 1223 without the agent sign 1222", 1222)
    if 1224 in present and 1226 not in present:
        raise body.error(Code.MISSING_REQUISITES, "supplier data 1224 without the supplier INN 1226", 1226)
    if checked:
        return
    for tag, value in item.extra:
        marked = tag in (2102, 1291)
        if tag == 1163:
            try:
                children = decode_one(_HEADER.pack(tag, len(value)) + value).children
            except FfdError:
                children = ()
            marked = any(child.tag in _MARKED_PRODUCT_CODES for child in children)
        if marked:
            raise body.error(Code.FORBIDDEN_TAG, f"requisite {tag} of a marked good needs a marking code checked by "
                             "the drive (v1.2.06 §4.10.7)", tag)


def encode_item(item: ItemData, ffd: str, command: str, *, excise_registered: bool, when: datetime,
                product_check: int | None = None) -> bytes:
    """One 1059 «предмет расчета» STLV, checked (18h, 19h, 3Ch, 0Bh, 10h).

    ``when`` is the document date (the VAT code must exist then). ``product_check`` is the 2106 the drive
    adds to a marked position whose code it checked; ``None`` for an unmarked one.
    """
    body = Body(ffd, command)
    if item.vat not in _VAT_CODES:
        raise body.error(Code.BAD_REQUISITE, f"unknown VAT rate code {item.vat}", 1199)
    if not rate_in_force(item.vat, when):
        raise body.error(Code.BAD_REQUISITE, f"VAT code {item.vat} ({VatRate(item.vat).label}) does not exist on "
                         f"{when.date()} (22 % is from 2026-01-01) [inferred code]", 1199)
    if item.payment_method not in _METHOD_CODES:
        raise body.error(Code.BAD_REQUISITE, f"unknown payment method {item.payment_method}", 1214)
    if item.payment_subject not in _SUBJECT_CODES:
        raise body.error(Code.BAD_REQUISITE, f"unknown payment subject {item.payment_subject}", 1212)
    if ffd == "1.05" and item.payment_subject >= PaymentSubject.EXCISE_MARKED_NO_CODE:
        raise body.error(Code.BAD_REQUISITE, f"payment subject {item.payment_subject} (marked goods) exists in FFD "
                         "1.2 only [inferred code]", 1212)
    if item.payment_subject in EXCISE_SUBJECTS and not excise_registered:
        raise body.error(Code.REGISTRATION_MISMATCH, "excise goods were not registered", 1212)
    if item.payment_subject in MARKED_WITH_CODE and item.marking_code is None:
        raise body.error(Code.MISSING_REQUISITES, f"payment subject {item.payment_subject} is a marked good: its "
                         "marking code must be checked and given [inferred code]", 2000)
    if item.quantity_milli <= 0:
        raise body.error(Code.BAD_REQUISITE, "quantity must be positive", 1023)
    _check_item_extra(body, item, ffd, checked=product_check is not None)
    given = {tag for tag, _ in item.extra}
    body.add_if(1030, item.name)
    body.add(1079, unit_price(item))
    body.add(1023, Decimal(item.quantity_milli).scaleb(-3))
    body.add(1043, item.amount)
    body.add(1199, item.vat)
    body.add(1214, item.payment_method)
    body.add(1212, item.payment_subject)
    if item.vat_amount is not None:
        body.add(1200, item.vat_amount)
    if ffd == "1.2" and 2108 not in given:
        body.add(2108, 0)  # мера количества: штуки — the default a KKT sends [inferred]
    if item.marking_code is not None and 1163 not in given:
        try:  # the KKT forms 1163 from the code; the drive fills it for a caller that did not [emulator aid]
            parsed = parse_marking_code(item.marking_code)
        except MarkingCodeError as exc:
            raise body.error(Code.BAD_REQUISITE, f"marking code: {exc}", 1163) from exc
        body.add(1163, (Tlv(parsed.product_tag, parsed.product_code),))
    body.add_extra(item.extra)
    if product_check is not None:
        body.add_encoded(2106, encode_tlv(2106, product_check, ffd))  # formed by the drive (v1.2.06 §4.10.7)
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
    children += [Tlv(child, getattr(totals, name)) for name, child in pairs]  # zero sums written too
    stlv = Tlv(tag, tuple(children))
    try:
        encode_tlv(stlv.tag, stlv.value, ffd)
    except LengthLimitError:
        if not with_vat:
            raise
        return _operation_stlv(tag, totals, ffd, with_vat=False)  # huge sums: keep the limit, drop VAT
    return stlv


def counters_stlv(tag: int, totals: Totals, ffd: str) -> Tlv:
    """«счетчики итогов» STLV (1194 смены / 1157 ФН):

    * 1134 — receipts **and** correction receipts of every 1054 type (FN protocol 37h Table 20; the FFD
      1.2 text of 1134 as RUSTT transcribes it);
    * 1129–1132 — one per 1054 type, counting receipts and corrections of that type (the FFD 1.2 text of
      1129–1132 as RUSTT transcribes it; 37h Table 20): 1135 count, 1201 total, the payment sums
      1136/1138/1218/1219/1220 and the VAT sums 1139–1143/1183, zero sums included;
    * 1133 — corrections only: 1144 count and 1145/1232/1146/1233 per type with 1135 count and 1201
      total, as the drive's own correction counters keep them (36h Table 18) [inferred structure].

    Rates without a counter requisite (5 %, 7 %, 22 % and their расчётные) are not written: no source
    names one (protocol-notes/ffd/vat-2026.md). The maximum sizes of the tag table (1157: 708 = 8 +
    4×(4+116) + (4+216)) fit this layout.
    """
    children = [Tlv(1134, totals.receipts_count + totals.corrections_count)]
    for operation, child in _RECEIPT_COUNTERS.items():
        both = add_totals(totals.receipts.get(operation, OperationTotals()),
                          totals.corrections.get(operation, OperationTotals()))
        children.append(_operation_stlv(child, both, ffd, with_vat=True))
    corrections = [Tlv(1144, totals.corrections_count)]
    for operation, child in _CORRECTION_COUNTERS.items():
        found = totals.corrections.get(operation, OperationTotals())
        corrections.append(Tlv(child, (Tlv(1135, found.count), Tlv(1201, found.total))))
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


def read_back_chunks(stored: bytes) -> tuple[int, int, list[bytes]]:
    """A stored document as a register hands it out piece by piece: (its document type tag, the length of its
    body, the body's top-level TLVs one by one, each with its own tag and length)."""
    body = stored[4:]
    chunks, offset = [], 0
    while offset + 4 <= len(body):
        size = int.from_bytes(body[offset + 2:offset + 4], "little")
        chunks.append(body[offset:offset + 4 + size])
        offset += 4 + size
    return int.from_bytes(stored[:2], "little"), len(body), chunks
