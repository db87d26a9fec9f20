"""Property tests of the Shtrih-M framer: round trips under any chunking, noise, corruption, truncation and
random streams (bounded memory, declared events only).

What the wire format can and cannot guarantee, in short: the frame is delimited by LEN alone, so

* any single corrupted *message or LRC* byte is always caught (XOR detects every single-byte change);
* a corrupted LEN moves the frame end; the LRC then matches by chance (1 in 256) — a wrong payload can come out.
  A LEN of 0 or above the limit is refused at once;
* a lost STX (or a truncated frame) makes the decoder read the following bytes as part of the broken frame;
  the links reset it when the inter-byte deadline passes (``reset()``), after which the next frame decodes.
"""

from __future__ import annotations

from itertools import pairwise

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from kkt_drivers.errors import FrameError
from kkt_drivers.protocols.shtrih import framer
from kkt_drivers.protocols.shtrih.framer import CONTROL_BYTES, BadFrame, Control, Event, Frame, ShtrihFramer

SETTINGS = settings(max_examples=200)
STX = 0x02
SPECIAL = [0x02, 0x05, 0x06, 0x15, 0xFF, 0x00, 0x01, 0xFE]

byte_values = st.one_of(st.sampled_from(SPECIAL), st.integers(0, 255))
messages = st.lists(byte_values, min_size=1, max_size=255).map(bytes)
short_messages = st.lists(byte_values, min_size=1, max_size=40).map(bytes)
cuts = st.lists(st.integers(0, 10_000), max_size=12)


def split(wire: bytes, cut_points: list[int]) -> list[bytes]:
    points = sorted({c % (len(wire) + 1) for c in cut_points})
    edges = [0, *points, len(wire)]
    return [wire[a:b] for a, b in pairwise(edges) if b > a]


def feed_chunks(decoder: ShtrihFramer, wire: bytes, cut_points: list[int]) -> list[Event]:
    events = []
    for chunk in split(wire, cut_points):
        events += decoder.feed(chunk)
    return events


def xor_all(data: bytes) -> int:
    value = 0
    for byte in data:
        value ^= byte
    return value


# -- encoding ---------------------------------------------------------------------------------

@SETTINGS
@given(message=messages)
def test_encode_layout(message: bytes) -> None:
    """STX, LEN = message length, the message unchanged (nothing escaped), LRC = XOR of LEN and message."""
    wire = framer.encode(message)
    assert wire[0] == STX
    assert wire[1] == len(message)
    assert wire[2:-1] == message
    assert wire[-1] == xor_all(wire[1:-1])


@pytest.mark.parametrize("size", [0, 256, 1000])
def test_encode_refuses_sizes_len_cannot_carry(size: int) -> None:
    with pytest.raises(FrameError):
        framer.encode(bytes(size))


def test_command_code_of_one_and_two_byte_commands() -> None:
    assert framer.command_code(bytes.fromhex("FF 01 1E 00 00 00")) == bytes.fromhex("FF 01")
    assert framer.command_code(bytes.fromhex("10 1E 00 00 00")) == bytes.fromhex("10")
    assert framer.command_code(b"\xff") == b"\xff"
    assert framer.command_code(b"") == b""


# -- round trips ------------------------------------------------------------------------------

@SETTINGS
@given(frames=st.lists(messages, min_size=1, max_size=4),
       controls=st.lists(st.sampled_from(sorted(CONTROL_BYTES)), max_size=4), cut_points=cuts)
def test_round_trip_any_chunking(frames: list[bytes], controls: list[int], cut_points: list[int]) -> None:
    """Frames and control bytes between them come out in arrival order, whatever the chunking."""
    wire = b""
    expected: list[Event] = []
    for i, message in enumerate(frames):
        if i < len(controls):
            wire += bytes((controls[i],))
            expected.append(Control(controls[i]))
        wire += framer.encode(message)
        expected.append(Frame(message))
    decoder = ShtrihFramer()
    assert feed_chunks(decoder, wire, cut_points) == expected
    assert not decoder.in_frame


quiet_noise = st.lists(st.integers(0, 255).filter(lambda b: b != STX and b not in CONTROL_BYTES),
                       max_size=30).map(bytes)


@SETTINGS
@given(frames=st.lists(short_messages, min_size=1, max_size=3),
       noise=st.lists(quiet_noise, min_size=4, max_size=4), cut_points=cuts)
def test_noise_without_stx_or_controls_is_dropped_and_counted(frames: list[bytes], noise: list[bytes],
                                                              cut_points: list[int]) -> None:
    wire = b"".join(noise[i] + framer.encode(m) for i, m in enumerate(frames)) + noise[3]
    decoder = ShtrihFramer()
    assert feed_chunks(decoder, wire, cut_points) == [Frame(m) for m in frames]
    assert decoder.noise == sum(len(n) for n in noise[:len(frames)]) + len(noise[3])


@SETTINGS
@given(frames=st.lists(short_messages, min_size=1, max_size=3),
       noise=st.lists(st.lists(st.sampled_from([0x05, 0x06, 0x15, 0xFF, 0x00]), max_size=8).map(bytes),
                      min_size=3, max_size=3), cut_points=cuts)
def test_control_valued_noise_surfaces_as_controls(frames: list[bytes], noise: list[bytes],
                                                    cut_points: list[int]) -> None:
    wire = b"".join(noise[i] + framer.encode(m) for i, m in enumerate(frames))
    events = feed_chunks(ShtrihFramer(), wire, cut_points)
    assert [e for e in events if isinstance(e, Frame)] == [Frame(m) for m in frames]
    expected_controls = [b for n in noise[:len(frames)] for b in n if b in CONTROL_BYTES]
    assert [e.byte for e in events if isinstance(e, Control)] == expected_controls
    assert not any(isinstance(e, BadFrame) for e in events)


# -- corruption -------------------------------------------------------------------------------

@SETTINGS
@given(message=short_messages, good=short_messages, data=st.data())
def test_corrupted_message_or_lrc_byte_is_always_caught(message: bytes, good: bytes, data: st.DataObject) -> None:
    """Any one changed byte after LEN (message or LRC) gives BadFrame("lrc"); the next frame decodes."""
    wire = bytearray(framer.encode(message))
    pos = data.draw(st.integers(2, len(wire) - 1), label="pos")
    wire[pos] = data.draw(st.integers(0, 255).filter(lambda v: v != wire[pos]), label="value")
    decoder = ShtrihFramer()
    assert decoder.feed(bytes(wire)) == [BadFrame("lrc")]
    assert not decoder.in_frame
    assert decoder.feed(framer.encode(good)) == [Frame(good)]


@SETTINGS
@given(message=short_messages, good=short_messages, data=st.data(), cut_points=cuts)
def test_any_single_corruption_then_reset_recovers(message: bytes, good: bytes, data: st.DataObject,
                                                   cut_points: list[int]) -> None:
    """Any one changed byte anywhere (STX and LEN included): only declared events, and after ``reset()``
    (what the inter-byte deadline does) the next good frame decodes."""
    wire = bytearray(framer.encode(message))
    pos = data.draw(st.integers(0, len(wire) - 1), label="pos")
    wire[pos] = data.draw(st.integers(0, 255).filter(lambda v: v != wire[pos]), label="value")
    decoder = ShtrihFramer()
    events = feed_chunks(decoder, bytes(wire), cut_points)
    assert all(isinstance(e, (Control, Frame, BadFrame)) for e in events)
    decoder.reset()
    assert decoder.feed(framer.encode(good)) == [Frame(good)]


def test_lrc_misses_a_corrupted_len_by_chance() -> None:
    """Limitation of the wire format: message ``41 40`` is sent as ``02 02 41 40 03``. If LEN turns into 01,
    the frame ends after 41 and the next byte, 40, happens to be the LRC of ``01 41``: a good-looking frame
    with a shorter message comes out (and 03 is noise)."""
    assert framer.encode(b"\x41\x40") == bytes.fromhex("02 02 41 40 03")
    assert ShtrihFramer().feed(bytes.fromhex("02 01 41 40 03")) == [Frame(b"\x41")]


@SETTINGS
@given(message=short_messages, good=short_messages, data=st.data())
def test_truncated_frame_then_reset_then_good_frame(message: bytes, good: bytes, data: st.DataObject) -> None:
    wire = framer.encode(message)
    cut = data.draw(st.integers(1, len(wire) - 1), label="cut")
    decoder = ShtrihFramer()
    assert not any(isinstance(e, Frame) for e in decoder.feed(wire[:cut]))
    assert decoder.in_frame
    decoder.reset()
    assert not decoder.in_frame
    assert decoder.feed(framer.encode(good)) == [Frame(good)]


def test_truncated_frame_swallows_the_next_one_without_a_reset() -> None:
    """Characterisation: STX is ordinary data inside a frame, so the frame after a truncated one is read as the
    truncated one's tail; the resulting frame fails its LRC."""
    truncated = framer.encode(bytes.fromhex("10 1E 00 00 00"))[:4]
    events = ShtrihFramer().feed(truncated + framer.encode(bytes.fromhex("FC")))
    assert events == [BadFrame("lrc")]


# -- length limits ----------------------------------------------------------------------------

def test_len_zero_is_refused_and_its_lrc_skipped() -> None:
    decoder = ShtrihFramer()
    assert decoder.feed(bytes.fromhex("02 00 00") + framer.encode(b"\xfc")) == [BadFrame("length"), Frame(b"\xfc")]


@SETTINGS
@given(message=st.binary(min_size=65, max_size=255), good=short_messages, cut_points=cuts)
def test_frame_above_the_limit_is_refused_skipped_and_never_buffered(message: bytes, good: bytes,
                                                                     cut_points: list[int]) -> None:
    """LEN above ``max_message`` is refused as soon as it arrives; the bytes it announces are skipped (even STX
    and control bytes among them), so the next frame decodes and nothing of the long one is stored."""
    decoder = ShtrihFramer(max_message=64)
    events: list[Event] = []
    for chunk in split(framer.encode(message) + framer.encode(good), cut_points):
        events += decoder.feed(chunk)
        assert len(decoder._buf) <= 64
    assert events == [BadFrame("too-long"), Frame(good)]


@pytest.mark.parametrize("limit", [0, 256])
def test_max_message_must_fit_len(limit: int) -> None:
    with pytest.raises(ValueError):
        ShtrihFramer(max_message=limit)


# -- random streams ---------------------------------------------------------------------------

@SETTINGS
@given(stream=st.lists(byte_values, max_size=600).map(bytes), cut_points=cuts)
def test_random_stream_bounded_and_declared_events_only(stream: bytes, cut_points: list[int]) -> None:
    maximum = 64
    decoder = ShtrihFramer(max_message=maximum)
    events: list[Event] = []
    for chunk in split(stream, cut_points):
        events += decoder.feed(chunk)
        assert len(decoder._buf) <= maximum
    for event in events:
        assert isinstance(event, (Control, Frame, BadFrame))
        if isinstance(event, Control):
            assert event.byte in CONTROL_BYTES
        elif isinstance(event, Frame):
            assert 1 <= len(event.payload) <= maximum
        else:
            assert event.reason in ("lrc", "length", "too-long")
    # chunking never changes what is decoded
    assert ShtrihFramer(max_message=maximum).feed(stream) == events


@SETTINGS
@given(stream=st.lists(byte_values, max_size=300).map(bytes), frames=st.lists(short_messages, min_size=1,
                                                                              max_size=3))
def test_good_frames_after_junk_and_a_reset(stream: bytes, frames: list[bytes]) -> None:
    """Whatever came before, a reset (the inter-byte deadline) makes the following frames decode."""
    decoder = ShtrihFramer()
    decoder.feed(stream)
    decoder.reset()
    assert decoder.feed(b"".join(framer.encode(m) for m in frames)) == [Frame(m) for m in frames]
