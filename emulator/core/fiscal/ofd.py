"""The simulated OFD link: the drive's queue of documents waiting for an operator confirmation.

No network and no containers here — only the bookkeeping the drive does (research §3.4): every
document formed while the KKT works with an OFD is queued; the simulated operator "confirms" a
document once ``delay`` seconds of *device-clock* time have passed since the document's date/time
(``None`` = never). Confirmations arrive strictly in FD order, as a real KKT sends the queue
front first. Documents formed in autonomous mode are never queued.

Inferred (the texts give no threshold for it): warning bit 3 («превышено время ожидания ответа
ОФД») is raised together with the 30-day block, i.e. when the oldest queued document is more than
30 days old — the only period the v1.2.06 text ties to that flag (Table 5, code 14h).
"""

from __future__ import annotations

from collections import deque
from collections.abc import Iterable
from dataclasses import dataclass
from datetime import datetime, timedelta
from typing import Final

__all__ = ["OFD_BLOCK_AGE", "OfdQueue", "Queued"]

#: Age of the oldest unconfirmed document beyond which the drive refuses new documents (14h).
OFD_BLOCK_AGE: Final = timedelta(days=30)


@dataclass(frozen=True, slots=True)
class Queued:
    """One document waiting for the OFD."""

    number: int
    when: datetime


class OfdQueue:
    """FIFO of unconfirmed documents (kept in memory, rebuilt from the archive on open)."""

    def __init__(self, items: Iterable[Queued] = ()) -> None:
        self._items: deque[Queued] = deque(sorted(items, key=lambda q: q.number))

    def __len__(self) -> int:
        return len(self._items)

    @property
    def first(self) -> Queued | None:
        """The oldest unconfirmed document, if any."""
        return self._items[0] if self._items else None

    def copy(self) -> OfdQueue:
        """An independent copy (operations work on a copy and swap it in after the commit)."""
        twin = OfdQueue()
        twin._items = self._items.copy()
        return twin

    def has_due(self, now: datetime, delay: float | None) -> bool:
        """True if :meth:`pop_due` would confirm something."""
        return delay is not None and bool(self._items) and now - self._items[0].when >= timedelta(seconds=delay)

    def push(self, number: int, when: datetime) -> None:
        """Queue a freshly formed document."""
        self._items.append(Queued(number, when))

    def clear(self) -> None:
        """Forget every queued document (factory reset, ФН replacement)."""
        self._items.clear()

    def pop_due(self, now: datetime, delay: float | None) -> list[int]:
        """Remove and return the numbers the OFD has confirmed by ``now``."""
        if delay is None:
            return []
        done: list[int] = []
        limit = timedelta(seconds=delay)
        while self._items and now - self._items[0].when >= limit:
            done.append(self._items.popleft().number)
        return done

    def blocked(self, now: datetime) -> bool:
        """True when the oldest unconfirmed document is older than 30 days."""
        first = self.first
        return first is not None and now - first.when > OFD_BLOCK_AGE
