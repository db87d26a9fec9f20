"""The drive's preconditions for forming a document, each raising the ФН answer code of v1.2.06.

| Check | Code | Source |
|---|---|---|
| life phase | 02h | Table 6 (command groups per phase) |
| shift open / closed as the command needs | 02h | Tables 57, 61, 65, 71 |
| date/time not earlier than the last document | 07h | Tables 65, 71 (“не ранее чем время последней операции”) |
| key validity over | 12h | Tables 57, 65, 71, 73 |
| archive full | 14h (+ warning bit 2) | Table 5, code 14h |
| oldest OFD message older than 30 days | 14h (+ warning bit 3) | Table 5, code 14h; research §2.6 |
| shift older than 24 h | 16h | Tables 65, 71 (receipt / correction only) |
| 5-minute rule | 17h | Table 5, code 17h; Tables 65, 71 (receipt / correction only) |

**The 5-minute rule, as modelled [inferred where the text is vague].** The text compares the
interval between the previous and the new document *as the KKT states it* with the interval
*measured by the drive's own timer* and refuses (17h) when they differ by more than five minutes.
Here the drive's timer is the same device clock the KKT reads, so time that really passes
(including ``DeviceClock.advance`` in tests — simulated passage of time) moves both alike and never
trips the rule. Only an explicit *setting* of the KKT clock by the host — reported to the drive
through :meth:`FiscalCore.set_clock` / :meth:`FiscalCore.clock_jump` — makes the KKT's interval
differ from the timer's. The jumps are summed since the last document (``FnState.clock_skew``,
persisted) and the sum is the discrepancy of the next interval; every document resets it. As in
Tables 65/71 only receipt and correction starts check it; other documents just reset it.

Exemptions [inferred, to avoid dead ends]: closing the shift and closing the drive are allowed
when the archive is full (a reserved area, as the text tells the user to close the drive) and
after the key validity ended (v1.2.06 lists 12h for 13h, but the drive could then never be
closed, since closing it needs a closed shift).
"""

from __future__ import annotations

from datetime import date, datetime, timedelta
from typing import Final

from kkt_drivers.protocols.fn.enums import LifePhase, WarningFlags

from .errors import Code, FnError
from .ofd import OfdQueue
from .state import FnState

__all__ = [
    "MAX_GAP_SECONDS",
    "MAX_REGISTRATIONS",
    "SHIFT_LENGTH",
    "check_gap",
    "check_memory",
    "check_ofd_block",
    "check_phase",
    "check_shift_age",
    "check_time",
    "check_validity",
    "days_left",
    "memory_warning_level",
    "valid_until",
    "warnings",
]

#: Longest shift (16h after it; closing stays possible).
SHIFT_LENGTH: Final = timedelta(hours=24)
#: Largest tolerated discrepancy between the KKT's and the drive's interval (17h above it).
MAX_GAP_SECONDS: Final = 5 * 60
#: Registration reports one drive accepts (registration + re-registrations). Not found in the
#: sources; 30 is what ФН-1.1/1.2 drives are commonly said to allow [inferred].
MAX_REGISTRATIONS: Final = 30
#: Share of the capacity at which warning bit 2 comes (the brief and v1.2.06 Table 5 say 90 %;
#: v1.2.06 Table 9 says 99 % — the text is inconsistent).
MEMORY_WARNING_SHARE: Final = 0.9


def check_phase(state: FnState, command: str, *allowed: LifePhase) -> None:
    if state.phase not in {int(p) for p in allowed}:
        raise FnError(Code.STATE, f"not allowed in life phase {state.phase}", command=command)


def check_time(state: FnState, now: datetime, command: str) -> None:
    if state.last_doc_time is not None and now < state.last_doc_time:
        raise FnError(Code.DATETIME, f"{now} is earlier than the last document ({state.last_doc_time})",
                      command=command)


def valid_until(state: FnState, now: datetime) -> date:
    """Last day of the key validity: activation date + term (provisional before activation)."""
    start = state.activated_at.date() if state.activated_at is not None else now.date()
    return start + timedelta(days=state.validity_days)


def days_left(state: FnState, now: datetime) -> int:
    """Whole days from today to the last valid day (negative once it has passed)."""
    return (valid_until(state, now) - now.date()).days


def check_validity(state: FnState, now: datetime, command: str) -> None:
    if days_left(state, now) < 0:
        raise FnError(Code.RESOURCE_EXHAUSTED, f"key validity ended on {valid_until(state, now)}", command=command)


def memory_warning_level(state: FnState) -> int:
    """Documents stored from which warning bit 2 is set."""
    return -(-state.capacity * 9 // 10)


def check_memory(state: FnState, command: str) -> None:
    if state.memory_used >= state.capacity:
        raise FnError(Code.RESOURCE_LIMIT, f"archive full ({state.memory_used}/{state.capacity} documents)",
                      command=command)


def _autonomous(state: FnState) -> bool:
    return state.registration is not None and state.registration.autonomous


def check_ofd_block(state: FnState, queue: OfdQueue, now: datetime, command: str) -> None:
    if not _autonomous(state) and queue.blocked(now):
        first = queue.first
        raise FnError(Code.RESOURCE_LIMIT, f"OFD has not confirmed document {first.number if first else 0} "
                      "for more than 30 days", command=command)


def check_shift_age(state: FnState, now: datetime, command: str) -> None:
    if state.shift_opened_at is not None and now - state.shift_opened_at > SHIFT_LENGTH:
        raise FnError(Code.SHIFT_EXPIRED, f"shift opened at {state.shift_opened_at} is older than 24 h",
                      command=command)


def check_gap(state: FnState, command: str) -> None:
    if abs(state.clock_skew) > MAX_GAP_SECONDS:
        raise FnError(Code.TIME_GAP, f"the KKT clock was set {state.clock_skew:+.0f} s away from the drive's "
                      "timer since the last document", command=command)


def warnings(state: FnState, queue: OfdQueue, now: datetime) -> WarningFlags:
    """The warning-flags byte of 30h (Table 9) [thresholds: see the module and :mod:`.ofd`]."""
    flags = WarningFlags.NONE
    if state.phase in (int(LifePhase.FISCAL_MODE), int(LifePhase.POST_FISCAL)):
        left = days_left(state, now)
        if left <= 3:
            flags |= WarningFlags.URGENT_REPLACEMENT
        if left <= 30:
            flags |= WarningFlags.RESOURCE_EXHAUSTION
        if not _autonomous(state) and queue.blocked(now):
            flags |= WarningFlags.OFD_TIMEOUT
    if state.memory_used >= memory_warning_level(state):
        flags |= WarningFlags.MEMORY_OVERFLOW
    return flags
