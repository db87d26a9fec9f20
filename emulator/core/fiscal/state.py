"""The drive's mutable state and its JSON form (one row of the archive's ``state`` table).

Everything the drive must remember between operations lives in :class:`FnState`: life phase,
registration, counters, shift, the time-jump accumulator of the 5-minute rule and the effective
configuration. An operation works on a deep copy and the copy replaces the live state only after
the archive transaction that stores it has committed — so a failed operation leaves no trace.
"""

from __future__ import annotations

import copy
import json
from dataclasses import asdict, dataclass, field, fields
from datetime import datetime
from typing import Any

from kkt_drivers.protocols.fn.enums import LifePhase

from .model import FnConfig, OperationTotals, Registration

__all__ = ["SCHEMA_VERSION", "FnState", "Totals", "add_totals", "state_from_json", "state_to_json"]

#: Version of the JSON layout below; bumped on incompatible changes.
SCHEMA_VERSION = 1


_TOTAL_FIELDS = tuple(f.name for f in fields(OperationTotals))


def add_totals(a: OperationTotals, b: OperationTotals) -> OperationTotals:
    """Field-wise sum of two counter sets."""
    return OperationTotals(**{name: getattr(a, name) + getattr(b, name) for name in _TOTAL_FIELDS})


def _totals_json(t: OperationTotals) -> dict[str, int]:
    return {name: getattr(t, name) for name in _TOTAL_FIELDS}


@dataclass
class Totals:
    """Counters by 1054 operation type (1..4), for receipts and for correction receipts."""

    receipts: dict[int, OperationTotals] = field(default_factory=dict)
    corrections: dict[int, OperationTotals] = field(default_factory=dict)

    def add(self, operation: int, delta: OperationTotals, *, correction: bool) -> None:
        """Add one document's sums."""
        table = self.corrections if correction else self.receipts
        table[operation] = add_totals(table.get(operation, OperationTotals()), delta)

    @property
    def receipts_count(self) -> int:
        """Receipts (not corrections) counted."""
        return sum(t.count for t in self.receipts.values())

    @property
    def corrections_count(self) -> int:
        """Correction receipts counted."""
        return sum(t.count for t in self.corrections.values())

    def to_json(self) -> dict[str, Any]:
        return {
            "receipts": {str(op): _totals_json(t) for op, t in sorted(self.receipts.items())},
            "corrections": {str(op): _totals_json(t) for op, t in sorted(self.corrections.items())},
        }

    @classmethod
    def from_json(cls, data: dict[str, Any]) -> Totals:
        return cls(
            receipts={int(op): OperationTotals(**t) for op, t in data.get("receipts", {}).items()},
            corrections={int(op): OperationTotals(**t) for op, t in data.get("corrections", {}).items()},
        )


@dataclass
class FnState:
    """All persistent state of one drive (and the device's memory of replaced drives)."""

    fn_number: str
    ffd: str
    validity_days: int
    capacity: int
    ofd_delay: float | None
    sign_key: bytes
    close_requires_ofd_sent: bool
    phase: int = int(LifePhase.READY_FOR_FISCAL)
    registration: Registration | None = None
    #: date/time of the registration (or replacement re-registration) that activated this drive
    activated_at: datetime | None = None
    registrations_done: int = 0
    last_fd: int = 0
    last_doc_time: datetime | None = None
    shift_open: bool = False
    shift_number: int = 0
    shift_opened_at: datetime | None = None
    #: last 1042 issued in the current (or last) shift
    receipt_number: int = 0
    #: fiscal documents formed in the current (or last) shift, the open/close reports included
    shift_fd_count: int = 0
    shift_totals: Totals = field(default_factory=Totals)
    fn_totals: Totals = field(default_factory=Totals)
    #: seconds the host moved the clock by explicit settings since the last document (5-minute rule)
    clock_skew: float = 0.0
    #: documents pretended to be in the archive by :meth:`FiscalCore.fill_memory`
    phantom: int = 0
    #: numbers of drives this device used before (their documents are in ``retired_documents``)
    retired: list[str] = field(default_factory=list)

    @classmethod
    def fresh(cls, config: FnConfig) -> FnState:
        """A factory-new drive."""
        return cls(
            fn_number=config.fn_number,
            ffd=config.ffd,
            validity_days=config.validity_days,
            capacity=config.capacity,
            ofd_delay=config.ofd_delay,
            sign_key=config.sign_key,
            close_requires_ofd_sent=config.close_requires_ofd_sent,
        )

    def config(self) -> FnConfig:
        """The effective configuration (current drive number and OFD delay included)."""
        return FnConfig(
            fn_number=self.fn_number,
            validity_days=self.validity_days,
            capacity=self.capacity,
            ofd_delay=self.ofd_delay,
            sign_key=self.sign_key,
            ffd=self.ffd,
            close_requires_ofd_sent=self.close_requires_ofd_sent,
        )

    def clone(self) -> FnState:
        """An independent copy to mutate inside an operation.

        Frozen values (registration, counter sets, datetimes) are shared; the containers holding
        them are copied.
        """
        twin = copy.copy(self)
        twin.shift_totals = Totals(dict(self.shift_totals.receipts), dict(self.shift_totals.corrections))
        twin.fn_totals = Totals(dict(self.fn_totals.receipts), dict(self.fn_totals.corrections))
        twin.retired = list(self.retired)
        return twin

    @property
    def memory_used(self) -> int:
        """Documents counted against the archive capacity."""
        return self.last_fd + self.phantom


def _dt(value: datetime | None) -> str | None:
    return value.isoformat() if value is not None else None


def _parse_dt(value: str | None) -> datetime | None:
    return datetime.fromisoformat(value) if value is not None else None


def state_to_json(state: FnState) -> str:
    """Serialise (stable key order, so equal states give equal text)."""
    data: dict[str, Any] = {
        "schema": SCHEMA_VERSION,
        "fn_number": state.fn_number,
        "ffd": state.ffd,
        "validity_days": state.validity_days,
        "capacity": state.capacity,
        "ofd_delay": state.ofd_delay,
        "sign_key": state.sign_key.hex(),
        "close_requires_ofd_sent": state.close_requires_ofd_sent,
        "phase": state.phase,
        "registration": asdict(state.registration) if state.registration is not None else None,
        "activated_at": _dt(state.activated_at),
        "registrations_done": state.registrations_done,
        "last_fd": state.last_fd,
        "last_doc_time": _dt(state.last_doc_time),
        "shift_open": state.shift_open,
        "shift_number": state.shift_number,
        "shift_opened_at": _dt(state.shift_opened_at),
        "receipt_number": state.receipt_number,
        "shift_fd_count": state.shift_fd_count,
        "shift_totals": state.shift_totals.to_json(),
        "fn_totals": state.fn_totals.to_json(),
        "clock_skew": state.clock_skew,
        "phantom": state.phantom,
        "retired": list(state.retired),
    }
    return json.dumps(data, sort_keys=True, ensure_ascii=False)


def state_from_json(text: str) -> FnState:
    """Parse what :func:`state_to_json` wrote. Raises ``ValueError`` on a foreign layout."""
    data = json.loads(text)
    if not isinstance(data, dict) or data.get("schema") != SCHEMA_VERSION:
        raise ValueError("unknown fiscal state layout")
    reg = data["registration"]
    return FnState(
        fn_number=data["fn_number"],
        ffd=data["ffd"],
        validity_days=data["validity_days"],
        capacity=data["capacity"],
        ofd_delay=data["ofd_delay"],
        sign_key=bytes.fromhex(data["sign_key"]),
        close_requires_ofd_sent=data["close_requires_ofd_sent"],
        phase=data["phase"],
        registration=Registration(**reg) if reg is not None else None,
        activated_at=_parse_dt(data["activated_at"]),
        registrations_done=data["registrations_done"],
        last_fd=data["last_fd"],
        last_doc_time=_parse_dt(data["last_doc_time"]),
        shift_open=data["shift_open"],
        shift_number=data["shift_number"],
        shift_opened_at=_parse_dt(data["shift_opened_at"]),
        receipt_number=data["receipt_number"],
        shift_fd_count=data["shift_fd_count"],
        shift_totals=Totals.from_json(data["shift_totals"]),
        fn_totals=Totals.from_json(data["fn_totals"]),
        clock_skew=data["clock_skew"],
        phantom=data["phantom"],
        retired=list(data["retired"]),
    )
