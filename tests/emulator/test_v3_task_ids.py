"""ATOL v3: a task id is never taken for another command's answer, whatever was abandoned before.

The failure this guards against: a status query stalled until the driver gave up, its task id stayed
held in the device; 224 tasks later the id came round again, the answer to a sale's close was lost, the
driver asked ``C3`` for the id and took the stale status answer as the close's — ``sell()`` returned the
previous document while the new receipt stayed open.
"""

from __future__ import annotations

import time
from typing import Any

from samples import REGISTRATION, make_receipt

from kkt_drivers import Kkt
from kkt_drivers.protocols.actions import Deliver, Fail, Send
from kkt_drivers.protocols.atol.framer_v3 import AtolV3Framer, Packet, encode
from kkt_drivers.protocols.atol.link_v3 import MAX_ID, AtolV3Link, V3Timeouts

FAST = V3Timeouts(reply=0.05, poll=0.05, recover_tries=2)


def _tasks_per_sale(kkt: Kkt) -> int:
    link: Any = kkt.device.session.link
    before = link._next_task
    kkt.sell(make_receipt())
    return (link._next_task - before) % (MAX_ID + 1)


def test_an_abandoned_task_id_never_answers_a_later_sale() -> None:
    with Kkt.open("emu://atol?transport=v3") as kkt:
        control: Any = kkt.device.emulator
        link: Any = kkt.device.session.link
        kkt.register(REGISTRATION)
        kkt.open_shift()
        per_sale = _tasks_per_sale(kkt)
        link.t = FAST
        control.set_fault("stall", 0.4)  # the next answer is held back until the driver gives up
        try:
            kkt.device.last_document_number()
        except Exception as exc:  # the query times out: its task is abandoned in the device
            assert type(exc).__name__ == "Timeout"
        stale_tid = (link._next_task - 1) % (MAX_ID + 1)
        time.sleep(0.5)
        link.t = V3Timeouts()
        # walk the ids round so that, counting ids as they were handed out before, the close of the next
        # sale would get the abandoned id
        while (link._next_task + per_sale - 1) % (MAX_ID + 1) != stale_tid:
            kkt.device.last_document_number()
        before = kkt.fn_status().last_document_number
        control.set_fault("withhold_command", "close_receipt")
        link.t = FAST
        result = kkt.sell(make_receipt())
        link.t = V3Timeouts()
        assert result.document.number == before + 1
        assert kkt.fn_status().last_document_number == before + 1 and not kkt.status().receipt_open


def _reply(pid: int, data: bytes) -> bytes:
    return encode(pid, data)


def _sent_packets(actions: list[Any]) -> list[Packet]:
    framer = AtolV3Framer()
    return [p for a in actions if isinstance(a, Send) for p in framer.feed(a.data) if isinstance(p, Packet)]


def test_an_id_is_handed_out_again_only_after_the_device_released_it() -> None:
    link = AtolV3Link()
    first = _sent_packets(link.request(b"\x00\x00\x3f", execution_timeout=1))[0]
    tid = first.data[2]
    done = link.receive(_reply(first.packet_id, b"\xa3\x44"))
    assert not _sent_packets(done) and tid in link.quarantine  # the release goes out with the next request
    link._next_task = tid  # the allocator comes round to the same id ...
    release, second = _sent_packets(link.request(b"\x00\x00\x3f", execution_timeout=1))
    assert release.data == bytes((0xC2, tid))  # one write: the release, then the next task
    assert second.data[0] == 0xC1 and second.data[2] != tid  # ... and skips it while its release is unanswered
    link.receive(_reply(release.packet_id, b"\xa3"))  # the C2 is answered (during the next exchange)
    assert tid not in link.quarantine


def test_c3_is_never_asked_for_an_id_in_use_by_someone_else() -> None:
    link = AtolV3Link()
    add = _sent_packets(link.request(b"\x00\x00\x4a", execution_timeout=1))[0]
    actions = link.receive(_reply(add.packet_id, b"\xb2"))  # B2: the id is held by a stale task
    packets = _sent_packets(actions)
    assert [p.data[0] for p in packets] == [0xC2, 0xC1]  # release the stale one, add ours anew
    assert packets[1].data[2] != add.data[2]
    assert not any(p.data[0] == 0xC3 for p in packets)


def test_an_abandoned_task_makes_the_next_request_start_with_c4_and_drop_stale_replies() -> None:
    link = AtolV3Link(V3Timeouts(reply=0.01, recover_tries=0))
    add = _sent_packets(link.request(b"\x00\x00\x3f", execution_timeout=1))[0]
    failed = link.timeout()
    assert any(isinstance(a, Fail) for a in failed)
    assert link.needs_barrier and add.data[2] in link.quarantine
    barrier = _sent_packets(link.request(b"\x00\x00\xa4\x30", execution_timeout=1))[0]
    assert barrier.data == b"\xc4"
    assert link.receive(_reply(add.packet_id, b"\xa3\x55\x00")) == []  # the stale answer arrives first: dropped
    after = _sent_packets(link.receive(_reply(barrier.packet_id, b"\xa3")))
    assert after[0].data[0] == 0xC1 and after[0].data[3:] == b"\x00\x00\xa4\x30"
    assert not link.quarantine
    delivered = link.receive(_reply(after[0].packet_id, b"\xa3\x55\x00\x01"))
    assert [a.answer for a in delivered if isinstance(a, Deliver)] == [b"\x55\x00\x01"]


def test_a_reconnect_is_followed_by_c4() -> None:
    link = AtolV3Link()
    link.request(b"\x00\x00\x3f", execution_timeout=1)
    link.abort()
    assert _sent_packets(link.request(b"\x00\x00\x3f", execution_timeout=1))[0].data == b"\xc4"


def test_a_stopped_buffer_is_cleared_and_the_task_added_again() -> None:
    link = AtolV3Link()
    add = _sent_packets(link.request(b"\x00\x00\x92\x00\x01", execution_timeout=1))[0]
    barrier = _sent_packets(link.receive(_reply(add.packet_id, b"\xa5\x07")))[0]
    assert barrier.data == b"\xc4"
    again = _sent_packets(link.receive(_reply(barrier.packet_id, b"\xa3")))[0]
    assert again.data[0] == 0xC1 and again.data[3:] == add.data[3:]
