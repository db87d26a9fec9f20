"""State-machine tests of the Shtrih-M host link, step by step, against hand-written device bytes.

Frames in these tests are written out by hand from the protocol rule (STX, LEN, message, XOR of LEN and message),
not produced by the framer under test.
"""

from __future__ import annotations

import pytest

from kkt_drivers.errors import FrameError, ProtocolError, Timeout
from kkt_drivers.protocols.actions import Action, Deliver, Fail, Send, Wait
from kkt_drivers.protocols.shtrih.link import (
    LinkState,
    RecoveredAnswer,
    ShtrihLink,
    ShtrihTimeouts,
    answer_belongs_to,
)

ENQ, ACK, NAK = b"\x05", b"\x06", b"\x15"
EXEC = 7.0

#: short status, password 30, and its frame (published in the research notes' KKTClient source)
STATUS = bytes.fromhex("10 1E 00 00 00")
STATUS_FRAME = bytes.fromhex("02 05 10 1E 00 00 00 0B")
STATUS_ANSWER = bytes.fromhex("10 00 1E")
STATUS_ANSWER_FRAME = bytes.fromhex("02 03 10 00 1E 0D")  # 03^10^00^1E = 0D
#: device type request and a short answer
FC = bytes.fromhex("FC")
FC_ANSWER = bytes.fromhex("FC 00 00 00 02 00 2D 00")
FC_ANSWER_FRAME = bytes.fromhex("02 08 FC 00 00 00 02 00 2D 00 DB")  # 08^FC^02^2D = DB
#: FN status request (two-byte code) and its short error answer form
FN_STATUS = bytes.fromhex("FF 01 1E 00 00 00")
FN_STATUS_FRAME = bytes.fromhex("02 06 FF 01 1E 00 00 00 E6")


def sends(actions: list[Action]) -> list[bytes]:
    return [a.data for a in actions if isinstance(a, Send)]


def waits(actions: list[Action]) -> list[Wait]:
    return [a for a in actions if isinstance(a, Wait)]


def failure(actions: list[Action]) -> Exception:
    assert isinstance(actions[-1], Fail), actions
    return actions[-1].error


def start(link: ShtrihLink, message: bytes = STATUS) -> list[Action]:
    return link.request(message, execution_timeout=EXEC)


def to_wait_answer(link: ShtrihLink, message: bytes = STATUS) -> None:
    start(link, message)
    link.receive(NAK)
    assert link.receive(ACK) == [Wait(EXEC, "execution")]
    assert link.state is LinkState.WAIT_ANSWER


# -- the normal exchange ----------------------------------------------------------------------

def test_normal_exchange_enq_nak_frame_ack_answer_ack() -> None:
    link = ShtrihLink()
    assert start(link) == [Send(ENQ), Wait(1.0, "ack")]
    assert link.busy and link.state is LinkState.ENQ_SENT
    assert link.receive(NAK) == [Send(STATUS_FRAME), Wait(1.0, "ack")]
    assert link.receive(ACK) == [Wait(EXEC, "execution")]
    assert link.receive(STATUS_ANSWER_FRAME) == [Send(ACK), Deliver(STATUS_ANSWER)]
    assert not link.busy


def test_answer_split_into_single_bytes_arms_the_inter_byte_deadline() -> None:
    link = ShtrihLink()
    to_wait_answer(link)
    for byte in STATUS_ANSWER_FRAME[:-1]:
        assert link.receive(bytes((byte,))) == [Wait(1.0, "inter-byte")]
    assert link.receive(STATUS_ANSWER_FRAME[-1:]) == [Send(ACK), Deliver(STATUS_ANSWER)]


def test_ack_and_answer_in_one_chunk() -> None:
    link = ShtrihLink()
    start(link, FC)
    link.receive(NAK)
    assert link.receive(ACK + FC_ANSWER_FRAME) == [Wait(EXEC, "execution"), Send(ACK), Deliver(FC_ANSWER)]


def test_request_while_busy_is_refused() -> None:
    link = ShtrihLink()
    start(link)
    with pytest.raises(ProtocolError):
        start(link)


@pytest.mark.parametrize("message", [b"", bytes(256)])
def test_request_refuses_messages_len_cannot_carry(message: bytes) -> None:
    link = ShtrihLink()
    with pytest.raises(FrameError):
        link.request(message, execution_timeout=EXEC)
    assert not link.busy


def test_stray_bytes_while_idle_are_ignored() -> None:
    link = ShtrihLink()
    assert link.receive(ACK + NAK + ENQ + STATUS_ANSWER_FRAME) == []
    assert link.timeout() == []


# -- before the frame: ENQ --------------------------------------------------------------------

def test_enq_silence_is_retried_then_fails_not_executed() -> None:
    link = ShtrihLink(ShtrihTimeouts(enq_tries=4))
    start(link)
    for _ in range(3):
        assert link.timeout() == [Send(ENQ), Wait(1.0, "ack")]
    error = failure(link.timeout())
    assert isinstance(error, Timeout) and error.phase == "ack" and not error.maybe_executed
    assert not link.busy and link.orphan is None


def test_held_answer_of_unknown_origin_is_read_acknowledged_and_dropped() -> None:
    """ENQ → ACK: the device holds an answer nobody waits for; the link reads it, ACKs it, asks again."""
    link = ShtrihLink()
    start(link)
    assert link.receive(ACK) == [Wait(EXEC, "execution")]
    assert link.state is LinkState.DRAINING
    assert link.receive(FC_ANSWER_FRAME) == [Send(ACK), Send(ENQ), Wait(1.0, "ack")]
    assert link.discarded == 1 and link.recovered == []
    assert link.receive(NAK) == [Send(STATUS_FRAME), Wait(1.0, "ack")]


def test_device_that_keeps_announcing_answers_is_given_up_without_sending() -> None:
    link = ShtrihLink(ShtrihTimeouts(stale_answers=2))
    start(link)
    sent: list[bytes] = []
    for _ in range(2):
        assert link.receive(ACK) == [Wait(EXEC, "execution")]
        sent += sends(link.receive(FC_ANSWER_FRAME))
    error = failure(link.receive(ACK))
    assert isinstance(error, Timeout) and not error.maybe_executed
    assert sent == [ACK, ENQ, ACK, ENQ]
    assert STATUS_FRAME not in sent and not link.busy


def test_device_that_acks_enq_and_sends_nothing_is_asked_again() -> None:
    link = ShtrihLink()
    start(link)
    link.receive(ACK)
    assert link.timeout() == [Send(ENQ), Wait(1.0, "ack")]
    assert link.state is LinkState.ENQ_SENT


def test_held_answer_with_bad_lrc_is_naked_and_asked_for_again() -> None:
    link = ShtrihLink()
    start(link)
    link.receive(ACK)
    bad = FC_ANSWER_FRAME[:-1] + b"\x00"
    assert link.receive(bad) == [Send(NAK), Send(ENQ), Wait(1.0, "ack")]
    assert link.state is LinkState.ENQ_SENT


# -- the frame --------------------------------------------------------------------------------

def test_lost_ack_is_probed_with_enq_never_by_resending_the_frame() -> None:
    link = ShtrihLink()
    start(link)
    link.receive(NAK)
    assert link.timeout() == [Send(ENQ), Wait(1.0, "ack")]  # not the frame again
    assert link.state is LinkState.PROBING
    assert link.receive(ACK) == [Wait(EXEC, "execution")]  # the device took it and prepares the answer
    assert link.receive(STATUS_ANSWER_FRAME) == [Send(ACK), Deliver(STATUS_ANSWER)]


def test_probe_answered_nak_means_not_taken_so_the_frame_is_sent_again() -> None:
    link = ShtrihLink()
    start(link)
    link.receive(NAK)
    link.timeout()
    assert link.receive(NAK) == [Send(STATUS_FRAME), Wait(1.0, "ack")]


def test_answer_arriving_instead_of_a_lost_ack_is_delivered() -> None:
    link = ShtrihLink()
    start(link)
    link.receive(NAK)
    assert link.receive(STATUS_ANSWER_FRAME) == [Send(ACK), Deliver(STATUS_ANSWER)]


def test_nak_storm_on_the_frame_fails_not_executed() -> None:
    link = ShtrihLink(ShtrihTimeouts(frame_tries=5))
    start(link)
    frames = sends(link.receive(NAK))
    actions: list[Action] = []
    for _ in range(5):
        actions = link.receive(NAK)
        frames += sends(actions)
    assert frames == [STATUS_FRAME] * 5
    error = failure(actions)
    assert isinstance(error, Timeout) and not error.maybe_executed
    assert link.orphan is None


def test_probe_silence_fails_maybe_executed_and_keeps_the_orphan() -> None:
    link = ShtrihLink(ShtrihTimeouts(enq_tries=3))
    start(link)
    link.receive(NAK)
    link.timeout()  # ACK lost → probe
    link.timeout()
    link.timeout()
    error = failure(link.timeout())
    assert isinstance(error, Timeout) and error.maybe_executed
    assert link.orphan == STATUS


# -- the answer -------------------------------------------------------------------------------

def test_bad_lrc_answer_is_naked_then_reread_after_enq() -> None:
    link = ShtrihLink()
    to_wait_answer(link)
    assert link.receive(STATUS_ANSWER_FRAME[:-1] + b"\x0e") == [Send(NAK), Send(ENQ), Wait(1.0, "ack")]
    assert link.state is LinkState.REREAD
    assert link.receive(ACK) == [Wait(EXEC, "execution")]
    assert link.receive(STATUS_ANSWER_FRAME) == [Send(ACK), Deliver(STATUS_ANSWER)]


def test_bad_answers_beyond_the_limit_fail_maybe_executed() -> None:
    link = ShtrihLink(ShtrihTimeouts(answer_tries=2))
    to_wait_answer(link)
    bad = STATUS_ANSWER_FRAME[:-1] + b"\x0e"
    link.receive(bad)
    link.receive(ACK)
    link.receive(bad)
    link.receive(ACK)
    error = failure(link.receive(bad))
    assert isinstance(error, Timeout) and error.maybe_executed
    assert link.orphan == STATUS


def test_stalled_answer_is_treated_like_a_bad_one() -> None:
    link = ShtrihLink()
    to_wait_answer(link)
    assert link.receive(STATUS_ANSWER_FRAME[:3]) == [Wait(1.0, "inter-byte")]
    assert link.timeout() == [Send(NAK), Send(ENQ), Wait(1.0, "ack")]
    assert not link.framer.in_frame


def test_reread_answered_nak_means_the_answer_is_gone() -> None:
    link = ShtrihLink()
    to_wait_answer(link)
    link.receive(STATUS_ANSWER_FRAME[:-1] + b"\x0e")
    error = failure(link.receive(NAK))
    assert isinstance(error, Timeout) and error.maybe_executed
    assert link.orphan is None  # the device holds nothing to recover


def test_execution_deadline_polls_with_enq_and_waits_again_on_ack() -> None:
    link = ShtrihLink()
    to_wait_answer(link)
    assert link.timeout() == [Send(ENQ), Wait(1.0, "ack")]
    assert link.state is LinkState.POLLING
    assert link.receive(ACK) == [Wait(EXEC, "execution")]
    assert link.receive(STATUS_ANSWER_FRAME) == [Send(ACK), Deliver(STATUS_ANSWER)]


def test_poll_answered_nak_fails_maybe_executed_without_orphan() -> None:
    link = ShtrihLink()
    to_wait_answer(link)
    link.timeout()
    error = failure(link.receive(NAK))
    assert isinstance(error, Timeout) and error.phase == "execution" and error.maybe_executed
    assert link.orphan is None


def test_busy_device_is_polled_a_bounded_number_of_times() -> None:
    link = ShtrihLink(ShtrihTimeouts(busy_polls=2))
    to_wait_answer(link)
    for _ in range(2):
        assert link.timeout() == [Send(ENQ), Wait(1.0, "ack")]
        assert link.receive(ACK) == [Wait(EXEC, "execution")]
    link.timeout()
    error = failure(link.receive(ACK))
    assert isinstance(error, Timeout) and error.maybe_executed
    assert link.orphan == STATUS


def test_poll_silence_fails_maybe_executed_with_orphan() -> None:
    link = ShtrihLink(ShtrihTimeouts(enq_tries=2))
    to_wait_answer(link)
    link.timeout()
    link.timeout()
    error = failure(link.timeout())
    assert isinstance(error, Timeout) and error.maybe_executed
    assert link.orphan == STATUS


def test_answer_of_another_command_while_waiting_is_acknowledged_and_skipped() -> None:
    link = ShtrihLink()
    to_wait_answer(link)
    assert link.receive(FC_ANSWER_FRAME) == [Send(ACK), Wait(EXEC, "execution")]
    assert link.discarded == 1
    assert link.receive(STATUS_ANSWER_FRAME) == [Send(ACK), Deliver(STATUS_ANSWER)]


def test_two_byte_command_accepts_the_short_error_answer() -> None:
    link = ShtrihLink()
    to_wait_answer(link, FN_STATUS)
    assert link.receive(bytes.fromhex("02 02 FF 37 CA")) == [Send(ACK), Deliver(bytes.fromhex("FF 37"))]


def test_answer_ownership() -> None:
    assert answer_belongs_to(STATUS, bytes.fromhex("10 00 1E"))
    assert not answer_belongs_to(STATUS, bytes.fromhex("11 00 1E"))
    assert answer_belongs_to(FN_STATUS, bytes.fromhex("FF 01 00"))
    assert not answer_belongs_to(FN_STATUS, bytes.fromhex("FF 43 00"))
    assert answer_belongs_to(FN_STATUS, bytes.fromhex("FF 37"))
    assert not answer_belongs_to(STATUS, bytes.fromhex("FF 37"))


# -- recovery of a held answer ----------------------------------------------------------------

def orphaned(link: ShtrihLink, message: bytes = STATUS) -> None:
    """Leave ``message`` taken by the device with its answer lost (the poll after the deadline met silence)."""
    to_wait_answer(link, message)
    link.timeout()
    for _ in range(link.t.enq_tries):
        actions = link.timeout()
    assert isinstance(failure(actions), Timeout)
    assert link.orphan == message


def test_retry_of_the_orphan_gets_the_held_answer_without_sending_the_command_again() -> None:
    link = ShtrihLink()
    orphaned(link)
    assert start(link) == [Send(ENQ), Wait(1.0, "ack")]
    link.receive(ACK)
    actions = link.receive(STATUS_ANSWER_FRAME)
    assert actions == [Send(ACK), Deliver(STATUS_ANSWER)]
    assert STATUS_FRAME not in sends(actions)
    assert link.orphan is None and not link.busy


def test_held_answer_of_the_orphan_met_by_another_command_is_kept_for_the_session() -> None:
    link = ShtrihLink()
    orphaned(link)
    start(link, FC)
    link.receive(ACK)
    assert link.receive(STATUS_ANSWER_FRAME) == [Send(ACK), Send(ENQ), Wait(1.0, "ack")]
    assert link.recovered == [RecoveredAnswer(STATUS, STATUS_ANSWER)]
    assert link.orphan is None
    assert link.receive(NAK) == [Send(bytes.fromhex("02 01 FC FD")), Wait(1.0, "ack")]


def test_orphan_is_forgotten_when_the_device_holds_nothing() -> None:
    link = ShtrihLink()
    orphaned(link)
    start(link)
    assert link.receive(NAK) == [Send(STATUS_FRAME), Wait(1.0, "ack")]  # the session chose to retry: sent
    assert link.orphan is None


def test_held_answer_of_another_command_does_not_satisfy_the_orphan_retry() -> None:
    link = ShtrihLink()
    orphaned(link)
    start(link)
    link.receive(ACK)
    assert link.receive(FC_ANSWER_FRAME) == [Send(ACK), Send(ENQ), Wait(1.0, "ack")]
    assert link.orphan == STATUS and link.discarded == 1


def test_abort_after_the_device_took_the_frame_leaves_an_orphan() -> None:
    link = ShtrihLink()
    to_wait_answer(link)
    link.receive(STATUS_ANSWER_FRAME[:4])
    link.abort()
    assert not link.busy and link.orphan == STATUS and not link.framer.in_frame


def test_abort_before_the_frame_leaves_none() -> None:
    link = ShtrihLink()
    start(link)
    link.abort()
    assert link.orphan is None and not link.busy


# -- every state × every event ----------------------------------------------------------------

def drive_to(state: LinkState) -> ShtrihLink:
    link = ShtrihLink()
    if state is LinkState.IDLE:
        return link
    start(link)
    if state is LinkState.ENQ_SENT:
        return link
    if state is LinkState.DRAINING:
        link.receive(ACK)
        return link
    link.receive(NAK)
    if state is LinkState.FRAME_SENT:
        return link
    if state is LinkState.PROBING:
        link.timeout()
        return link
    link.receive(ACK)
    if state is LinkState.WAIT_ANSWER:
        return link
    if state is LinkState.POLLING:
        link.timeout()
        return link
    link.receive(STATUS_ANSWER_FRAME[:-1] + b"\x0e")  # REREAD
    return link


EVENTS = {
    "enq": ENQ, "ack": ACK, "nak": NAK, "own-answer": STATUS_ANSWER_FRAME, "other-answer": FC_ANSWER_FRAME,
    "bad-frame": STATUS_ANSWER_FRAME[:-1] + b"\x0e", "len-zero": b"\x02\x00\x00", "noise": b"\xff\x00\x33",
    "partial": STATUS_ANSWER_FRAME[:3], "timeout": b"",
}


@pytest.mark.parametrize("state", list(LinkState), ids=[s.value for s in LinkState])
@pytest.mark.parametrize("event", list(EVENTS), ids=list(EVENTS))
def test_every_state_and_event_gives_declared_actions(state: LinkState, event: str) -> None:
    link = drive_to(state)
    assert link.state is state
    actions = link.timeout() if event == "timeout" else link.receive(EVENTS[event])
    for action in actions:
        assert isinstance(action, (Send, Wait, Deliver, Fail))
        if isinstance(action, Wait):
            assert action.seconds > 0 and action.phase in {"ack", "execution", "inter-byte"}
        if isinstance(action, Fail):
            assert isinstance(action.error, (Timeout, ProtocolError))
    ends = [a for a in actions if isinstance(a, (Deliver, Fail))]
    assert len(ends) <= 1
    if ends:
        assert actions[-1] is ends[0] and not link.busy
    elif state is not LinkState.IDLE:
        assert link.busy
    if ends and isinstance(ends[0], Deliver):
        assert ends[0] == Deliver(STATUS_ANSWER)  # only our own answer is ever delivered
    # the command frame only goes out after NAK (device idle) — never on a timeout or another event
    if STATUS_FRAME in sends(actions):
        assert event == "nak" and state in (LinkState.ENQ_SENT, LinkState.FRAME_SENT, LinkState.PROBING)
