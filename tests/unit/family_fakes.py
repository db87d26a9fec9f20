"""Two families that exist only in tests, registered in the family tables for the duration of a test.

``probe`` is a device without a fiscal drive (as a scale is): one line in, one line out. It has a driver
family (kind "scale") and an emulator personality, so the emulator's core, attachments and control API are
exercised with a device that has no ФН. ``minireg`` is a fiscal register that implements only the queries
every register must answer, to check that everything else raises ``NotSupported`` before a byte is sent.
"""

from __future__ import annotations

from collections.abc import Iterable, Iterator
from contextlib import contextmanager
from dataclasses import dataclass
from datetime import datetime
from pathlib import Path
from typing import Any, ClassVar

from kkt_emu import personalities
from kkt_emu.core.clock import DeviceClock
from kkt_emu.core.connection import DeviceLink
from kkt_emu.core.device import ModelInfo, VirtualDevice
from kkt_emu.core.family import EmulatedFamily
from kkt_emu.core.faults import FaultPlan
from kkt_emu.core.tape import Tape

from kkt_drivers import families
from kkt_drivers.device import DeviceDriver
from kkt_drivers.errors import Timeout
from kkt_drivers.families import Family, FamilyOptions
from kkt_drivers.protocols.actions import Action, Deliver, Fail, Send, Wait
from kkt_drivers.register import FiscalRegister
from kkt_drivers.session import Session
from kkt_drivers.trace import ByteHook
from kkt_drivers.transport.base import Transport
from kkt_drivers.types import DeviceStatus, DocumentInfo, FnPhase, FnStatus, ShiftState

# -- probe: the driver side -------------------------------------------------------------------


class LineLink:
    """Host side: send ``message\\n``, deliver the next line."""

    def __init__(self) -> None:
        self._buffer = bytearray()
        self._busy = False

    @property
    def busy(self) -> bool:
        return self._busy

    def request(self, message: bytes, *, execution_timeout: float, idempotent: bool = False) -> list[Action]:
        self._busy, self._buffer = True, bytearray()
        return [Send(message + b"\n"), Wait(execution_timeout, "execution")]

    def receive(self, data: bytes) -> list[Action]:
        self._buffer += data
        if b"\n" not in self._buffer:
            return []
        line, _, _ = bytes(self._buffer).partition(b"\n")
        self._busy = False
        return [Deliver(line)]

    def timeout(self) -> list[Action]:
        self._busy = False
        return [Fail(Timeout("probe: no answer", phase="execution"))]

    def abort(self) -> None:
        self._busy = False


class ProbeDriver(DeviceDriver):
    family = "probe"
    kind = "scale"
    capabilities = frozenset({"ping"})

    def __init__(self, session: Session) -> None:
        self.session = session

    def ping(self, text: str) -> str:
        return self.session.exchange(b"PING " + text.encode(), timeout=2.0).decode()


class ProbeFamily(Family):
    name: ClassVar[str] = "probe"
    kind: ClassVar[str] = "scale"
    capabilities: ClassVar[frozenset[str]] = frozenset({"ping"})
    default_tcp_port: ClassVar[int | None] = 4001

    def driver_type(self) -> type[DeviceDriver]:
        return ProbeDriver

    def open(self, transport: Transport, options: FamilyOptions, *, hooks: Iterable[ByteHook] = ()) -> DeviceDriver:
        return ProbeDriver(Session(transport, LineLink(), hooks=hooks))


# -- probe: the emulator side -----------------------------------------------------------------


@dataclass(frozen=True)
class Answer:
    answer: bytes
    failed: bool = False
    seconds: float = 0.01


class ProbePersonality:
    family = "probe"
    fiscal = None
    operation_codes: ClassVar[dict[str, str]] = {"ping": "50494e47"}

    def __init__(self) -> None:
        self.pings = 0

    def execute(self, message: bytes, client: int = 0) -> Answer:
        if not message.startswith(b"PING "):
            return Answer(b"ERR unknown command", failed=True)
        self.pings += 1
        return Answer(b"PONG " + message[5:])

    def command_bytes(self, message: bytes) -> bytes:
        return message

    def control(self, op: str, request: Any) -> dict[str, Any] | None:
        if op == "set_prefix":
            return {"pings": self.pings}
        return None

    def failure(self, message: bytes, error: BaseException) -> Answer:
        return Answer(b"ERR internal", failed=True)

    def reset(self) -> None:
        self.pings = 0

    def close(self) -> None:
        pass

    def client_gone(self, client: int) -> None:
        pass


class LineDeviceLink:
    """Device side: one line in, the personality's answer out."""

    def __init__(self, device: VirtualDevice) -> None:
        self.device = device
        self.withhold_next = 0
        self.echo_faults: list[object] = []
        self._buffer = bytearray()

    def receive(self, data: bytes) -> list[Action]:
        self._buffer += data
        actions: list[Action] = []
        while b"\n" in self._buffer:
            line, _, rest = bytes(self._buffer).partition(b"\n")
            self._buffer = bytearray(rest)
            outcome = self.device.execute_for(self, line)
            if self.withhold_next:
                self.withhold_next -= 1
                continue
            actions.append(Send(outcome.answer + b"\n"))
        return actions

    def timeout(self) -> list[Action]:
        return []

    def arm_faults(self, plan: FaultPlan) -> None:
        self.echo_faults.append(plan.take_link("mute"))


class ProbeEmulatedFamily(EmulatedFamily):
    name: ClassVar[str] = "probe"
    fiscal: ClassVar[bool] = False
    link_faults: ClassVar[dict[str, int]] = {"mute": 0}

    def models(self) -> list[ModelInfo]:
        return [ModelInfo("probe", "probe-1", "Probe", 1)]

    def create_device(self, model: str | None = None, *, name: str = "", state_dir: Path | None = None,
                      tape: Tape | None = None, tape_width: int | None = None,
                      ffd: str | None = None, utc_offset: int | None = None) -> VirtualDevice:
        return VirtualDevice(ProbePersonality(), DeviceClock(utc_offset=utc_offset), name=name,
                             link_faults=self.link_faults)

    def create_link(self, device: VirtualDevice, variant: str) -> DeviceLink:
        return LineDeviceLink(device)


# -- minireg: a register with only the mandatory queries --------------------------------------


class NullTransport(Transport):
    """A transport nothing goes through (the mini register answers from memory)."""

    def open(self) -> None:
        pass

    def close(self) -> None:
        pass

    @property
    def is_open(self) -> bool:
        return True

    def write(self, data: bytes) -> None:
        raise AssertionError("minireg sends nothing")

    def read(self, timeout: float) -> bytes:
        return b""


class MiniRegister(FiscalRegister):
    """Answers the queries every register must; anything else is NotSupported. Counts what it "sends"."""

    family = "minireg"
    capabilities = frozenset()

    def __init__(self) -> None:
        self.sent: list[str] = []
        self.session = Session(NullTransport(), LineLink())  # never used to send: the fake answers itself

    def device_status(self) -> DeviceStatus:
        self.sent.append("status")
        return DeviceStatus("minireg", "Mini", "00000001", datetime(2026, 12, 2, 12), True, False, False)

    def fn_status(self) -> FnStatus:
        self.sent.append("fn_status")
        return FnStatus(FnPhase.FISCAL, False, 0, None, "9999000000000001", 1)

    def last_document_number(self) -> int:
        self.sent.append("last")
        return 1

    def shift_state(self) -> ShiftState:
        self.sent.append("shift")
        return ShiftState(False, 0, 1)

    def document(self, number: int) -> DocumentInfo:
        self.sent.append(f"document {number}")
        return DocumentInfo(number, 1, datetime(2026, 12, 2, 12), 1)

    def receipt_is_open(self) -> bool:
        self.sent.append("receipt?")
        return False

    def close(self) -> None:
        pass


class MiniFamily(Family):
    name: ClassVar[str] = "minireg"
    emulated: ClassVar[bool] = False

    def driver_type(self) -> type[DeviceDriver]:
        return MiniRegister

    def open(self, transport: Transport, options: FamilyOptions, *, hooks: Iterable[ByteHook] = ()) -> DeviceDriver:
        raise AssertionError("minireg is built directly in tests")


@contextmanager
def registered(*descriptors: Any) -> Iterator[None]:
    """Register driver families and emulator families for the duration of a ``with`` block."""
    for descriptor in descriptors:
        if isinstance(descriptor, Family):
            families.register_family(descriptor)
        else:
            personalities.register_family(descriptor)
    try:
        yield
    finally:
        for descriptor in descriptors:
            if isinstance(descriptor, Family):
                families.unregister_family(descriptor.name)
            else:
                personalities.unregister_family(descriptor.name)
