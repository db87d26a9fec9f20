"""Property tests of the Massa-K framer and device decoder: round trips under any chunking, noise,
corruption, truncation, random streams — declared events only, no hangs, bounded memory.

What the wire format guarantees: the CRC (polynomial 0x1021, pure remainder) detects every change of
one byte in the body or the CRC. A damaged LEN moves the frame end; the decoder then reads the wrong
number of bytes, the CRC fails (except by a 1/65536 chance) and the search restarts one byte after the
failed header, so later frames are found once enough bytes have come (or after a reset by the link).
"""

from __future__ import annotations

import pytest
from hypothesis import assume, given
from hypothesis import strategies as st
from scales_testkit import SETTINGS, cuts, feed_chunks

from kkt_drivers.errors import InvalidParameter
from kkt_drivers.protocols.massak.device import BadRequest, MassaKDeviceDecoder, ReceivedRequest
from kkt_drivers.protocols.massak.framer import (
    HEADER,
    BadFrame,
    Frame,
    MassaKFramer,
    encode,
    encode_with_crc,
    massak_crc,
)

SPECIAL = [0xF8, 0x55, 0xCE, 0x00, 0x01, 0xFF, 0x23, 0x24, 0x28]
byte_values = st.one_of(st.sampled_from(SPECIAL), st.integers(0, 255))
bodies = st.lists(byte_values, min_size=1, max_size=60).map(bytes)
no_f8 = st.lists(st.integers(0, 255).filter(lambda b: b != 0xF8), max_size=30).map(bytes)
SMALL = 64  # max_body of the decoders in the memory tests


def _reference_crc(data: bytes) -> int:
    """The bitwise pure-remainder CRC as the sources write it (independent of the table in the framer)."""
    crc = 0
    for byte in data:
        acc, temp = 0, crc & 0xFF00
        for _ in range(8):
            acc = ((acc << 1) ^ 0x1021) & 0xFFFF if (temp ^ acc) & 0x8000 else (acc << 1) & 0xFFFF
            temp = (temp << 1) & 0xFFFF
        crc = (acc ^ (crc << 8) ^ byte) & 0xFFFF
    return crc


@SETTINGS
@given(data=st.binary(max_size=80))
def test_crc_table_matches_the_bitwise_algorithm(data: bytes) -> None:
    assert massak_crc(data) == _reference_crc(data)


@pytest.mark.parametrize("byte", range(256))
def test_crc_of_one_byte_is_the_byte(byte: int) -> None:
    assert massak_crc(bytes((byte,))) == byte


@SETTINGS
@given(items=st.lists(bodies, min_size=1, max_size=5), cut_points=cuts, strict=st.booleans())
def test_round_trip_any_chunking(items: list[bytes], cut_points: list[int], strict: bool) -> None:
    framer = MassaKFramer(strict_crc=strict)
    wire = b"".join(encode(b) for b in items)
    assert feed_chunks(framer.feed, wire, cut_points) == [Frame(b) for b in items]
    assert not framer.in_frame and framer.noise == 0


@SETTINGS
@given(items=st.lists(bodies, min_size=1, max_size=3), noise=st.lists(no_f8, min_size=4, max_size=4),
       cut_points=cuts)
def test_noise_between_frames_is_dropped_and_counted(items: list[bytes], noise: list[bytes],
                                                      cut_points: list[int]) -> None:
    wire = b"".join(noise[i] + encode(b) for i, b in enumerate(items)) + noise[3]
    framer = MassaKFramer()
    assert feed_chunks(framer.feed, wire, cut_points) == [Frame(b) for b in items]
    assert framer.noise == sum(len(n) for n in noise[:len(items)]) + len(noise[3])


@SETTINGS
@given(body=bodies.filter(lambda b: HEADER not in b), good=bodies, data=st.data())
def test_any_corrupted_body_or_crc_byte_is_refused(body: bytes, good: bytes, data: st.DataObject) -> None:
    """One changed byte in the body or CRC: always BadFrame("crc"), never a frame with the damaged body,
    and the next good frame decodes at once (bodies without a header inside, so nothing is pending)."""
    wire = bytearray(encode(body))
    pos = data.draw(st.integers(5, len(wire) - 1), label="pos")
    wire[pos] = data.draw(st.integers(0, 255).filter(lambda v: v != wire[pos] and v != 0xF8), label="value")
    framer = MassaKFramer()
    events = framer.feed(bytes(wire))
    assert events[0] == BadFrame("crc")
    assert all(not isinstance(e, Frame) for e in events)
    assert framer.feed(encode(good)) == [Frame(good)]


@SETTINGS
@given(body=bodies, data=st.data())
def test_lenient_decoder_never_loses_a_frame_with_a_sound_header(body: bytes, data: st.DataObject) -> None:
    """Device side: a damaged body or CRC byte still gives the request, flagged crc_ok=False."""
    wire = bytearray(encode(body))
    pos = data.draw(st.integers(5, len(wire) - 1), label="pos")
    wire[pos] = data.draw(st.integers(0, 255).filter(lambda v: v != wire[pos]), label="value")
    events = MassaKDeviceDecoder(max_body=255).feed(bytes(wire))
    assert len(events) >= 1
    first = events[0]
    assert isinstance(first, ReceivedRequest) and not first.crc_ok
    assert first.body == bytes(wire[5:-2])
    assert first.received_crc == int.from_bytes(wire[-2:], "little") != massak_crc(first.body)


@SETTINGS
@given(body=bodies, crc=st.integers(0, 0xFFFF))
def test_encode_with_crc_is_refused_exactly_when_the_crc_is_wrong(body: bytes, crc: int) -> None:
    events = MassaKFramer().feed(encode_with_crc(body, crc))
    if crc == massak_crc(body):
        assert events == [Frame(body)]
    else:  # refused; the framer then re-scans the bytes, and a header inside the body may start another try
        assert events[0] == BadFrame("crc") and Frame(body) not in events


@SETTINGS
@given(junk=st.lists(byte_values, max_size=200).map(bytes), items=st.lists(bodies, min_size=1, max_size=3),
       cut_points=cuts)
def test_good_frames_after_junk_and_a_filler_all_decode(junk: bytes, items: list[bytes],
                                                         cut_points: list[int]) -> None:
    """Whatever came before, SMALL + 7 zero bytes finish every candidate a header in the junk opened
    (whether it then passes its CRC by chance or not); the good frames after them always decode."""
    framer = MassaKFramer(max_body=SMALL)
    items = [b[:SMALL] for b in items]
    wire = junk + bytes(SMALL + 7) + b"".join(encode(b) for b in items)
    events = feed_chunks(framer.feed, wire, cut_points)
    assert events[-len(items):] == [Frame(b) for b in items]
    assert all(isinstance(e, (Frame, BadFrame)) for e in events)


@SETTINGS
@given(body=bodies, good=bodies, data=st.data())
def test_truncated_frame_then_reset_then_good_frame(body: bytes, good: bytes, data: st.DataObject) -> None:
    """A frame cut short leaves the decoder waiting (in_frame); the link's inter-byte timeout resets it."""
    wire = encode(body)
    cut = data.draw(st.integers(1, len(wire) - 1), label="cut")
    framer = MassaKFramer()
    assert framer.feed(wire[:cut]) == []
    assert framer.in_frame
    framer.reset()
    assert framer.feed(encode(good)) == [Frame(good)]


@SETTINGS
@given(body=bodies.filter(lambda b: HEADER not in b), good=bodies.filter(lambda b: HEADER not in b),
       data=st.data())
def test_truncated_frame_followed_by_a_good_one_recovers_without_reset(body: bytes, good: bytes,
                                                                        data: st.DataObject) -> None:
    """Without a reset the good frame is read as the tail of the cut one; once the cut frame's length is
    reached its CRC fails, the search restarts inside it and finds the good frame. The one exception is
    by chance, not a decoder fault: the good frame's first bytes may be exactly the bytes that were cut
    (body F8 F8 has the CRC F8 F8, and the next frame starts with F8) — then the cut frame is whole again
    and the good frame's header went into it."""
    assume(body != good)
    wire = encode(body)
    cut = data.draw(st.integers(5, len(wire) - 1), label="cut")
    framer = MassaKFramer()
    stream = wire[:cut] + encode(good) + bytes(len(wire))  # zeros finish the cut frame whatever its length
    events = framer.feed(stream)
    completed = stream[:len(wire)] == wire
    assert (Frame(body) in events) == completed
    if not completed:
        assert Frame(good) in events
    assert all(e in (Frame(body), Frame(good)) for e in events if isinstance(e, Frame))


@SETTINGS
@given(stream=st.lists(byte_values, max_size=400).map(bytes), cut_points=cuts, strict=st.booleans(),
       swapped=st.booleans())
def test_random_stream_bounded_declared_events_and_chunking_invariant(stream: bytes, cut_points: list[int],
                                                                        strict: bool, swapped: bool) -> None:
    def make() -> MassaKFramer:
        return MassaKFramer(max_body=SMALL, strict_crc=strict, accept_swapped_length=swapped)

    framer = make()
    events: list[Frame | BadFrame] = []
    for chunk in [stream[i:i + 7] for i in range(0, len(stream), 7)]:
        events += framer.feed(chunk)
        assert framer.buffered <= SMALL + 6
    for event in events:
        assert isinstance(event, (Frame, BadFrame))
        if isinstance(event, Frame):
            assert 1 <= len(event.body) <= SMALL
            assert event.crc_ok or not strict
        else:
            assert event.reason in ("crc", "length")
    assert feed_chunks(make().feed, stream, cut_points) == events


@SETTINGS
@given(size=st.integers(SMALL + 1, 0xFFFF), good=bodies.map(lambda b: b[:SMALL]))
def test_oversized_or_zero_length_is_refused_at_once(size: int, good: bytes) -> None:
    framer = MassaKFramer(max_body=SMALL)
    for length in (0, size):
        assert framer.feed(HEADER + length.to_bytes(2, "little")) == [BadFrame("length")]
        assert framer.buffered <= 2  # at most a possible header start (LEN 00 F8 ends in F8) is kept
    assert framer.feed(encode(good)) == [Frame(good)]


@SETTINGS
@given(body=st.binary(min_size=1, max_size=40))
def test_swapped_length_only_when_little_endian_is_impossible(body: bytes) -> None:
    """``00 nn`` with nn ≤ max is impossible little-endian (nn·256 > 255) and is read as nn; a LEN that
    fits little-endian is always read little-endian."""
    crc = massak_crc(body).to_bytes(2, "little")
    swapped = HEADER + bytes((0, len(body))) + body + crc
    [event] = MassaKDeviceDecoder(accept_swapped_length=True).feed(swapped)
    assert isinstance(event, ReceivedRequest) and event.length_swapped and event.body == body and event.crc_ok
    [normal] = MassaKDeviceDecoder(accept_swapped_length=True).feed(encode(body))
    assert isinstance(normal, ReceivedRequest) and not normal.length_swapped


@SETTINGS
@given(stream=st.lists(byte_values, max_size=300).map(bytes))
def test_device_decoder_random_stream_declared_events(stream: bytes) -> None:
    decoder = MassaKDeviceDecoder(accept_swapped_length=True)
    for event in decoder.feed(stream):
        assert isinstance(event, (ReceivedRequest, BadRequest))
        if isinstance(event, ReceivedRequest):
            assert (event.request is None) == bool(event.error)
        else:
            assert event.reason == "length"
    assert decoder.framer.buffered <= 255 + 6


def test_encode_refuses_empty_and_oversized_bodies() -> None:
    with pytest.raises(InvalidParameter):
        encode(b"")
    with pytest.raises(InvalidParameter):
        encode(bytes(0x10000))
    with pytest.raises(InvalidParameter):
        encode_with_crc(b"\x23", 0x10000)
    with pytest.raises(InvalidParameter):
        MassaKFramer(max_body=0)


def test_header_split_across_feeds_is_kept() -> None:
    framer = MassaKFramer()
    wire = encode(b"\x23")
    assert framer.feed(b"\x00" + wire[:2]) == []
    assert framer.buffered == 2 and framer.noise == 1
    assert framer.feed(wire[2:]) == [Frame(b"\x23")]


def test_frame_inside_a_failed_frame_is_found() -> None:
    """A corrupted LEN that swallows a following frame: the CRC fails, the search restarts inside."""
    inner = encode(b"\x27")
    outer = bytearray(encode(b"\x24" + inner + b"\x00"))
    outer[-1] ^= 0xFF  # spoil the outer CRC
    events = MassaKFramer().feed(bytes(outer))
    assert events[0] == BadFrame("crc")
    assert Frame(b"\x27") in events
