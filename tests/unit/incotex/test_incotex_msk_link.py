"""Host-side MS-K link against the device-side link as a fake device (both sans-I/O).

:class:`Line` performs the link's actions: every ``Send`` goes to the device (unless the fault plan
loses it), the device's output comes back in random chunks (possibly damaged or late), and
``link.timeout()`` is called whenever nothing is left to read — which is when the last ``Wait``
would expire. A late frame is held back, with everything the device says after it (a device
answers in order), until the link has timed out once.

Safety invariants (``check``):

* every exchange ends in exactly one ``Deliver`` or ``Fail`` and nothing follows it;
* ``Deliver`` of a non-idempotent command carries the answer of its one execution in this
  exchange (or a refusal the device made for it). For an idempotent read the answer may come from
  this exchange or — when the link had to send it again — from an immediately preceding exchange
  with the same letter: no command ran in between, so it describes the same device state;
* a non-idempotent request goes on the wire exactly once per exchange;
* ``Fail`` is always ``Timeout(maybe_executed=True)``.
"""

from __future__ import annotations

import random
from collections import deque
from dataclasses import dataclass, field
from itertools import pairwise

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from kkt_drivers.errors import InvalidParameter, ProtocolError, Timeout
from kkt_drivers.protocols.actions import Action, Deliver, Fail, Send, Wait
from kkt_drivers.protocols.incotex import msk_framer as mf
from kkt_drivers.protocols.incotex.msk_device_link import MskDeviceLink
from kkt_drivers.protocols.incotex.msk_framer import ETX, STX, RequestFrame
from kkt_drivers.protocols.incotex.msk_link import LinkState, MskLink, MskTimeouts

SETTINGS = settings(max_examples=300)
MAX_STEPS = 2000
PHASES = {"inter-byte", "ack", "execution"}
EXEC = 10.0
SALE = mf.request_body(0x53, [mf.pack_field(b"0"), mf.pack_field(b"14"), mf.pack_field(b"0", 3)])
LAST_DOC = mf.request_body(0x4A)
READ_PARAM = mf.request_body(0x5C, [mf.pack_field(b"306")])


class Device:
    """The device-side link with an executor whose answers differ on every execution."""

    def __init__(self, *, keepalives: int = 0, withhold_next: int = 0) -> None:
        self.link = MskDeviceLink(self.execute, keepalives=keepalives, withhold_next=withhold_next)
        self.executions: list[tuple[int, bytes]] = []

    def execute(self, request: RequestFrame) -> bytes:
        body = mf.answer_body(request.command, 0xFC13, 0, 0x4E, b"%05d\x00" % (len(self.executions) + 1))
        self.executions.append((request.command, body))
        return body

    def executed(self, command: int) -> int:
        return sum(1 for c, _ in self.executions if c == command)


def structure_roles(wire: bytes) -> list[int]:
    """Positions of a device frame that can be changed without moving its end: body and BCC digits."""
    start = wire.index(STX)
    return list(range(start + 1, len(wire) - 1))


@dataclass
class Plan:
    """Faults: indexes count host writes (``lose``) and device frames (``damage``, ``late``)."""

    lose: frozenset[int] = frozenset()
    damage: frozenset[int] = frozenset()
    late: frozenset[int] = frozenset()


@dataclass
class Line:
    link: MskLink
    device: Device
    rng: random.Random
    plan: Plan = field(default_factory=Plan)
    pending: deque[bytes] = field(default_factory=deque)
    held: list[bytes] = field(default_factory=list)
    writes: list[bytes] = field(default_factory=list)
    waits: list[Wait] = field(default_factory=list)
    device_frames: int = 0
    timeouts: int = 0
    #: (letter, index into device.executions) where the current run of same-letter exchanges began
    streak: tuple[int, int] = (0, 0)
    result: Deliver | Fail | None = None

    def run(self, first: list[Action]) -> Deliver | Fail:
        self.result = None
        self._perform(first)
        steps = 0
        while self.result is None:
            steps += 1
            assert steps <= MAX_STEPS, f"link did not terminate; last writes {self.writes[-3:]!r}"
            if self.pending:
                self._perform(self.link.receive(self.pending.popleft()))
            else:
                self.timeouts += 1
                self._perform(self.link.timeout())
                self._split(b"".join(self.held))  # late frames arrive after the deadline
                self.held.clear()
        assert not self.link.busy
        return self.result

    def _perform(self, actions: list[Action]) -> None:
        for action in actions:
            assert self.result is None, f"{action!r} after the exchange ended"
            if isinstance(action, Send):
                index = len(self.writes)
                self.writes.append(action.data)
                if index not in self.plan.lose:
                    self._emit(self.device.link.receive(action.data))
            elif isinstance(action, Wait):
                assert action.seconds > 0 and action.phase in PHASES, action
                self.waits.append(action)
            else:
                assert isinstance(action, (Deliver, Fail)), action
                self.result = action

    def _emit(self, out: list[bytes]) -> None:
        for wire in out:
            if STX in wire:
                index = self.device_frames
                self.device_frames += 1
                if index in self.plan.damage:
                    damaged = bytearray(wire)
                    pos = self.rng.choice(structure_roles(wire))
                    choices = [b for b in range(256) if b not in (STX, ETX, wire[pos])
                               and chr(b).upper() != chr(wire[pos]).upper()]
                    damaged[pos] = self.rng.choice(choices)
                    wire = bytes(damaged)
                if index in self.plan.late:
                    self.held.append(wire)
                    continue
            if self.held:  # the device answers in order: nothing overtakes a late frame
                self.held.append(wire)
                continue
            self._split(wire)

    def _split(self, data: bytes) -> None:
        if not data:
            return
        count = self.rng.randint(0, min(4, len(data) - 1))
        points = sorted(self.rng.sample(range(1, len(data)), count)) if count else []
        self.pending.extend(data[a:b] for a, b in pairwise([0, *points, len(data)]))


def exchange(line: Line, message: bytes, *, idempotent: bool = False) -> Deliver | Fail:
    """Run one exchange and check the safety invariants."""
    command = message[0]
    writes_before, executions_before = len(line.writes), len(line.device.executions)
    if line.streak[0] != command:
        line.streak = (command, executions_before)
    result = line.run(line.link.request(message, execution_timeout=EXEC, idempotent=idempotent))
    ours = [w for w in line.writes[writes_before:] if w[1] == command]
    if not idempotent:
        assert len(ours) == 1, f"non-idempotent request sent {len(ours)} times"
    window = line.streak[1] if idempotent else executions_before
    mine = [body for c, body in line.device.executions[window:] if c == command]
    if isinstance(result, Deliver):
        answer = mf.parse_answer(result.answer)
        if answer.result == 0:
            assert result.answer in mine, "delivered an answer the device did not give to this request"
            if not idempotent:
                assert len(mine) == 1
        else:
            assert answer.command in (command, mf.ERROR_COMMAND)
    else:
        assert isinstance(result.error, Timeout) and result.error.maybe_executed is True, result.error
    return result


def new_line(*, seed: int = 0, plan: Plan | None = None, keepalives: int = 0, withhold: int = 0,
             timeouts: MskTimeouts | None = None) -> Line:
    return Line(MskLink(timeouts), Device(keepalives=keepalives, withhold_next=withhold), random.Random(seed),
                plan or Plan())


def timeout_of(result: Deliver | Fail | Action) -> Timeout:
    assert isinstance(result, Fail) and isinstance(result.error, Timeout), result
    return result.error


def sent_commands(line: Line) -> list[str]:
    return [chr(w[1]) for w in line.writes]


# -- behaviour ------------------------------------------------------------------------------------

def test_clean_exchange_delivers_the_device_answer() -> None:
    line = new_line()
    result = exchange(line, SALE)
    assert result == Deliver(line.device.executions[0][1])
    assert line.writes == [mf.encode(SALE)]
    assert line.waits == [Wait(EXEC, "execution")] or line.waits[0] == Wait(EXEC, "execution")
    assert line.timeouts == 0


def test_each_keepalive_re_arms_the_execution_deadline() -> None:
    line = new_line(keepalives=5)
    result = exchange(line, SALE)
    assert isinstance(result, Deliver)
    assert [w for w in line.waits if w.phase == "execution"] == [Wait(EXEC, "execution")] * 6
    assert line.timeouts == 0


def test_keepalives_keep_a_slow_command_alive_on_a_clock() -> None:
    """Time-driven run: the device works 3 × the execution timeout, sending a keep-alive every
    0.8 × timeout. The answer is delivered without any timeout; without keep-alives the same
    device makes the link give up waiting and ask for a repeat."""

    def run(with_keepalives: bool) -> tuple[list[Action], int]:
        link = MskLink()
        arrivals = [(EXEC * 0.8 * k, b"\x06") for k in range(1, 4)] if with_keepalives else []
        answer = mf.encode(mf.answer_body(0x53, 0, 0, 0, b"1\x00"), lowercase=True)
        arrivals.append((EXEC * 3, answer))
        actions = link.request(SALE, execution_timeout=EXEC)
        deadline = next(a.seconds for a in actions if isinstance(a, Wait))
        timeouts = 0
        for at, data in arrivals:
            if at > deadline:
                timeouts += 1
                return link.timeout(), timeouts
            for action in link.receive(data):
                if isinstance(action, Wait):
                    deadline = at + action.seconds
                actions.append(action)
        return actions, timeouts

    actions, timeouts = run(True)
    assert timeouts == 0 and isinstance(actions[-1], Deliver)
    actions, timeouts = run(False)
    assert timeouts == 1 and actions[0] == Send(mf.encode(b"I0000\x00"))


def test_lost_answer_is_recovered_with_repeat_not_by_resending() -> None:
    line = new_line()
    exchange(line, LAST_DOC, idempotent=True)
    line.device.link.withhold_next = 1
    result = exchange(line, SALE)
    assert sent_commands(line) == ["J", "S", "I"]
    assert line.device.executed(0x53) == 1
    assert result == Deliver(line.device.executions[-1][1])


def test_damaged_answer_is_recovered_with_repeat() -> None:
    line = new_line(plan=Plan(damage=frozenset({1})))
    exchange(line, LAST_DOC, idempotent=True)
    result = exchange(line, SALE)
    assert sent_commands(line) == ["J", "S", "I"]
    assert result == Deliver(line.device.executions[-1][1])


def test_damaged_answer_on_a_fresh_link_is_not_trusted() -> None:
    """A damaged frame's letter proves nothing, and there is no earlier answer to compare the
    repeat with: the link fails rather than guess."""
    line = new_line(plan=Plan(damage=frozenset({0})))
    result = exchange(line, SALE)
    assert sent_commands(line) == ["S", "I"]
    assert timeout_of(result).maybe_executed is True


def test_lost_answer_on_a_fresh_link_cannot_be_told_from_an_old_one() -> None:
    """No earlier answer to compare with: the repeated answer might be from before this link
    existed, so the link does not take it."""
    line = new_line(withhold=1)
    result = exchange(line, SALE)
    assert sent_commands(line) == ["S", "I"]
    assert timeout_of(result).maybe_executed is True
    assert line.device.executed(0x53) == 1


def test_lost_request_after_the_same_command_is_not_taken_for_executed() -> None:
    """The repeated answer equals the previous exchange's: ambiguous, so the exchange fails."""
    line = new_line()
    exchange(line, SALE)
    line.plan = Plan(lose=frozenset({1}))
    result = exchange(line, SALE)
    assert sent_commands(line) == ["S", "S", "I"]
    assert isinstance(result, Fail) and "cannot be told apart" in str(result.error)
    assert line.device.executed(0x53) == 1


def test_lost_request_after_another_command_reports_probably_not_run() -> None:
    line = new_line()
    exchange(line, LAST_DOC, idempotent=True)
    line.plan = Plan(lose=frozenset({1}))
    result = exchange(line, SALE)
    assert isinstance(result, Fail) and "probably did not run" in str(result.error)
    assert line.device.executed(0x53) == 0


def test_idempotent_request_that_met_silence_is_sent_again() -> None:
    line = new_line(plan=Plan(lose=frozenset({0})))
    result = exchange(line, READ_PARAM, idempotent=True)
    assert sent_commands(line) == ["\\", "\\"]
    assert result == Deliver(line.device.executions[0][1])


def test_silent_device_ends_in_a_bounded_number_of_repeats() -> None:
    t = MskTimeouts(repeat_tries=3)
    line = new_line(plan=Plan(lose=frozenset(range(100))), timeouts=t)
    result = exchange(line, SALE)
    assert sent_commands(line) == ["S", "I", "I", "I"]
    assert timeout_of(result).phase == "ack"


def test_silent_device_ends_idempotent_exchange_after_its_resends() -> None:
    line = new_line(plan=Plan(lose=frozenset(range(100))), timeouts=MskTimeouts(resend_tries=2))
    result = exchange(line, READ_PARAM, idempotent=True)
    assert sent_commands(line) == ["\\"] * 3
    assert timeout_of(result).phase == "execution"


def test_late_answer_of_another_command_is_dropped() -> None:
    link = MskLink()
    link.request(SALE, execution_timeout=EXEC)
    stale = mf.encode(mf.answer_body(0x4A, 0, 0, 0), lowercase=True)
    ours = mf.encode(mf.answer_body(0x53, 0, 0, 0, b"7\x00"), lowercase=True)
    assert link.receive(stale[:5]) == [Wait(link.t.inter_byte, "inter-byte")]
    assert link.receive(stale[5:]) == [Wait(EXEC, "execution")]  # back to the phase deadline
    assert link.receive(ours) == [Deliver(ours[1:-3])]


def test_empty_frame_from_line_noise_does_not_start_a_recovery() -> None:
    link = MskLink()
    link.request(SALE, execution_timeout=EXEC)
    assert link.receive(b"\x02\x03") == []
    assert link.state is LinkState.WAIT_ANSWER


def test_error_answer_with_letter_0_is_delivered() -> None:
    link = MskLink()
    link.request(SALE, execution_timeout=EXEC)
    error = mf.answer_body(mf.ERROR_COMMAND, 0, 0x19, 0)
    assert link.receive(mf.encode(error, lowercase=True)) == [Deliver(error)]


def test_failed_fiscal_letter_is_tainted_until_another_exchange_ends() -> None:
    line = new_line(withhold=1)
    assert isinstance(exchange(line, SALE), Fail)
    with pytest.raises(ProtocolError):
        line.link.request(SALE, execution_timeout=EXEC)
    exchange(line, LAST_DOC, idempotent=True)
    assert line.link.tainted is None
    assert isinstance(exchange(line, SALE), Deliver)


def test_surplus_repeat_copy_is_dropped_at_the_start_of_the_next_exchange() -> None:
    """The original answer comes late, after ``I`` went out: the link delivers it, and the
    device's repeat of the same answer, arriving during the next exchange, is not taken."""
    line = new_line()
    exchange(line, LAST_DOC, idempotent=True)
    line.plan = Plan(late=frozenset({1}))
    first = exchange(line, SALE)
    assert first == Deliver(line.device.executions[-1][1])
    second = exchange(line, SALE)
    assert second == Deliver(line.device.executions[-1][1]) and second != first


def test_endless_keepalives_end_the_exchange() -> None:
    link = MskLink(MskTimeouts(max_keepalives=10))
    link.request(SALE, execution_timeout=EXEC)
    actions = link.receive(b"\x06" * 11)
    assert timeout_of(actions[-1]).maybe_executed is True
    assert not link.busy


def test_request_refusals() -> None:
    link = MskLink()
    for bad in (b"", b"\x01x\x00", b"S0000"):
        with pytest.raises(InvalidParameter):
            link.request(bad, execution_timeout=EXEC)
    with pytest.raises(InvalidParameter):
        link.request(SALE, execution_timeout=0)
    link.request(SALE, execution_timeout=EXEC)
    with pytest.raises(ProtocolError):
        link.request(SALE, execution_timeout=EXEC)


def test_abort_forgets_the_exchange_and_taints_a_fiscal_letter() -> None:
    link = MskLink()
    link.request(SALE, execution_timeout=EXEC)
    link.receive(b"\x02S\x00")
    link.abort()
    assert link.state is LinkState.IDLE and not link.framer.in_frame
    assert link.timeout() == [] and link.receive(b"\x06") == []
    assert link.tainted == 0x53


def test_timeout_in_the_middle_of_our_answer_asks_for_a_repeat() -> None:
    link = MskLink()
    link.request(LAST_DOC, execution_timeout=EXEC, idempotent=True)
    previous = mf.answer_body(0x4A, 0, 0, 0, b"1\x00")
    link.receive(mf.encode(previous))
    link.request(SALE, execution_timeout=EXEC)
    assert link.receive(b"\x02S\x00fc") == [Wait(link.t.inter_byte, "inter-byte")]
    assert link.timeout() == [Send(mf.encode(b"I0000\x00")), Wait(link.t.repeat_answer, "ack")]
    repeat = mf.encode(mf.answer_body(0x53, 0, 0, 0, b"9\x00"), lowercase=True)
    assert link.receive(repeat) == [Deliver(repeat[1:-3])]


# -- property: any fault plan --------------------------------------------------------------------

indexes = st.frozensets(st.integers(0, 8), max_size=4)


@SETTINGS
@given(seed=st.integers(0, 2**32 - 1), lose=indexes, damage=indexes, late=indexes,
       keepalives=st.integers(0, 3), withhold=st.integers(0, 2),
       script=st.lists(st.sampled_from(["sale", "last-doc", "param"]), min_size=1, max_size=4))
def test_any_faults_never_deliver_a_wrong_answer_nor_resend_a_fiscal_command(
        seed: int, lose: frozenset[int], damage: frozenset[int], late: frozenset[int], keepalives: int,
        withhold: int, script: list[str]) -> None:
    """Lost requests, withheld, damaged (checksum-detectably) and late answers, keep-alives, random
    chunking, over a few exchanges: every exchange ends, the invariants of :func:`exchange` hold,
    and a tainted letter is only refused, never sent."""
    line = new_line(seed=seed, plan=Plan(lose, damage, late), keepalives=keepalives, withhold=withhold)
    messages = {"sale": (SALE, False), "last-doc": (LAST_DOC, True), "param": (READ_PARAM, True)}
    for step in script:
        message, idempotent = messages[step]
        if not idempotent and line.link.tainted == message[0]:
            with pytest.raises(ProtocolError):
                line.link.request(message, execution_timeout=EXEC)
            message, idempotent = messages["last-doc"]
        exchange(line, message, idempotent=idempotent)
