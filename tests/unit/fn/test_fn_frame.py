"""The ФН link frame (v1.2.06 §3.1–3.4, Tables 2–3): encoding, one-shot and feed decoding."""

from __future__ import annotations

import pytest
from fn_testkit import load, unhex

from kkt_drivers.errors import FrameError, ProtocolError
from kkt_drivers.protocols.fn.frame import (
    ENQ,
    MAX_DATA,
    MAX_DATA_V11,
    MAX_FRAME,
    Enq,
    FnFrameError,
    Frame,
    FrameCrcError,
    FrameDecoder,
    FrameStartError,
    FrameTooLongError,
    FrameTooShortError,
    FrameTruncatedError,
    TrailingBytesError,
    crc16,
    decode_frame,
    encode_answer,
    encode_frame,
    encode_request,
)

FRAMES = load("frames.json")["vectors"]


@pytest.mark.parametrize("vector", FRAMES, ids=lambda v: v["name"])
def test_frame_vectors(vector: dict) -> None:
    raw = unhex(vector["frame_hex"])
    frame = decode_frame(raw)
    assert frame == Frame(vector["code"], unhex(vector["data_hex"]))
    assert encode_frame(vector["code"], frame.data) == raw
    assert frame.encode() == raw
    if "answer_code" in vector:
        assert frame.answer_code == vector["answer_code"]
        assert frame.warning == vector.get("warning", False)
        assert encode_answer(frame.answer_code, frame.data, warning=frame.warning) == raw


def test_layout_by_hand() -> None:
    raw = encode_request(0x16, b"\xaa\xbb")
    assert raw[0] == 0x04
    assert raw[1:3] == (3).to_bytes(2, "little")  # LEN = N + 1
    assert raw[3] == 0x16
    assert raw[4:6] == b"\xaa\xbb"
    assert raw[6:] == crc16(raw[1:6]).to_bytes(2, "little")  # over all but MSG_START, LE
    assert len(raw) == len(b"\xaa\xbb") + 6


def test_status_request_example() -> None:
    assert encode_request(0x30) == bytes.fromhex("04 01 00 30 FF CD")


def test_answer_warning_bit() -> None:
    raw = encode_answer(0x02, warning=True)
    frame = decode_frame(raw)
    assert frame.code == 0x82 and frame.answer_code == 0x02 and frame.warning


def test_maximal_data_round_trips() -> None:
    data = bytes(range(256)) * 6
    assert len(data) == MAX_DATA
    raw = encode_request(0x07, data)
    assert len(raw) == MAX_FRAME == 1542  # §2.4: 1536 data bytes, 1542 with the service fields
    assert decode_frame(raw) == Frame(0x07, data)


def test_encode_limits() -> None:
    with pytest.raises(ValueError):
        encode_request(0x07, bytes(MAX_DATA + 1))
    with pytest.raises(ValueError):
        encode_request(0x07, bytes(MAX_DATA_V11 + 1), max_data=MAX_DATA_V11)
    with pytest.raises(ValueError):
        encode_request(0x100)
    with pytest.raises(ValueError):
        encode_answer(0x80)


# -- one-shot decode errors --------------------------------------------------------------------

def test_decode_errors_are_typed() -> None:
    good = encode_request(0x31, b"\x01\x02")
    with pytest.raises(FrameStartError):
        decode_frame(b"")
    with pytest.raises(FrameStartError):
        decode_frame(b"\x02" + good[1:])
    with pytest.raises(FrameTruncatedError):
        decode_frame(good[:2])
    with pytest.raises(FrameTruncatedError) as truncated:
        decode_frame(good[:-1])
    assert truncated.value.need == len(good)
    with pytest.raises(TrailingBytesError):
        decode_frame(good + b"\x00")
    bad_crc = good[:-1] + bytes((good[-1] ^ 0x01,))
    with pytest.raises(FrameCrcError) as crc_error:
        decode_frame(bad_crc)
    assert crc_error.value.code == 0x31
    with pytest.raises(FrameTooShortError):
        decode_frame(b"\x04\x00\x00\x00\x00")
    with pytest.raises(FrameTooLongError) as too_long:
        decode_frame(b"\x04" + (MAX_DATA + 2).to_bytes(2, "little"))
    assert too_long.value.limit == MAX_DATA + 1


def test_error_hierarchy() -> None:
    for cls in (FrameCrcError, FrameTooLongError, FrameTooShortError, FrameTruncatedError,
                FrameStartError, TrailingBytesError):
        assert issubclass(cls, FnFrameError)
        assert issubclass(cls, FrameError)
        assert issubclass(cls, ProtocolError)


def test_v11_limit_is_configurable() -> None:
    raw = encode_request(0x07, bytes(MAX_DATA_V11 + 1))
    with pytest.raises(FrameTooLongError):
        decode_frame(raw, max_data=MAX_DATA_V11)
    assert decode_frame(raw).data == bytes(MAX_DATA_V11 + 1)


# -- feed decoder ------------------------------------------------------------------------------

def test_feed_byte_by_byte() -> None:
    frames = [Frame(0x30), Frame(0x07, b"\x04\x04\x01\x00\x04"), Frame(0x00, b"\x05\x04")]
    stream = b"".join(f.encode() for f in frames)
    decoder = FrameDecoder()
    events = []
    for byte in stream:
        events += decoder.feed(bytes((byte,)))
    assert events == frames
    assert decoder.buffered == 0 and not decoder.in_frame


def test_feed_skips_noise_and_counts_it() -> None:
    decoder = FrameDecoder()
    events = decoder.feed(b"\xff\x00" + encode_request(0x30) + b"\x13")
    assert events == [Frame(0x30)]
    assert decoder.noise == 3


def test_enq_between_frames() -> None:
    drive_side = FrameDecoder(accept_enq=True)
    assert drive_side.feed(bytes((ENQ,))) == [Enq()]
    events = drive_side.feed(b"\x05" + encode_request(0x30) + b"\x05")
    assert events == [Enq(), Frame(0x30), Enq()]
    kkt_side = FrameDecoder()
    assert kkt_side.feed(b"\x05") == [] and kkt_side.noise == 1


def test_enq_inside_a_frame_is_data() -> None:
    decoder = FrameDecoder(accept_enq=True)
    frame = Frame(0x26, b"\x05\x05")
    assert decoder.feed(frame.encode()) == [frame]


def test_bad_crc_then_resync() -> None:
    good = encode_request(0x31)
    bad = bytearray(encode_request(0x30, b"\x01"))
    bad[-1] ^= 0xFF
    decoder = FrameDecoder()
    events = decoder.feed(bytes(bad) + good)
    assert isinstance(events[0], FrameCrcError)
    assert events[-1] == Frame(0x31)


def test_too_long_length_is_reported_and_skipped() -> None:
    decoder = FrameDecoder()
    events = decoder.feed(b"\x04\xff\xff" + encode_request(0x33))
    assert isinstance(events[0], FrameTooLongError)
    assert events[-1] == Frame(0x33)


def test_zero_length_is_reported() -> None:
    decoder = FrameDecoder()
    events = decoder.feed(b"\x04\x00\x00" + encode_request(0x33))
    assert isinstance(events[0], FrameTooShortError)
    assert events[-1] == Frame(0x33)


def test_truncation_reported_on_flush() -> None:
    decoder = FrameDecoder()
    raw = encode_request(0x16, bytes(11))
    assert decoder.feed(raw[:7]) == []
    assert decoder.in_frame
    events = decoder.flush()
    assert len(events) == 1 and isinstance(events[0], FrameTruncatedError)
    assert events[0].have == 7 and events[0].need == len(raw)
    assert decoder.buffered == 0


def test_flush_rescans_after_a_truncated_frame() -> None:
    decoder = FrameDecoder()
    # a cut frame whose LEN claims more bytes than follow, then a complete frame
    stream = b"\x04\x40\x00\x16" + encode_request(0x30)
    assert decoder.feed(stream) == []
    events = decoder.flush()
    assert isinstance(events[0], FrameTruncatedError)
    assert events[-1] == Frame(0x30)


def test_buffer_bounded_by_one_frame() -> None:
    decoder = FrameDecoder()
    decoder.feed(b"\x04" + (MAX_DATA + 1).to_bytes(2, "little") + bytes(MAX_DATA))
    assert decoder.buffered < MAX_FRAME
    decoder.feed(bytes(10_000))
    assert decoder.buffered < MAX_FRAME


def test_reset() -> None:
    decoder = FrameDecoder()
    decoder.feed(b"\x04\x10")
    decoder.reset()
    assert decoder.feed(encode_request(0x30)) == [Frame(0x30)]
