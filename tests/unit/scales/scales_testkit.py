"""Helpers shared by the scale protocol tests: golden-vector loading, chunking, the line loop for links."""

from __future__ import annotations

import json
import random
from collections import deque
from collections.abc import Callable
from itertools import pairwise
from pathlib import Path
from typing import Any

from hypothesis import HealthCheck, settings
from hypothesis import strategies as st

from kkt_drivers.protocols.actions import Deliver, Fail, Send, Wait

VECTORS = Path(__file__).resolve().parents[2] / "vectors"
KINDS = {"captured", "published", "computed"}
PHASES = {"inter-byte", "ack", "execution"}
MAX_STEPS = 2000

SETTINGS = settings(max_examples=200, deadline=None, database=None, suppress_health_check=[HealthCheck.too_slow])

cuts = st.lists(st.integers(0, 10_000), max_size=12)


def load(name: str) -> list[dict[str, Any]]:
    return list(json.loads((VECTORS / name).read_text(encoding="utf-8"))["vectors"])


def unhex(text: str) -> bytes:
    return bytes.fromhex(text)


def ids(vectors: list[dict[str, Any]]) -> list[str]:
    return [v["name"] for v in vectors]


def split(wire: bytes, cut_points: list[int]) -> list[bytes]:
    points = sorted({c % (len(wire) + 1) for c in cut_points})
    edges = [0, *points, len(wire)]
    return [wire[a:b] for a, b in pairwise(edges) if b > a]


def feed_chunks(feed: Callable[[bytes], list[Any]], wire: bytes, cut_points: list[int]) -> list[Any]:
    events: list[Any] = []
    for chunk in split(wire, cut_points):
        events += feed(chunk)
    return events


class Line:
    """The loop a session would run: every ``Send`` goes to ``device`` (a callable returning the bytes it
    answers), the answer comes back to ``link.receive`` in random chunks, and ``link.timeout()`` is called
    whenever nothing is pending. A run needing more than ``MAX_STEPS`` calls counts as a link that hangs."""

    def __init__(self, link: Any, device: Callable[[bytes], bytes], rng: random.Random) -> None:
        self.link = link
        self.device = device
        self.rng = rng
        self.pending: deque[bytes] = deque()
        self.sent: list[bytes] = []
        self.waits: list[Wait] = []
        self.result: Deliver | Fail | None = None
        self.timeouts = 0

    def run(self, first: list[Any]) -> Deliver | Fail:
        self.result = None
        steps = 0
        self._perform(first)
        while self.result is None:
            steps += 1
            assert steps <= MAX_STEPS, f"link did not terminate; last sends {self.sent[-3:]!r}"
            if self.pending:
                self._perform(self.link.receive(self.pending.popleft()))
            else:
                self.timeouts += 1
                self._perform(self.link.timeout())
        assert not self.link.busy
        return self.result

    def _perform(self, actions: list[Any]) -> None:
        for action in actions:
            assert self.result is None, f"{action!r} after the exchange ended"
            if isinstance(action, Send):
                self.sent.append(action.data)
                self._emit(self.device(action.data))
            elif isinstance(action, Wait):
                assert action.seconds >= 0 and action.phase in PHASES, action
                self.waits.append(action)
            elif isinstance(action, (Deliver, Fail)):
                self.result = action
            else:
                raise AssertionError(f"undeclared action {action!r}")

    def _emit(self, data: bytes) -> None:
        if not data:
            return
        count = self.rng.randint(0, min(4, len(data) - 1))
        points = sorted(self.rng.sample(range(1, len(data)), count)) if count else []
        edges = [0, *points, len(data)]
        self.pending.extend(data[a:b] for a, b in pairwise(edges))
