"""The Massa-K personality: «Протокол 100» requests in, replies out (bodies: ``CMD`` + ``DATA``).

The codec is the driver's own (:mod:`kkt_drivers.protocols.massak.commands`). Which reply a real scale gives
in a situation the sources do not cover is marked [inferred] (protocol-notes/scales/massak.md).
"""

from __future__ import annotations

import logging
from collections.abc import Mapping
from dataclasses import dataclass
from typing import Any, ClassVar

from kkt_drivers.protocols.massak.commands import (
    Ack,
    Cmd,
    Division,
    ErrorReply,
    GetMassa,
    GetName,
    GetScaleParameters,
    GetWeight,
    MassaReading,
    OtherRequest,
    Reply,
    ScaleParameters,
    SetTare,
    SetZero,
    TcpWeight,
    parse_request,
)

from ...core.incidents import Incidents
from .weighing import PlatformSpec, WeighingPlatform, platform_control

logger = logging.getLogger("kkt_emu.massak")

OVERLOAD = 0x08  # нагрузка превышает НПВ
ZERO_IMPOSSIBLE = 0x15  # установка >0< невозможна
UNKNOWN_ERROR = 0xF0


@dataclass(frozen=True)
class MassaKProfile:
    key: str
    name: str
    model_code: int
    spec: PlatformSpec
    #: ACK_MASSA with the tare (13 data bytes) or without (9)
    with_tare: bool
    parameters: tuple[str, ...]


#: a dual-range 6/15 kg platform, e = 2/5 g, max tare 6 kg: the parameters of the real scale in a client's test
#: fixture (Max 6/15 kg, Min 0.04 kg, e=2/5 g, T=-6 kg); calibration code, version and checksum are ours
_SPEC = PlatformSpec(max_g=15_000, min_g=40, ranges=((6_000, 2), (15_000, 5)), max_tare_g=6_000)
_PARAMETERS = ("Max 6/15 kg", "Min 0.04 kg", "e=2/5 g", "T=-6 kg", "Fix=0", "Code=000000", "U 00.01", "000000")

PROFILES: dict[str, MassaKProfile] = {p.key: p for p in (
    MassaKProfile("mk-15", "Massa-K 6/15 kg", 1, _SPEC, True, _PARAMETERS),
    MassaKProfile("mk-15-short", "Massa-K 6/15 kg, 9-byte weight reply", 2, _SPEC, False, _PARAMETERS),
)}
DEFAULT_PROFILE = "mk-15"


@dataclass(frozen=True)
class Answer:
    answer: bytes
    failed: bool = False
    seconds: float = 0.0


class MassaKPersonality:
    family = "massak"
    fiscal: Any = None
    #: operation names for command faults (``withhold_command weigh``)
    operation_codes: ClassVar[Mapping[str, str]] = {"weigh": "23", "set_tare": "a3", "zero": "72"}

    def __init__(self, profile: MassaKProfile, platform: WeighingPlatform, incidents: Incidents | None = None) -> None:
        self.profile = profile
        self.platform = platform
        self.incidents = incidents or Incidents()
        #: requests whose CRC was wrong and that were served anyway, as real scales do
        self.crc_mismatches = 0

    def note_crc_mismatch(self, body: bytes, received: int | None, expected: int) -> None:
        self.crc_mismatches += 1
        logger.warning("Massa-K request 0x%02X came with CRC %s, expected %04X; served anyway",
                       body[0], "none" if received is None else f"{received:04X}", expected)

    def execute(self, message: bytes, client: int = 0) -> Answer:
        reply = self._reply(parse_request(message))
        return Answer(reply.to_body(), failed=isinstance(reply, ErrorReply) or (
            isinstance(reply, Ack) and reply.command in (Cmd.NACK, Cmd.NACK_TARE, Cmd.TCP_NACK_WEIGHT)))

    def _reply(self, request: object) -> Reply:
        platform = self.platform
        if isinstance(request, (GetMassa, GetWeight)):
            reading = platform.reading()
            if reading.overload:
                return Ack(Cmd.TCP_NACK_WEIGHT) if isinstance(request, GetWeight) else ErrorReply(OVERLOAD)
            if isinstance(request, GetWeight):
                return TcpWeight(reading.net_g, Division.G_1, reading.stable)
            return MassaReading(reading.net_g, Division.G_1, reading.stable, reading.net, reading.zero,
                                reading.tare_g if self.profile.with_tare else None)
        if isinstance(request, SetTare):
            refusal = platform.set_tare(request.tare)  # Division.G_1: one count is one gram
            return Ack(Cmd.NACK_TARE) if refusal else Ack(Cmd.ACK_SET_TARE)
        if isinstance(request, SetZero):
            refusal = platform.zero()
            if refusal == "overload":
                return ErrorReply(OVERLOAD)
            return ErrorReply(ZERO_IMPOSSIBLE) if refusal else Ack(Cmd.ACK_SET)
        if isinstance(request, GetScaleParameters):
            return ScaleParameters(self.profile.parameters)
        if isinstance(request, (GetName, OtherRequest)):
            return Ack(Cmd.NACK)  # the name reply's layout is unknown; other commands are model-specific
        return Ack(Cmd.NACK)

    def failure(self, message: bytes, error: BaseException) -> Answer:
        return Answer(ErrorReply(UNKNOWN_ERROR).to_body(), failed=True)

    def command_bytes(self, message: bytes) -> bytes:
        return message

    def control(self, op: str, request: Mapping[str, Any]) -> dict[str, Any] | None:
        reply = platform_control(self.platform, op, request)
        if reply is not None:
            reply["crc_mismatches"] = self.crc_mismatches
        return reply

    def reset(self) -> None:
        self.platform.reset()
        self.crc_mismatches = 0

    def client_gone(self, client: int) -> None:
        pass

    def close(self) -> None:
        pass
