"""The Mercury personality: one register, spoken to in MS-K or through the driver service (JSON).

An MS-K request body is a letter, the four-character password and a NUL; anything else is a driver-service
request (JSON text never has a NUL there), answered with the service's own result codes. Both reach the
same :class:`~.machine.Machine`, so a register sold to over MS-K shows the receipt in its JSON sales journal.

``command_bytes`` gives the key the core's command faults match: MS-K requests as they are (letter, then
the data after the password), except ``0x53``, which is keyed by what it does — ``SC`` closes a receipt,
``S+`` adds to an open one, ``SX`` annuls, ``SI``/``SO`` move cash — so one fault name hits the same step
on both protocols; driver-service commands by the MS-K key of the same step (CloseCheck ``SC``, OpenShift
``A``, CloseShift ``_0``…), others as ``{`` and their name.
"""

from __future__ import annotations

import json
from collections.abc import Mapping
from typing import Any, ClassVar

from kkt_drivers.protocols.incotex import msk_commands as mc
from kkt_drivers.protocols.incotex.msk_framer import MskFrameError, parse_request

from ...core.clock import DeviceClock
from ...core.fiscal import FiscalCore
from ...core.incidents import Incidents
from .machine import Machine, Refusal
from .msk import MskFront
from .profile import MercuryProfile
from .service import JsonFront

#: driver-service commands -> the fault key of the same step (see the module docstring)
JSON_KEYS = {
    "OpenShift": b"A", "CloseShift": b"_0", "PrintReport": b"_1", "OpenCheck": b"S+o", "AddGoods": b"S+a",
    "CloseCheck": b"SC", "ResetCheck": b"SX", "BringMoney": b"SI", "WithdrawMoney": b"SO", "RegisterKKT": b"Y",
    "ReregisterKKT": b"Y", "CloseFN": b"V", "ExchangeServerKKT": b"Z",
}


def is_json(message: bytes) -> bool:
    """Not an MS-K request body (a letter, the four-character password, NUL): the driver service's. The MS-K
    device link passes only bodies with the right password, so every MS-K message has its NUL at 5."""
    return not (len(message) >= 6 and message[5] == 0 and 0x20 < message[0] < 0x7F)


class MercuryPersonality:
    family = "mercury"

    #: operation -> the fault key of the command that makes its effect (hex)
    operation_codes: ClassVar[dict[str, str]] = {
        "open_shift": "41", "close_shift": "5f30", "x_report": "5f31", "begin_receipt": "53", "add_position": "53",
        "pay": "53", "close_receipt": "5343", "cancel_receipt": "5358", "cash_in": "5349", "cash_out": "534f",
        "register": "59", "close_fn": "56",
        # the driver service only (MS-K has no command for the отчёт о текущем состоянии расчётов)
        "state_report": b"{ReportStatusOfSettlements".hex(),
    }

    def __init__(self, profile: MercuryProfile, clock: DeviceClock, core: FiscalCore, *, tape: Any = None,
                 incidents: Incidents | None = None) -> None:
        self.profile = profile
        self.clock = clock
        self.core = core
        self.incidents = incidents or Incidents()
        self.machine = Machine(profile, clock, core, tape=tape, incidents=self.incidents)
        self.msk = MskFront(self.machine)
        self.json = JsonFront(self.machine)

    @property
    def fiscal(self) -> FiscalCore:
        return self.core

    def msk_status(self) -> tuple[int, int]:
        return self.msk.status()

    # -- the personality contract -----------------------------------------------------------------
    def execute(self, message: bytes, client: int = 0) -> Any:
        if is_json(message):
            return self.json.execute(message)
        return self.msk.execute(message, client)

    def failure(self, message: bytes, error: BaseException) -> Any:
        if is_json(message):
            return self.json.failure()
        return self.msk.failure(message)

    def command_bytes(self, message: bytes) -> bytes:
        if is_json(message):
            try:
                command = json.loads(message.decode("utf-8", "replace")).get("command", "")
            except (ValueError, AttributeError, RecursionError):
                command = ""
            name = command if isinstance(command, str) else ""
            return JSON_KEYS.get(name, b"{" + name.encode("utf-8", "replace"))
        try:
            frame = parse_request(message)
        except MskFrameError:
            return message[:1]
        key = bytes((frame.command,)) + frame.data
        if frame.command != mc.FiscalDocument.CODE:
            return key
        try:
            doc = mc.FiscalDocument.decode_data(frame.data)
        except MskFrameError:
            return key
        if doc.flags & mc.DOC_ANNUL:
            return b"SX"
        if doc.doc_type == mc.DocumentType.CASH_IN:
            return b"SI"
        if doc.doc_type == mc.DocumentType.CASH_OUT:
            return b"SO"
        return b"SC" if doc.flags & mc.DOC_CLOSE else b"S+"

    def client_gone(self, client: int) -> None:
        self.machine.owner_gone(client)

    def reset(self) -> None:
        self.core.reset()
        self.machine.reset_session_state()
        self.machine.paper = True
        self.json = JsonFront(self.machine)
        self.msk = MskFront(self.machine)

    def close(self) -> None:
        self.core.close()

    # -- control ops of the family ----------------------------------------------------------------
    def control(self, op: str, request: Mapping[str, Any]) -> dict[str, Any] | None:
        """``kkt_server`` (id, address), ``server_exchange``, ``paper`` (present), ``goods_rate`` (rate),
        ``goods`` and ``sales`` (what the register holds)."""
        m = self.machine
        if op == "kkt_server":
            server_id = request.get("id", m.server_settings()[0])
            address = request.get("address")
            if not isinstance(server_id, (str, int)) or isinstance(server_id, bool) or (
                    address is not None and not isinstance(address, str)):
                raise ValueError("kkt_server needs id (digits) and optionally address (host:port)")
            try:
                m.set_server(str(server_id), address)
            except Refusal as refusal:
                raise ValueError(refusal.detail or str(refusal)) from None
            server_id, address = m.server_settings()
            return {"id": server_id, "address": address}
        if op == "server_exchange":
            try:
                status = m.server_exchange(None)
            except Refusal:
                status = m.server_status()
            return {"state": status.state, "message": status.message, "goods": status.goods,
                    "unsent_sales": status.unsent_sales}
        if op == "paper":
            m.paper = bool(request.get("present", True))
            return {"present": m.paper}
        if op == "goods_rate":
            rate = request.get("rate")
            if not isinstance(rate, (int, float)) or isinstance(rate, bool) or rate <= 0:
                raise ValueError("goods_rate needs a positive rate (records per second)")
            m.goods_rate = float(rate)
            return {"rate": m.goods_rate}
        if op == "goods":
            return {"count": len(m.goods_base()), "version": m.base_version(), "base": m.goods_base()[:1000]}
        if op == "sales":
            return {"receipts": len(m.journal.receipts()), "unsent": len(m.journal.unsent())}
        return None
