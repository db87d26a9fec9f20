"""Штрих-Принт label scales (driver only: see protocol-notes/scales/README.md for why there is no emulator).

Importing this package loads nothing of the protocol; the names below are imported on first use, so the
family table (:mod:`kkt_drivers.families`) can read :mod:`.family` cheaply.
"""

from __future__ import annotations

from importlib import import_module
from typing import TYPE_CHECKING, Any

if TYPE_CHECKING:  # the names for type checkers; at run time __getattr__ imports them
    from .driver import ShtrihPrintScale

_LAZY = {"ShtrihPrintScale": ".driver"}

__all__ = ["ShtrihPrintScale"]


def __getattr__(name: str) -> Any:
    if name in _LAZY:
        return getattr(import_module(_LAZY[name], __name__), name)
    raise AttributeError(f"module {__name__!r} has no attribute {name!r}")
