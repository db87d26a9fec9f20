"""CAS LP 1.6, device side of one connection.

A handshake byte is answered by the link itself (echo and ready); a command runs on the device; an unknown
byte is answered ``EE 80`` [inferred]. The link fault ``busy`` answers the next N commands ``EE 80`` without
running them (the scale is busy printing, say).
"""

from __future__ import annotations

from kkt_drivers.protocols.actions import Action, Send, Wait
from kkt_drivers.protocols.caslp.device import (
    CasLpDeviceDecoder,
    Command,
    Handshake,
    handshake_answer,
    refused_answer,
)

from ...core.device import VirtualDevice
from ...core.faults import FaultPlan

#: the scale forgets a half-received command after this long without a byte [inferred]
INTER_BYTE = 0.5
LINK_FAULTS: dict[str, int] = {"busy": 0}


class CasLpDeviceLink:
    def __init__(self, device: VirtualDevice) -> None:
        self.device = device
        self.decoder = CasLpDeviceDecoder()
        self.withhold_next = 0
        self.busy = 0

    def arm_faults(self, plan: FaultPlan) -> None:
        self.busy += int(plan.take_link("busy"))

    def receive(self, data: bytes) -> list[Action]:
        actions: list[Action] = []
        for event in self.decoder.feed(data):
            if isinstance(event, Handshake):
                actions.append(Send(handshake_answer(event.logical_number)))
            elif isinstance(event, Command):
                if self.busy:
                    self.busy -= 1
                    actions.append(Send(refused_answer()))
                    continue
                outcome = self.device.execute_for(self, event.message)
                if self.withhold_next:
                    self.withhold_next -= 1
                    continue
                actions.append(Send(outcome.answer))
            else:
                actions.append(Send(refused_answer()))
        if self.decoder.in_command:
            actions.append(Wait(INTER_BYTE, "inter-byte"))
        return actions

    def timeout(self) -> list[Action]:
        self.decoder.expire()
        return []
