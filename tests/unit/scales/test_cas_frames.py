"""CAS frames: typed codec, refusals, and property tests of the feed decoder (chunking, noise,
corruption, truncation, random streams — declared events only, bounded memory).

The weight frame has a one-byte XOR check over STA…unit: it catches every change of one byte there
or in BCC itself; a damaged SOH/STX/ETX/EOT is caught by the structure check. A frame that fails
is reported and the search restarts one byte later, so the next good frame is always found.
"""

from __future__ import annotations

from decimal import Decimal

import pytest
from hypothesis import given
from hypothesis import strategies as st
from scales_testkit import SETTINGS, cuts, feed_chunks

from kkt_drivers.errors import FrameError, InvalidParameter, ProtocolError
from kkt_drivers.protocols.cas.frames import (
    ACK,
    NAK,
    SOH,
    STX,
    BadFrame,
    BccRule,
    CasFramer,
    CasPriceReading,
    CasWeight,
    Control,
    Frame,
    bcc_sum,
    encode_price_frame,
    encode_weight_frame,
    parse_price_frame,
    parse_weight_frame,
)

values = st.decimals(min_value=-99, max_value=99, places=3, allow_nan=False, allow_infinity=False)
weights = st.one_of(
    st.builds(lambda v, s, u: CasWeight.from_value(v, unit=u, stable=s), values, st.booleans(),
              st.sampled_from(["kg", "lb", "KG", " g"])),
    st.just(CasWeight.overloaded()),
)
price_text = st.integers(0, 99_999_999).map(lambda n: str(n).rjust(8))
prices = st.builds(CasPriceReading, price_text, weights, price_text)
SPECIAL = [SOH, STX, 0x03, 0x04, ACK, NAK, 0x53, 0x20, 0x6B, 0x67]
byte_values = st.one_of(st.sampled_from(SPECIAL), st.integers(0, 255))
quiet_noise = st.lists(st.integers(0, 255).filter(lambda b: b not in (SOH, ACK, NAK)), max_size=20).map(bytes)


@SETTINGS
@given(weight=weights)
def test_weight_frame_round_trip(weight: CasWeight) -> None:
    frame = encode_weight_frame(weight)
    assert len(frame) == 15 and frame[0] == SOH and frame[-2:] == b"\x03\x04"
    assert parse_weight_frame(frame) == weight


@SETTINGS
@given(reading=prices, rule=st.sampled_from([BccRule.XOR, BccRule.SUM]))
def test_price_frame_round_trip(reading: CasPriceReading, rule: BccRule) -> None:
    frame = encode_price_frame(reading, rule=rule)
    assert len(frame) == 37
    assert parse_price_frame(frame, rule=rule) == reading
    assert parse_price_frame(frame, rule=BccRule.EITHER) == reading


@SETTINGS
@given(value=values, stable=st.booleans())
def test_value_round_trip(value: Decimal, stable: bool) -> None:
    weight = CasWeight.from_value(value, stable=stable)
    assert weight.value == value and weight.stable is stable and weight.negative is (value < 0)


def test_overload_has_no_value_and_status_f_or_sign_f_mean_overload() -> None:
    assert CasWeight.overloaded().value is None and CasWeight.overloaded().overload
    sign_f = CasWeight("S", "F", "  9.99", "kg")
    assert sign_f.overload and sign_f.value is None


@pytest.mark.parametrize("block", [b"X 00.100kg", b"S+00.100kg", b"S 0.1.00kg", b"S       kg", b"S 1e+003kg",
                                   b"S \xc0\xc0.100kg"])
def test_bad_weight_blocks_are_protocol_errors(block: bytes) -> None:
    with pytest.raises(ProtocolError):
        CasWeight.from_block(block)


def test_construction_refuses_wrong_sizes() -> None:
    with pytest.raises(InvalidParameter):
        CasWeight("S", " ", "0.1", "kg")
    with pytest.raises(InvalidParameter):
        CasWeight.from_value(Decimal("1234.567"))
    with pytest.raises(InvalidParameter):
        CasPriceReading("1", CasWeight.overloaded(), "2")


def test_whole_frame_parsers_refuse_broken_frames() -> None:
    good = encode_weight_frame(CasWeight.from_value(Decimal("1.5")))
    with pytest.raises(FrameError):
        parse_weight_frame(good[:-1])
    with pytest.raises(FrameError, match="BCC"):
        parse_weight_frame(good[:12] + bytes((good[12] ^ 1,)) + good[13:])
    with pytest.raises(FrameError, match="byte 13"):
        parse_weight_frame(good[:13] + b"\x00" + good[14:])
    price = encode_price_frame(CasPriceReading("  150.00", CasWeight.from_value(1), "  150.00"))
    with pytest.raises(FrameError, match="check byte"):
        parse_price_frame(price, rule=BccRule.SUM)


def test_price_check_sum_rule() -> None:
    reading = CasPriceReading("00012345", CasWeight.from_value(Decimal("0.5")), "00024690")
    frame = encode_price_frame(reading, rule=BccRule.SUM)
    assert frame[10] == bcc_sum(b"00012345")
    assert parse_price_frame(frame, rule=BccRule.SUM).total_value == Decimal("12345")


@SETTINGS
@given(items=st.lists(st.one_of(weights.map(encode_weight_frame), prices.map(encode_price_frame)), min_size=1,
                      max_size=4),
       controls=st.lists(st.sampled_from([ACK, NAK]), max_size=4), noise=st.lists(quiet_noise, min_size=5, max_size=5),
       cut_points=cuts)
def test_frames_controls_and_noise_any_chunking(items: list[bytes], controls: list[int], noise: list[bytes],
                                                 cut_points: list[int]) -> None:
    wire = b""
    expected: list[object] = []
    for i, frame in enumerate(items):
        wire += noise[i]
        if i < len(controls):
            wire += bytes((controls[i],))
            expected.append(Control(controls[i]))
        wire += frame
        expected.append(Frame("weight" if len(frame) == 15 else "price", frame))
    wire += noise[4]
    framer = CasFramer()
    assert feed_chunks(framer.feed, wire, cut_points) == expected
    assert framer.noise == sum(len(n) for n in noise[:len(items)]) + len(noise[4])
    assert not framer.in_frame


@SETTINGS
@given(weight=weights, good=weights, data=st.data())
def test_any_single_corruption_is_refused_and_the_next_frame_decodes(weight: CasWeight, good: CasWeight,
                                                                     data: st.DataObject) -> None:
    wire = bytearray(encode_weight_frame(weight))
    pos = data.draw(st.integers(0, 14), label="pos")
    wire[pos] = data.draw(st.integers(0, 255).filter(lambda v: v != wire[pos]), label="value")
    good_frame = encode_weight_frame(good)
    events = CasFramer().feed(bytes(wire) + good_frame)
    assert Frame("weight", bytes(wire)) not in events
    assert events[-1] == Frame("weight", good_frame)
    if pos >= 2:  # the frame start survived: it fails as a frame and its bytes stay quiet
        assert isinstance(events[0], BadFrame)
        assert all(isinstance(e, (Frame, BadFrame)) for e in events)
    else:  # no frame start: its bytes are read as noise, where an ACK/NAK value is a control byte
        assert not any(isinstance(e, BadFrame) for e in events)


@SETTINGS
@given(weight=weights, good=weights, data=st.data())
def test_truncated_frame_then_good_frame(weight: CasWeight, good: CasWeight, data: st.DataObject) -> None:
    wire = encode_weight_frame(weight)
    cut = data.draw(st.integers(1, 14), label="cut")
    framer = CasFramer()
    assert all(not isinstance(e, Frame) for e in framer.feed(wire[:cut]))
    good_frame = encode_weight_frame(good)
    events = framer.feed(good_frame + good_frame)
    assert events[-1] == Frame("weight", good_frame)


@SETTINGS
@given(stream=st.lists(byte_values, max_size=400).map(bytes), cut_points=cuts,
       rule=st.sampled_from(list(BccRule)))
def test_random_stream_bounded_declared_events_and_chunking_invariant(stream: bytes, cut_points: list[int],
                                                                        rule: BccRule) -> None:
    framer = CasFramer(price_rule=rule)
    events: list[object] = []
    for chunk in [stream[i:i + 5] for i in range(0, len(stream), 5)]:
        events += framer.feed(chunk)
        assert framer.buffered < 37
    for event in events:
        if isinstance(event, Control):
            assert event.byte in (ACK, NAK)
        elif isinstance(event, Frame):
            assert len(event.raw) == (15 if event.kind == "weight" else 37)
        else:
            assert isinstance(event, BadFrame) and event.reason in ("bcc", "structure")
    assert feed_chunks(CasFramer(price_rule=rule).feed, stream, cut_points) == events


@SETTINGS
@given(stream=st.lists(byte_values, max_size=200).map(bytes), good=weights)
def test_good_frame_after_arbitrary_junk(stream: bytes, good: CasWeight) -> None:
    frame = encode_weight_frame(good)
    events = CasFramer().feed(stream + frame + frame)
    assert events[-1] == Frame("weight", frame)


def test_a_weight_frame_damaged_into_a_price_frame_start_does_not_hold_back_the_next_frame() -> None:
    """Found by hypothesis: byte 11 of a weight frame (its unit letter) damaged into ETX makes the frame look like
    a 37-byte price frame; the next weight frame must still decode at once, not after 37 bytes have come."""
    good = encode_weight_frame(CasWeight(status="S", sign=" ", weight="  1.25", unit="kg"))
    damaged = bytearray(good)
    damaged[11] = 0x03  # ETX
    events = CasFramer().feed(bytes(damaged) + good)
    assert events[-1] == Frame("weight", good)
    assert isinstance(events[0], BadFrame) and events[0].kind == "price"
