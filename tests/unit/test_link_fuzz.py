"""Property tests of the host-side ATOL links (v2 and v3) against scripted fake devices.

Everything is sans-I/O: :class:`Line` holds the link and a fake device, hands every ``Send`` of
the link to the device, queues what the device answers, feeds it back to ``link.receive`` in
random chunks, and calls ``link.timeout()`` whenever the device has nothing more to say (that is
when the link's last ``Wait`` would expire). A run that needs more than ``MAX_STEPS`` receive or
timeout calls counts as a link that never terminates.

Safety invariants checked on every run (``check_outcome``):

* the link ends with exactly one ``Deliver`` or ``Fail``, and nothing follows it;
* ``Deliver`` carries exactly the device's answer, and the device executed the command once;
* ``Fail(NotExecuted)`` and ``Fail(Timeout(maybe_executed=False))`` only when the device did not
  execute the command.
"""

from __future__ import annotations

import random
from collections import deque
from dataclasses import dataclass, field
from itertools import pairwise

import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from kkt_drivers.errors import NotExecuted, ProtocolError, Timeout
from kkt_drivers.protocols.actions import Deliver, Fail, Send, Wait
from kkt_drivers.protocols.atol import framer_v2, framer_v3
from kkt_drivers.protocols.atol.framer_v2 import ACK, ENQ, EOT, NAK, AtolV2Framer, Control, Frame
from kkt_drivers.protocols.atol.framer_v3 import ASYNC_ID, AtolV3Framer, Packet
from kkt_drivers.protocols.atol.link_v2 import AtolV2Link, V2Timeouts
from kkt_drivers.protocols.atol.link_v3 import (
    ACK_RESULT,
    ADD,
    ASYNC_RESULT,
    EXISTS,
    IN_PROGRESS,
    NOT_FOUND,
    REQ,
    RESULT,
    AtolV3Link,
    V3Timeouts,
)

SETTINGS = settings(max_examples=200, deadline=None, database=None, suppress_health_check=[HealthCheck.too_slow])
MAX_STEPS = 1000
PHASES = {"inter-byte", "ack", "execution"}
MESSAGE = b"\x00\x00\x3f"  # password 0000, command 3F

SPECIAL = [0x02, 0x03, 0x10, 0x04, 0x05, 0x06, 0x15, 0xFE, 0xFD, 0xEE, 0xED, 0xA3, 0xF0]
answers = st.lists(st.one_of(st.sampled_from(SPECIAL), st.integers(0, 255)), max_size=40).map(bytes)
rngs = st.randoms(use_true_random=False)


class Line:
    """The loop a session would run, with a fake device instead of a transport and a clock."""

    def __init__(self, link: AtolV2Link | AtolV3Link, device: V2Device | V3Device, rng: random.Random,
                 noise: Noise | None = None) -> None:
        self.link = link
        self.device = device
        self.rng = rng
        self.noise = noise
        self.pending: deque[bytes] = deque()
        self.sent: list[bytes] = []
        self.waits: list[Wait] = []
        self.result: Deliver | Fail | None = None
        self.steps = 0
        self.timeouts = 0

    def run(self, first: list) -> Deliver | Fail:
        """Drive one exchange to its end. Bytes still queued afterwards stay queued for the next one."""
        self.result = None
        self.steps = self.timeouts = 0
        self._perform(first)
        while self.result is None:
            self.steps += 1
            assert self.steps <= MAX_STEPS, f"link did not terminate; last sends {self.sent[-3:]!r}"
            if self.pending:
                self._perform(self.link.receive(self.pending.popleft()))
            else:
                self.timeouts += 1
                self._perform(self.link.timeout())
        assert not self.link.busy
        return self.result

    def _perform(self, actions: list) -> None:
        for action in actions:
            assert self.result is None, f"{action!r} after the exchange ended"
            if isinstance(action, Send):
                self.sent.append(action.data)
                self._emit(self.device.on_host(action.data))
            elif isinstance(action, Wait):
                assert action.seconds >= 0 and action.phase in PHASES, action
                self.waits.append(action)
            elif isinstance(action, (Deliver, Fail)):
                self.result = action
            else:
                raise AssertionError(f"undeclared action {action!r}")

    def _emit(self, output: list[bytes]) -> None:
        data = b"".join(self.noise.apply(output) if self.noise else output)
        if not data:
            return
        count = self.rng.randint(0, min(4, len(data) - 1))
        points = sorted(self.rng.sample(range(1, len(data)), count)) if count else []
        edges = [0, *points, len(data)]
        self.pending.extend(data[a:b] for a, b in pairwise(edges))


def check_outcome(result: Deliver | Fail, device: V2Device | V3Device, answer: bytes) -> None:
    if isinstance(result, Deliver):
        assert result.answer == answer
        assert device.executed == 1
    else:
        error = result.error
        if isinstance(error, NotExecuted) or (isinstance(error, Timeout) and not error.maybe_executed):
            assert device.executed == 0, f"{error!r} although the device executed the command"
        assert device.executed <= 1


# =============================================================================================
# v2
# =============================================================================================

def _b(byte: int) -> bytes:
    return bytes((byte,))


@dataclass
class V2Device:
    """A v2 device: ACKs ENQ, ACKs a good frame (after ``nak_frames`` NAKs), executes on the host's
    EOT, offers the answer with ENQ, sends the frame on ACK (``bad_answers`` times with a wrong LRC
    first), resends it on NAK, ends with EOT.

    ``drop``: ``"silent"`` never offers the answer; ``"enq-only"`` offers it but never sends it;
    ``"partial"`` sends only the first ``partial`` bytes of the frame every time.
    ``lost_acks``: how many of its ACKs to a frame never reach the host.
    """

    answer: bytes
    nak_frames: int = 0
    lost_acks: int = 0
    bad_answers: int = 0
    drop: str | None = None
    partial: int = 1
    framer: AtolV2Framer = field(default_factory=AtolV2Framer)
    state: str = "idle"
    executed: int = 0
    frames_seen: int = 0
    requests: list[bytes] = field(default_factory=list)

    def on_host(self, data: bytes) -> list[bytes]:
        out = []
        for event in self.framer.feed(data):
            out.append(self._on(event))
        return [o for o in out if o]

    def _answer_frame(self) -> bytes:
        frame = framer_v2.encode(self.answer)
        if self.drop == "partial":
            return frame[:self.partial]
        if self.bad_answers:
            self.bad_answers -= 1
            return frame[:-1] + _b(frame[-1] ^ 0x5A)
        return frame

    def _on(self, event: Control | Frame | object) -> bytes:
        state = self.state
        if isinstance(event, Frame):
            self.frames_seen += 1
            if state not in ("line", "accepted"):
                return b""
            if self.nak_frames:
                self.nak_frames -= 1
                return _b(NAK)
            self.requests.append(event.payload)
            self.state = "accepted"
            if self.lost_acks:
                self.lost_acks -= 1
                return b""
            return _b(ACK)
        if not isinstance(event, Control):
            return b""
        byte = event.byte
        if byte == ENQ and state in ("idle", "line"):
            self.state = "line"
            return _b(ACK)
        if byte == EOT:
            if state == "accepted":
                self.executed += 1
                if self.drop == "silent":
                    self.state = "dead"
                    return b""
                self.state = "offered"
                return _b(ENQ)
            if state == "line":
                self.state = "idle"
            return b""
        if byte == ACK and state == "offered":
            if self.drop == "enq-only":
                self.state = "dead"
                return b""
            self.state = "answering"
            return self._answer_frame()
        if byte == ACK and state == "answering":
            self.state = "idle"
            return _b(EOT)
        if byte == NAK and state == "answering":
            return self._answer_frame()
        return b""


def run_v2(device: V2Device, rng: random.Random, timeouts: V2Timeouts | None = None) -> tuple[Line, Deliver | Fail]:
    link = AtolV2Link(timeouts)
    line = Line(link, device, rng)
    result = line.run(link.request(MESSAGE, execution_timeout=10.0))
    check_outcome(result, device, device.answer)
    return line, result


@SETTINGS
@given(answer=answers, rng=rngs, nak_frames=st.integers(0, 9), bad_answers=st.integers(0, 10))
def test_v2_well_behaved_device_delivers_the_answer(answer: bytes, rng: random.Random, nak_frames: int,
                                                    bad_answers: int) -> None:
    """(a) ACKs and answers (with up to 9 NAKs of the request and up to 10 answers with a bad LRC,
    both within the default retry limits) → exactly one Deliver of the answer."""
    device = V2Device(answer, nak_frames=nak_frames, bad_answers=bad_answers)
    line, result = run_v2(device, rng)
    assert result == Deliver(answer)
    assert device.requests == [MESSAGE]
    assert line.sent.count(framer_v2.encode(MESSAGE)) == nak_frames + 1
    assert device.state == "idle"  # the host ACKed the answer and the device could finish with EOT
    assert line.timeouts == 0  # a device that answers everything never makes the link wait out a deadline


@SETTINGS
@given(answer=answers.filter(bool), rng=rngs, drop=st.sampled_from(["silent", "enq-only", "partial"]),
       partial=st.integers(1, 200))
def test_v2_dropped_answer_ends_in_timeout_maybe_executed(answer: bytes, rng: random.Random, drop: str,
                                                          partial: int) -> None:
    """(b) the device ran the command but its answer never arrives whole → Fail(Timeout) with
    maybe_executed=True, after a bounded number of steps (Line asserts the bound)."""
    frame_len = len(framer_v2.encode(answer))
    device = V2Device(answer, drop=drop, partial=min(partial, frame_len - 1))
    line, result = run_v2(device, rng)
    assert isinstance(result, Fail)
    assert isinstance(result.error, Timeout)
    assert result.error.maybe_executed is True
    assert device.executed == 1
    assert line.steps <= 100


@SETTINGS
@given(rng=rngs, frame_tries=st.integers(1, 12), naks=st.integers(0, 15), answer=answers)
def test_v2_frame_is_sent_at_most_frame_tries_times(rng: random.Random, frame_tries: int, naks: int,
                                                     answer: bytes) -> None:
    """(c) every NAK makes the link resend the frame, up to ``frame_tries`` copies in all; then
    EOT and Fail(Timeout) — the device NAKed every copy, so nothing ran (maybe_executed=False)."""
    device = V2Device(answer, nak_frames=naks)
    line, result = run_v2(device, rng, V2Timeouts(frame_tries=frame_tries))
    copies = line.sent.count(framer_v2.encode(MESSAGE))
    if naks < frame_tries:
        assert result == Deliver(answer)
        assert copies == naks + 1
    else:
        assert copies == frame_tries
        assert isinstance(result, Fail) and isinstance(result.error, Timeout)
        assert result.error.maybe_executed is False
        assert line.sent[-1] == _b(EOT)
        assert device.executed == 0


def test_v2_enq_never_acknowledged_fails_after_enq_tries() -> None:
    class Deaf(V2Device):
        def on_host(self, data: bytes) -> list[bytes]:
            return []

    device = Deaf(b"")
    line, result = run_v2(device, random.Random(0))
    assert line.sent == [_b(ENQ)] * 5 + [_b(EOT)]
    assert isinstance(result, Fail) and isinstance(result.error, Timeout)
    assert result.error.maybe_executed is False


def test_v2_lost_frame_acks_then_eot_must_not_claim_not_executed() -> None:
    """BUG (link_v2): the device accepts the frame every time but its ACKs are lost. After
    ``frame_tries`` copies the link sends EOT — which is what makes a v2 device execute an accepted
    frame — and reports Timeout(maybe_executed=False). A silent (not NAKed) frame may have been
    accepted, so the failure must say maybe_executed=True (or the link must not send that EOT)."""
    device = V2Device(b"\x55\x00\x00", lost_acks=10)
    link = AtolV2Link()
    line = Line(link, device, random.Random(0))
    result = line.run(link.request(MESSAGE, execution_timeout=10.0))
    assert line.sent.count(framer_v2.encode(MESSAGE)) == 10
    assert line.sent[-1] == _b(EOT)
    assert device.executed == 1  # the fake device ran the command on that EOT
    assert isinstance(result, Fail) and isinstance(result.error, Timeout)
    assert result.error.maybe_executed is True


# =============================================================================================
# v3
# =============================================================================================

@dataclass
class V3Device:
    """A v3 task buffer. ``mode``: ``"sync"`` answers C1 with ``A3 <answer>``; ``"async"`` answers
    ``A2``, finishes after ``async_after`` C3 polls and then pushes ``F0: A6 <tid> <answer>``
    (a C3 for a finished task gets ``A3 <answer>``).

    ``lost_adds``: C1 packets lost on the way to the device (it never sees them, so C3 gets B3).
    ``lost_replies``: indices (0 = first reply the device sends) of replies lost on the way back.
    ``silent_after``: the device stops sending anything after that many replies.
    """

    answer: bytes
    mode: str = "sync"
    async_after: int = 0
    lost_adds: int = 0
    lost_replies: frozenset[int] = frozenset()
    silent_after: int | None = None
    stale_push: bool = False
    framer: AtolV3Framer = field(default_factory=AtolV3Framer)
    tasks: dict[int, bool] = field(default_factory=dict)  # tid -> finished
    polls: dict[int, int] = field(default_factory=dict)
    sent: dict[int, bytes] = field(default_factory=dict)
    executed: int = 0
    replies: int = 0
    received: list[Packet] = field(default_factory=list)

    def on_host(self, data: bytes) -> list[bytes]:
        out: list[bytes] = []
        for event in self.framer.feed(data):
            assert isinstance(event, Packet), f"host sent a bad packet: {event!r}"
            out += self._on(event)
        return out

    def _reply(self, pid: int, data: bytes) -> list[bytes]:
        wire = framer_v3.encode(pid, data)
        if pid != ASYNC_ID:
            self.sent[pid] = wire
        index = self.replies
        self.replies += 1
        if index in self.lost_replies or (self.silent_after is not None and index >= self.silent_after):
            return []
        return [wire]

    def _finish(self, tid: int) -> list[bytes]:
        self.tasks[tid] = True
        return self._reply(ASYNC_ID, bytes((ASYNC_RESULT, tid)) + self.answer)

    def _on(self, packet: Packet) -> list[bytes]:
        pid, data = packet.packet_id, packet.data
        if not data:  # the host asks for a resend
            wire = self.sent.get(pid)
            silent = self.silent_after is not None and self.replies >= self.silent_after
            return [wire] if wire is not None and not silent else []
        command = data[0]
        if command == ADD:
            if self.lost_adds:
                self.lost_adds -= 1
                return []
            self.received.append(packet)
            tid = data[2]
            if tid in self.tasks:
                return self._reply(pid, bytes((EXISTS,)))
            self.executed += 1
            if self.mode == "sync":
                self.tasks[tid] = True
                return self._reply(pid, bytes((RESULT,)) + self.answer)
            self.tasks[tid] = False
            self.polls[tid] = self.async_after
            out = self._reply(pid, bytes((IN_PROGRESS,)))
            if self.stale_push:  # a result of some other task, left over in the device
                out.append(framer_v3.encode(ASYNC_ID, bytes((ASYNC_RESULT, (tid + 7) % 0xE0)) + b"stale"))
            return out + self._finish(tid) if self.async_after == 0 else out
        self.received.append(packet)
        tid = data[1] if len(data) > 1 else -1
        if command == REQ:
            if tid not in self.tasks:
                return self._reply(pid, bytes((NOT_FOUND,)))
            if self.tasks[tid]:
                return self._reply(pid, bytes((RESULT,)) + self.answer)
            self.polls[tid] -= 1
            out = self._reply(pid, bytes((IN_PROGRESS,)))
            return out + self._finish(tid) if self.polls[tid] <= 0 else out
        if command == ACK_RESULT:
            self.tasks.pop(tid, None)
            return self._reply(pid, bytes((RESULT,)))
        return []


def decode_all(sent: list[bytes]) -> list[Packet]:
    framer = AtolV3Framer()
    packets = []
    for wire in sent:
        events = framer.feed(wire)
        assert all(isinstance(e, Packet) for e in events), events
        packets += events
    return packets


def adds(sent: list[bytes]) -> list[Packet]:
    return [p for p in decode_all(sent) if p.data[:1] == bytes((ADD,))]


def run_v3(device: V3Device, rng: random.Random, *, idempotent: bool = False, noise: Noise | None = None,
           timeouts: V3Timeouts | None = None) -> tuple[Line, Deliver | Fail]:
    link = AtolV3Link(timeouts)
    line = Line(link, device, rng, noise)
    result = line.run(link.request(MESSAGE, execution_timeout=10.0, idempotent=idempotent))
    check_outcome(result, device, device.answer)
    return line, result


def assert_c2_for_the_task(line: Line) -> None:
    """The release ``C2 <tid>`` of the task the link added waits to go out with the next request."""
    tid = adds(line.sent)[-1].data[2]
    assert isinstance(line.link, AtolV3Link)
    assert [p.data for p in decode_all([line.link.take_pending()])] == [bytes((ACK_RESULT, tid))]


@SETTINGS
@given(answer=answers, rng=rngs)
def test_v3_sync_result_is_delivered_and_acknowledged(answer: bytes, rng: random.Random) -> None:
    """(d) reply ``A3 <answer>`` with the request's packet id → Deliver(answer), then ``C2 <tid>``."""
    device = V3Device(answer)
    line, result = run_v3(device, rng)
    assert result == Deliver(answer)
    (add,) = adds(line.sent)
    assert add.data[3:] == MESSAGE
    assert line.sent[0] == framer_v3.encode(add.packet_id, add.data)
    assert_c2_for_the_task(line)
    assert line.timeouts == 0


@SETTINGS
@given(answer=answers, rng=rngs, async_after=st.integers(0, 5), stale_push=st.booleans())
def test_v3_async_result_is_delivered(answer: bytes, rng: random.Random, async_after: int, stale_push: bool) -> None:
    """(e) reply A2, then (at once or after a few C3 polls) ``F0: A6 <tid> <answer>`` → Deliver.
    An F0 push for another task id (``stale_push``) is not taken as ours."""
    device = V3Device(answer, mode="async", async_after=async_after, stale_push=stale_push)
    line, result = run_v3(device, rng)
    assert result == Deliver(answer)
    assert len(adds(line.sent)) == 1
    assert_c2_for_the_task(line)


def test_v3_task_running_past_its_execution_time_fails() -> None:
    device = V3Device(b"\x55\x00\x00", mode="async", async_after=10_000)
    line, result = run_v3(device, random.Random(0))
    assert isinstance(result, Fail) and isinstance(result.error, Timeout)
    assert result.error.maybe_executed is True
    assert len(adds(line.sent)) == 1


def test_v3_lost_reply_is_recovered_with_c3_not_a_second_c1() -> None:
    """(f) the device ran the task but the reply was lost → C3 <tid> → A3 <answer> → Deliver."""
    answer = b"\x55\x00\x00"
    device = V3Device(answer, lost_replies=frozenset({0}))
    line, result = run_v3(device, random.Random(1))
    assert result == Deliver(answer)
    packets = decode_all(line.sent)
    tid = packets[0].data[2]
    assert packets[1].data == bytes((REQ, tid))
    assert len(adds(line.sent)) == 1


def test_v3_lost_command_gives_not_executed() -> None:
    """(f) the C1 never reached the device → C3 gets B3 → Fail(NotExecuted), no second C1."""
    device = V3Device(b"\x55\x00\x00", lost_adds=1)
    line, result = run_v3(device, random.Random(2))
    assert isinstance(result, Fail) and isinstance(result.error, NotExecuted)
    assert len(adds(line.sent)) == 1
    assert device.executed == 0


def test_v3_lost_idempotent_command_is_added_again() -> None:
    """(f) idempotent=True: B3 → the link adds the task again by itself → Deliver."""
    answer = b"\x55\x00\x00"
    device = V3Device(answer, lost_adds=1)
    line, result = run_v3(device, random.Random(3), idempotent=True)
    assert result == Deliver(answer)
    first, second = adds(line.sent)
    assert first.data == second.data and first.packet_id != second.packet_id


@SETTINGS
@given(answer=answers, rng=rngs, mode=st.sampled_from(["sync", "async"]), async_after=st.integers(0, 3),
       lost_adds=st.integers(0, 2), lost=st.sets(st.integers(0, 8), max_size=5), idempotent=st.booleans())
def test_v3_lost_packets_never_cause_a_second_execution(answer: bytes, rng: random.Random, mode: str,
                                                        async_after: int, lost_adds: int, lost: set[int],
                                                        idempotent: bool) -> None:
    """(f) any pattern of lost C1s and lost replies: the run ends, the outcome agrees with what the
    device did (check_outcome), a non-idempotent command is sent as C1 exactly once, and an
    idempotent one at most twice (only after B3 proved the first never arrived)."""
    device = V3Device(answer, mode=mode, async_after=async_after, lost_adds=lost_adds,
                      lost_replies=frozenset(lost))
    line, result = run_v3(device, rng, idempotent=idempotent)
    count = len(adds(line.sent))
    assert (count <= 2) if idempotent else (count == 1)
    if isinstance(result, Fail):
        assert isinstance(result.error, (NotExecuted, Timeout)), result.error
    if isinstance(result, Fail) and isinstance(result.error, NotExecuted):
        assert lost_adds >= count  # every copy of the command was really lost


@SETTINGS
@given(first=answers, second=answers, rng=rngs, mode=st.sampled_from(["sync", "async"]))
def test_v3_late_reply_to_c2_is_not_taken_for_the_next_answer(first: bytes, second: bytes, rng: random.Random,
                                                              mode: str) -> None:
    """The C2 of exchange 1 goes out in the same write as exchange 2's task, so the device's reply to it
    (``A3`` with no answer) comes just before exchange 2's own: the link must match replies by packet id
    and deliver exchange 2's own answer."""
    device = V3Device(first, mode=mode)
    link = AtolV3Link()
    line = Line(link, device, rng)
    assert line.run(link.request(MESSAGE, execution_timeout=10.0)) == Deliver(first)
    written = len(line.sent)
    device.answer = second
    assert line.run(link.request(MESSAGE, execution_timeout=10.0)) == Deliver(second)
    release, add = decode_all([line.sent[written]])[:2]  # one write: the release, then the task
    assert release.data[0] == ACK_RESULT and add.data[0] == ADD
    tids = [p.data[2] for p in adds(line.sent)]
    assert len(tids) == 2 and tids[0] != tids[1] and release.data[1] == tids[0]


def test_v3_damaged_reply_is_asked_for_again() -> None:
    """A reply that fails its CRC makes the link send an empty packet with the reply's id (A4J's
    "resend packet N"); the device resends it and the answer arrives without any C3."""

    class FlipFirst(Noise):
        def apply(self, packets: list[bytes]) -> list[bytes]:
            if self.budget:
                self.budget -= 1
                return [self._flip(p) for p in packets]
            return packets

    answer = b"\x55\x00\x00"
    device = V3Device(answer)
    line, result = run_v3(device, random.Random(5), noise=FlipFirst(random.Random(6), 1))
    assert result == Deliver(answer)
    add = adds(line.sent)[0]
    assert line.sent[1] == framer_v3.encode(add.packet_id, b"")
    assert not any(p.data[:1] == bytes((REQ,)) for p in decode_all(line.sent))
    assert line.timeouts == 0


@pytest.mark.parametrize("mode", ["sync", "async"])
@pytest.mark.parametrize("silent_after", [0, 1, 2, 3])
def test_v3_device_going_silent_ends_the_exchange(mode: str, silent_after: int) -> None:
    """A device that stops answering (cable pulled) at any point must not keep the link busy forever:
    it ends in Deliver (if the result had arrived) or Fail(Timeout, maybe_executed=True).

    BUG (link_v3) for mode="async", silent_after=1: after ``A2`` the link polls ``C3`` on every
    timeout forever — ``timeout()`` in QUERYING with ``_running`` set neither counts ``_recovers``
    (it resets it) nor spends ``_exec_left`` (only A1/A2/A8 replies do)."""
    device = V3Device(b"\x55\x00\x00", mode=mode, async_after=3, silent_after=silent_after)
    _line, result = run_v3(device, random.Random(4))
    if isinstance(result, Fail):
        assert isinstance(result.error, Timeout) and result.error.maybe_executed is True


# -- noise on the line (v3) ---------------------------------------------------------------------

def _v3_roles(wire: bytes) -> list[str]:
    roles = ["fe", "len", "len", "id"]
    i = 4
    while i < len(wire):
        if wire[i] == framer_v3.ESC:
            roles += ["esc", "lit"]
            i += 2
        else:
            roles.append("plain")
            i += 1
    return roles


@dataclass
class Noise:
    """Damages up to ``budget`` device packets, only in ways CRC-8 always detects: a flipped ID/DATA/
    CRC byte (never into FE/FD), an escape pair EE<->ED swap, a packet cut short, or junk without FE
    before a packet. (A changed LEN, or junk containing FE, is caught only 255 times in 256 — see
    test_framer_fuzz — and would make 'never a wrong Deliver' a matter of luck.)"""

    rng: random.Random
    budget: int
    damaged: int = 0

    def apply(self, packets: list[bytes]) -> list[bytes]:
        out = []
        for wire in packets:
            op = self.rng.choice(["flip", "cut", "junk", "none"]) if self.budget > 0 else "none"
            if op != "none":
                self.budget -= 1
                self.damaged += 1
            if op == "flip":
                wire = self._flip(wire)
            elif op == "cut":
                wire = wire[:self.rng.randint(1, len(wire) - 1)]
            elif op == "junk":
                junk = bytes(self.rng.choice([b for b in range(256) if b != framer_v3.START])
                             for _ in range(self.rng.randint(1, 8)))
                wire = junk + wire
            out.append(wire)
        return out

    def _flip(self, wire: bytes) -> bytes:
        damaged = bytearray(wire)
        roles = _v3_roles(wire)
        pos = self.rng.choice([i for i, r in enumerate(roles) if r in ("id", "plain", "lit")])
        if roles[pos] == "lit":
            damaged[pos] = framer_v3.ESC_START if wire[pos] == framer_v3.ESC_ESC else framer_v3.ESC_ESC
        else:
            damaged[pos] = self.rng.choice([b for b in range(256) if b not in (0xFE, 0xFD, wire[pos])])
        return bytes(damaged)


@SETTINGS
@given(answer=answers, rng=rngs, mode=st.sampled_from(["sync", "async"]), async_after=st.integers(0, 3),
       budget=st.integers(0, 6))
def test_v3_noise_never_delivers_a_wrong_answer_and_the_run_ends(answer: bytes, rng: random.Random, mode: str,
                                                                 async_after: int, budget: int) -> None:
    """(g) damaged device packets (resend requests, lost F0 pushes, C3 polls…) never turn into a
    Deliver with a wrong payload, never make the link send the command twice, and the exchange ends."""
    device = V3Device(answer, mode=mode, async_after=async_after)
    line, result = run_v3(device, rng, noise=Noise(random.Random(rng.random()), budget))
    assert len(adds(line.sent)) == 1
    if isinstance(result, Fail):  # e.g. every C3 reply damaged until recover_tries ran out
        assert isinstance(result.error, (Timeout, ProtocolError)), result.error
    else:
        assert result == Deliver(answer)
