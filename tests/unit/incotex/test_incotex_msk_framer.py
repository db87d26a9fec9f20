"""MS-K framer: unit checks and property tests (any chunking, noise, corruption, truncation, random
streams; only declared events, bounded memory).

What the wire format guarantees, and so what is asserted:

* STX and ETX never occur inside a body, so a frame always starts fresh at an STX: after *any*
  damage, the next intact frame decodes — no flush needed (unlike ATOL v2);
* the additive BCC changes with every single changed body byte, so one corrupted byte that keeps
  the structure (not turned into STX/ETX) is always refused;
* a byte turned *into* ETX ends the frame early, and the two bytes before it pass as BCC by chance
  (about 1 in 256 when they happen to be hex digits) — such a frame can come out with a wrong
  body; only "declared events, then recovery" is asserted for that case.
"""

from __future__ import annotations

from itertools import pairwise

import pytest
from hypothesis import assume, given, settings
from hypothesis import strategies as st

from kkt_drivers.errors import FrameError, InvalidParameter
from kkt_drivers.protocols.incotex import msk_framer as mf
from kkt_drivers.protocols.incotex.msk_framer import ACK, ETX, STX, BadFrame, Control, Frame, MskFramer

SETTINGS = settings(max_examples=200)

body_bytes = st.one_of(st.sampled_from([0x00, 0x30, 0x39, 0x41, 0x61, 0x06, 0x7F, 0x80, 0xFF, 0x1B]),
                       st.integers(0, 255)).filter(lambda b: b not in (STX, ETX))
bodies = st.lists(body_bytes, min_size=1, max_size=80).map(bytes)
cuts = st.lists(st.integers(0, 10_000), max_size=12)


def split(wire: bytes, cut_points: list[int]) -> list[bytes]:
    points = sorted({c % (len(wire) + 1) for c in cut_points})
    edges = [0, *points, len(wire)]
    return [wire[a:b] for a, b in pairwise(edges) if b > a]


def feed_chunks(framer: MskFramer, wire: bytes, cut_points: list[int]) -> list[mf.Event]:
    events: list[mf.Event] = []
    for chunk in split(wire, cut_points):
        events += framer.feed(chunk)
    return events


# -- unit ---------------------------------------------------------------------------------------

def test_encode_sums_the_body_and_writes_two_hex_digits() -> None:
    # body 'E' 0000 NUL: 0x45 + 4 * 0x30 = 0x105 -> 0x05
    assert mf.encode(b"E0000\x00") == b"\x02E0000\x0005\x03"
    assert mf.encode(b"\xff\xff") == b"\x02\xff\xffFE\x03"
    assert mf.encode(b"\xff\xff", lowercase=True) == b"\x02\xff\xfffe\x03"


@pytest.mark.parametrize("body", [b"", b"A\x02", b"A\x03", bytes(mf.MAX_BODY + 1)])
def test_encode_refuses_what_cannot_be_framed(body: bytes) -> None:
    with pytest.raises(InvalidParameter):
        mf.encode(body)


def test_decoder_accepts_both_digit_cases() -> None:
    assert MskFramer().feed(b"\x02\xff\xfffe\x03\x02\xff\xffFE\x03") == [Frame(b"\xff\xff")] * 2


@pytest.mark.parametrize(("wire", "event"), [
    (b"\x02\x03", BadFrame("short", None)),
    (b"\x02A0\x03", BadFrame("short", 0x41)),
    (b"\x02A0000\x00G5\x03", BadFrame("bcc", 0x41)),  # 'G' is not a hex digit
    (b"\x02A0000\x0006\x03", BadFrame("bcc", 0x41)),  # right form, wrong value (05 + 1)
])
def test_bad_frames_are_reported_with_their_reason(wire: bytes, event: BadFrame) -> None:
    framer = MskFramer()
    assert framer.feed(wire) == [event]
    assert not framer.in_frame


def test_stx_inside_a_frame_reports_the_truncated_one_and_starts_over() -> None:
    good = mf.encode(b"H0000\x00")
    assert MskFramer().feed(b"\x02S00" + good) == [BadFrame("truncated", 0x53), Frame(b"H0000\x00")]


def test_keepalives_between_frames_and_noise() -> None:
    framer = MskFramer()
    events = framer.feed(b"\x06\x06xyz\x03\x06" + mf.encode(b"S\x00") + b"\x15")
    assert events == [Control(ACK), Control(ACK), Control(ACK), Frame(b"S\x00")]
    assert framer.noise == 5  # x y z, a stray ETX and a NAK


def test_abandon_reports_a_frame_cut_short() -> None:
    framer = MskFramer()
    framer.feed(b"\x02S0")
    assert framer.in_frame and framer.pending_command == 0x53
    assert framer.abandon() == BadFrame("truncated", 0x53)
    assert not framer.in_frame and framer.abandon() is None


def test_pack_field_pads_and_terminates() -> None:
    assert mf.pack_field(b"20", 3) == b"20\x00\x00"
    assert mf.pack_field(b"0000") == b"0000\x00"
    with pytest.raises(InvalidParameter):
        mf.pack_field(b"1234", 3)
    with pytest.raises(InvalidParameter):
        mf.pack_field(b"a\x00b")


@pytest.mark.parametrize(("data", "width"), [
    (b"12\x00", 3),  # too short for width + terminator
    (b"123X", 3),  # no terminator after the width
    (b"1\x002\x00", 3),  # data after the padding
])
def test_field_reader_is_strict(data: bytes, width: int) -> None:
    with pytest.raises(FrameError):
        mf.FieldReader(data).fixed(width)


def test_parse_answer_needs_the_whole_header() -> None:
    with pytest.raises(FrameError):
        mf.parse_answer(b"H\x00fc13\x000000\x00")
    with pytest.raises(FrameError):
        mf.parse_answer(b"H\x00fc1z\x000000\x004e\x00")
    frame = mf.parse_answer(b"H\x00fc13\x00001e\x004e\x00")
    assert (frame.command, frame.status, frame.result, frame.printer, frame.data) == (0x48, 0xFC13, 0x1E, 0x4E, b"")


# -- properties ---------------------------------------------------------------------------------

@SETTINGS
@given(frames=st.lists(bodies, min_size=1, max_size=4), keep=st.lists(st.integers(0, 3), min_size=4, max_size=4),
       lower=st.booleans(), cut_points=cuts)
def test_round_trip_with_keepalives_any_chunking(frames: list[bytes], keep: list[int], lower: bool,
                                                 cut_points: list[int]) -> None:
    wire = b""
    expected: list[mf.Event] = []
    for i, body in enumerate(frames):
        wire += b"\x06" * keep[i] + mf.encode(body, lowercase=lower)
        expected += [Control(ACK)] * keep[i] + [Frame(body)]
    framer = MskFramer()
    assert feed_chunks(framer, wire, cut_points) == expected
    assert not framer.in_frame


quiet_noise = st.lists(st.integers(0, 255).filter(lambda b: b not in (STX, ACK)), max_size=20).map(bytes)


@SETTINGS
@given(frames=st.lists(bodies, min_size=1, max_size=3), noise=st.lists(quiet_noise, min_size=4, max_size=4),
       cut_points=cuts)
def test_noise_between_frames_is_dropped(frames: list[bytes], noise: list[bytes], cut_points: list[int]) -> None:
    wire = b"".join(noise[i] + mf.encode(body) for i, body in enumerate(frames)) + noise[3]
    framer = MskFramer()
    assert feed_chunks(framer, wire, cut_points) == [Frame(body) for body in frames]
    assert framer.noise == sum(len(n) for n in noise[:len(frames)]) + len(noise[3])


@SETTINGS
@given(body=bodies, good=bodies, data=st.data())
def test_structure_preserving_corruption_is_always_caught(body: bytes, good: bytes, data: st.DataObject) -> None:
    """One changed byte of the body or of the BCC digits, not turned into STX/ETX: always refused."""
    wire = bytearray(mf.encode(body))
    pos = data.draw(st.integers(1, len(wire) - 2), label="pos")
    value = data.draw(st.integers(0, 255).filter(lambda v: v not in (STX, ETX, wire[pos])), label="value")
    if pos >= len(wire) - 3:  # a BCC digit: upper and lower case of the same digit mean the same
        assume(chr(value).upper() != chr(wire[pos]).upper())
    wire[pos] = value
    framer = MskFramer()
    events = framer.feed(bytes(wire))
    assert len(events) == 1 and isinstance(events[0], BadFrame) and events[0].reason == "bcc"
    assert framer.feed(mf.encode(good)) == [Frame(good)]


@SETTINGS
@given(body=bodies, good=bodies, data=st.data(), cut_points=cuts)
def test_any_single_corruption_then_the_next_frame_decodes(body: bytes, good: bytes, data: st.DataObject,
                                                           cut_points: list[int]) -> None:
    """Any byte anywhere (STX, ETX and BCC included) changed to anything: only declared events come
    out, and the next intact frame decodes without any flush."""
    wire = bytearray(mf.encode(body))
    pos = data.draw(st.integers(0, len(wire) - 1), label="pos")
    wire[pos] = data.draw(st.integers(0, 255).filter(lambda v: v != wire[pos]), label="value")
    framer = MskFramer()
    events = feed_chunks(framer, bytes(wire) + mf.encode(good), cut_points)
    assert all(isinstance(e, (Control, Frame, BadFrame)) for e in events)
    assert events[-1] == Frame(good)
    assert not framer.in_frame


@SETTINGS
@given(body=bodies, good=bodies, data=st.data())
def test_truncated_frame_is_reported_when_the_next_one_starts(body: bytes, good: bytes, data: st.DataObject) -> None:
    wire = mf.encode(body)
    cut = data.draw(st.integers(1, len(wire) - 1), label="cut")
    framer = MskFramer()
    assert framer.feed(wire[:cut]) == []
    assert framer.in_frame
    assert framer.feed(mf.encode(good)) == [BadFrame("truncated", body[0] if cut > 1 else None), Frame(good)]


byte_values = st.one_of(st.sampled_from([STX, ETX, ACK, 0x00, 0x30, 0x41, 0x61, 0xFF]), st.integers(0, 255))


@SETTINGS
@given(stream=st.lists(byte_values, max_size=500).map(bytes), cut_points=cuts)
def test_random_stream_bounded_and_declared_events_only(stream: bytes, cut_points: list[int]) -> None:
    maximum = 32
    framer = MskFramer(max_body=maximum)
    events: list[mf.Event] = []
    for chunk in split(stream, cut_points):
        events += framer.feed(chunk)
        assert len(framer._buf) <= maximum + 3
    for event in events:
        if isinstance(event, Control):
            assert event.byte == ACK
        elif isinstance(event, Frame):
            assert 1 <= len(event.body) <= maximum
            assert STX not in event.body and ETX not in event.body
        else:
            assert isinstance(event, BadFrame)
            assert event.reason in ("bcc", "short", "too-long", "truncated")
    assert MskFramer(max_body=maximum).feed(stream) == events  # chunking never changes the result


@SETTINGS
@given(size=st.integers(33, 300), good=bodies.filter(lambda b: len(b) <= 32), cut_points=cuts)
def test_too_long_frame_is_refused_and_the_next_decodes(size: int, good: bytes, cut_points: list[int]) -> None:
    framer = MskFramer(max_body=32)
    body = b"A" * size
    wire = mf.encode(body) + mf.encode(good)
    events = feed_chunks(framer, wire, cut_points)
    assert events == [BadFrame("too-long", 0x41), Frame(good)]


@SETTINGS
@given(values=st.lists(st.tuples(st.binary(max_size=12).filter(lambda v: not set(v) & {0, 2, 3}),
                                 st.integers(0, 12)), max_size=6))
def test_fields_round_trip(values: list[tuple[bytes, int]]) -> None:
    fields = [(value, max(width, len(value))) for value, width in values]
    data = b"".join(mf.pack_field(value, width) for value, width in fields)
    reader = mf.FieldReader(data)
    assert [reader.fixed(width) for _, width in fields] == [value for value, _ in fields]
    assert reader.at_end()
