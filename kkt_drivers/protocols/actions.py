"""What a sans-I/O link asks its session to do.

A link never touches a socket or a clock. Given an event (a request, bytes that arrived, a
deadline that passed) it returns a list of actions; the session performs them in order.

A link that can queue several commands in the device (ATOL v3's task buffer) also takes a batch of
:class:`Task` and ends it with :class:`DeliverBatch`: one :class:`TaskResult` per task, in order.
"""

from __future__ import annotations

from dataclasses import dataclass


@dataclass(frozen=True, slots=True)
class Send:
    """Write these bytes to the transport."""

    data: bytes


@dataclass(frozen=True, slots=True)
class Wait:
    """Arm a new deadline ``seconds`` from now; call ``link.timeout()`` if nothing arrives by then.

    ``phase`` names the deadline: ``inter-byte``, ``ack`` or ``execution``.
    """

    seconds: float
    phase: str


@dataclass(frozen=True, slots=True)
class Deliver:
    """The exchange is complete: ``answer`` is the application-level reply."""

    answer: bytes


@dataclass(frozen=True, slots=True)
class Fail:
    """The exchange failed with this error (a :class:`kkt_drivers.errors.KktError`)."""

    error: Exception


@dataclass(frozen=True, slots=True)
class Task:
    """One command of a batch.

    ``answer``: the caller wants the device's answer (a task without it is known to have run only because a
    later one did). ``halt``: if it fails, the device runs none of the tasks after it.
    """

    message: bytes
    execution_timeout: float
    idempotent: bool = False
    answer: bool = True
    halt: bool = False


@dataclass(frozen=True, slots=True)
class TaskResult:
    """What became of one task of a batch.

    ``ran``: True — it ran (``answer`` holds the device's answer when one was asked for or it failed);
    False — the device did not run it (refused, stopped after an earlier failure, never received);
    None — the link cannot tell.
    """

    ran: bool | None
    answer: bytes | None = None
    failed: bool = False


@dataclass(frozen=True, slots=True)
class DeliverBatch:
    """The batch is over: one result per task, in the order the tasks were given."""

    results: tuple[TaskResult, ...]


Action = Send | Wait | Deliver | Fail | DeliverBatch
