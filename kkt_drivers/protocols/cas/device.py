"""CAS simple weighing, device side: what an emulated scale needs.

The host sends single bytes: ``ENQ`` (are you ready?), ``DC1`` (send the weight frame), ``DC2`` (send
the three-block price frame). :class:`CasDeviceDecoder` turns them into events; everything else is
noise. Clients differ: most send ``ENQ`` first, some send ``DC1`` directly, so by default a request
is accepted either way; ``require_enq=True`` ignores a DC1/DC2 that no ENQ preceded [inf].

Answers are built with :func:`ack`, :func:`nak` and :mod:`.frames` (``encode_weight_frame``,
``encode_price_frame``).
"""

from __future__ import annotations

from dataclasses import dataclass

from .frames import ACK, DC1, DC2, ENQ, NAK


@dataclass(frozen=True, slots=True)
class Poll:
    """The host sent ENQ: answer :func:`ack` when ready, :func:`nak` when busy (some models)."""


@dataclass(frozen=True, slots=True)
class WeightRequest:
    """The host sent DC1 (``price=False``: weight frame) or DC2 (``price=True``: price frame)."""

    price: bool = False


DeviceEvent = Poll | WeightRequest


class CasDeviceDecoder:
    """Feed-style decoder of host bytes."""

    __slots__ = ("_armed", "ignored", "noise", "require_enq")

    def __init__(self, *, require_enq: bool = False) -> None:
        self.require_enq = require_enq
        self._armed = False
        #: DC1/DC2 dropped because no ENQ came first (``require_enq`` only)
        self.ignored = 0
        #: bytes that are none of ENQ, DC1, DC2
        self.noise = 0

    def reset(self) -> None:
        self._armed = False

    def feed(self, data: bytes) -> list[DeviceEvent]:
        events: list[DeviceEvent] = []
        for byte in data:
            if byte == ENQ:
                self._armed = True
                events.append(Poll())
            elif byte in (DC1, DC2):
                if self.require_enq and not self._armed:
                    self.ignored += 1
                    continue
                self._armed = False
                events.append(WeightRequest(price=byte == DC2))
            else:
                self.noise += 1
        return events


def ack() -> bytes:
    return bytes((ACK,))


def nak() -> bytes:
    return bytes((NAK,))
