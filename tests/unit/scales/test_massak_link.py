"""The Massa-K host link: scripted exchanges and a property test against a misbehaving fake scale.

Invariants of every run: exactly one Deliver or Fail ends it and nothing follows; a Deliver carries the
body of a reply that answers the request; a request that is not idempotent is sent exactly once.
"""

from __future__ import annotations

import random

import pytest
from hypothesis import given
from hypothesis import strategies as st
from scales_testkit import SETTINGS, Line

from kkt_drivers.errors import FrameError, InvalidParameter, ProtocolError, Timeout
from kkt_drivers.protocols.actions import Deliver, Fail, Send, Wait
from kkt_drivers.protocols.massak import commands as c
from kkt_drivers.protocols.massak.framer import encode, encode_with_crc
from kkt_drivers.protocols.massak.link import LinkState, MassaKLink, MassaKTimeouts

GET_MASSA = c.GetMassa().to_body()
READING = c.MassaReading(1000, c.Division.G_1, True, False, False, 0).to_body()


def test_request_sends_the_frame_and_arms_the_execution_deadline() -> None:
    link = MassaKLink()
    assert link.request(GET_MASSA, execution_timeout=1.5) == [Send(encode(GET_MASSA)), Wait(1.5, "execution")]
    assert link.busy and link.state is LinkState.WAIT_REPLY


def test_reply_in_pieces_with_noise_before_it_is_delivered() -> None:
    link = MassaKLink()
    link.request(GET_MASSA, execution_timeout=1.0)
    wire = b"\x00\x13" + encode(READING)
    assert link.receive(wire[:2]) == []  # noise only: the execution deadline stays
    assert link.receive(wire[2:6]) == [Wait(link.t.inter_byte, "inter-byte")]
    assert link.state is LinkState.RECEIVING
    assert link.receive(wire[6:]) == [Deliver(READING)]
    assert not link.busy


def test_late_reply_to_another_request_is_dropped() -> None:
    link = MassaKLink()
    link.request(GET_MASSA, execution_timeout=1.0)
    stale = encode(c.Ack(c.Cmd.ACK_SET).to_body())
    assert link.receive(stale) == [Wait(1.0, "execution")]
    assert link.receive(encode(READING)) == [Deliver(READING)]


def test_error_and_nack_answer_any_request() -> None:
    for body in (c.ErrorReply(0x08).to_body(), c.Ack(c.Cmd.NACK).to_body()):
        link = MassaKLink()
        link.request(c.SetZero().to_body(), execution_timeout=1.0)
        assert link.receive(encode(body)) == [Deliver(body)]


def test_unknown_request_takes_any_reply() -> None:
    link = MassaKLink()
    link.request(bytes.fromhex("92 01 00 00 00 00 00 00"), execution_timeout=1.0)
    reply = bytes.fromhex("93 01 02")
    assert link.receive(encode(reply)) == [Deliver(reply)]


def test_silence_fails_a_non_idempotent_request_without_resending() -> None:
    link = MassaKLink()
    link.request(c.SetTare(100).to_body(), execution_timeout=1.0)
    [fail] = link.timeout()
    assert isinstance(fail, Fail) and isinstance(fail.error, Timeout)
    assert fail.error.maybe_executed and fail.error.phase == "execution"
    assert not link.busy


def test_silence_retries_an_idempotent_request_then_fails() -> None:
    link = MassaKLink(MassaKTimeouts(tries=3))
    frame = encode(GET_MASSA)
    link.request(GET_MASSA, execution_timeout=1.0, idempotent=True)
    assert link.timeout() == [Send(frame), Wait(1.0, "execution")]
    assert link.timeout() == [Send(frame), Wait(1.0, "execution")]
    [fail] = link.timeout()
    assert isinstance(fail, Fail) and isinstance(fail.error, Timeout)


def test_bad_crc_reply() -> None:
    bad = encode_with_crc(READING, 0)
    link = MassaKLink()
    link.request(GET_MASSA, execution_timeout=1.0, idempotent=True)
    assert link.receive(bad) == [Send(encode(GET_MASSA)), Wait(1.0, "execution")]
    assert link.receive(encode(READING)) == [Deliver(READING)]
    once = MassaKLink()
    once.request(c.SetZero().to_body(), execution_timeout=1.0)
    [fail] = once.receive(encode_with_crc(c.Ack(0x27).to_body(), 0x1234))
    assert isinstance(fail, Fail) and isinstance(fail.error, FrameError)


def test_stalled_frame_is_an_inter_byte_timeout() -> None:
    link = MassaKLink()
    link.request(c.SetZero().to_body(), execution_timeout=1.0)
    link.receive(encode(c.Ack(0x27).to_body())[:4])
    [fail] = link.timeout()
    assert isinstance(fail, Fail) and isinstance(fail.error, Timeout) and fail.error.phase == "inter-byte"
    assert not link.framer.in_frame


def test_noise_that_looked_like_a_frame_start_rearms_but_not_forever() -> None:
    link = MassaKLink(MassaKTimeouts(stale_replies=2))
    link.request(GET_MASSA, execution_timeout=1.0)
    for _ in range(2):
        assert link.receive(b"\xf8") == [Wait(link.t.inter_byte, "inter-byte")]
        assert link.receive(b"\x00") == [Wait(1.0, "execution")]
    link.receive(b"\xf8")
    [fail] = link.receive(b"\x00")
    assert isinstance(fail, Fail) and isinstance(fail.error, ProtocolError)


def test_busy_link_refuses_a_second_request_and_abort_frees_it() -> None:
    link = MassaKLink()
    link.request(GET_MASSA, execution_timeout=1.0)
    with pytest.raises(ProtocolError):
        link.request(GET_MASSA, execution_timeout=1.0)
    link.receive(encode(READING)[:3])
    link.abort()
    assert not link.busy and not link.framer.in_frame
    assert link.receive(encode(READING)) == []  # idle: late bytes are dropped
    with pytest.raises(InvalidParameter):
        link.request(b"", execution_timeout=1.0)
    assert link.timeout() == []


# -- property test against a fake scale ---------------------------------------------------------

class FakeScale:
    """Answers each request frame according to a script of behaviours, then correctly."""

    def __init__(self, reply: bytes, script: list[str], rng: random.Random) -> None:
        self.reply = reply
        self.script = list(script)
        self.rng = rng
        self.requests = 0

    def __call__(self, data: bytes) -> bytes:
        self.requests += 1
        good = encode(self.reply)
        how = self.script.pop(0) if self.script else "ok"
        if how == "silent":
            return b""
        if how == "noise":
            return bytes(self.rng.randrange(0xF8) for _ in range(self.rng.randint(1, 12))) + good  # no F8: no header
        if how == "corrupt":
            wire = bytearray(good)
            pos = self.rng.randrange(5, len(wire))
            wire[pos] ^= self.rng.randrange(1, 256)
            return bytes(wire)
        if how == "truncate":
            return good[:self.rng.randrange(1, len(good))]
        if how == "stale":
            return encode(c.Ack(c.Cmd.ACK_SET_TARE).to_body()) + good
        return good


@SETTINGS
@given(script=st.lists(st.sampled_from(["ok", "silent", "noise", "corrupt", "truncate", "stale"]), max_size=5),
       idempotent=st.booleans(), rng=st.randoms(use_true_random=False))
def test_link_always_terminates_with_a_sound_outcome(script: list[str], idempotent: bool,
                                                     rng: random.Random) -> None:
    link = MassaKLink()
    scale = FakeScale(READING, script, rng)
    line = Line(link, scale, rng)
    result = line.run(link.request(GET_MASSA, execution_timeout=1.0, idempotent=idempotent))
    if isinstance(result, Deliver):
        assert result.answer == READING
    else:
        assert isinstance(result.error, (Timeout, FrameError, ProtocolError))
    if not idempotent:
        assert scale.requests == 1
    assert scale.requests <= link.t.tries
    if idempotent and all(how in ("ok", "noise", "stale") for how in script[:1]):
        assert isinstance(result, Deliver)
