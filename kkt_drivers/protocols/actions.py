"""What a sans-I/O link asks its session to do.

A link never touches a socket or a clock. Given an event (a request, bytes that arrived, a
deadline that passed) it returns a list of actions; the session performs them in order.
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


Action = Send | Wait | Deliver | Fail
