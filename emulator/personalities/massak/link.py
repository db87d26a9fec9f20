"""Massa-K «Протокол 100», device side of one connection: frames in, replies out.

A request with a wrong CRC is served and counted (:attr:`MassaKPersonality.crc_mismatches`, logged), as real
scales do; the link fault ``strict_crc`` makes the device drop such requests instead. A request of a known
command with the wrong data length is answered CMD_ERROR 0x0A [inferred].
"""

from __future__ import annotations

from kkt_drivers.protocols.actions import Action, Send, Wait
from kkt_drivers.protocols.massak.device import BadRequest, MassaKDeviceDecoder, input_data_error
from kkt_drivers.protocols.massak.framer import encode

from ...core.device import VirtualDevice
from ...core.faults import FaultPlan
from .personality import MassaKPersonality

#: the device forgets a half-received frame after this long without a byte [inferred]
INTER_BYTE = 0.5
LINK_FAULTS: dict[str, bool] = {"strict_crc": False}


class MassaKDeviceLink:
    def __init__(self, device: VirtualDevice) -> None:
        self.device = device
        self.decoder = MassaKDeviceDecoder(strict_crc=False)
        self.withhold_next = 0

    def arm_faults(self, plan: FaultPlan) -> None:
        """``strict_crc``: refuse (drop) requests whose CRC is wrong, unlike a real scale."""
        self.decoder.framer.strict_crc = bool(plan.take_link("strict_crc"))

    def receive(self, data: bytes) -> list[Action]:
        actions: list[Action] = []
        for event in self.decoder.feed(data):
            if isinstance(event, BadRequest):
                continue  # a broken frame gets no reply
            if not event.crc_ok:
                personality = self.device.personality
                if isinstance(personality, MassaKPersonality):
                    personality.note_crc_mismatch(event.body, event.received_crc, event.expected_crc)
            if event.request is None:
                answer = input_data_error()
            else:
                outcome = self.device.execute_for(self, event.body)
                answer = encode(outcome.answer)
            if self.withhold_next:
                self.withhold_next -= 1
                continue
            actions.append(Send(answer))
        if self.decoder.in_frame:
            actions.append(Wait(INTER_BYTE, "inter-byte"))
        return actions

    def timeout(self) -> list[Action]:
        self.decoder.reset()
        return []
