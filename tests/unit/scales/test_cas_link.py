"""The CAS host link (ENQ → ACK, DC1 → frame) and the device-side decoder."""

from __future__ import annotations

import random
from decimal import Decimal

import pytest
from hypothesis import given
from hypothesis import strategies as st
from scales_testkit import SETTINGS, Line

from kkt_drivers.errors import FrameError, InvalidParameter, ProtocolError, Timeout
from kkt_drivers.protocols.actions import Deliver, Fail, Send, Wait
from kkt_drivers.protocols.cas.device import CasDeviceDecoder, Poll, WeightRequest, ack, nak
from kkt_drivers.protocols.cas.frames import (
    ACK,
    DC1,
    DC2,
    ENQ,
    NAK,
    CasPriceReading,
    CasWeight,
    encode_price_frame,
    encode_weight_frame,
    parse_price_frame,
    parse_weight_frame,
)
from kkt_drivers.protocols.cas.link import CasLink, CasTimeouts, LinkState

WEIGHT = CasWeight.from_value(Decimal("0.625"))
FRAME = encode_weight_frame(WEIGHT)
PRICE_FRAME = encode_price_frame(CasPriceReading("  312.50", WEIGHT, "  500.00"))


def test_enq_ack_dc1_frame() -> None:
    link = CasLink()
    assert link.request(b"\x11", execution_timeout=1.0) == [Send(b"\x05"), Wait(link.t.ack, "ack")]
    assert link.receive(b"\x06") == [Send(b"\x11"), Wait(1.0, "execution")]
    assert link.receive(FRAME[:6]) == [Wait(link.t.inter_byte, "inter-byte")]
    [deliver] = link.receive(FRAME[6:])
    assert isinstance(deliver, Deliver) and parse_weight_frame(deliver.answer) == WEIGHT
    assert not link.busy


def test_captured_ack_and_frame_in_one_read() -> None:
    """The M-ER capture: ACK and the frame arrive together after ENQ (the client sent DC1 blindly)."""
    link = CasLink(skip_enq=True)
    assert link.request(b"\x11", execution_timeout=1.0) == [Send(b"\x11"), Wait(1.0, "execution")]
    wire = bytes.fromhex("06 01 02 53 20 30 30 2E 34 38 38 6B 67 65 03 04")
    [deliver] = link.receive(wire)
    assert isinstance(deliver, Deliver) and parse_weight_frame(deliver.answer).value == Decimal("0.488")


def test_dc2_waits_for_the_price_frame_and_skips_a_weight_frame() -> None:
    link = CasLink(skip_enq=True)
    link.request(b"\x12", execution_timeout=1.0)
    assert link.receive(FRAME) == [Wait(1.0, "execution")]  # a weight frame does not answer DC2
    [deliver] = link.receive(PRICE_FRAME)
    assert isinstance(deliver, Deliver) and parse_price_frame(deliver.answer).total_value == Decimal("312.50")


def test_nak_pauses_then_asks_again_and_gives_up() -> None:
    link = CasLink(CasTimeouts(enq_tries=2))
    link.request(b"\x11", execution_timeout=1.0)
    assert link.receive(b"\x15") == [Wait(link.t.busy_pause, "ack")]
    assert link.state is LinkState.BUSY_PAUSE
    assert link.timeout() == [Send(b"\x05"), Wait(link.t.ack, "ack")]
    link.receive(b"\x15")
    [fail] = link.timeout()
    assert isinstance(fail, Fail) and isinstance(fail.error, Timeout) and not fail.error.maybe_executed


def test_silent_scale_and_bad_frames() -> None:
    link = CasLink(CasTimeouts(enq_tries=1))
    link.request(b"\x11", execution_timeout=1.0)
    [fail] = link.timeout()
    assert isinstance(fail, Fail) and fail.error.phase == "ack"  # type: ignore[attr-defined]

    bad = bytearray(FRAME)
    bad[12] ^= 0xFF
    link = CasLink(skip_enq=True)
    link.request(b"\x11", execution_timeout=1.0)
    [fail] = link.receive(bytes(bad))
    assert isinstance(fail, Fail) and isinstance(fail.error, FrameError)

    retry = CasLink(skip_enq=True)
    retry.request(b"\x11", execution_timeout=1.0, idempotent=True)
    assert retry.receive(bytes(bad)) == [Send(b"\x11"), Wait(1.0, "execution")]
    assert isinstance(retry.receive(FRAME)[0], Deliver)


def test_stalled_frame_and_missing_frame() -> None:
    link = CasLink(skip_enq=True)
    link.request(b"\x11", execution_timeout=1.0)
    link.receive(FRAME[:5])
    [fail] = link.timeout()
    assert isinstance(fail, Fail) and isinstance(fail.error, Timeout) and fail.error.phase == "inter-byte"
    link.request(b"\x11", execution_timeout=1.0)
    [fail] = link.timeout()
    assert isinstance(fail, Fail) and isinstance(fail.error, Timeout) and fail.error.maybe_executed


def test_refusals() -> None:
    link = CasLink()
    with pytest.raises(InvalidParameter):
        link.request(b"\x05", execution_timeout=1.0)
    with pytest.raises(InvalidParameter):
        link.request(b"\x11\x11", execution_timeout=1.0)
    link.request(b"\x11", execution_timeout=1.0)
    with pytest.raises(ProtocolError):
        link.request(b"\x11", execution_timeout=1.0)
    link.abort()
    assert not link.busy and link.receive(FRAME) == [] and link.timeout() == []


class FakeCas:
    """A CAS scale driven by :class:`CasDeviceDecoder`; ``script`` spoils some answers."""

    def __init__(self, script: list[str], rng: random.Random) -> None:
        self.decoder = CasDeviceDecoder()
        self.script = list(script)
        self.rng = rng
        self.requests = 0

    def __call__(self, data: bytes) -> bytes:
        out = b""
        for event in self.decoder.feed(data):
            how = self.script.pop(0) if self.script else "ok"
            if isinstance(event, Poll):
                out += {"silent": b"", "busy": nak()}.get(how, ack())
                continue
            self.requests += 1
            frame = PRICE_FRAME if event.price else FRAME
            if how == "silent":
                continue
            if how == "corrupt":
                spoiled = bytearray(frame)
                spoiled[self.rng.randrange(2, len(spoiled))] ^= self.rng.randrange(1, 256)
                frame = bytes(spoiled)
            elif how == "truncate":
                frame = frame[:self.rng.randrange(1, len(frame))]
            elif how == "noise":
                frame = bytes(self.rng.choice(b"\x00\x20\x30\x7f") for _ in range(5)) + frame
            out += frame
        return out


@SETTINGS
@given(script=st.lists(st.sampled_from(["ok", "silent", "busy", "corrupt", "truncate", "noise"]), max_size=8),
       idempotent=st.booleans(), price=st.booleans(), skip=st.booleans(), rng=st.randoms(use_true_random=False))
def test_link_always_terminates_with_a_sound_outcome(script: list[str], idempotent: bool, price: bool, skip: bool,
                                                     rng: random.Random) -> None:
    link = CasLink(skip_enq=skip)
    scale = FakeCas(script, rng)
    result = Line(link, scale, rng).run(link.request(bytes((DC2 if price else DC1,)), execution_timeout=1.0,
                                                     idempotent=idempotent))
    if isinstance(result, Deliver):
        assert result.answer == (PRICE_FRAME if price else FRAME)
    else:
        assert isinstance(result.error, (Timeout, FrameError, ProtocolError))
    assert scale.requests <= (link.t.tries if idempotent else 1)


def test_device_decoder_events_and_require_enq() -> None:
    decoder = CasDeviceDecoder()
    assert decoder.feed(bytes((ENQ, 0x00, DC1, DC2))) == [Poll(), WeightRequest(False), WeightRequest(True)]
    assert decoder.noise == 1
    strict = CasDeviceDecoder(require_enq=True)
    assert strict.feed(bytes((DC1, ENQ, DC1, DC1))) == [Poll(), WeightRequest(False)]
    assert strict.ignored == 2
    assert ack() == bytes((ACK,)) and nak() == bytes((NAK,))


@SETTINGS
@given(stream=st.binary(max_size=200), require=st.booleans())
def test_device_decoder_accounts_for_every_byte(stream: bytes, require: bool) -> None:
    decoder = CasDeviceDecoder(require_enq=require)
    events = decoder.feed(stream)
    assert len(events) + decoder.noise + decoder.ignored == len(stream)
