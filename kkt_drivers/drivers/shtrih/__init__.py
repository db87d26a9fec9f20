"""Shtrih-M registers (vendor protocol v2.0, standard lower level, with the ФН commands).

Importing this package loads nothing of the protocol; the names below are imported on first use, so the
family table (:mod:`kkt_drivers.families`) can read :mod:`.family` cheaply.
"""

from __future__ import annotations

from importlib import import_module
from typing import TYPE_CHECKING, Any

if TYPE_CHECKING:  # the names for type checkers; at run time __getattr__ imports them
    from .base import ADMIN_PASSWORD, CASH_REGISTER, CASHIER_PASSWORD, SYSADMIN_PASSWORD, ShtrihCommands
    from .driver import LIMITS, PAYMENT_INDEX, VAT_TAX_BYTE, ShtrihDriver
    from .family import BAUD_RATES, FAMILY, ShtrihFamily, ShtrihOptions
    from .types import FieldStructure, ShtrihDeviceType, ShtrihMode, ShtrihShortStatus, ShtrihStatus, ShtrihSubmode

_LAZY = {
    "ShtrihDriver": ".driver", "LIMITS": ".driver", "PAYMENT_INDEX": ".driver", "VAT_TAX_BYTE": ".driver",
    "ShtrihCommands": ".base", "ADMIN_PASSWORD": ".base", "CASHIER_PASSWORD": ".base", "SYSADMIN_PASSWORD": ".base",
    "CASH_REGISTER": ".base", "BAUD_RATES": ".family", "FAMILY": ".family", "ShtrihFamily": ".family",
    "ShtrihOptions": ".family", "FieldStructure": ".types", "ShtrihDeviceType": ".types", "ShtrihMode": ".types",
    "ShtrihShortStatus": ".types", "ShtrihStatus": ".types", "ShtrihSubmode": ".types",
}

__all__ = [
    "ADMIN_PASSWORD", "BAUD_RATES", "CASHIER_PASSWORD", "CASH_REGISTER", "FAMILY", "LIMITS", "PAYMENT_INDEX",
    "SYSADMIN_PASSWORD", "VAT_TAX_BYTE", "FieldStructure", "ShtrihCommands", "ShtrihDeviceType", "ShtrihDriver",
    "ShtrihFamily", "ShtrihMode", "ShtrihOptions", "ShtrihShortStatus", "ShtrihStatus", "ShtrihSubmode",
]


def __getattr__(name: str) -> Any:
    if name in _LAZY:
        return getattr(import_module(_LAZY[name], __name__), name)
    raise AttributeError(f"module {__name__!r} has no attribute {name!r}")
