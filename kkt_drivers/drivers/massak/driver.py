"""Massa-K «Протокол 100» scale driver: weight (both reply lengths), tare, zero, parameters.

Every request is a read or a setting that can be repeated without harm, so all go as idempotent: the link
repeats one whose reply was lost or damaged.
"""

from __future__ import annotations

from decimal import Decimal
from typing import ClassVar

from ...errors import DeviceError, InvalidParameter, ProtocolError
from ...protocols.massak.commands import (
    Cmd,
    Division,
    GetMassa,
    GetScaleParameters,
    GetWeight,
    MassaReading,
    Reply,
    Request,
    ScaleParameters,
    SetTare,
    SetZero,
    TcpWeight,
    check_reply,
    parse_reply,
)
from ...scale_device import ScaleDevice, Weight
from ...session import Session
from .family import CAPABILITIES

#: CMD_ERROR code of an overloaded scale (нагрузка превышает НПВ)
OVERLOAD = 0x08
COMMAND_TIMEOUT = 2.0


class MassaKScale(ScaleDevice):
    """A Massa-K scale; ``weight_request`` as in :class:`~.family.MassaKOptions`."""

    family: ClassVar[str] = "massak"
    capabilities: ClassVar[frozenset[str]] = CAPABILITIES

    def __init__(self, session: Session, *, weight_request: str = "auto") -> None:
        self.session = session
        self.weight_request = weight_request
        #: the division of the last reading (the unit of a tare value); read before the first tare is set
        self.division = Division.G_1
        self._division_known = False

    def request(self, request: Request) -> Reply:
        """Send one request and return its checked reply (DeviceError for CMD_ERROR and the NACKs)."""
        body = self.session.exchange(request.to_body(), timeout=COMMAND_TIMEOUT, idempotent=True)
        return check_reply(request, parse_reply(body))

    def read_weight(self) -> Weight:
        request: Request = GetWeight() if self.weight_request == "a0" else GetMassa()
        try:
            reply = self.request(request)
        except DeviceError as exc:
            if exc.code == OVERLOAD:
                return Weight(None, "kg", stable=False, overload=True)
            if exc.code == Cmd.NACK and self.weight_request == "auto" and isinstance(request, GetMassa):
                self.weight_request = "a0"  # a network model that knows only the TCP request
                return self.read_weight()
            if exc.code == Cmd.TCP_NACK_WEIGHT:
                return Weight(None, "kg", stable=False, overload=True)  # no weight to show [inferred: overload]
            raise
        if isinstance(reply, MassaReading):
            self.division, self._division_known = reply.division, True
            return Weight(reply.weight_kg, "kg", reply.stable, reply.tare_kg, False, reply.net, reply.zero)
        if isinstance(reply, TcpWeight):
            self.division, self._division_known = reply.division, True
            return Weight(reply.weight_kg, "kg", reply.stable)
        raise ProtocolError(f"Massa-K: {type(reply).__name__} does not answer a weight request",
                            message_ru=f"Масса-К: {type(reply).__name__} не является ответом на запрос массы")

    def set_tare(self, tare: Decimal) -> None:
        """CMD_SET_TARE: the tare in the scale's divisions (0 clears it). The division is read first if no
        reading has told it yet."""
        if not self._division_known:
            self.read_weight()
        counts = Decimal(tare).scaleb(4 - int(self.division))
        if counts != counts.to_integral_value():
            raise InvalidParameter(f"Massa-K tare {tare} kg is not a whole number of the scale's divisions "
                                   f"({Decimal(1).scaleb(int(self.division) - 4)} kg)",
                                   message_ru=f"тара Масса-К {tare} кг не кратна дискрете весов "
                                              f"({Decimal(1).scaleb(int(self.division) - 4)} кг)")
        self.request(SetTare(int(counts)))

    def zero(self) -> None:
        """CMD_SET_ZERO (установка >0<)."""
        self.request(SetZero())

    def parameters(self) -> ScaleParameters:
        """CMD_GET_SCALE_PAR: НПВ, НмПВ, поверочный интервал, максимальная тара, версия ПО…"""
        reply = self.request(GetScaleParameters())
        if not isinstance(reply, ScaleParameters):
            raise ProtocolError("Massa-K: no scale parameters in the reply",
                                message_ru="Масса-К: в ответе нет параметров весов")
        return reply
