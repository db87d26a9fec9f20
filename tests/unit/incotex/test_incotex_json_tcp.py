"""Raw-TCP framing of the driver-service JSON: 4-byte big-endian length, then the JSON bytes."""

from __future__ import annotations

from itertools import pairwise

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from kkt_drivers.errors import FrameError, InvalidParameter
from kkt_drivers.protocols.incotex.json_tcp import JsonFrameError, JsonTcpFramer, encode

SETTINGS = settings(max_examples=200)
cuts = st.lists(st.integers(0, 10_000), max_size=12)


def split(wire: bytes, cut_points: list[int]) -> list[bytes]:
    points = sorted({c % (len(wire) + 1) for c in cut_points})
    return [wire[a:b] for a, b in pairwise([0, *points, len(wire)]) if b > a]


def test_length_is_big_endian() -> None:
    assert encode(b"{}") == b"\x00\x00\x00\x02{}"
    assert encode(b"x" * 0x1234)[:4] == b"\x00\x00\x12\x34"
    assert JsonTcpFramer().feed(b"\x00\x00\x00\x00") == [b""]


@SETTINGS
@given(messages=st.lists(st.binary(max_size=300), min_size=1, max_size=5), cut_points=cuts)
def test_round_trip_any_chunking(messages: list[bytes], cut_points: list[int]) -> None:
    framer = JsonTcpFramer()
    out: list[bytes] = []
    for chunk in split(b"".join(encode(m) for m in messages), cut_points):
        out += framer.feed(chunk)
    assert out == messages and not framer.in_message


@SETTINGS
@given(message=st.binary(min_size=1, max_size=100), data=st.data())
def test_truncated_message_waits_for_the_rest(message: bytes, data: st.DataObject) -> None:
    wire = encode(message)
    cut = data.draw(st.integers(1, len(wire) - 1))
    framer = JsonTcpFramer()
    assert framer.feed(wire[:cut]) == [] and framer.in_message
    assert framer.feed(wire[cut:]) == [message]


@SETTINGS
@given(stream=st.binary(max_size=400), cut_points=cuts)
def test_random_stream_is_bounded_and_errors_are_typed(stream: bytes, cut_points: list[int]) -> None:
    framer = JsonTcpFramer(max_length=64)
    for chunk in split(stream, cut_points):
        try:
            for message in framer.feed(chunk):
                assert len(message) <= 64
        except JsonFrameError:
            break
        assert framer.buffered <= 64


def test_oversized_length_breaks_the_framer_until_reset() -> None:
    framer = JsonTcpFramer(max_length=10)
    with pytest.raises(JsonFrameError) as caught:
        framer.feed(encode(b"ok") + b"\x00\x00\x00\x0b")
    assert isinstance(caught.value, FrameError) and caught.value.messages == [b"ok"]
    with pytest.raises(JsonFrameError):
        framer.feed(encode(b"next"))
    framer.reset()
    assert framer.feed(encode(b"next")) == [b"next"]


def test_encode_refuses_oversized_payload() -> None:
    with pytest.raises(InvalidParameter):
        encode(b"x" * 11, max_length=10)
