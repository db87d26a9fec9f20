"""The serving loop's waits keep microseconds: epoll rounds a timeout up to the next millisecond, which on a
paced line (``--baud``) made every turn of a v2 exchange up to a millisecond late."""

from __future__ import annotations

import select
from typing import Any

import pytest
from kkt_emu.attach import loop as loop_module
from kkt_emu.attach.loop import SHORT_WAIT, ServerLoop


@pytest.fixture
def recorded(monkeypatch: pytest.MonkeyPatch) -> list[tuple[Any, ...]]:
    calls: list[tuple[Any, ...]] = []
    real = select.select

    def spy(*args: Any) -> Any:
        calls.append(args)
        return real(*args)

    monkeypatch.setattr(loop_module.select, "select", spy)
    return calls


def test_a_short_wait_is_a_select_on_the_epoll_descriptor_with_the_exact_timeout(
        recorded: list[tuple[Any, ...]]) -> None:
    server = ServerLoop()
    try:
        assert server._select(0.0002) == []  # nothing is ready: it waited, and took no event
        assert recorded == [([server._sel.fileno()], [], [], 0.0002)]  # type: ignore[attr-defined]
    finally:
        server.stop()


def test_a_long_wait_and_a_poll_stay_with_epoll(recorded: list[tuple[Any, ...]]) -> None:
    server = ServerLoop()
    try:
        server._select(SHORT_WAIT * 2)
        server._select(0)
        assert recorded == []
    finally:
        server.stop()
