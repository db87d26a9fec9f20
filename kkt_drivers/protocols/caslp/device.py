"""CAS LP 1.6, device side: what an emulated label scale needs from the protocol floor.

Between commands a byte below ``80`` is the host's handshake (the logical number it addresses); the scale
answers it and ``80``. A known command byte is followed by its fixed number of data bytes; an unknown byte
from ``80`` up is answered ``EE 80`` [inferred]. A command whose data stop arriving is dropped when the
device link's inter-byte deadline passes (:meth:`CasLpDeviceDecoder.expire`).
"""

from __future__ import annotations

from dataclasses import dataclass

from .commands import MAX_LOGICAL_NUMBER, READY, REFUSED, REQUEST_SIZES


@dataclass(frozen=True, slots=True)
class Handshake:
    """The host sent a logical number: answer :func:`handshake_answer`."""

    logical_number: int


@dataclass(frozen=True, slots=True)
class Command:
    """A complete command: ``message`` is the command byte and its data."""

    message: bytes

    @property
    def command(self) -> int:
        return self.message[0]


@dataclass(frozen=True, slots=True)
class Unknown:
    """A byte that is neither a logical number nor a known command."""

    byte: int


DeviceEvent = Handshake | Command | Unknown


class CasLpDeviceDecoder:
    """Feed-style decoder of host bytes with bounded memory (one command of at most 403 bytes)."""

    __slots__ = ("_buf", "_need")

    def __init__(self) -> None:
        self._buf = bytearray()
        self._need = 0

    @property
    def in_command(self) -> bool:
        """True while data of a command are still due (the inter-byte deadline applies)."""
        return bool(self._buf)

    def expire(self) -> None:
        """The host stopped in the middle of a command: forget it."""
        self._buf.clear()
        self._need = 0

    def feed(self, data: bytes) -> list[DeviceEvent]:
        events: list[DeviceEvent] = []
        for byte in data:
            if self._buf:
                self._buf.append(byte)
                if len(self._buf) == self._need:
                    events.append(Command(bytes(self._buf)))
                    self.expire()
                continue
            if byte <= MAX_LOGICAL_NUMBER:
                events.append(Handshake(byte))
            elif byte in REQUEST_SIZES:
                size = REQUEST_SIZES[byte]
                if size == 0:
                    events.append(Command(bytes((byte,))))
                else:
                    self._buf.append(byte)
                    self._need = size + 1
            else:
                events.append(Unknown(byte))
        return events


def handshake_answer(logical_number: int) -> bytes:
    return bytes((logical_number, READY))


def refused_answer() -> bytes:
    return bytes((REFUSED, READY))
