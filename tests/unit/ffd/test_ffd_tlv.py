"""TLV framing: encoding rules, limits, and bounded decoding of bad input."""

from __future__ import annotations

import json
import struct
from datetime import datetime
from decimal import Decimal
from pathlib import Path

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from kkt_drivers.ffd.errors import (
    FfdDecodeError,
    FfdError,
    LengthLimitError,
    MalformedValueError,
    NestingTooDeep,
    TagVersionError,
    TextEncodingError,
    TruncatedError,
    ValueRangeError,
    ValueTypeMismatch,
)
from kkt_drivers.ffd.tlv import Tlv, decode_one, decode_tlv, encode_tlv, encode_tlvs

VECTOR = json.loads(
    (Path(__file__).parents[2] / "vectors" / "ffd" / "yofd_change_registration.json").read_text("utf-8")
)
DOCUMENT = bytes.fromhex(VECTOR["document_hex"])


def tlv(tag: int, value: bytes) -> bytes:
    return struct.pack("<HH", tag, len(value)) + value


def test_header_is_tag_and_length_little_endian() -> None:
    assert encode_tlv(1040, 1) == bytes.fromhex("1004 0400 01000000")
    assert encode_tlv(1209, 2) == bytes.fromhex("b904 0100 02")
    assert encode_tlv(1020, 0) == bytes.fromhex("fc03 0100 00")


def test_fixed_strings_padded_on_encode() -> None:
    assert encode_tlv(1018, "7702203276") == tlv(1018, b"7702203276  ")
    assert encode_tlv(1037, "0000000005008570") == tlv(1037, b"0000000005008570    ")


def test_decode_types() -> None:
    data = (
        encode_tlv(1012, datetime(2017, 3, 3, 11, 38))
        + encode_tlv(1023, Decimal("1.500"))
        + encode_tlv(1030, "Хлеб")
        + encode_tlv(1077, bytes.fromhex("2104aa107541"))
    )
    assert decode_tlv(data) == [
        Tlv(1012, datetime(2017, 3, 3, 11, 38)),
        Tlv(1023, Decimal("1.500")),
        Tlv(1030, "Хлеб"),
        Tlv(1077, bytes.fromhex("2104aa107541")),
    ]


def test_stlv_nests_and_repeats() -> None:
    item = (Tlv(1030, "Товар"), Tlv(1079, 1000), Tlv(1023, Decimal("2")), Tlv(1043, 2000))
    data = encode_tlvs([Tlv(1059, item), Tlv(1059, item)])
    decoded = decode_tlv(data)
    assert [d.tag for d in decoded] == [1059, 1059]
    assert decoded[0].children == item
    assert decoded[0].value == item
    assert Tlv(1030, "x").children == ()


def test_unknown_tags_are_raw_bytes() -> None:
    assert decode_tlv(tlv(1058, b"\x00") + tlv(9999, b"abc")) == [Tlv(1058, b"\x00"), Tlv(9999, b"abc")]
    assert encode_tlv(1058, b"\x00") == tlv(1058, b"\x00")
    with pytest.raises(ValueTypeMismatch, match="raw bytes"):
        encode_tlv(1058, 0)


def test_document_codes_are_stlv_only_at_top_level() -> None:
    inner = tlv(3, b"\x01\x02")  # tag 3 inside a document is not a document
    doc = decode_one(tlv(3, inner))
    assert doc.value == (Tlv(3, b"\x01\x02"),)


def test_length_limits_on_encode() -> None:
    encode_tlv(1030, "я" * 128)
    with pytest.raises(LengthLimitError, match="1030"):
        encode_tlv(1030, "я" * 129)
    with pytest.raises(LengthLimitError):
        encode_tlv(1018, "1234567890123")
    with pytest.raises(LengthLimitError):
        encode_tlv(1077, b"\x00" * 5)
    with pytest.raises(LengthLimitError):
        encode_tlv(1059, [Tlv(1030, "x" * 128)] * 8)  # 8 × 132 bytes > 1024


def test_document_limits_depend_on_version() -> None:
    body = [Tlv(1009, "а" * 256), Tlv(1187, "б" * 200)]  # 464 bytes
    assert len(encode_tlv(2, body, "1.2")) == 468
    with pytest.raises(LengthLimitError):
        encode_tlv(2, body, "1.05")  # open shift ≤ 440 in FFD 1.05


def test_numeric_limits_on_encode() -> None:
    encode_tlv(1020, 2**48 - 1)
    with pytest.raises(FfdError):
        encode_tlv(1020, 2**48)
    with pytest.raises(FfdError):
        encode_tlv(1020, -1)


def test_version_membership() -> None:
    encode_tlv(1101, 1, "1.05")
    with pytest.raises(TagVersionError):
        encode_tlv(1101, 1, "1.2")
    with pytest.raises(TagVersionError):
        encode_tlv(1290, 0, "1.05")
    with pytest.raises(TagVersionError):
        encode_tlv(1059, [Tlv(2108, 0)], "1.05")  # checked in children too
    assert encode_tlv(1290, 0, "1.05", check_version=False) == tlv(1290, b"\x00" * 4)
    with pytest.raises(ValueTypeMismatch):
        encode_tlv(1020, 1, "1.1")


def test_wrong_python_types() -> None:
    with pytest.raises(ValueTypeMismatch):
        encode_tlv(1059, "not children")
    with pytest.raises(ValueTypeMismatch):
        encode_tlv(1059, [(1030, "x")])  # type: ignore[list-item]
    with pytest.raises(ValueTypeMismatch):
        encode_tlv(1030, [Tlv(1030, "x")])
    with pytest.raises(ValueTypeMismatch):
        encode_tlv(70000, b"")


def test_value_too_long_for_length_field() -> None:
    with pytest.raises(LengthLimitError):
        encode_tlv(5000, b"\x00" * 0x10000)


# --- bounded decoding ---------------------------------------------------------------------------


def test_every_truncation_of_the_document_fails_cleanly() -> None:
    for cut in range(len(DOCUMENT)):
        with pytest.raises(FfdDecodeError):
            decode_one(DOCUMENT[:cut])


def test_truncations_of_the_field_list() -> None:
    fields = DOCUMENT[4:]
    boundaries = set()
    pos = 0
    while pos < len(fields):
        boundaries.add(pos)
        pos += 4 + int.from_bytes(fields[pos + 2 : pos + 4], "little")
    for cut in range(len(fields)):
        if cut in boundaries:
            assert len(decode_tlv(fields[:cut])) == sorted(boundaries).index(cut)
        else:
            with pytest.raises(TruncatedError):
                decode_tlv(fields[:cut])


@pytest.mark.parametrize(
    ("data", "error"),
    [
        (tlv(1040, b"\x01\x00\x00"), MalformedValueError),  # UINT32 of 3 bytes
        (tlv(1209, b"\x02\x00"), MalformedValueError),  # BYTE of 2 bytes
        (tlv(1020, b"\x00" * 9), MalformedValueError),  # VLN over 8 bytes
        (tlv(1023, b"\x09\x01"), MalformedValueError),  # FVLN scale 9
        (tlv(1012, b"\x00" * 5), MalformedValueError),
        (tlv(1059, b"\x01\x02\x03"), TruncatedError),  # garbage inside an STLV
        (b"\x11\x04\x10", TruncatedError),  # half a header
        (b"\x11\x04\xff\xff", TruncatedError),  # length past the end
    ],
)
def test_malformed_input(data: bytes, error: type[Exception]) -> None:
    with pytest.raises(error):
        decode_tlv(data)


def test_zero_length_vln_is_zero_and_round_trips() -> None:
    # A real FN-signed FFD 1.05 receipt (tests/vectors/ffd/outside/updclient_receipt_ffd105.json) carries
    # 1081 and 1215-1217 with length 0: they read as 0 and are written back in zero bytes.
    data = tlv(1081, b"") + tlv(1020, b"\x05\x00")
    decoded = decode_tlv(data)
    assert [(t.tag, t.value) for t in decoded] == [(1081, 0), (1020, 5)]
    assert encode_tlvs(decoded) == data
    assert encode_tlvs([Tlv(1081, 0), Tlv(1020, 5)]) == tlv(1081, b"\x00") + tlv(1020, b"\x05")


def test_error_names_the_path() -> None:
    with pytest.raises(MalformedValueError, match="1059/1023"):
        decode_tlv(tlv(1059, tlv(1023, b"\x09\x01")))


def _nested(levels: int) -> bytes:
    data = tlv(1030, b"x")
    for _ in range(levels):
        data = tlv(1059, data)
    return data


def test_nesting_limit() -> None:
    assert decode_tlv(_nested(8))
    with pytest.raises(NestingTooDeep):
        decode_tlv(_nested(9))
    with pytest.raises(NestingTooDeep):
        decode_tlv(_nested(3), max_depth=2)
    # a pathological chain far beyond the recursion limit still fails cleanly
    with pytest.raises(NestingTooDeep):
        decode_tlv(_deep_chain(5000))


def _deep_chain(levels: int) -> bytes:
    # STLV lengths cap out at 65535, so build the deepest chain that fits: each level adds 4 bytes.
    data = b""
    for _ in range(levels):
        data = struct.pack("<HH", 1059, len(data)) + data
    return data


def test_decode_one_requires_exactly_one() -> None:
    with pytest.raises(FfdDecodeError):
        decode_one(encode_tlv(1040, 1) * 2)
    with pytest.raises(FfdDecodeError):
        decode_one(b"")
    with pytest.raises(FfdDecodeError):
        decode_tlv("text")  # type: ignore[arg-type]


@settings(max_examples=200, deadline=None)
@given(st.binary(max_size=300))
def test_random_bytes_give_list_or_ffd_error(data: bytes) -> None:
    try:
        decode_tlv(data)
    except FfdDecodeError:
        pass


@settings(max_examples=200, deadline=None)
@given(st.lists(st.tuples(st.integers(0, len(DOCUMENT) - 1), st.integers(0, 255)), min_size=1, max_size=6))
def test_corrupted_document_gives_list_or_ffd_error(edits: list[tuple[int, int]]) -> None:
    data = bytearray(DOCUMENT)
    for pos, byte in edits:
        data[pos] = byte
    try:
        decode_tlv(bytes(data))
    except FfdDecodeError:
        pass


def test_encode_errors_name_the_path() -> None:
    with pytest.raises(TextEncodingError, match="tag 3: tag 1059: tag 1030"):
        encode_tlv(3, [Tlv(1059, (Tlv(1030, "€"),))])
    with pytest.raises(ValueRangeError, match="tag 1059: tag 1043"):
        encode_tlv(1059, [Tlv(1043, -1)])
