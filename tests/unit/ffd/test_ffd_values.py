"""Value-type codecs: published examples and edge cases."""

from __future__ import annotations

import json
from datetime import datetime, timedelta, timezone
from decimal import Decimal
from pathlib import Path
from typing import Any

import pytest

from kkt_drivers.errors import KktError
from kkt_drivers.ffd import values as v
from kkt_drivers.ffd.errors import (
    FfdError,
    LengthLimitError,
    MalformedValueError,
    TextEncodingError,
    ValueRangeError,
    ValueTypeMismatch,
)

VECTORS = json.loads((Path(__file__).parents[2] / "vectors" / "ffd" / "value_examples.json").read_text("utf-8"))


def _python_value(example: dict[str, Any]) -> Any:
    if example["type"] == "FVLN":
        return Decimal(example["value"])
    if example["type"] == "UNIXTIME":
        return datetime.fromisoformat(example["local"])
    return example["value"]


@pytest.mark.parametrize("example", VECTORS["values"], ids=lambda e: f"{e['type']}-{e['hex']}")
def test_published_examples_decode(example: dict[str, Any]) -> None:
    vtype = v.ValueType(example["type"])
    assert v.decode_scalar(vtype, bytes.fromhex(example["hex"])) == _python_value(example)


@pytest.mark.parametrize("example", VECTORS["values"], ids=lambda e: f"{e['type']}-{e['hex']}")
def test_published_examples_encode(example: dict[str, Any]) -> None:
    vtype = v.ValueType(example["type"])
    encoded = v.encode_scalar(vtype, _python_value(example), max_len=example.get("max_len"))
    expected = example["hex"] if example["canonical"] else example["reencoded_hex"]
    assert encoded.hex() == expected


def test_unixtime_example_is_local_time_written_as_utc() -> None:
    # 8A 02 9E 55 = 1436418698 seconds; read as wall-clock time with no zone shift.
    assert v.decode_unixtime(bytes.fromhex("8a029e55")) == datetime(2015, 7, 9, 5, 11, 38)
    assert v.unixtime_seconds(datetime(2015, 7, 9, 5, 11, 38)) == 1436418698


# --- VLN ------------------------------------------------------------------------------------------


def test_vln_zero_is_one_byte() -> None:
    assert v.encode_vln(0) == b"\x00"
    assert v.decode_vln(b"\x00") == 0


def test_vln_is_minimal_little_endian() -> None:
    assert v.encode_vln(255) == b"\xff"
    assert v.encode_vln(256) == b"\x00\x01"
    assert v.encode_vln(404969) == bytes.fromhex("e92d06")


def test_vln_max_values() -> None:
    assert v.encode_vln(2**64 - 1) == b"\xff" * 8
    assert v.encode_vln(2**48 - 1, 6) == b"\xff" * 6
    with pytest.raises(ValueRangeError):
        v.encode_vln(2**64)
    with pytest.raises(ValueRangeError):
        v.encode_vln(2**48, 6)


def test_vln_negative_and_wrong_type() -> None:
    with pytest.raises(ValueRangeError):
        v.encode_vln(-1)
    with pytest.raises(ValueTypeMismatch):
        v.encode_vln("10")  # type: ignore[arg-type]
    with pytest.raises(ValueTypeMismatch):
        v.encode_vln(Decimal(10))  # type: ignore[arg-type]


def test_vln_decode_accepts_padding_and_empty_but_not_overlong() -> None:
    padded = v.decode_vln(b"\x01\x00\x00\x00\x00\x00")
    assert padded == 1 and v.encode_vln(padded) == b"\x01\x00\x00\x00\x00\x00"  # written as read
    assert v.encode_vln(padded + 0) == b"\x01"  # arithmetic gives a plain int: minimal again
    empty = v.decode_vln(b"")
    assert empty == 0 and v.encode_vln(empty) == b""
    assert v.decode_vln(b"\x00") == 0 and type(v.decode_vln(b"\x00")) is int
    with pytest.raises(MalformedValueError):
        v.decode_vln(b"\x00" * 9)


# --- FVLN -----------------------------------------------------------------------------------------


def test_fvln_three_decimals() -> None:
    assert v.encode_fvln(Decimal("1.000")) == bytes.fromhex("03e803")
    decoded = v.decode_fvln(bytes.fromhex("03e803"))
    assert str(decoded) == "1.000"
    assert v.encode_fvln(Decimal("0.001")) == bytes.fromhex("0301")
    assert v.encode_fvln(Decimal("2.125")) == bytes([3]) + (2125).to_bytes(2, "little")


def test_fvln_integers_and_scale_zero() -> None:
    assert v.encode_fvln(1) == b"\x00\x01"
    assert v.encode_fvln(Decimal("1E+2")) == b"\x00\x64"
    assert v.encode_fvln(Decimal("-0")) == b"\x00\x00"
    assert str(v.decode_fvln(b"\x00\x01")) == "1"


def test_fvln_preserves_the_scale() -> None:
    assert str(v.decode_fvln(v.encode_fvln(Decimal("5.50")))) == "5.50"


def test_fvln_rejects_bad_values() -> None:
    with pytest.raises(ValueRangeError):
        v.encode_fvln(Decimal("-1.5"))
    with pytest.raises(ValueRangeError):
        v.encode_fvln(Decimal("0.123456789"))  # 9 decimals
    with pytest.raises(ValueRangeError):
        v.encode_fvln(Decimal("NaN"))
    with pytest.raises(ValueRangeError):
        v.encode_fvln(Decimal("Infinity"))
    with pytest.raises(ValueTypeMismatch):
        v.encode_fvln(1.5)  # type: ignore[arg-type]
    with pytest.raises(ValueTypeMismatch):
        v.encode_fvln(True)
    with pytest.raises(ValueRangeError):
        v.encode_fvln(Decimal(256**7), 8)  # needs 8 value bytes + scale byte


def test_fvln_decode_errors() -> None:
    with pytest.raises(MalformedValueError):
        v.decode_fvln(b"\x02")
    with pytest.raises(MalformedValueError):
        v.decode_fvln(b"\x09\x01")  # scale above 8
    with pytest.raises(MalformedValueError):
        v.decode_fvln(b"\x00" * 10)


# --- fixed-width integers ---------------------------------------------------------------------


@pytest.mark.parametrize(
    ("vtype", "top", "width"),
    [(v.ValueType.BYTE, 0xFF, 1), (v.ValueType.UINT16, 0xFFFF, 2), (v.ValueType.UINT32, 0xFFFF_FFFF, 4)],
)
def test_fixed_ints_bounds(vtype: v.ValueType, top: int, width: int) -> None:
    assert v.encode_fixed_int(vtype, top) == b"\xff" * width
    assert v.decode_fixed_int(vtype, b"\xff" * width) == top
    with pytest.raises(ValueRangeError):
        v.encode_fixed_int(vtype, top + 1)
    with pytest.raises(ValueRangeError):
        v.encode_fixed_int(vtype, -1)
    with pytest.raises(MalformedValueError):
        v.decode_fixed_int(vtype, b"\x00" * (width + 1))


def test_uint_little_endian() -> None:
    assert v.encode_uint16(0x1234) == b"\x34\x12"
    assert v.encode_uint32(1) == b"\x01\x00\x00\x00"
    assert v.decode_uint32(b"\x98\x55\xb9\x58") == 0x58B95598


def test_byte_accepts_flags() -> None:
    assert v.encode_byte(True) == b"\x01"
    assert v.decode_byte(b"\x00") == 0
    with pytest.raises(ValueTypeMismatch):
        v.encode_byte("1")  # type: ignore[arg-type]


# --- UNIXTIME ---------------------------------------------------------------------------------


def test_unixtime_range_and_naive_only() -> None:
    assert v.encode_unixtime(datetime(1970, 1, 1)) == b"\x00\x00\x00\x00"
    last = datetime(1970, 1, 1) + timedelta(seconds=0xFFFF_FFFF)
    assert v.encode_unixtime(last) == b"\xff\xff\xff\xff"
    with pytest.raises(ValueRangeError):
        v.encode_unixtime(last + timedelta(seconds=1))
    with pytest.raises(ValueRangeError):
        v.encode_unixtime(datetime(1969, 12, 31, 23, 59, 59))
    with pytest.raises(ValueTypeMismatch):
        v.encode_unixtime(datetime(2020, 1, 1, tzinfo=timezone.utc))
    with pytest.raises(ValueTypeMismatch):
        v.encode_unixtime(1234)  # type: ignore[arg-type]


def test_unixtime_drops_microseconds() -> None:
    assert v.encode_unixtime(datetime(2017, 3, 3, 11, 38, 0, 999_999)) == bytes.fromhex("9855b958")


def test_unixtime_decode_length() -> None:
    with pytest.raises(MalformedValueError):
        v.decode_unixtime(b"\x00\x00\x00")


# --- STRING / BYTE[] ----------------------------------------------------------------------------


def test_cp866_cyrillic() -> None:
    assert v.encode_string("Тест") == bytes.fromhex("92a5e1e2")
    assert v.encode_string('ООО "МММ"') == bytes.fromhex("8e8e8e20228c8c8c22")
    assert v.encode_string("ёЁ№") == bytes([0xF1, 0xF0, 0xFC])
    assert v.decode_string(bytes([0xF1, 0xF0, 0xFC])) == "ёЁ№"


def test_every_byte_decodes_and_reencodes() -> None:
    everything = bytes(range(256))
    assert v.encode_string(v.decode_string(everything)) == everything


@pytest.mark.parametrize("text", ["€", "Ω", "🙂", "‰"])
def test_non_cp866_text_is_refused(text: str) -> None:
    with pytest.raises(TextEncodingError, match="not in CP866"):
        v.encode_string("abc" + text)


def test_fixed_strings_are_space_padded() -> None:
    assert v.encode_string("7702203276", fixed_len=12) == b"7702203276  "
    assert v.decode_string(b"7702203276  ") == "7702203276  "
    with pytest.raises(LengthLimitError):
        v.encode_string("1234567890123", fixed_len=12)


def test_scalar_length_rules() -> None:
    assert v.encode_scalar(v.ValueType.STRING, "abc", max_len=3) == b"abc"
    with pytest.raises(LengthLimitError):
        v.encode_scalar(v.ValueType.STRING, "abcd", max_len=3)
    with pytest.raises(LengthLimitError):
        v.encode_scalar(v.ValueType.BYTES, b"\x00" * 5, max_len=6, fixed=True)
    with pytest.raises(ValueTypeMismatch):
        v.encode_scalar(v.ValueType.BYTES, "00")
    with pytest.raises(ValueTypeMismatch):
        v.encode_scalar(v.ValueType.STLV, b"")


def test_fiscal_sign_number() -> None:
    raw = bytes.fromhex(VECTORS["fiscal_sign"]["tag_1077_hex"])
    assert v.fiscal_sign_number(raw) == VECTORS["fiscal_sign"]["printed"] == 2853205313
    assert v.fiscal_sign_bytes(2853205313) == raw
    with pytest.raises(MalformedValueError):
        v.fiscal_sign_number(raw[:5])
    with pytest.raises(ValueRangeError):
        v.fiscal_sign_bytes(2**32)


def test_errors_are_typed() -> None:
    with pytest.raises(ValueRangeError) as info:
        v.encode_vln(-5)
    assert isinstance(info.value, FfdError)
    assert isinstance(info.value, KktError)
    assert isinstance(info.value, ValueError)
