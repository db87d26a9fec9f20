"""Field encodings (v1.2.06 §5.5, Table 190) and helpers."""

from __future__ import annotations

import datetime as dt

import construct as cs
import pytest
from fn_testkit import load, unhex

from kkt_drivers.protocols.common.bcd import decode_bcd, encode_bcd
from kkt_drivers.protocols.fn.datatypes import (
    Ascii,
    DateAdapter,
    DateTimeAdapter,
    EnumField,
    Flag01,
    SpacePadded,
    TlvList,
    Uint16,
    Uint32,
    Uint40,
    Uint48,
    count_tlv,
    encode_tlv,
    format_rnm,
    iter_tlv,
)
from kkt_drivers.protocols.fn.enums import LifePhase

VECTORS = load("datatypes.json")["vectors"]


def _codec(vector: dict) -> tuple[cs.Construct, object]:
    kind, value = vector["type"], vector["value"]
    if kind == "DATE_TIME":
        return DateTimeAdapter(), dt.datetime.fromisoformat(value)
    if kind == "DATE":
        return DateAdapter(), dt.date.fromisoformat(value)
    if kind == "ASCII16":
        return Ascii(16), value
    if kind == "RNM20":
        return SpacePadded(20), value
    return {"Uint16": Uint16, "Uint32": Uint32, "Uint40": Uint40, "Uint48": Uint48}[kind], value


@pytest.mark.parametrize("vector", [v for v in VECTORS if v["type"] != "BCD"],
                         ids=lambda v: f"{v['type']}={v['value']}")
def test_datatype_vectors(vector: dict) -> None:
    codec, value = _codec(vector)
    raw = unhex(vector["hex"])
    assert codec.build(value) == raw
    assert codec.parse(raw) == value
    if "input" in vector:
        assert codec.build(format_rnm(vector["input"])) == raw


def test_bcd_example_of_table_190() -> None:
    (vector,) = [v for v in VECTORS if v["type"] == "BCD"]
    assert encode_bcd(vector["value"], 4) == unhex(vector["hex"])
    assert decode_bcd(unhex(vector["hex"])) == vector["value"]


def test_datetime_zero_and_seconds() -> None:
    codec = DateTimeAdapter()
    assert codec.parse(bytes(5)) is None
    assert codec.build(None) == bytes(5)
    assert codec.build(dt.datetime(2024, 2, 29, 23, 59, 58)) == bytes((24, 2, 29, 23, 59))


@pytest.mark.parametrize("raw", ["18 02 1e 0c 00", "18 0d 01 00 00", "18 01 01 18 00", "18 01 01 00 3c"])
def test_datetime_invalid_bytes(raw: str) -> None:
    with pytest.raises(cs.MappingError):
        DateTimeAdapter().parse(unhex(raw))


def test_date_limits() -> None:
    with pytest.raises(cs.MappingError):
        DateAdapter().build(dt.date(1999, 12, 31))
    with pytest.raises(cs.MappingError):
        DateAdapter().parse(unhex("18 02 1e"))
    assert DateAdapter().build(dt.date(2255, 12, 31)) == bytes((255, 12, 31))


def test_ascii_padding_and_errors() -> None:
    assert Ascii(4).build("ab") == b"ab\x00\x00"
    assert SpacePadded(4).build("ab") == b"ab  "
    assert Ascii(4).parse(b"ab  ") == "ab" == Ascii(4).parse(b"ab\x00\x00")
    assert Ascii(6).build("Тест") == "Тест".encode("cp866") + b"\x00\x00"
    with pytest.raises(cs.MappingError):
        Ascii(2).build("abc")
    with pytest.raises(cs.MappingError):
        Ascii(4).build("€")


def test_rnm_note_4() -> None:
    assert format_rnm("111133334444") == "0000111133334444"
    assert SpacePadded(20).build(format_rnm("111133334444")) == b"0000111133334444    "
    assert format_rnm("0000000005008570") == "0000000005008570"


def test_strict_flag() -> None:
    assert Flag01().parse(b"\x01") is True and Flag01().parse(b"\x00") is False
    with pytest.raises(cs.MappingError):
        Flag01().parse(b"\x02")
    with pytest.raises(cs.MappingError):
        Flag01().build(2)


def test_enum_field_keeps_unknown_values() -> None:
    field = EnumField(LifePhase)
    assert field.parse(b"\x03") is LifePhase.FISCAL_MODE
    assert field.parse(b"\x05") == 5
    assert field.build(5) == b"\x05"


def test_tlv_helpers() -> None:
    data = encode_tlv(1009, b"abc") + encode_tlv(1187, b"")
    assert data == unhex("f1 03 03 00 61 62 63 a3 04 00 00")
    assert list(iter_tlv(data)) == [(1009, b"abc"), (1187, b"")]
    assert count_tlv(data) == 2
    with pytest.raises(ValueError):
        count_tlv(data[:-1])
    with pytest.raises(ValueError):
        count_tlv(data + b"\x01")
    one = TlvList(min_items=1, max_items=1)
    assert one.parse(encode_tlv(1, b"x")) == encode_tlv(1, b"x")
    for bad in (b"", data, b"\x01\x00\x05\x00ab"):
        with pytest.raises(cs.ValidationError):
            one.parse(bad)
