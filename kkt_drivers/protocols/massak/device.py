"""Massa-K «Протокол 100», device side: what an emulated scale needs from the protocol floor.

Real scales answer requests whose CRC is wrong: the Crystals Set Retail client sends CRC-16/AUG-CCITT
(``23`` → ``D8 9D``) and its TCP plugin sends ``00 00``, both used in production. So by default
:class:`MassaKDeviceDecoder` accepts such a request and reports the mismatch
(:attr:`ReceivedRequest.crc_ok`, :attr:`ReceivedRequest.received_crc`); ``strict_crc=True`` makes it
drop them instead (reported as :class:`BadRequest`). Whether a real scale checks the CRC at all is our
inference [inf]. The same TCP plugin writes ``LEN`` big-endian (``00 01``); ``accept_swapped_length``
reads such a length (off by default, [inf]).

A request of a known command with the wrong data length becomes a :class:`ReceivedRequest` whose
``error`` says why; the scale would answer CMD_ERROR 0x0A (ошибка входных данных) [inf].
"""

from __future__ import annotations

from dataclasses import dataclass

from ...errors import ProtocolError
from .commands import ErrorReply, Reply, Request, parse_request
from .framer import MAX_REQUEST_BODY, BadFrame, Frame, MassaKFramer, encode, massak_crc

#: error code a device answers to a request whose data does not fit the command [inf]
INPUT_DATA_ERROR = 0x0A


@dataclass(frozen=True, slots=True)
class ReceivedRequest:
    """One request taken off the line.

    ``request`` is the typed request, or ``None`` when ``error`` explains why it could not be parsed.
    ``crc_ok`` is false when the CRC that came (``received_crc``) is not the Massa-K CRC of the body.
    """

    body: bytes
    request: Request | None
    crc_ok: bool = True
    received_crc: int | None = None
    length_swapped: bool = False
    error: str = ""

    @property
    def command(self) -> int:
        return self.body[0]

    @property
    def expected_crc(self) -> int:
        return massak_crc(self.body)


@dataclass(frozen=True, slots=True)
class BadRequest:
    """A frame the decoder refused: ``reason`` is ``"crc"`` (strict mode only) or ``"length"``."""

    reason: str


DeviceEvent = ReceivedRequest | BadRequest


class MassaKDeviceDecoder:
    """Feed-style request decoder for an emulated scale."""

    def __init__(self, *, strict_crc: bool = False, accept_swapped_length: bool = False,
                 max_body: int = MAX_REQUEST_BODY) -> None:
        self.framer = MassaKFramer(max_body=max_body, strict_crc=strict_crc,
                                   accept_swapped_length=accept_swapped_length)

    @property
    def in_frame(self) -> bool:
        return self.framer.in_frame

    def reset(self) -> None:
        self.framer.reset()

    def feed(self, data: bytes) -> list[DeviceEvent]:
        events: list[DeviceEvent] = []
        for event in self.framer.feed(data):
            if isinstance(event, BadFrame):
                events.append(BadRequest(event.reason))
            else:
                events.append(self._request(event))
        return events

    @staticmethod
    def _request(frame: Frame) -> ReceivedRequest:
        try:
            request: Request | None = parse_request(frame.body)
            error = ""
        except ProtocolError as exc:
            request, error = None, str(exc)
        return ReceivedRequest(frame.body, request, frame.crc_ok, frame.received_crc, frame.length_swapped, error)


def encode_reply(reply: Reply) -> bytes:
    """The on-wire frame of a reply (always with the correct CRC)."""
    return encode(reply.to_body())


def input_data_error() -> bytes:
    """The frame a device sends for a request whose data does not fit (CMD_ERROR 0x0A) [inf]."""
    return encode_reply(ErrorReply(INPUT_DATA_ERROR))
