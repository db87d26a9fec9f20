"""The CAS LP personality: commands (``CMD`` + data) in, replies (data + ready byte, or ``EE 80``) out.

Records are the driver's codec (:mod:`kkt_drivers.protocols.caslp.commands`). The goods memory holds the
83-byte records as written, keyed by PLU number, in the device store (durable with a state directory), so a
record survives a restart of the emulator. What a real scale answers where the sources are silent is marked
[inferred] (protocol-notes/scales/caslp.md): an empty PLU reads back as zeros, a PLU number outside the
memory is refused ``EE``.
"""

from __future__ import annotations

import struct
from collections.abc import Mapping
from dataclasses import dataclass
from typing import Any, ClassVar

from kkt_drivers.protocols.caslp import commands as c
from kkt_drivers.protocols.caslp.commands import Cmd, ScaleStatus, StatusBit

from ...core.incidents import Incidents
from ...core.store import DeviceStore
from ..massak.weighing import PlatformSpec, WeighingPlatform, platform_control

OK = bytes((c.READY,))
REFUSED = bytes((c.REFUSED, c.READY))
_PLU_KEY = "plu:"
_MESSAGE_KEY = "msg:"


@dataclass(frozen=True)
class CasLpProfile:
    key: str
    name: str
    model_code: int
    spec: PlatformSpec
    plu_capacity: int
    message_capacity: int


#: LP 1.6 with a 6/15 kg platform, e = 2/5 g [inferred]; PLU numbers 1..3999 as the one source that states them
_SPEC = PlatformSpec(max_g=15_000, min_g=40, ranges=((6_000, 2), (15_000, 5)), max_tare_g=6_000)

PROFILES: dict[str, CasLpProfile] = {p.key: p for p in (
    CasLpProfile("lp16", "CAS LP 1.6, 15 kg, 3999 PLU", 1, _SPEC, 3999, 1000),
    # not a real model: the same scale with the most PLU the 16-bit free count of 85h can report, for load tests
    CasLpProfile("lp16-65k", "CAS LP 1.6 protocol, 65535 PLU (test profile)", 2, _SPEC, 65_535, 1000),
)}
DEFAULT_PROFILE = "lp16"


@dataclass(frozen=True)
class Answer:
    answer: bytes
    failed: bool = False
    seconds: float = 0.0


class CasLpPersonality:
    family = "caslp"
    fiscal: Any = None
    operation_codes: ClassVar[Mapping[str, str]] = {"weigh": "89", "plu_write": "82", "plu_read": "81",
                                                    "plu_delete": "8d"}

    def __init__(self, profile: CasLpProfile, platform: WeighingPlatform, store: DeviceStore,
                 incidents: Incidents | None = None) -> None:
        self.profile = profile
        self.platform = platform
        self.store = store
        self.incidents = incidents or Incidents()
        #: PLU number -> the 83-byte record as written
        self.plu: dict[int, bytes] = {}
        self.messages: dict[int, bytes] = {}
        #: writes of PLU records served since the device started (for tests and benchmarks)
        self.plu_writes = 0
        self._load()

    def _load(self) -> None:
        """Take the goods memory back from the store; a damaged entry is dropped, never fatal."""
        for number in range(1, self.profile.plu_capacity + 1):
            raw = self.store.device_value(f"{_PLU_KEY}{number}")
            if isinstance(raw, str) and len(raw) == 2 * c.RECORD_SIZE:
                try:
                    self.plu[number] = bytes.fromhex(raw)
                except ValueError:
                    continue
        for number in range(1, self.profile.message_capacity + 1):
            raw = self.store.device_value(f"{_MESSAGE_KEY}{number}")
            if isinstance(raw, str) and len(raw) == 2 * c.MESSAGE_BYTES:
                try:
                    self.messages[number] = bytes.fromhex(raw)
                except ValueError:
                    continue

    # -- commands ---------------------------------------------------------------------------
    def execute(self, message: bytes, client: int = 0) -> Answer:
        command = c.check_request(message)
        data = message[1:]
        handler = {
            Cmd.WRITE_PLU: self._write_plu, Cmd.READ_PLU: self._read_plu, Cmd.DELETE_PLU: self._delete_plu,
            Cmd.STATUS: self._status, Cmd.TOTALS: self._totals, Cmd.WRITE_MESSAGE: self._write_message,
            Cmd.READ_MESSAGE: self._read_message, Cmd.DELETE_MESSAGE: self._delete_message,
            Cmd.FACTORY_SETTINGS: self._factory,
        }.get(Cmd(command))
        if handler is None:  # 86h, 92h: totals are not kept, there is nothing to reset
            return Answer(OK)
        return handler(data)

    def _in_memory(self, number: int) -> bool:
        return 1 <= number <= self.profile.plu_capacity

    def _write_plu(self, data: bytes) -> Answer:
        number = int.from_bytes(data[:4], "little")
        if not self._in_memory(number):
            return Answer(REFUSED, failed=True)
        self.store.store_device_values({f"{_PLU_KEY}{number}": data.hex()})
        self.plu[number] = bytes(data)
        self.plu_writes += 1
        return Answer(OK)

    def _read_plu(self, data: bytes) -> Answer:
        number = int.from_bytes(data, "little")
        if not self._in_memory(number):
            return Answer(REFUSED, failed=True)
        record = self.plu.get(number)
        if record is None:
            return Answer(bytes(c.READBACK_SIZE) + OK)  # an empty cell reads as zeros [inferred]
        return Answer(record + c.PluTotals().encode() + OK)

    def _delete_plu(self, data: bytes) -> Answer:
        number = int.from_bytes(data, "little")
        if not self._in_memory(number):
            return Answer(REFUSED, failed=True)
        if number in self.plu:
            self.store.store_device_values({f"{_PLU_KEY}{number}": None})
            del self.plu[number]
        return Answer(OK)

    def _status(self, data: bytes) -> Answer:
        reading = self.platform.reading()
        flags = 0
        if reading.overload:
            flags |= StatusBit.OVERLOAD
        if reading.stable:
            flags |= StatusBit.STABLE
        if reading.net:
            flags |= StatusBit.TARE
        if reading.zero:
            flags |= StatusBit.ZERO
        if len(self.profile.spec.ranges) > 1:
            flags |= StatusBit.DUAL_RANGE
        weight = 0 if reading.overload else max(-0xFFFF, min(0xFFFF, reading.net_g))
        return Answer(ScaleStatus(flags, weight).encode() + OK)

    def _totals(self, data: bytes) -> Answer:
        free_plu = min(0xFFFF, self.profile.plu_capacity - len(self.plu))
        free_messages = min(0xFFFF, self.profile.message_capacity - len(self.messages))
        return Answer(bytes(36) + struct.pack("<HH", free_plu, free_messages) + OK)

    def _write_message(self, data: bytes) -> Answer:
        number = int.from_bytes(data[:2], "little")
        if not 1 <= number <= self.profile.message_capacity:
            return Answer(REFUSED, failed=True)
        self.store.store_device_values({f"{_MESSAGE_KEY}{number}": data[2:].hex()})
        self.messages[number] = bytes(data[2:])
        return Answer(OK)

    def _read_message(self, data: bytes) -> Answer:
        number = int.from_bytes(data, "little")
        if not 1 <= number <= self.profile.message_capacity:
            return Answer(REFUSED, failed=True)
        return Answer(self.messages.get(number, bytes(c.MESSAGE_BYTES)) + OK)

    def _delete_message(self, data: bytes) -> Answer:
        number = int.from_bytes(data, "little")
        if not 1 <= number <= self.profile.message_capacity:
            return Answer(REFUSED, failed=True)
        if number in self.messages:
            self.store.store_device_values({f"{_MESSAGE_KEY}{number}": None})
            del self.messages[number]
        return Answer(OK)

    def _factory(self, data: bytes) -> Answer:
        """9Bh: НПВ (g), decimal points of weight, price and sum, dual range, the two divisions, the rest 0
        [inferred: the units]."""
        spec = self.profile.spec
        divisions = [*[e for _, e in spec.ranges][:2], 0, 0]
        body = struct.pack("<HBBBBBB", spec.max_g, 3, 2, 2, int(len(spec.ranges) > 1), divisions[1], divisions[0])
        return Answer(body + struct.pack("<HBH", 0, 0, spec.max_tare_g) + OK)

    # -- the rest of the personality contract -----------------------------------------------
    def failure(self, message: bytes, error: BaseException) -> Answer:
        return Answer(REFUSED, failed=True)

    def command_bytes(self, message: bytes) -> bytes:
        return message

    def control(self, op: str, request: Mapping[str, Any]) -> dict[str, Any] | None:
        if op == "plu_memory":
            return {"plu_count": len(self.plu), "plu_capacity": self.profile.plu_capacity,
                    "plu_writes": self.plu_writes, "messages": len(self.messages)}
        reply = platform_control(self.platform, op, request)
        if reply is not None:
            reply["plu_count"] = len(self.plu)
        return reply

    def reset(self) -> None:
        """Factory-new: empty goods memory and messages, nothing on the platform."""
        cleared: dict[str, Any] = {f"{_PLU_KEY}{n}": None for n in self.plu}
        cleared.update({f"{_MESSAGE_KEY}{n}": None for n in self.messages})
        if cleared:
            self.store.store_device_values(cleared)
        self.plu.clear()
        self.messages.clear()
        self.plu_writes = 0
        self.platform.reset()

    def client_gone(self, client: int) -> None:
        pass

    def close(self) -> None:
        closer = getattr(self.store, "close", None)
        if callable(closer):
            closer()
