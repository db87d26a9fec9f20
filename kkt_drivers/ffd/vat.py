"""VAT in fiscal documents: the tax in a sum, and which receipt-level requisites carry the sums by rate.

The rules belong to the **document date** (1012), never to the date of the computer forming it, and to the
FFD version. Sources and grading: ``protocol-notes/ffd/vat-2026.md``.

* 1199 codes 1–6 have the flat receipt-level tags of 2019: 1102 (20 %), 1103 (10 %), 1106 (20/120),
  1107 (10/110) hold VAT sums; 1104 (0 %) and 1105 (без НДС) hold the *amounts* settled at that rate.
  Codes 1 and 3 keep meaning 20 % / 20/120 in 2026 (Письмо ФНС АБ-4-20/11248@) — confirmed.
* Codes 7–12 (5 %, 7 %, 5/105, 7/107, 22 %, 22/122) have no flat tag. Their sums go into
  1115 «суммы НДС чека», one 1119 «сумма НДС чека» per rate holding 1199 and 1120 «сумма НДС» — the
  structure ЕД-7-20/662@ gained in its 26.03.2025 wording (ЕД-7-20/236@, in force from 2025-09-01). Seen in
  real FFD 1.2 receipts of 2026 (confirmed); that FFD 1.05 documents use it too is **inferred** (the
  order amended the tables both versions share, and no other requisite exists for these rates).
* A document dated before 2025-09-01 has no 1115: rates 7–10 then have no receipt-level sum **[inferred]**.
* When the VAT sums are only in 1115, the receipt also carries 1104 = 0 (табл. 11.2 as quoted by one
  source, and every real 2026 receipt seen) — confirmed by one source only (L-M).
* 22 % exists from 2026-01-01 (425-ФЗ); the format codes 11/12 apply from 2026-01-05 (ЕД-7-20/1050@), but
  registers switched on 1 January. A document dated before 2026-01-01 with code 11/12 is wrong
  (:func:`rate_in_force`) **[inferred rule]**; no date check applies to codes 1 and 3 (they are legal in 2026).
"""

from __future__ import annotations

from collections.abc import Mapping
from datetime import date, datetime
from typing import Final

from .enums import VatRate
from .tlv import Tlv

__all__ = [
    "CONTAINER_FROM",
    "FLAT_TAGS",
    "RATE_22_FROM",
    "is_amount_rate",
    "rate_in_force",
    "receipt_vat_requisites",
    "uses_container",
    "vat_in",
]

#: 1115/1119/1120 exist in documents dated from this day (ЕД-7-20/236@ in force).
CONTAINER_FROM: Final = date(2025, 9, 1)
#: 22 % (codes 11/12) exists for documents dated from this day (425-ФЗ).
RATE_22_FROM: Final = date(2026, 1, 1)
#: 1199 code → the flat receipt-level tag of 2019 (VAT sum for 1–4, amount for 5 and 6).
FLAT_TAGS: Final[Mapping[int, int]] = {1: 1102, 2: 1103, 3: 1106, 4: 1107, 5: 1104, 6: 1105}
_AMOUNT_RATES: Final = frozenset({5, 6})


def _day(when: date | datetime) -> date:
    return when.date() if isinstance(when, datetime) else when


def vat_in(amount: int, rate: int) -> int:
    """The VAT contained in ``amount`` kopecks at 1199 ``rate``, rounded half up (0 for 0 % / без НДС)."""
    share = VatRate(rate).share
    if share is None:
        return 0
    num, den = share
    return (amount * num * 2 + den) // (den * 2)


def rate_in_force(rate: int, when: date | datetime) -> bool:
    """False for a 1199 code that did not exist on the document date (only 11/12 before 2026 are refused)."""
    if rate in (VatRate.VAT_22, VatRate.VAT_22_122):
        return _day(when) >= RATE_22_FROM
    return True


def uses_container(ffd: str, when: date | datetime) -> bool:
    """Whether a document of this FFD version and date can carry 1115 (see the module docstring)."""
    if ffd not in ("1.05", "1.2"):
        raise ValueError(f"ffd must be '1.05' or '1.2', got {ffd!r}")
    return _day(when) >= CONTAINER_FROM


def receipt_vat_requisites(by_rate: Mapping[int, int], ffd: str, when: date | datetime) -> list[Tlv]:
    """The receipt-level VAT requisites of a receipt or correction.

    ``by_rate`` maps each 1199 code present in the document to its receipt-level value: the VAT sum for a
    taxed rate, the settled amount for 0 % (5) and без НДС (6). Flat tags come first (in 1102…1107 order),
    then 1115 with one 1119 per new rate in code order. A rate with no requisite in this document (codes 7–12
    before 2025-09-01) is left out.
    """
    flat = [Tlv(tag, by_rate[rate]) for rate, tag in sorted(FLAT_TAGS.items(), key=lambda kv: kv[1])
            if rate in by_rate]
    new = sorted(rate for rate in by_rate if rate not in FLAT_TAGS)
    unknown = [rate for rate in new if rate not in {int(r) for r in VatRate}]
    if unknown:
        raise ValueError(f"unknown 1199 code(s) {unknown}")
    if not new or not uses_container(ffd, when):
        return flat
    container = Tlv(1115, tuple(Tlv(1119, (Tlv(1199, rate), Tlv(1120, by_rate[rate]))) for rate in new))
    if not flat:
        flat = [Tlv(1104, 0)]  # the sums are only in 1115: 1104 = 0 beside it (табл. 11.2, one source)
    return [*flat, container]


def is_amount_rate(rate: int) -> bool:
    """True for 0 % and без НДС, whose receipt-level requisite is the amount, not a tax."""
    return rate in _AMOUNT_RATES
