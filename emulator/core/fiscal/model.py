"""Data handed to and returned by the virtual fiscal drive (ФН).

Sums are integers in kopecks, quantities integers in thousandths. Field comments name the FFD tag
each value becomes. Everything here is immutable; the drive's own mutable state lives in
:mod:`.state`.
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass, field
from datetime import date, datetime

from kkt_drivers.protocols.fn.enums import CurrentDocument, LifePhase, WarningFlags
from kkt_drivers.protocols.fn.frame import crc16

__all__ = [
    "CorrectionData",
    "DocumentResult",
    "FnConfig",
    "FnStatus",
    "ItemData",
    "MarkingAnswer",
    "MarkingCheck",
    "MarkingStatus",
    "OfdInfo",
    "OperationTotals",
    "ReceiptData",
    "Registration",
    "ShiftInfo",
    "ShiftTotals",
    "Validity",
    "make_rnm",
]

#: Extra requisites given as raw TLV values: ``((tag, value_bytes), ...)``.
RawTlvs = tuple[tuple[int, bytes], ...]


@dataclass(frozen=True)
class FnConfig:
    """Properties of the drive "hardware".

    ``fn_number`` — 16 digits (tag 1041); ``9999078…`` is the prefix of test drives.
    ``validity_days`` — key validity counted from the first registration: 1110 for a 36-month
    drive, 470 for 15 months, 410 for 13 months (research §2.7, confidence M).
    ``capacity`` — how many documents the archive holds; the warning flag comes at 90 %.
    ``ofd_delay`` — seconds of device-clock time after which the simulated OFD confirms a
    document; ``None`` = the OFD never answers.
    ``sign_key`` — key of the deterministic fiscal-sign substitute (:mod:`.sign`).
    ``ffd`` — the FFD mode the drive is activated in: ``"1.05"`` or ``"1.2"``.
    ``close_requires_ofd_sent`` — v1.2.06 §4.4.3 (04h, code 09h): a drive working with an OFD may
    be closed only when every document has been confirmed. ``False`` gives the v1.1 behaviour
    (closing is allowed; the unsent documents stay queued in the post-fiscal phase).
    """

    fn_number: str = "9999078900012345"
    validity_days: int = 1110
    capacity: int = 250_000
    ofd_delay: float | None = 0.0
    sign_key: bytes = b"kkt-emu-demo-key"
    ffd: str = "1.05"
    close_requires_ofd_sent: bool = True

    def __post_init__(self) -> None:
        if len(self.fn_number) != 16 or not self.fn_number.isdigit():
            raise ValueError(f"fn_number must be 16 digits, got {self.fn_number!r}")
        if self.ffd not in ("1.05", "1.2"):
            raise ValueError(f"ffd must be '1.05' or '1.2', got {self.ffd!r}")
        if self.validity_days <= 0 or self.capacity <= 0:
            raise ValueError("validity_days and capacity must be positive")
        if self.ofd_delay is not None and self.ofd_delay < 0:
            raise ValueError("ofd_delay must be >= 0 or None")


@dataclass(frozen=True)
class Registration:
    """Registration parameters (параметры регистрации) — what the KKT passes at (re)registration.

    ``taxation`` is the 1062 bit mask (bit 0 ОСН … bit 5 ПСН). ``ffd_version`` is the 1209 code:
    2 = FFD 1.05, 4 = FFD 1.2; it must match :attr:`FnConfig.ffd`. ``kkt_version`` (1188) and
    ``printer_in_machine`` (1221 / bit 1 of 1290) are additions to the brief: both are mandatory
    registration requisites.
    """

    user_name: str  #: 1048
    inn: str  #: 1018, 10 or 12 digits
    rnm: str  #: 1037, 16 digits with a valid checksum (see :func:`make_rnm`)
    kkt_serial: str  #: 1013
    address: str  #: 1009
    place: str  #: 1187
    taxation: int  #: 1062 bit mask
    ofd_inn: str  #: 1017 (ignored, written as twelve zeros, in autonomous mode)
    ofd_name: str  #: 1046
    fns_site: str = "www.nalog.gov.ru"  #: 1060
    sender_email: str | None = None  #: 1117
    ffd_version: int = 2  #: 1209 / 1189
    autonomous: bool = False  #: 1002
    encryption: bool = False  #: 1056
    automatic: bool = False  #: 1001
    internet: bool = False  #: 1108 (FFD 1.2: bit 5 of 1290)
    services: bool = False  #: 1109 (FFD 1.2: bit 9 of 1290)
    bso: bool = False  #: 1110 (FFD 1.2: bit 2 of 1290)
    gambling: bool = False  #: 1193 (FFD 1.2: bit 10 of 1290)
    lottery: bool = False  #: 1126 (FFD 1.2: bit 11 of 1290)
    excise: bool = False  #: 1207 (FFD 1.2: bit 6 of 1290)
    machine_number: str | None = None  #: 1036
    kkt_version: str = "1.0"  #: 1188
    printer_in_machine: bool = False  #: 1221 (FFD 1.2: bit 1 of 1290)
    marking: bool = False  #: маркированные товары: bit 8 of 1290, FFD 1.2 only (the B1h–B7h commands need it)


@dataclass(frozen=True)
class ItemData:
    """One «предмет расчета» (STLV 1059).

    ``price`` may be the list price: the drive writes 1079 as the price *after* discounts and markups, the
    amount divided by the quantity, whenever price × quantity does not give the amount (see
    :func:`.documents.unit_price`). ``marking_code`` (FFD 1.2) is the full marking code of a marked good as
    the drive checked it (:meth:`FiscalCore.check_marking_code`); the position is refused (3Eh) unless that
    code was checked and kept (B2h) since the last receipt. Further requisites — those
    :func:`kkt_drivers.requisites.item_requisites` builds (2108, 1163, 1222–1226, 1260…) — go in ``extra``.
    """

    name: str  #: 1030
    price: int  #: 1079, kopecks
    quantity_milli: int  #: 1023, thousandths (1000 = 1.000)
    amount: int  #: 1043, kopecks
    vat: int  #: 1199 code
    payment_method: int = 4  #: 1214 (4 = полный расчёт)
    payment_subject: int = 1  #: 1212 (1 = товар)
    vat_amount: int | None = None  #: 1200
    extra: RawTlvs = ()  #: further requisites of the item, raw TLV values by tag
    marking_code: str | None = None  #: код маркировки checked by the drive (2000 of the notification)


@dataclass(frozen=True)
class ReceiptData:
    """A cash receipt (кассовый чек) as the KKT hands it to the drive in one piece."""

    operation: int  #: 1054: 1 приход, 2 возврат прихода, 3 расход, 4 возврат расхода
    items: tuple[ItemData, ...]
    cash: int  #: 1031
    electronic: int  #: 1081
    prepaid: int  #: 1215
    credit: int  #: 1216
    other: int  #: 1217
    total: int  #: 1020
    taxation: int  #: 1055, exactly one bit, among the registered ones
    cashier: str  #: 1021 ("" = omit)
    cashier_inn: str | None = None  #: 1203
    buyer_contact: str | None = None  #: 1008: "+7…" or an e-mail
    extra: RawTlvs = ()


@dataclass(frozen=True)
class CorrectionData:
    """A correction receipt (кассовый чек коррекции).

    Deviation from the brief: ``taxation`` and ``cashier`` come before the VAT sums (so that the
    sums can default to 0), and ``items`` was added — FFD 1.2 makes 1059 mandatory in a correction.
    """

    operation: int  #: 1054
    correction_type: int  #: 1173: 0 самостоятельно, 1 по предписанию
    basis_date: date  #: 1178
    basis_number: str  #: 1179
    description: str  #: 1177 (FFD 1.05 only; not written in FFD 1.2)
    cash: int  #: 1031
    electronic: int  #: 1081
    prepaid: int  #: 1215
    credit: int  #: 1216
    other: int  #: 1217
    total: int  #: 1020
    taxation: int  #: 1055
    cashier: str  #: 1021
    vat_20: int = 0  #: 1102
    vat_10: int = 0  #: 1103
    sum_vat_0: int = 0  #: 1104
    sum_no_vat: int = 0  #: 1105
    vat_20_120: int = 0  #: 1106
    vat_10_110: int = 0  #: 1107
    items: tuple[ItemData, ...] = ()
    extra: RawTlvs = ()
    #: VAT sums of the rates without a flat tag (5 %, 7 %, 5/105, 7/107, 22 %, 22/122), written in 1115
    #: (see :mod:`kkt_drivers.ffd.vat`)
    vat_5: int = 0
    vat_7: int = 0
    vat_5_105: int = 0
    vat_7_107: int = 0
    vat_22: int = 0
    vat_22_122: int = 0


@dataclass(frozen=True)
class DocumentResult:
    """One fiscal document as stored in the archive.

    ``fiscal_sign`` is the ФПД as the FFD prints it (bytes 2..5 of tag 1077, big-endian; ≤ 10
    digits). ``tlv`` is the whole document STLV exactly as stored (tag = document type).
    ``ofd_confirmed`` is false for documents still waiting for the OFD and for documents formed in
    autonomous mode (never sent).
    """

    number: int  #: 1040
    fiscal_sign: int
    datetime: datetime  #: 1012
    document_type: int
    shift_number: int
    receipt_number: int
    tlv: bytes
    ofd_confirmed: bool


@dataclass(frozen=True)
class FnStatus:
    """The 30h status (Table 7)."""

    phase: LifePhase
    current_document: CurrentDocument
    shift_open: bool
    warnings: WarningFlags
    last_document_datetime: datetime | None
    fn_number: str
    last_fd_number: int


@dataclass(frozen=True)
class ShiftInfo:
    """The 10h shift parameters, plus what an X-report needs.

    ``number`` is the current shift, or the last closed one (0 before the first shift).
    ``next_receipt_number`` is the 1042 the next receipt of an open shift gets (1 right after the
    shift opened); for a closed shift it is 1 (numbering restarts with the next shift).
    ``receipts_count`` (addition) is the number of receipts and corrections in this/the last shift.
    """

    open: bool
    number: int
    next_receipt_number: int
    opened_at: datetime | None
    expired: bool
    receipts_count: int = 0


@dataclass(frozen=True)
class OfdInfo:
    """The OFD queue (20h): documents not yet confirmed by the OFD."""

    unsent_count: int
    first_unsent_number: int
    first_unsent_datetime: datetime | None


@dataclass(frozen=True)
class Validity:
    """The 32h answer. Before the first registration ``valid_until`` is provisional (today + term)."""

    valid_until: date
    registrations_left: int
    registrations_done: int


@dataclass(frozen=True)
class OperationTotals:
    """Counters of one operation type (1054) — the content of the 1129…1133 counter STLVs."""

    count: int = 0
    total: int = 0
    cash: int = 0
    electronic: int = 0
    prepaid: int = 0
    credit: int = 0
    other: int = 0
    vat_20: int = 0
    vat_10: int = 0
    vat_20_120: int = 0
    vat_10_110: int = 0
    sum_vat_0: int = 0
    sum_no_vat: int = 0
    #: VAT of the rates without a counter requisite (no source names 1157/1194 children for them): kept for
    #: X-reports and the tape, not written into the counter STLVs
    vat_5: int = 0
    vat_7: int = 0
    vat_5_105: int = 0
    vat_7_107: int = 0
    vat_22: int = 0
    vat_22_122: int = 0


@dataclass(frozen=True)
class ShiftTotals:
    """Sums and counts of the current (or last) shift by 1054 operation type, for an X-report."""

    shift_number: int
    open: bool
    receipts: Mapping[int, OperationTotals] = field(default_factory=dict)
    corrections: Mapping[int, OperationTotals] = field(default_factory=dict)
    receipts_count: int = 0
    corrections_count: int = 0
    documents_count: int = 0


@dataclass(frozen=True)
class MarkingCheck:
    """B1h: the drive's own check of a marking code (Table 128)."""

    check_result: int  #: 2004: 0 not checked, 1 negative, 3 positive
    reason: int  #: why not checked: 0 checked, 1 type not checked in the drive, 2 no key, 3 no GS1 91/92, 4 other
    code_type: int  #: 2100 used for the check


@dataclass(frozen=True)
class MarkingAnswer:
    """B6h: the marking system's answer as the drive processed it (Table 138)."""

    product_check_result: int  #: 2106
    tlv: bytes  #: the answer's requisites without 2001


@dataclass(frozen=True)
class MarkingStatus:
    """B0h (Tables 123–124)."""

    check_state: int  #: 0 table full, 1 idle, 2 code sent (B1h), 3 request formed (B5h), 4 answer passed (B6h)
    allowed_commands: int  #: Table 124 bits (B1h 0x01, B2h 0x02, B3h 0x04, B5h 0x08, B6h 0x10, B7h 0x20/0x40/0x80)
    saved_results: int  #: codes kept with B2h, waiting for a receipt
    no_request_allowed: bool  #: the user may skip the marking request (1290 bits 14–16)


def make_rnm(inn: str, kkt_serial: str, sequence: int = 1) -> str:
    """A registration number (РНМ, 1037) with a valid checksum.

    RNM = 10-digit sequence number assigned by the FNS + 6-digit checksum, the CRC-16/CCITT-FALSE
    of ``sequence(10) ‖ INN left-padded with '0' to 12 ‖ KKT serial left-padded with '0' to 20``
    (research §2.10, verified on a real sample).
    """
    head = f"{sequence:010d}"
    if len(head) != 10:
        raise ValueError("sequence must have at most 10 digits")
    return head + f"{rnm_checksum(head, inn, kkt_serial):06d}"


def rnm_checksum(head: str, inn: str, kkt_serial: str) -> int:
    """The checksum part of an RNM (see :func:`make_rnm`)."""
    text = head + inn.strip().rjust(12, "0") + kkt_serial.strip().rjust(20, "0")
    return crc16(text.encode("ascii", "replace"))
