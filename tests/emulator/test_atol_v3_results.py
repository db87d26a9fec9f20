"""ATOL v3 on the device side: how a task's result is delivered for every flag combination, and replies that are
never answered (protocol-notes/atol/transport-v3.md, "Our emulator").

Clients written against real registers (atol4j, the Crystals plugin) add every task with NeedResult and wait for
its result on packet F0; they drop a synchronous A3, and atol4j acknowledges any A3 with ``C2 FF``.
"""

from __future__ import annotations

from typing import Any

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st
from kkt_emu.personalities.atol.link_v3 import AtolV3DeviceLink

from kkt_drivers.protocols.actions import Deliver, Send, Wait
from kkt_drivers.protocols.atol.framer_v3 import ASYNC_ID, AtolV3Framer, Packet, encode
from kkt_drivers.protocols.atol.link_v3 import AtolV3Link

STATUS = b"\x00\x00\x3f"  # 3F: succeeds anywhere
UNKNOWN = b"\x00\x00\xfa"  # not a command: fails with 7A


def _device(*, busy: list[float] | None = None, **kwargs: Any) -> tuple[AtolV3DeviceLink, list[bytes]]:
    """A device link over a stub register; ``busy`` lists how long the register stays busy (0: it runs the
    command) for each command in turn."""
    executed: list[bytes] = []
    delays = list(busy or [])

    def run(message: bytes) -> tuple[bytes, bool, float, float]:
        wait = delays.pop(0) if delays else 0.0
        if wait:
            return b"\x55\x76\x00", True, 1.0, wait
        executed.append(message)
        if message == UNKNOWN:
            return b"\x55\x7a\x00", True, 1.0, 0.0
        return b"\x44" + bytes(29), False, 10.0, 0.0

    return AtolV3DeviceLink(run, **kwargs), executed


def _packets(actions: list[Any]) -> list[Packet]:
    framer = AtolV3Framer()
    return [p for a in actions if isinstance(a, Send) for p in framer.feed(a.data) if isinstance(p, Packet)]


def _add(link: AtolV3DeviceLink, pid: int, flags: int, tid: int, message: bytes) -> list[Packet]:
    return _packets(link.receive(encode(pid, bytes((0xC1, flags, tid)) + message)))


@pytest.mark.parametrize("flags", [0x01, 0x03, 0x05, 0x07])
def test_a_need_result_task_is_queued_and_its_result_comes_on_f0(flags: int) -> None:
    link, executed = _device()
    replies = _add(link, 5, flags, 0x21, STATUS)
    assert executed == [STATUS]
    assert [(p.packet_id, p.data[:1]) for p in replies] == [(5, b"\xa1"), (ASYNC_ID, b"\xa6")]
    assert replies[1].data[1] == 0x21 and replies[1].data[2:3] == b"\x44"
    # the result stays available to a query until it is acknowledged
    query = _packets(link.receive(encode(6, b"\xc3\x21")))
    assert query[0].data[:2] == b"\xa3\x44"


def test_a_failed_need_result_task_is_an_async_error() -> None:
    link, _ = _device()
    replies = _add(link, 5, 0x03, 0x22, UNKNOWN)
    assert [(p.packet_id, p.data) for p in replies] == [(5, b"\xa1"), (ASYNC_ID, b"\xa7\x22\x55\x7a\x00")]
    assert _add(link, 6, 0x03, 0x23, STATUS)[0].data == b"\xa1"  # IgnoreError: the buffer goes on


@pytest.mark.parametrize("flags", [0x00, 0x02])
def test_a_task_without_need_result_sends_nothing_more_on_success(flags: int) -> None:
    link, _ = _device()
    replies = _add(link, 5, flags, 0x24, STATUS)
    assert [(p.packet_id, p.data) for p in replies] == [(5, b"\xa1")]
    assert _packets(link.receive(encode(6, b"\xc3\x24")))[0].data[:2] == b"\xa3\x44"


def test_a_failure_without_ignore_error_is_reported_on_f0_and_halts_the_buffer() -> None:
    link, executed = _device()
    replies = _add(link, 5, 0x00, 0x25, UNKNOWN)
    assert [(p.packet_id, p.data[:2]) for p in replies] == [(5, b"\xa1"), (ASYNC_ID, b"\xa7\x25")]
    assert _add(link, 6, 0x01, 0x26, STATUS)[0].data == b"\xa5\x25"  # stopped until C4
    assert executed == [UNKNOWN]
    assert _packets(link.receive(encode(7, b"\xc4")))[0].data == b"\xa3"
    assert _add(link, 8, 0x01, 0x26, STATUS)[0].data == b"\xa1" and executed == [UNKNOWN, STATUS]


def test_a_failure_with_ignore_error_and_no_need_result_is_only_kept_for_a_query() -> None:
    link, _ = _device()
    assert [p.data for p in _add(link, 5, 0x02, 0x27, UNKNOWN)] == [b"\xa1"]
    assert _packets(link.receive(encode(6, b"\xc3\x27")))[0].data == b"\xa4\x55\x7a\x00"


def test_sync_answers_give_the_result_in_the_reply_only() -> None:
    link, _ = _device(sync_answers=True)
    replies = _add(link, 5, 0x01, 0x28, STATUS)
    assert len(replies) == 1 and replies[0].packet_id == 5 and replies[0].data[:2] == b"\xa3\x44"


def test_c2_for_a_task_the_device_does_not_hold_is_not_found() -> None:
    link, _ = _device()
    assert _packets(link.receive(encode(1, b"\xc2\xff")))[0].data == b"\xb3"
    _add(link, 2, 0x01, 0x10, STATUS)
    assert _packets(link.receive(encode(3, b"\xc2\x10")))[0].data == b"\xa3"  # released
    assert _packets(link.receive(encode(4, b"\xc2\x10")))[0].data == b"\xb3"  # already gone
    assert _packets(link.receive(encode(5, b"\xc3\x10")))[0].data == b"\xb3"


@pytest.mark.parametrize("status", [0xA1, 0xA3, 0xA4, 0xA6, 0xB3, 0xB4])
def test_a_reply_from_the_host_is_never_answered(status: int) -> None:
    link, executed = _device()
    assert link.receive(encode(9, bytes((status, 0x01)))) == []
    assert link.receive(encode(ASYNC_ID, b"\xc1\x01\x01" + STATUS)) == [] and not executed


class _Atol4jLikeHost:
    """The acknowledgement rules of atol4j's TransportProtocolV3 (read, not copied): after any A3/A4 it sends
    ``C2 FF``, after an A6/A7 ``C2 <tid>``; anything else it leaves unanswered."""

    def __init__(self) -> None:
        self.framer = AtolV3Framer()
        self.next_id = 1
        self.results: dict[int, bytes] = {}

    def packet(self, data: bytes) -> bytes:
        pid = self.next_id
        self.next_id += 1
        return encode(pid, data)

    def react(self, wire: bytes) -> bytes:
        out = b""
        for packet in self.framer.feed(wire):
            if not isinstance(packet, Packet) or not packet.data:
                continue
            status = packet.data[0]
            if status in (0xA6, 0xA7):
                self.results[packet.data[1]] = packet.data[2:]
                out += self.packet(bytes((0xC2, packet.data[1])))
            elif status in (0xA3, 0xA4):
                out += self.packet(b"\xc2\xff")
        return out


@pytest.mark.parametrize("sync", [False, True])
def test_an_atol4j_like_host_gets_its_results_without_an_acknowledgement_storm(sync: bool) -> None:
    link, _ = _device(sync_answers=sync)
    host = _Atol4jLikeHost()
    wire = host.packet(b"\xc1\x01\x07" + STATUS)
    packets = rounds = 0
    while wire and rounds < 1000:
        rounds += 1
        sent = link.receive(wire)
        packets += len(_packets(sent))
        wire = host.react(b"".join(a.data for a in sent if isinstance(a, Send)))
    # a handful of packets, then silence (the old emulator bounced C2 FF / A3 forever)
    assert packets < 10 and rounds < 5
    assert (0x07 in host.results) is not sync  # atol4j only ever completes a task from F0


@pytest.mark.parametrize("sync", [False, True])
def test_our_host_link_takes_either_style_in_one_round_trip(sync: bool) -> None:
    device, _ = _device(sync_answers=sync)
    host = AtolV3Link()
    actions = host.request(STATUS, execution_timeout=10.0)
    rounds = 0
    while True:
        rounds += 1
        wire = b"".join(a.data for a in actions if isinstance(a, Send))
        replies = b"".join(a.data for a in device.receive(wire) if isinstance(a, Send))
        actions = host.receive(replies)
        delivered = [a.answer for a in actions if isinstance(a, Deliver)]
        if delivered:
            break
        assert any(isinstance(a, Wait) for a in actions) and rounds < 3
    assert rounds == 1 and delivered == [b"\x44" + bytes(29)]
    assert device.results and not [a for a in actions if isinstance(a, Send)]
    # the release (C2) goes out in the same write as the next task, and frees the first task in the device
    wire = b"".join(a.data for a in host.request(STATUS, execution_timeout=10.0) if isinstance(a, Send))
    sent = _packets(device.receive(wire))
    assert sent[0].data == b"\xa3" and [p.data[:1] for p in sent[1:]] == ([b"\xa3"] if sync else [b"\xa1", b"\xa6"])
    assert list(device.results) == [_packets([Send(wire)])[1].data[2]]  # only the new task is held


def test_tasks_wait_in_the_buffer_while_the_register_prints() -> None:
    link, executed = _device(busy=[0.5, 0.2])  # busy when 48 comes, still busy at the first retry
    exit_mode = b"\x00\x00\x48"
    actions = link.receive(encode(5, b"\xc1\x01\x31" + exit_mode))
    assert [p.data for p in _packets(actions)] == [b"\xa1"] and isinstance(actions[-1], Wait)
    assert actions[-1].seconds == 0.5 and not executed
    later = _add(link, 6, 0x01, 0x32, STATUS)  # queued behind the waiting task, in order
    assert [p.data for p in later] == [b"\xa1"] and not executed
    assert _packets(link.receive(encode(7, b"\xc3\x31")))[0].data == b"\xa1"  # still pending
    retry = link.timeout()
    assert isinstance(retry[-1], Wait) and not executed  # still printing
    done = link.timeout()
    assert executed == [exit_mode, STATUS]
    assert [(p.packet_id, p.data[:2]) for p in _packets(done)] == [(ASYNC_ID, b"\xa6\x31"), (ASYNC_ID, b"\xa6\x32")]
    assert not link.queue


@settings(max_examples=300)
@given(st.lists(st.tuples(st.integers(0, 0xDF), st.binary(min_size=0, max_size=12)), max_size=30),
       st.lists(st.sampled_from([0.0, 0.0, 0.3]), max_size=40))
def test_any_packets_are_answered_at_most_once_and_replies_never(packets: list[tuple[int, bytes]],
                                                                  busy: list[float]) -> None:
    """Whatever a host sends, the device link never raises, answers each packet at most once (plus one
    asynchronous result), and sends nothing back for a packet that is itself a reply."""
    link, _ = _device(busy=busy)
    for pid, data in packets:
        replies = _packets(link.receive(encode(pid, data)))
        direct = [p for p in replies if p.packet_id != ASYNC_ID]
        assert len(direct) <= 1 and len(replies) <= 2
        if data and (0xA1 <= data[0] <= 0xA8 or 0xB1 <= data[0] <= 0xB4):
            assert replies == []
        link.timeout()
    assert len(link.results) <= link.keep
