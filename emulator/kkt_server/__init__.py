"""An emulated Incotex «Сервер ККТ»: goods base with groups, per-register group filters and price percent,
and the sales registers send back. HTTP on loopback; run it with ``python -m kkt_emu.kkt_server``.

The device↔server protocol is not public: this server and the emulated register
(:mod:`kkt_emu.personalities.mercury.server_link`) agree on ours — see
:mod:`kkt_drivers.protocols.incotex.kkt_server` and protocol-notes/incotex/server-id.md.
"""

from __future__ import annotations

from .server import KktServer
from .store import ServerStore, UnknownDevice

__all__ = ["KktServer", "ServerStore", "UnknownDevice"]
