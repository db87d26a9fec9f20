"""The virtual fiscal drive (ФН) shared by every emulated KKT family.

:class:`FiscalCore` forms real FFD 1.05 / 1.2 documents (TLV via :mod:`kkt_drivers.ffd`), keeps the
drive's counters, phases and time rules, simulates the OFD queue and stores everything in a
durable SQLite archive. Refusals are :class:`FnError` with ФН answer codes (FNS protocol v1.2.06).
Design notes and every inferred behaviour: ``protocol-notes/fn/emulator.md``.
"""

from __future__ import annotations

from .core import Clock, FiscalCore
from .errors import ArchiveError, Code, FnError
from .model import (
    CorrectionData,
    DocumentResult,
    FnConfig,
    FnStatus,
    ItemData,
    OfdInfo,
    OperationTotals,
    ReceiptData,
    Registration,
    ShiftInfo,
    ShiftTotals,
    Validity,
    make_rnm,
)
from .sign import compute_sign, verify_document

__all__ = [
    "ArchiveError",
    "Clock",
    "Code",
    "CorrectionData",
    "DocumentResult",
    "FiscalCore",
    "FnConfig",
    "FnError",
    "FnStatus",
    "ItemData",
    "OfdInfo",
    "OperationTotals",
    "ReceiptData",
    "Registration",
    "ShiftInfo",
    "ShiftTotals",
    "Validity",
    "compute_sign",
    "make_rnm",
    "verify_document",
]
