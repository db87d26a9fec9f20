"""The device side of the Shtrih-M exchange (for the emulator), step by step and under random input.

Frames are written out by hand from the protocol rule, not produced by the framer under test.
"""

from __future__ import annotations

from hypothesis import given, settings
from hypothesis import strategies as st

from kkt_drivers.protocols.actions import Action, Send, Wait
from kkt_drivers.protocols.shtrih.device_link import DeviceState, DeviceTimeouts, ShtrihDeviceLink

ENQ, ACK, NAK = b"\x05", b"\x06", b"\x15"
STATUS_FRAME = bytes.fromhex("02 05 10 1E 00 00 00 0B")  # short status, password 30
STATUS = bytes.fromhex("10 1E 00 00 00")
STATUS_ANSWER = bytes.fromhex("10 00 1E")
STATUS_ANSWER_FRAME = bytes.fromhex("02 03 10 00 1E 0D")
FC_FRAME = bytes.fromhex("02 01 FC FD")
FC_ANSWER = bytes.fromhex("FC 00 00 00 02 00 2D 00")
FC_ANSWER_FRAME = bytes.fromhex("02 08 FC 00 00 00 02 00 2D 00 DB")


class Device:
    """A device link with a recording executor."""

    def __init__(self, **timeouts: float) -> None:
        self.calls: list[bytes] = []
        self.link = ShtrihDeviceLink(self.execute, DeviceTimeouts(**timeouts))

    def execute(self, message: bytes) -> bytes:
        self.calls.append(message)
        return {STATUS: STATUS_ANSWER, bytes.fromhex("FC"): FC_ANSWER}[message]


def out(actions: list[Action]) -> bytes:
    return b"".join(a.data for a in actions if isinstance(a, Send))


def test_enq_when_idle_is_answered_nak() -> None:
    device = Device()
    assert device.link.receive(ENQ) == [Send(NAK)]
    assert device.calls == []


def test_frame_is_acknowledged_executed_and_answered() -> None:
    device = Device(answer_ack=0.3)
    assert device.link.receive(STATUS_FRAME) == [Send(ACK), Send(STATUS_ANSWER_FRAME), Wait(0.3, "ack")]
    assert device.calls == [STATUS]
    assert device.link.state is DeviceState.ANSWER_SENT


def test_frame_without_enq_is_accepted() -> None:
    """Captured hosts (fr_drv_ng) send frames without a preceding ENQ; the device takes them."""
    device = Device()
    assert out(device.link.receive(FC_FRAME)) == ACK + FC_ANSWER_FRAME


def test_host_ack_releases_the_answer() -> None:
    device = Device()
    device.link.receive(STATUS_FRAME)
    assert device.link.receive(ACK) == []
    assert not device.link.holds_answer
    assert device.link.receive(ENQ) == [Send(NAK)]


def test_host_nak_keeps_the_answer_for_enq() -> None:
    device = Device()
    device.link.receive(STATUS_FRAME)
    assert device.link.receive(NAK) == []  # not repeated by itself
    assert device.link.state is DeviceState.HOLDING
    assert out(device.link.receive(ENQ)) == ACK + STATUS_ANSWER_FRAME
    assert device.calls == [STATUS]


def test_missing_host_ack_keeps_the_answer_for_enq() -> None:
    device = Device()
    device.link.receive(STATUS_FRAME)
    assert device.link.timeout() == []
    assert device.link.state is DeviceState.HOLDING
    assert out(device.link.receive(ENQ)) == ACK + STATUS_ANSWER_FRAME


def test_late_ack_for_a_sent_answer_is_accepted() -> None:
    device = Device()
    device.link.receive(STATUS_FRAME)
    device.link.timeout()
    device.link.receive(ACK)
    assert not device.link.holds_answer


def test_withheld_answer_comes_out_only_on_enq() -> None:
    device = Device()
    device.link.withhold_next = 1
    assert device.link.receive(STATUS_FRAME) == [Send(ACK)]
    assert device.calls == [STATUS] and device.link.withhold_next == 0
    assert device.link.receive(ACK) == []  # a stray ACK cannot acknowledge an answer never sent
    assert device.link.holds_answer
    assert device.link.receive(STATUS_FRAME) == [Send(ACK)]  # repeat: not executed, answer still withheld
    assert device.calls == [STATUS] and device.link.repeats == 1
    assert out(device.link.receive(ENQ)) == ACK + STATUS_ANSWER_FRAME
    device.link.receive(ACK)
    assert device.link.receive(STATUS_FRAME)[:2] == [Send(ACK), Send(STATUS_ANSWER_FRAME)]
    assert device.calls == [STATUS, STATUS]  # acknowledged before, so this one is a new command


def test_repeated_frame_while_the_answer_is_unacknowledged_is_not_executed_again() -> None:
    device = Device()
    device.link.receive(STATUS_FRAME)
    assert out(device.link.receive(STATUS_FRAME)) == ACK + STATUS_ANSWER_FRAME
    assert device.calls == [STATUS] and device.link.repeats == 1


def test_another_command_while_holding_discards_the_held_answer() -> None:
    device = Device()
    device.link.receive(STATUS_FRAME)
    device.link.timeout()
    assert out(device.link.receive(FC_FRAME)) == ACK + FC_ANSWER_FRAME
    device.link.receive(ACK)
    assert device.link.receive(ENQ) == [Send(NAK)]
    assert device.calls == [STATUS, bytes.fromhex("FC")]


def test_nak_next_refuses_good_frames_without_executing() -> None:
    device = Device()
    device.link.nak_next = 2
    assert device.link.receive(STATUS_FRAME) == [Send(NAK)]
    assert device.link.receive(STATUS_FRAME) == [Send(NAK)]
    assert out(device.link.receive(STATUS_FRAME)) == ACK + STATUS_ANSWER_FRAME
    assert device.calls == [STATUS]


def test_bad_lrc_is_answered_nak() -> None:
    device = Device()
    assert device.link.receive(STATUS_FRAME[:-1] + b"\x0c") == [Send(NAK)]
    assert device.calls == []


def test_frame_cut_short_is_naked_on_the_byte_timeout() -> None:
    device = Device(byte=0.05)
    assert device.link.receive(STATUS_FRAME[:4]) == [Wait(0.05, "inter-byte")]
    assert device.link.timeout() == [Send(NAK)]
    assert out(device.link.receive(FC_FRAME)) == ACK + FC_ANSWER_FRAME


def test_split_frame_is_assembled() -> None:
    device = Device()
    actions: list[Action] = []
    for byte in STATUS_FRAME:
        actions += device.link.receive(bytes((byte,)))
    assert out(actions) == ACK + STATUS_ANSWER_FRAME


@settings(max_examples=300)
@given(stream=st.lists(st.one_of(st.sampled_from([0x02, 0x05, 0x06, 0x15, 0x10, 0xFC]), st.integers(0, 255)),
                       max_size=300).map(bytes),
       cuts=st.lists(st.integers(1, 300), max_size=10), timeouts=st.lists(st.booleans(), max_size=10))
def test_random_input_gives_declared_actions_only(stream: bytes, cuts: list[int], timeouts: list[bool]) -> None:
    calls: list[bytes] = []

    def execute(message: bytes) -> bytes:
        calls.append(message)
        return b"\x10\x00"

    link = ShtrihDeviceLink(execute)
    points = sorted({c % (len(stream) + 1) for c in cuts})
    chunks = [stream[a:b] for a, b in zip([0, *points], [*points, len(stream)], strict=True) if b > a]
    for i, chunk in enumerate(chunks):
        actions = link.receive(chunk)
        if i < len(timeouts) and timeouts[i]:
            actions += link.timeout()
        for action in actions:
            assert isinstance(action, (Send, Wait))
            if isinstance(action, Wait):
                assert action.phase in ("ack", "inter-byte") and action.seconds > 0
        assert len(link.framer._buf) <= 255
    assert all(1 <= len(c) <= 255 for c in calls)
    assert link.executed == len(calls)
