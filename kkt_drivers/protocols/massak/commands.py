"""Massa-K «Протокол 100» commands: typed requests and replies, both directions.

A *body* is ``CMD`` + ``DATA`` (what :func:`.framer.encode` wraps). Every request and reply class has
``to_body()``; :func:`parse_request` (device side) and :func:`parse_reply` (host side) turn a body back
into the typed object and raise :class:`~kkt_drivers.errors.ProtocolError` when the data does not fit
the command. Integers inside DATA are little-endian.

Implemented (consistent in every client we found):

==========  ==========================  ===============================================
request     replies                     meaning
==========  ==========================  ===============================================
0x23        0x24 (9 or 13 data bytes)   CMD_GET_MASSA — масса нетто, флаги, масса тары
0xA0        0x10 / 0x14                 CMD_GET_WEIGHT (TCP models) — масса, цена деления, стабильность
0xA3        0x12 / 0x15                 CMD_SET_TARE — установить тару (в делениях)
0x72        0x27                        CMD_SET_ZERO — установить >0<
0x75        0x76 (ASCII lines)          CMD_GET_SCALE_PAR — параметры весового устройства
0x20        0x21 (layout unknown)       CMD_GET_NAME / scale info — raw data only
any         0x28 + code, 0xF0           CMD_ERROR (see :mod:`.error_table`), CMD_NACK (unknown command)
==========  ==========================  ===============================================
"""

from __future__ import annotations

import struct
from dataclasses import dataclass
from decimal import Decimal
from enum import IntEnum

from ...errors import DeviceError, InvalidParameter, ProtocolError
from .error_table import MASSAK_ERRORS


class Cmd(IntEnum):
    """Command codes of «Протокол 100» (requests and replies share one numbering)."""

    GET_MASSA = 0x23
    ACK_MASSA = 0x24
    GET_WEIGHT = 0xA0  # CMD_TCP_GET_WEIGHT
    TCP_ACK_WEIGHT = 0x10
    TCP_NACK_WEIGHT = 0x14
    SET_TARE = 0xA3
    ACK_SET_TARE = 0x12
    NACK_TARE = 0x15
    SET_ZERO = 0x72
    ACK_SET = 0x27
    GET_SCALE_PAR = 0x75
    ACK_SCALE_PAR = 0x76
    GET_NAME = 0x20
    ACK_NAME = 0x21
    ERROR = 0x28
    NACK = 0xF0


class Division(IntEnum):
    """Цена деления of a weight value: the unit the integer weight counts."""

    MG_100 = 0  # 0.1 g
    G_1 = 1
    G_10 = 2
    G_100 = 3
    KG_1 = 4


#: Reply codes a host may meet after each request (CMD_ERROR and CMD_NACK follow any request).
#: 0x22 after 0x20 is the firmware header's NACK_SCALE_INFO; clients also use 0x22 as SET_NAME.
EXPECTED_REPLIES: dict[int, frozenset[int]] = {
    Cmd.GET_MASSA: frozenset({Cmd.ACK_MASSA}),
    Cmd.GET_WEIGHT: frozenset({Cmd.TCP_ACK_WEIGHT, Cmd.TCP_NACK_WEIGHT}),
    Cmd.SET_TARE: frozenset({Cmd.ACK_SET_TARE, Cmd.NACK_TARE}),
    Cmd.SET_ZERO: frozenset({Cmd.ACK_SET}),
    Cmd.GET_SCALE_PAR: frozenset({Cmd.ACK_SCALE_PAR}),
    Cmd.GET_NAME: frozenset({Cmd.ACK_NAME, 0x22}),
}
ANY_REQUEST_REPLIES = frozenset({Cmd.ERROR, Cmd.NACK})

_I32 = struct.Struct("<i")
_MASSA = struct.Struct("<iBBBB")
_MASSA_TARE = struct.Struct("<iBBBBi")
_TCP_WEIGHT = struct.Struct("<iBB")
I32_MIN, I32_MAX = -(2**31), 2**31 - 1


def _division(value: int) -> Division:
    try:
        return Division(value)
    except ValueError:
        raise ProtocolError(f"Massa-K: unknown division code {value} (known 0..4)",
                            message_ru=f"Масса-К: неизвестный код дискреты {value} (известны 0..4)") from None


def _weight_kg(weight: int, division: Division) -> Decimal:
    return Decimal(weight).scaleb(int(division) - 4)


def _no_data(body: bytes, name: str) -> None:
    if len(body) != 1:
        raise ProtocolError(f"Massa-K {name} (0x{body[0]:02X}) carries no data, got {len(body) - 1} bytes",
                            message_ru=f"Масса-К {name} (0x{body[0]:02X}) не несёт данных, получено {len(body) - 1} "
                                       "байт")


# ---------------------------------------------------------------------------------------------
# requests (host → scale)
# ---------------------------------------------------------------------------------------------

@dataclass(frozen=True, slots=True)
class GetMassa:
    """0x23 CMD_GET_MASSA: запрос массы нетто, массы тары, признаков стабильности, нуля и тары."""

    def to_body(self) -> bytes:
        return bytes((Cmd.GET_MASSA,))


@dataclass(frozen=True, slots=True)
class GetWeight:
    """0xA0 CMD_TCP_GET_WEIGHT: текущая масса, цена деления и признак стабильности (сетевые модели)."""

    def to_body(self) -> bytes:
        return bytes((Cmd.GET_WEIGHT,))


@dataclass(frozen=True, slots=True)
class SetTare:
    """0xA3 CMD_SET_TARE: установить массу тары; ``tare`` counts the scale's divisions (signed 32-bit)."""

    tare: int

    def __post_init__(self) -> None:
        if not I32_MIN <= self.tare <= I32_MAX:
            raise InvalidParameter(f"Massa-K tare must fit a signed 32-bit integer, got {self.tare}",
                                   message_ru="тара Масса-К должна помещаться в знаковое 32-битное целое, получено "
                                              f"{self.tare}")

    def to_body(self) -> bytes:
        return bytes((Cmd.SET_TARE,)) + _I32.pack(self.tare)


@dataclass(frozen=True, slots=True)
class SetZero:
    """0x72 CMD_SET_ZERO: установить >0< (not every model supports it)."""

    def to_body(self) -> bytes:
        return bytes((Cmd.SET_ZERO,))


@dataclass(frozen=True, slots=True)
class GetScaleParameters:
    """0x75 CMD_GET_SCALE_PAR: запрос параметров весового устройства (НПВ, НмПВ, e, T, версия ПО…)."""

    def to_body(self) -> bytes:
        return bytes((Cmd.GET_SCALE_PAR,))


@dataclass(frozen=True, slots=True)
class GetName:
    """0x20 CMD_GET_NAME / GET_SCALE_INFO: the reply (0x21) layout is not known; it is kept raw."""

    def to_body(self) -> bytes:
        return bytes((Cmd.GET_NAME,))


@dataclass(frozen=True, slots=True)
class OtherRequest:
    """A request this module does not model (configuration commands are model-specific)."""

    command: int
    data: bytes = b""

    def to_body(self) -> bytes:
        return bytes((self.command,)) + self.data


Request = GetMassa | GetWeight | SetTare | SetZero | GetScaleParameters | GetName | OtherRequest


def parse_request(body: bytes) -> Request:
    """Device side: the typed request in ``body``; a known command with the wrong data raises ProtocolError."""
    if not body:
        raise ProtocolError("Massa-K: empty body", message_ru="Масса-К: пустое тело кадра")
    command = body[0]
    if command == Cmd.SET_TARE:
        if len(body) != 5:
            raise ProtocolError(f"Massa-K SET_TARE needs 4 data bytes, got {len(body) - 1}",
                                message_ru=f"Масса-К: SET_TARE нужно 4 байта данных, получено {len(body) - 1}")
        return SetTare(_I32.unpack_from(body, 1)[0])
    simple: dict[int, type[GetMassa | GetWeight | SetZero | GetScaleParameters | GetName]] = {
        Cmd.GET_MASSA: GetMassa, Cmd.GET_WEIGHT: GetWeight, Cmd.SET_ZERO: SetZero,
        Cmd.GET_SCALE_PAR: GetScaleParameters, Cmd.GET_NAME: GetName,
    }
    kind = simple.get(command)
    if kind is not None:
        _no_data(body, kind.__name__)
        return kind()
    return OtherRequest(command, body[1:])


# ---------------------------------------------------------------------------------------------
# replies (scale → host)
# ---------------------------------------------------------------------------------------------

@dataclass(frozen=True, slots=True)
class MassaReading:
    """0x24 CMD_ACK_MASSA: ``weight`` (signed, in ``division`` units), признаки стабильности, NET, >0<.

    ``tare`` is present only in the 13-byte form of the reply (the 9-byte form has no tare).
    """

    weight: int
    division: Division
    stable: bool
    net: bool
    zero: bool
    tare: int | None = None

    def __post_init__(self) -> None:
        for name in ("weight", "tare"):
            value = getattr(self, name)
            if value is not None and not I32_MIN <= value <= I32_MAX:
                raise InvalidParameter(f"Massa-K {name} must fit a signed 32-bit integer, got {value}",
                                       message_ru=f"Масса-К {name}: должно помещаться в знаковое 32-битное целое, "
                                                  f"получено {value}")

    @property
    def weight_kg(self) -> Decimal:
        return _weight_kg(self.weight, self.division)

    @property
    def tare_kg(self) -> Decimal | None:
        return None if self.tare is None else _weight_kg(self.tare, self.division)

    def to_body(self) -> bytes:
        head = bytes((Cmd.ACK_MASSA,))
        flags = (int(self.division), int(self.stable), int(self.net), int(self.zero))
        if self.tare is None:
            return head + _MASSA.pack(self.weight, *flags)
        return head + _MASSA_TARE.pack(self.weight, *flags, self.tare)


@dataclass(frozen=True, slots=True)
class TcpWeight:
    """0x10 CMD_TCP_ACK_WEIGHT: масса (signed), цена деления, признак стабильности."""

    weight: int
    division: Division
    stable: bool

    def __post_init__(self) -> None:
        if not I32_MIN <= self.weight <= I32_MAX:
            raise InvalidParameter(f"Massa-K weight must fit a signed 32-bit integer, got {self.weight}",
                                   message_ru="масса Масса-К должна помещаться в знаковое 32-битное целое, получено "
                                              f"{self.weight}")

    @property
    def weight_kg(self) -> Decimal:
        return _weight_kg(self.weight, self.division)

    def to_body(self) -> bytes:
        return bytes((Cmd.TCP_ACK_WEIGHT,)) + _TCP_WEIGHT.pack(self.weight, int(self.division), int(self.stable))


@dataclass(frozen=True, slots=True)
class Ack:
    """A reply without data: ACK_SET (0x27), ACK_SET_TARE (0x12), NACK_TARE (0x15), TCP_NACK_WEIGHT (0x14)
    or CMD_NACK (0xF0, unknown command)."""

    command: int

    def to_body(self) -> bytes:
        return bytes((self.command,))


@dataclass(frozen=True, slots=True)
class ErrorReply:
    """0x28 CMD_ERROR with its error code (see :data:`.error_table.MASSAK_ERRORS`)."""

    code: int

    def to_body(self) -> bytes:
        if not 0 <= self.code <= 0xFF:
            raise InvalidParameter(f"Massa-K error code must be one byte, got {self.code}",
                                   message_ru=f"код ошибки Масса-К должен занимать один байт, получено {self.code}")
        return bytes((Cmd.ERROR, self.code))

    def error(self, command: str = "") -> DeviceError:
        return MASSAK_ERRORS.error(self.code, command)


#: Field names of the ACK_SCALE_PAR records, in their order on the wire.
SCALE_PAR_FIELDS = ("max_capacity", "min_capacity", "verification_interval", "max_tare", "fix",
                    "calibration_code", "software_version", "software_checksum")


@dataclass(frozen=True, slots=True)
class ScaleParameters:
    """0x76 ACK_SCALE_PAR: text records (ASCII), each ended by CR LF.

    In order: НПВ (``Max 6/15 kg``), НмПВ (``Min 0.04 kg``), поверочный интервал (``e=2/5 g``),
    максимальная тара (``T=-6 kg``), ``Fix``, код юстировки, версия ПО, контрольная сумма ПО. Kept as
    text: their inner format varies by model. A record the scale does not send is ``None``.
    """

    lines: tuple[str, ...]

    def field(self, name: str) -> str | None:
        index = SCALE_PAR_FIELDS.index(name)
        return self.lines[index] if index < len(self.lines) else None

    @property
    def max_capacity(self) -> str | None:
        return self.field("max_capacity")

    @property
    def min_capacity(self) -> str | None:
        return self.field("min_capacity")

    @property
    def verification_interval(self) -> str | None:
        return self.field("verification_interval")

    @property
    def max_tare(self) -> str | None:
        return self.field("max_tare")

    @property
    def software_version(self) -> str | None:
        return self.field("software_version")

    def to_body(self) -> bytes:
        if any("\r\n" in line for line in self.lines):
            raise InvalidParameter("Massa-K scale parameter records cannot contain CR LF",
                                   message_ru="записи параметров весов Масса-К не могут содержать CR LF")
        try:
            text = "".join(line + "\r\n" for line in self.lines).encode("ascii")
        except UnicodeEncodeError as exc:
            raise InvalidParameter(f"Massa-K scale parameters must be ASCII: {exc}",
                                   message_ru=f"параметры весов Масса-К должны быть в ASCII: {exc}") from None
        return bytes((Cmd.ACK_SCALE_PAR,)) + text


@dataclass(frozen=True, slots=True)
class RawReply:
    """A reply this module keeps as bytes (0x21 ACK_NAME, configuration replies)."""

    command: int
    data: bytes = b""

    def to_body(self) -> bytes:
        return bytes((self.command,)) + self.data


Reply = MassaReading | TcpWeight | Ack | ErrorReply | ScaleParameters | RawReply

_DATALESS = frozenset({Cmd.ACK_SET, Cmd.ACK_SET_TARE, Cmd.NACK_TARE, Cmd.TCP_NACK_WEIGHT, Cmd.NACK})


def _parse_scale_par(data: bytes) -> ScaleParameters:
    try:
        text = data.decode("ascii")
    except UnicodeDecodeError as exc:
        raise ProtocolError(f"Massa-K ACK_SCALE_PAR is not ASCII: {exc}",
                            message_ru=f"Масса-К: ACK_SCALE_PAR содержит символы не из ASCII: {exc}") from None
    if text and not text.endswith("\r\n"):
        raise ProtocolError("Massa-K ACK_SCALE_PAR must end with CR LF",
                            message_ru="Масса-К: ACK_SCALE_PAR должен заканчиваться CR LF")
    return ScaleParameters(tuple(text.split("\r\n")[:-1]) if text else ())


def parse_reply(body: bytes) -> Reply:
    """Host side: the typed reply in ``body``; a known reply with the wrong data raises ProtocolError."""
    if not body:
        raise ProtocolError("Massa-K: empty body", message_ru="Масса-К: пустое тело кадра")
    command, data = body[0], body[1:]
    if command == Cmd.ACK_MASSA:
        if len(data) == _MASSA.size:
            weight, division, stable, net, zero = _MASSA.unpack(data)
            tare = None
        elif len(data) == _MASSA_TARE.size:
            weight, division, stable, net, zero, tare = _MASSA_TARE.unpack(data)
        else:
            raise ProtocolError(f"Massa-K ACK_MASSA needs 8 or 12 data bytes, got {len(data)}",
                                message_ru=f"Масса-К: ACK_MASSA нужно 8 или 12 байт данных, получено {len(data)}")
        return MassaReading(weight, _division(division), bool(stable), bool(net), bool(zero), tare)
    if command == Cmd.TCP_ACK_WEIGHT:
        if len(data) != _TCP_WEIGHT.size:
            raise ProtocolError(f"Massa-K TCP_ACK_WEIGHT needs 6 data bytes, got {len(data)}",
                                message_ru=f"Масса-К: TCP_ACK_WEIGHT нужно 6 байт данных, получено {len(data)}")
        weight, division, stable = _TCP_WEIGHT.unpack(data)
        return TcpWeight(weight, _division(division), bool(stable))
    if command == Cmd.ERROR:
        if len(data) != 1:
            raise ProtocolError(f"Massa-K CMD_ERROR needs 1 data byte, got {len(data)}",
                                message_ru=f"Масса-К: CMD_ERROR нужен 1 байт данных, получено {len(data)}")
        return ErrorReply(data[0])
    if command == Cmd.ACK_SCALE_PAR:
        return _parse_scale_par(data)
    if command in _DATALESS:
        _no_data(body, Cmd(command).name)
        return Ack(command)
    return RawReply(command, data)


def check_reply(request: Request, reply: Reply) -> Reply:
    """Raise the error a reply stands for: DeviceError for CMD_ERROR, NACK_TARE, TCP_NACK_WEIGHT and
    CMD_NACK; ProtocolError for a reply that does not belong to ``request``. Otherwise return it."""
    command = request.to_body()[0]
    label = f"0x{command:02X}"
    if isinstance(reply, ErrorReply):
        raise reply.error(label)
    if isinstance(reply, Ack) and reply.command == Cmd.NACK:
        raise DeviceError(Cmd.NACK, "Command not supported by the scale (CMD_NACK)",
                          "Команда не поддерживается весами (CMD_NACK)", family="massak", command=label)
    if isinstance(reply, Ack) and reply.command == Cmd.NACK_TARE:
        raise DeviceError(Cmd.NACK_TARE, "Tare cannot be set (NACK_TARE)", "Установка тары невозможна",
                          family="massak", command=label)
    if isinstance(reply, Ack) and reply.command == Cmd.TCP_NACK_WEIGHT:
        raise DeviceError(Cmd.TCP_NACK_WEIGHT, "Weight not available (TCP_NACK_WEIGHT)", "Масса недоступна",
                          family="massak", command=label)
    expected = EXPECTED_REPLIES.get(command)
    got = reply.to_body()[0]
    if expected is not None and got not in expected:
        raise ProtocolError(f"Massa-K reply 0x{got:02X} does not answer request {label}",
                            message_ru=f"ответ Масса-К 0x{got:02X} не соответствует запросу {label}")
    return reply
