"""ATOL registers (protocol 3.1 over transports v2 and v3).

Importing this package loads nothing of the protocol; the names below are imported on first use, so the
family table (:mod:`kkt_drivers.families`) can read :mod:`.family` cheaply.
"""

from __future__ import annotations

from importlib import import_module
from typing import TYPE_CHECKING, Any

if TYPE_CHECKING:  # the names for type checkers; at run time __getattr__ imports them
    from .driver import ADMIN_PASSWORD, CASHIER_PASSWORD, SYSADMIN_PASSWORD, AtolDriver
    from .fiscal import E8_BLOCK
    from .types import (
        AtolMode,
        AtolStateCode,
        AtolStatus,
        DeviceInfo,
        FirmwareVersion,
        LastDocumentRecord,
        LastShiftTotals,
        LineWidth,
        ModeState,
        ReceiptStateRecord,
    )

_LAZY = {
    "AtolDriver": ".driver", "ADMIN_PASSWORD": ".driver", "SYSADMIN_PASSWORD": ".driver",
    "CASHIER_PASSWORD": ".driver", "E8_BLOCK": ".fiscal", "AtolMode": ".types", "AtolStateCode": ".types",
    "AtolStatus": ".types", "DeviceInfo": ".types", "ModeState": ".types", "FirmwareVersion": ".types",
    "LastDocumentRecord": ".types", "LastShiftTotals": ".types", "LineWidth": ".types", "ReceiptStateRecord": ".types",
}

__all__ = [
    "ADMIN_PASSWORD", "CASHIER_PASSWORD", "E8_BLOCK", "SYSADMIN_PASSWORD", "AtolDriver", "AtolMode", "AtolStateCode",
    "AtolStatus", "DeviceInfo", "FirmwareVersion", "LastDocumentRecord", "LastShiftTotals", "LineWidth", "ModeState",
    "ReceiptStateRecord",
]


def __getattr__(name: str) -> Any:
    if name in _LAZY:
        return getattr(import_module(_LAZY[name], __name__), name)
    raise AttributeError(f"module {__name__!r} has no attribute {name!r}")
