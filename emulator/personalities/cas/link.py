"""CAS weighing, device side of one connection: ENQ is answered ACK (or NAK while the link fault ``busy``
lasts), DC1/DC2 with the personality's frame."""

from __future__ import annotations

from kkt_drivers.protocols.actions import Action, Send
from kkt_drivers.protocols.cas.device import CasDeviceDecoder, Poll, ack, nak
from kkt_drivers.protocols.cas.frames import DC1, DC2

from ...core.device import VirtualDevice
from ...core.faults import FaultPlan

#: ``busy``: answer the next N ENQs with NAK (a scale still busy); ``require_enq``: ignore a DC1 without ENQ
LINK_FAULTS: dict[str, int | bool] = {"busy": 0, "require_enq": False}


class CasDeviceLink:
    def __init__(self, device: VirtualDevice) -> None:
        self.device = device
        self.decoder = CasDeviceDecoder()
        self.withhold_next = 0
        self.busy = 0

    def arm_faults(self, plan: FaultPlan) -> None:
        self.busy += int(plan.take_link("busy"))
        self.decoder.require_enq = bool(plan.take_link("require_enq"))

    def receive(self, data: bytes) -> list[Action]:
        actions: list[Action] = []
        for event in self.decoder.feed(data):
            if isinstance(event, Poll):
                if self.busy:
                    self.busy -= 1
                    actions.append(Send(nak()))
                else:
                    actions.append(Send(ack()))
                continue
            outcome = self.device.execute_for(self, bytes((DC2 if event.price else DC1,)))
            if self.withhold_next:
                self.withhold_next -= 1
                continue
            if outcome.answer:
                actions.append(Send(outcome.answer))
        return actions

    def timeout(self) -> list[Action]:
        return []
