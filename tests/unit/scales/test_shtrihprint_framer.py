"""Property tests of the Штрих-Принт datagram codec and RS-232 decoder.

Datagrams: any bytes give a Message/Control/Busy or a FrameError, nothing else. RS-232: round trips
under any chunking, control bytes in order, one corrupted byte after STX/LEN refused (XOR LRC catches
every single-byte change that keeps the length), truncation, random streams with bounded memory.
"""

from __future__ import annotations

import pytest
from hypothesis import given
from hypothesis import strategies as st
from scales_testkit import SETTINGS, cuts, feed_chunks

from kkt_drivers.errors import FrameError, InvalidParameter
from kkt_drivers.protocols.shtrihprint.framer import (
    ACK,
    BUSY,
    ENQ,
    NAK,
    STX,
    BadFrame,
    Busy,
    Control,
    Message,
    ShtrihPrintSerialFramer,
    decode_datagram,
    encode,
)

SPECIAL = [STX, 0x03, ENQ, ACK, NAK, BUSY, 0xFF, 0x00]
byte_values = st.one_of(st.sampled_from(SPECIAL), st.integers(0, 255))
bodies = st.lists(byte_values, min_size=1, max_size=80).map(bytes)
quiet = st.lists(st.integers(0, 255).filter(lambda b: b not in (STX, ENQ, ACK, NAK)), max_size=20).map(bytes)


@SETTINGS
@given(body=bodies, sync=st.booleans())
def test_datagram_round_trip(body: bytes, sync: bool) -> None:
    assert decode_datagram(encode(body, sync=sync)) == Message(body, sync=sync)


@SETTINGS
@given(body=st.binary(min_size=1, max_size=600))
def test_dynamic_length_datagram(body: bytes) -> None:
    wire = encode(body, dynamic_length=True)
    assert wire[1] == 0xFF
    assert decode_datagram(wire) == Message(body)


@SETTINGS
@given(datagram=st.lists(byte_values, max_size=60).map(bytes))
def test_any_datagram_decodes_or_raises_frame_error(datagram: bytes) -> None:
    try:
        result = decode_datagram(datagram)
    except FrameError:
        return
    assert isinstance(result, (Message, Control, Busy))
    if isinstance(result, Message):
        assert result.body and (datagram[1] == 0xFF or datagram[1] == len(result.body))


def test_service_datagrams() -> None:
    assert decode_datagram(b"\x15") == Control(NAK)
    assert decode_datagram(bytes((BUSY, 168, 192, 10, 1, 0x57, 0x04))) == Busy("192.168.1.10", 1111)
    for bad in (b"", b"\x0b", b"\x02", b"\x02\x03\x11", b"\x02\x00", b"\x07\x01\x11", b"\x0b\x00\x00"):
        with pytest.raises(FrameError):
            decode_datagram(bad)


def test_encode_refusals() -> None:
    with pytest.raises(InvalidParameter):
        encode(b"")
    with pytest.raises(InvalidParameter):
        encode(bytes(255))
    with pytest.raises(InvalidParameter):
        encode(b"\x11", serial=True, sync=True)
    with pytest.raises(InvalidParameter):
        encode(b"\x55", serial=True, dynamic_length=True)
    assert encode(bytes(254))[1] == 254


@SETTINGS
@given(items=st.lists(bodies.map(lambda b: b[:254]), min_size=1, max_size=4),
       controls=st.lists(st.sampled_from([ENQ, ACK, NAK]), max_size=4),
       noise=st.lists(quiet, min_size=5, max_size=5), cut_points=cuts)
def test_serial_round_trip_with_controls_and_noise(items: list[bytes], controls: list[int], noise: list[bytes],
                                                    cut_points: list[int]) -> None:
    wire = b""
    expected: list[object] = []
    for i, body in enumerate(items):
        wire += noise[i]
        if i < len(controls):
            wire += bytes((controls[i],))
            expected.append(Control(controls[i]))
        wire += encode(body, serial=True)
        expected.append(Message(body))
    wire += noise[4]
    framer = ShtrihPrintSerialFramer()
    assert feed_chunks(framer.feed, wire, cut_points) == expected
    assert framer.noise == sum(len(n) for n in noise[:len(items)]) + len(noise[4])


@SETTINGS
@given(body=bodies.map(lambda b: b[:254]), good=bodies.map(lambda b: b[:254]), data=st.data())
def test_serial_corruption_after_len_is_refused(body: bytes, good: bytes, data: st.DataObject) -> None:
    wire = bytearray(encode(body, serial=True))
    pos = data.draw(st.integers(2, len(wire) - 1), label="pos")
    wire[pos] = data.draw(st.integers(0, 255).filter(lambda v: v != wire[pos]), label="value")
    framer = ShtrihPrintSerialFramer()
    events = framer.feed(bytes(wire))
    assert events[0] == BadFrame("lrc")
    assert Message(bytes(wire[2:-1])) not in events
    framer.reset()
    assert framer.feed(encode(good, serial=True)) == [Message(good)]


@SETTINGS
@given(body=bodies.map(lambda b: b[:254]), good=bodies.map(lambda b: b[:254]), data=st.data())
def test_serial_truncated_message_then_reset(body: bytes, good: bytes, data: st.DataObject) -> None:
    wire = encode(body, serial=True)
    cut = data.draw(st.integers(1, len(wire) - 1), label="cut")
    framer = ShtrihPrintSerialFramer()
    assert not any(isinstance(e, Message) for e in framer.feed(wire[:cut]))
    assert framer.in_frame
    framer.reset()
    assert framer.feed(encode(good, serial=True)) == [Message(good)]


@SETTINGS
@given(stream=st.lists(byte_values, max_size=500).map(bytes), cut_points=cuts)
def test_serial_random_stream_bounded_and_chunking_invariant(stream: bytes, cut_points: list[int]) -> None:
    framer = ShtrihPrintSerialFramer()
    events: list[object] = []
    for chunk in [stream[i:i + 9] for i in range(0, len(stream), 9)]:
        events += framer.feed(chunk)
        assert framer.buffered <= 257
    for event in events:
        assert isinstance(event, (Message, Control, BadFrame))
        if isinstance(event, Control):
            assert event.byte in (ENQ, ACK, NAK)
        elif isinstance(event, BadFrame):
            assert event.reason in ("lrc", "length")
    assert feed_chunks(ShtrihPrintSerialFramer().feed, stream, cut_points) == events


@SETTINGS
@given(junk=st.lists(byte_values, max_size=200).map(bytes), good=bodies.map(lambda b: b[:40]))
def test_serial_good_message_after_junk_and_filler(junk: bytes, good: bytes) -> None:
    """258 filler bytes finish whatever message an STX in the junk opened (LEN ≤ 255), whether it then
    passes its LRC by chance or not; the good message after them always decodes."""
    framer = ShtrihPrintSerialFramer()
    events = framer.feed(junk + bytes(258) + encode(good, serial=True))
    assert events[-1] == Message(good)
