"""Incotex «Меркурий» registers: the MS-K wire protocol and Incotex's driver service (JSON).

Importing this package loads nothing of the protocols; the names below are imported on first use, so the
family table (:mod:`kkt_drivers.families`) can read :mod:`.family` cheaply.
"""

from __future__ import annotations

from importlib import import_module
from typing import TYPE_CHECKING, Any

if TYPE_CHECKING:  # the names for type checkers; at run time __getattr__ imports them
    from .backend import Backend, ServerExchangeStatus
    from .driver import MercuryDriver, MskMercuryDriver
    from .msk import MskBackend, MskStatus
    from .service import GoodsUpload, JsonBackend

_LAZY = {
    "MercuryDriver": ".driver", "MskMercuryDriver": ".driver", "Backend": ".backend",
    "ServerExchangeStatus": ".backend", "MskBackend": ".msk", "MskStatus": ".msk",
    "JsonBackend": ".service", "GoodsUpload": ".service",
}

__all__ = ["Backend", "GoodsUpload", "JsonBackend", "MercuryDriver", "MskBackend", "MskMercuryDriver", "MskStatus",
           "ServerExchangeStatus"]


def __getattr__(name: str) -> Any:
    if name in _LAZY:
        return getattr(import_module(_LAZY[name], __name__), name)
    raise AttributeError(f"module {__name__!r} has no attribute {name!r}")
