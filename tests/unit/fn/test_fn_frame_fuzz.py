"""Property tests of the feed decoder: random splits, garbage, bounded memory."""

from __future__ import annotations

from hypothesis import given, settings
from hypothesis import strategies as st

from kkt_drivers.protocols.fn.frame import (
    MAX_FRAME,
    Enq,
    FnFrameError,
    Frame,
    FrameDecoder,
    encode_frame,
)

SETTINGS = settings(max_examples=200, deadline=None, database=None)

frames_st = st.builds(Frame, st.integers(0, 255), st.binary(max_size=300))
#: garbage that cannot start a frame
clean_garbage = st.binary(max_size=40).map(lambda b: b.replace(b"\x04", b"\x00"))


def split(stream: bytes, cuts: list[int]) -> list[bytes]:
    points = sorted({c % (len(stream) + 1) for c in cuts})
    chunks, last = [], 0
    for p in points:
        chunks.append(stream[last:p])
        last = p
    chunks.append(stream[last:])
    return chunks


def run(decoder: FrameDecoder, chunks: list[bytes]) -> list[object]:
    events: list[object] = []
    for chunk in chunks:
        events += decoder.feed(chunk)
        assert decoder.buffered < MAX_FRAME
    events += decoder.flush()
    assert decoder.buffered == 0
    return events


@SETTINGS
@given(st.lists(frames_st, max_size=6), st.lists(st.integers(0, 10_000), max_size=12))
def test_random_splits_give_the_same_frames(frames: list[Frame], cuts: list[int]) -> None:
    stream = b"".join(f.encode() for f in frames)
    assert run(FrameDecoder(), split(stream, cuts)) == frames


@SETTINGS
@given(st.lists(st.tuples(clean_garbage, frames_st), max_size=5), clean_garbage,
       st.lists(st.integers(0, 10_000), max_size=12))
def test_frames_between_garbage_are_all_found(parts: list[tuple[bytes, Frame]], tail: bytes,
                                              cuts: list[int]) -> None:
    stream = b"".join(g + f.encode() for g, f in parts) + tail
    events = run(FrameDecoder(), split(stream, cuts))
    assert events == [f for _, f in parts]


@SETTINGS
@given(st.binary(max_size=3000), st.lists(st.integers(0, 10_000), max_size=20), st.booleans())
def test_arbitrary_bytes_never_crash(stream: bytes, cuts: list[int], accept_enq: bool) -> None:
    events = run(FrameDecoder(accept_enq=accept_enq), split(stream, cuts))
    for event in events:
        assert isinstance(event, Frame | Enq | FnFrameError)
        if isinstance(event, Frame):
            assert encode_frame(event.code, event.data) in stream
        if isinstance(event, Enq):
            assert accept_enq


@SETTINGS
@given(st.lists(frames_st, min_size=1, max_size=4), st.binary(max_size=60),
       st.lists(st.integers(0, 10_000), max_size=12))
def test_garbage_prefix_with_start_bytes_does_not_hide_frames(frames: list[Frame], prefix: bytes,
                                                              cuts: list[int]) -> None:
    """Garbage may contain 04h; every real frame is still found (a CRC can collide only by chance,
    so the check is that the real frames appear, in order, among the decoded ones)."""
    stream = prefix + b"".join(f.encode() for f in frames)
    decoded = [e for e in run(FrameDecoder(), split(stream, cuts)) if isinstance(e, Frame)]
    it = iter(decoded)
    assert all(any(d == f for d in it) for f in frames)
