"""Property tests of the Shtrih-M links: the host link against a scripted fake device, and the host link against
our own device link, under random chunking and injected faults.

:class:`Line` is the loop a session would run: every ``Send`` of the host goes to the device, what the device
answers is queued and fed back in random chunks, and ``timeout()`` is called whenever the line is quiet (that is
when the last ``Wait`` would expire). A run needing more than ``MAX_STEPS`` steps counts as a link that never ends.

Safety invariants checked on every run (``check_outcome``):

* the exchange ends with exactly one ``Deliver`` or ``Fail`` and nothing after it;
* ``Deliver`` carries exactly the device's answer, and the device executed the command exactly once;
* the device never executes the command twice (the link never resends a frame the device may have taken);
* ``Fail(Timeout(maybe_executed=False))`` only when the device did not execute the command.
"""

from __future__ import annotations

import random
from collections import deque
from dataclasses import dataclass, field
from itertools import pairwise
from typing import Protocol

from hypothesis import given, settings
from hypothesis import strategies as st

from kkt_drivers.errors import KktError, Timeout
from kkt_drivers.protocols.actions import Action, Deliver, Fail, Send, Wait
from kkt_drivers.protocols.shtrih import framer
from kkt_drivers.protocols.shtrih.device_link import ShtrihDeviceLink
from kkt_drivers.protocols.shtrih.framer import ACK, ENQ, NAK, BadFrame, Control, Frame, ShtrihFramer
from kkt_drivers.protocols.shtrih.link import RecoveredAnswer, ShtrihLink, ShtrihTimeouts

SETTINGS = settings(max_examples=200)
MAX_STEPS = 3000
PHASES = {"inter-byte", "ack", "execution"}
MESSAGE = bytes.fromhex("80 01 00 00 00 E8 03 00 00 00 10 27 00 00 00 01 00 00 00 00 41")  # a sale: not idempotent
OTHER = bytes.fromhex("FC")

answers = st.builds(lambda tail: b"\x80\x00" + tail,
                    st.lists(st.one_of(st.sampled_from([0x02, 0x05, 0x06, 0x15, 0xFF]), st.integers(0, 255)),
                             max_size=40).map(bytes))
rngs = st.randoms(use_true_random=False)


class Peer(Protocol):
    executed: int

    def on_host(self, data: bytes) -> list[bytes]: ...

    def quiet(self) -> list[bytes]: ...


class Line:
    def __init__(self, link: ShtrihLink, device: Peer, rng: random.Random, noise: bytes = b"") -> None:
        self.link = link
        self.device = device
        self.rng = rng
        self.noise = noise
        self.pending: deque[bytes] = deque()
        self.sent: list[bytes] = []
        self.result: Deliver | Fail | None = None
        self.steps = 0
        self.timeouts = 0

    def run(self, first: list[Action]) -> Deliver | Fail:
        self.result = None
        self.steps = self.timeouts = 0
        self._perform(first)
        while self.result is None:
            self.steps += 1
            assert self.steps <= MAX_STEPS, f"link did not terminate; last sends {self.sent[-4:]!r}"
            if self.pending:
                self._perform(self.link.receive(self.pending.popleft()))
            else:
                self.timeouts += 1
                self._emit(self.device.quiet())
                if not self.pending:
                    self._perform(self.link.timeout())
        assert not self.link.busy
        return self.result

    def _perform(self, actions: list[Action]) -> None:
        for action in actions:
            assert self.result is None, f"{action!r} after the exchange ended"
            if isinstance(action, Send):
                self.sent.append(action.data)
                self._emit(self.device.on_host(action.data))
            elif isinstance(action, Wait):
                assert action.seconds > 0 and action.phase in PHASES, action
            elif isinstance(action, (Deliver, Fail)):
                self.result = action
            else:
                raise AssertionError(f"undeclared action {action!r}")

    def _emit(self, output: list[bytes]) -> None:
        data = b"".join(output)
        if not data:
            return
        if self.noise and self.rng.random() < 0.3:
            data = self.noise + data
        count = self.rng.randint(0, min(4, len(data) - 1))
        points = sorted(self.rng.sample(range(1, len(data)), count)) if count else []
        edges = [0, *points, len(data)]
        self.pending.extend(data[a:b] for a, b in pairwise(edges))


def check_outcome(result: Deliver | Fail, device: Peer, answer: bytes) -> None:
    assert device.executed <= 1, "the command was executed twice"
    if isinstance(result, Deliver):
        assert result.answer == answer
        assert device.executed == 1
    else:
        error = result.error
        assert isinstance(error, KktError)
        if isinstance(error, Timeout) and not error.maybe_executed:
            assert device.executed == 0, f"{error!r} although the device executed the command"


# =============================================================================================
# a scripted fake device, written from the protocol text independently of the device link
# =============================================================================================

def _b(byte: int) -> bytes:
    return bytes((byte,))


@dataclass
class FakeDevice:
    """ENQ → NAK when idle, ACK + the held answer otherwise; a good frame → ACK, execute, send the answer;
    host ACK releases the answer, host NAK keeps it for the next ENQ.

    Faults: ``nak_frames`` (refuse the first N frames: not taken), ``lost_acks`` (take the frame but lose the
    ACK byte N times), ``lost_answers`` / ``bad_answers`` (the answer is lost / arrives with a bad LRC N times),
    ``mute_enqs`` (ignore N ENQs; ``mute_after``: N ENQs after executing), ``stale`` (an answer of another
    command held from before), ``dead`` (stop talking after executing).
    """

    answer: bytes
    nak_frames: int = 0
    lost_acks: int = 0
    lost_answers: int = 0
    bad_answers: int = 0
    mute_enqs: int = 0
    mute_after: int = 0
    stale: bytes | None = None
    dead: bool = False
    framer: ShtrihFramer = field(default_factory=ShtrihFramer)
    executed: int = 0
    holding: bytes | None = None
    sent_out: bool = False
    requests: list[bytes] = field(default_factory=list)

    def __post_init__(self) -> None:
        if self.stale is not None:
            self.holding = self.stale

    def on_host(self, data: bytes) -> list[bytes]:
        return [out for event in self.framer.feed(data) if (out := self._on(event))]

    def quiet(self) -> list[bytes]:
        self.framer.reset()  # its byte timeout passes too
        return []

    def _answer_bytes(self) -> bytes:
        assert self.holding is not None
        if self.lost_answers:
            self.lost_answers -= 1
            return b""
        frame = framer.encode(self.holding)
        self.sent_out = True
        if self.bad_answers:
            self.bad_answers -= 1
            return frame[:-1] + _b(frame[-1] ^ 0x5A)
        return frame

    def _on(self, event: Control | Frame | BadFrame) -> bytes:
        if self.dead and self.executed:
            return b""
        if isinstance(event, BadFrame):
            return _b(NAK)
        if isinstance(event, Frame):
            if self.nak_frames:
                self.nak_frames -= 1
                return _b(NAK)
            self.requests.append(event.payload)
            self.executed += 1
            self.holding = self.answer
            self.sent_out = False
            ack = b""
            if self.lost_acks:
                self.lost_acks -= 1
            else:
                ack = _b(ACK)
            if self.dead:
                return ack
            return ack + self._answer_bytes()
        if event.byte == ENQ:
            if self.mute_enqs:
                self.mute_enqs -= 1
                return b""
            if self.executed and self.mute_after:
                self.mute_after -= 1
                return b""
            if self.holding is None:
                return _b(NAK)
            return _b(ACK) + self._answer_bytes()
        if event.byte == ACK and self.sent_out:
            self.holding = None
            self.sent_out = False
        return b""


def run_fake(device: FakeDevice, rng: random.Random, timeouts: ShtrihTimeouts | None = None,
             link: ShtrihLink | None = None, noise: bytes = b"") -> tuple[Line, Deliver | Fail]:
    link = link or ShtrihLink(timeouts)
    line = Line(link, device, rng, noise)
    result = line.run(link.request(MESSAGE, execution_timeout=5.0))
    check_outcome(result, device, device.answer)
    return line, result


@SETTINGS
@given(answer=answers, rng=rngs, nak_frames=st.integers(0, 9), lost_acks=st.integers(0, 3),
       lost_answers=st.integers(0, 3), bad_answers=st.integers(0, 9), mute_enqs=st.integers(0, 5))
def test_faulty_but_alive_device_delivers_exactly_once(answer: bytes, rng: random.Random, nak_frames: int,
                                                       lost_acks: int, lost_answers: int, bad_answers: int,
                                                       mute_enqs: int) -> None:
    """Faults within the retry limits: the answer is delivered and the command ran exactly once."""
    device = FakeDevice(answer, nak_frames=nak_frames, lost_acks=lost_acks, lost_answers=lost_answers,
                        bad_answers=bad_answers, mute_enqs=mute_enqs)
    line, result = run_fake(device, rng)
    assert result == Deliver(answer)
    assert device.requests == [MESSAGE]
    assert line.sent.count(framer.encode(MESSAGE)) == nak_frames + 1


@SETTINGS
@given(answer=answers, rng=rngs, lost_acks=st.integers(1, 3), lost_answers=st.integers(1, 3))
def test_lost_ack_and_lost_answer_never_make_the_link_resend(answer: bytes, rng: random.Random, lost_acks: int,
                                                             lost_answers: int) -> None:
    """The device took the frame but neither its ACK nor its answer arrived: a link that resent the frame on
    silence would run the sale twice. This one asks with ENQ, gets the held answer, sends the frame once."""
    device = FakeDevice(answer, lost_acks=lost_acks, lost_answers=lost_answers)
    line, result = run_fake(device, rng)
    assert result == Deliver(answer)
    assert line.sent.count(framer.encode(MESSAGE)) == 1 and device.executed == 1


@SETTINGS
@given(answer=answers, rng=rngs)
def test_well_behaved_device_needs_no_deadline(answer: bytes, rng: random.Random) -> None:
    device = FakeDevice(answer)
    line, result = run_fake(device, rng)
    assert result == Deliver(answer)
    assert line.timeouts == 0
    assert device.holding is None  # the host acknowledged the answer


@SETTINGS
@given(answer=answers, rng=rngs, lost_acks=st.integers(0, 2))
def test_dead_device_after_execution_fails_maybe_executed(answer: bytes, rng: random.Random,
                                                          lost_acks: int) -> None:
    device = FakeDevice(answer, dead=True, lost_acks=lost_acks)
    link = ShtrihLink()
    _, result = run_fake(device, rng, link=link)
    assert isinstance(result, Fail) and isinstance(result.error, Timeout)
    assert result.error.maybe_executed
    assert device.executed == 1
    assert link.orphan == MESSAGE


@SETTINGS
@given(answer=answers, rng=rngs, nak_frames=st.integers(10, 20))
def test_nak_storm_fails_not_executed(answer: bytes, rng: random.Random, nak_frames: int) -> None:
    device = FakeDevice(answer, nak_frames=nak_frames)
    line, result = run_fake(device, rng)
    assert isinstance(result, Fail) and isinstance(result.error, Timeout)
    assert not result.error.maybe_executed and device.executed == 0
    assert line.sent.count(framer.encode(MESSAGE)) == 10


@SETTINGS
@given(answer=answers, rng=rngs, bad=st.integers(11, 20))
def test_answer_that_never_passes_its_lrc_fails_maybe_executed(answer: bytes, rng: random.Random,
                                                               bad: int) -> None:
    device = FakeDevice(answer, bad_answers=bad)
    _, result = run_fake(device, rng)
    assert isinstance(result, Fail) and isinstance(result.error, Timeout) and result.error.maybe_executed


@SETTINGS
@given(answer=answers, rng=rngs, stale=answers.map(lambda a: b"\x11" + a[1:]))
def test_stale_answer_held_before_the_command_is_drained_first(answer: bytes, rng: random.Random,
                                                               stale: bytes) -> None:
    device = FakeDevice(answer, stale=stale)
    link = ShtrihLink()
    _, result = run_fake(device, rng, link=link)
    assert result == Deliver(answer)
    assert link.discarded >= 1 and link.recovered == []


@SETTINGS
@given(answer=answers, rng=rngs, other=st.binary(max_size=20))
def test_lost_answer_is_recovered_by_the_next_exchange(answer: bytes, rng: random.Random, other: bytes) -> None:
    """The device ran the command, then went mute; later it answers ENQ again with the held answer. A retry of
    the same message gets that answer without executing twice; another message leaves it in ``recovered``."""
    device = FakeDevice(answer, lost_answers=1, mute_after=30)
    link = ShtrihLink()
    _, first = run_fake(device, rng, link=link)
    assert isinstance(first, Fail) and isinstance(first.error, Timeout) and first.error.maybe_executed
    assert link.orphan == MESSAGE
    device.mute_after = 0
    if other:
        device.answer = b"\xfc\x00" + other  # the next command's answer
        line = Line(link, device, rng)
        result = line.run(link.request(OTHER, execution_timeout=5.0))
        assert result == Deliver(b"\xfc\x00" + other)
        assert link.recovered == [RecoveredAnswer(MESSAGE, answer)]
        assert device.executed == 2
    else:
        line = Line(link, device, rng)
        result = line.run(link.request(MESSAGE, execution_timeout=5.0))
        assert result == Deliver(answer)
        assert device.executed == 1
        assert framer.encode(MESSAGE) not in line.sent
    assert link.orphan is None


quiet_noise = st.lists(st.integers(0, 255).filter(lambda b: b not in (0x02, ENQ, ACK, NAK)), min_size=1,
                       max_size=6).map(bytes)


@SETTINGS
@given(answer=answers, rng=rngs, noise=quiet_noise, lost_acks=st.integers(0, 2), bad=st.integers(0, 3))
def test_line_noise_between_device_outputs_changes_nothing(answer: bytes, rng: random.Random, noise: bytes,
                                                           lost_acks: int, bad: int) -> None:
    """Noise bytes that are neither STX nor control bytes (like the FF seen before an ACK) are dropped."""
    device = FakeDevice(answer, lost_acks=lost_acks, bad_answers=bad)
    _, result = run_fake(device, rng, noise=noise)
    assert result == Deliver(answer)


@SETTINGS
@given(answer=answers, rng=rngs, noise=st.binary(min_size=1, max_size=8))
def test_arbitrary_noise_still_terminates_with_a_typed_result(answer: bytes, rng: random.Random,
                                                              noise: bytes) -> None:
    """Noise holding STX or control bytes can mislead any link of this protocol (a stray NAK reads as «not
    taken»); the link must still end, with a typed result, in a bounded number of steps."""
    device = FakeDevice(answer)
    link = ShtrihLink()
    line = Line(link, device, rng, noise)
    result = line.run(link.request(MESSAGE, execution_timeout=5.0))
    if isinstance(result, Deliver):
        assert result.answer == answer
    else:
        assert isinstance(result.error, KktError)


# =============================================================================================
# the host link against our own device link
# =============================================================================================

@dataclass
class OwnDevice:
    link: ShtrihDeviceLink
    executed: int = 0

    def on_host(self, data: bytes) -> list[bytes]:
        out = [a.data for a in self.link.receive(data) if isinstance(a, Send)]
        self.executed = self.link.executed
        return out

    def quiet(self) -> list[bytes]:
        return [a.data for a in self.link.timeout() if isinstance(a, Send)]


@SETTINGS
@given(answer=answers, rng=rngs, withhold=st.integers(0, 1), nak=st.integers(0, 9),
       commands=st.integers(1, 4))
def test_host_and_device_links_agree(answer: bytes, rng: random.Random, withhold: int, nak: int,
                                     commands: int) -> None:
    """Several commands in a row; the first may be NAKed and its answer withheld (lost): every command is
    delivered its answer and executed once — the withheld one is brought out by the host's ENQ poll."""
    seen: list[bytes] = []

    def execute(message: bytes) -> bytes:
        seen.append(message)
        return answer

    device_link = ShtrihDeviceLink(execute)
    device_link.withhold_next = withhold
    device_link.nak_next = nak
    device = OwnDevice(device_link)
    link = ShtrihLink()
    for i in range(commands):
        line = Line(link, device, rng)
        result = line.run(link.request(MESSAGE, execution_timeout=5.0))
        assert result == Deliver(answer)
        assert device_link.executed == i + 1
    assert seen == [MESSAGE] * commands
    assert not device_link.holds_answer


@SETTINGS
@given(answer=answers, rng=rngs, nak_frames=st.integers(0, 9), lost_acks=st.integers(0, 3),
       lost_answers=st.integers(0, 3), bad_answers=st.integers(0, 9), mute_enqs=st.integers(0, 5))
def test_fast_path_without_enq_keeps_exactly_once(answer: bytes, rng: random.Random, nak_frames: int, lost_acks: int,
                                                  lost_answers: int, bad_answers: int, mute_enqs: int) -> None:
    """``enq_first=False``: after a clean exchange the next frame goes out without ENQ. Whatever then goes wrong
    within the retry limits, that command is still delivered once and executed once — silence after the frame is
    probed with ENQ, never answered by resending."""
    link = ShtrihLink(enq_first=False)
    _, first = run_fake(FakeDevice(answer), rng, link=link)
    assert first == Deliver(answer)
    device = FakeDevice(answer, nak_frames=nak_frames, lost_acks=lost_acks, lost_answers=lost_answers,
                        bad_answers=bad_answers, mute_enqs=mute_enqs)
    line, result = run_fake(device, rng, link=link)
    assert result == Deliver(answer)
    assert device.requests == [MESSAGE]
    assert line.sent[0] == framer.encode(MESSAGE)  # no ENQ first
    assert line.sent.count(framer.encode(MESSAGE)) == nak_frames + 1
