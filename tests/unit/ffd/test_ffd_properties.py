"""Hypothesis round trips: value codecs, TLV trees drawn from the tag table, documents and QR strings."""

from __future__ import annotations

from datetime import datetime, timedelta
from decimal import Decimal
from typing import Any

from hypothesis import assume, given, settings
from hypothesis import strategies as st

from kkt_drivers.ffd import values as v
from kkt_drivers.ffd.documents import decode_document, encode_document
from kkt_drivers.ffd.errors import LengthLimitError
from kkt_drivers.ffd.qr import ReceiptQr, parse_qr
from kkt_drivers.ffd.tags import TAGS, OperationType, TagInfo
from kkt_drivers.ffd.tlv import Tlv, decode_tlv, encode_tlvs

EXAMPLES = settings(max_examples=200, deadline=None)

CP866_ALPHABET = bytes(range(256)).decode("cp866")
FIRST = datetime(1970, 1, 1)
LAST = FIRST + timedelta(seconds=0xFFFF_FFFF)
local_times = st.datetimes(min_value=FIRST, max_value=LAST).map(lambda d: d.replace(microsecond=0))


def fvln_values(max_len: int = v.FVLN_MAX_BYTES) -> st.SearchStrategy[Decimal]:
    def build(scale: int, unscaled: int) -> Decimal:
        return Decimal((0, tuple(int(c) for c in str(unscaled)), -scale))

    return st.builds(build, st.integers(0, v.FVLN_MAX_SCALE), st.integers(0, 256 ** (max_len - 1) - 1))


def scalar_for(info: TagInfo) -> st.SearchStrategy[Any]:
    size = info.max_len if info.max_len is not None else 300
    if info.type is v.ValueType.BYTE:
        return st.integers(0, 0xFF)
    if info.type is v.ValueType.UINT16:
        return st.integers(0, 0xFFFF)
    if info.type is v.ValueType.UINT32:
        return st.integers(0, 0xFFFF_FFFF)
    if info.type is v.ValueType.VLN:
        return st.integers(0, 256**size - 1)
    if info.type is v.ValueType.FVLN:
        return fvln_values(size)
    if info.type is v.ValueType.UNIXTIME:
        return local_times
    if info.type is v.ValueType.STRING:
        low = size if info.fixed_len else 0
        return st.text(CP866_ALPHABET, min_size=low, max_size=size)
    return st.binary(min_size=size if info.fixed_len else 0, max_size=size)


SCALAR_TAGS = sorted(i.tag for i in TAGS.values() if i.type is not v.ValueType.STLV and "1.2" in i.ffd_versions)
STLV_TAGS = sorted(i.tag for i in TAGS.values() if i.type is v.ValueType.STLV and "1.2" in i.ffd_versions)


@st.composite
def scalar_tlvs(draw: st.DrawFn) -> Tlv:
    tag = draw(st.sampled_from(SCALAR_TAGS))
    return Tlv(tag, draw(scalar_for(TAGS[tag])))


@st.composite
def tlv_trees(draw: st.DrawFn, depth: int = 2) -> Tlv:
    if depth == 0 or draw(st.booleans()):
        return draw(scalar_tlvs())
    tag = draw(st.sampled_from(STLV_TAGS))
    children = draw(st.lists(tlv_trees(depth - 1), max_size=4))
    return Tlv(tag, tuple(children))


def _encode_or_skip(tlvs: list[Tlv]) -> bytes:
    try:
        return encode_tlvs(tlvs, "1.2")
    except LengthLimitError:
        assume(False)
        raise  # pragma: no cover - assume() does not return


# --- values ---------------------------------------------------------------------------------------


@EXAMPLES
@given(st.integers(0, 2**64 - 1))
def test_vln_round_trip(number: int) -> None:
    data = v.encode_vln(number)
    assert v.decode_vln(data) == number
    assert len(data) == max(1, (number.bit_length() + 7) // 8)


@EXAMPLES
@given(st.integers(0, 2**48 - 1), st.integers(0, 2))
def test_vln_decodes_padded_forms(number: int, pad: int) -> None:
    padded = v.encode_vln(number) + b"\x00" * pad
    assume(len(padded) <= 8)
    assert v.decode_vln(padded) == number


@EXAMPLES
@given(fvln_values())
def test_fvln_round_trip_keeps_scale(number: Decimal) -> None:
    decoded = v.decode_fvln(v.encode_fvln(number))
    assert decoded == number
    assert decoded.as_tuple().exponent == number.as_tuple().exponent


@EXAMPLES
@given(st.sampled_from([v.ValueType.BYTE, v.ValueType.UINT16, v.ValueType.UINT32]), st.data())
def test_fixed_int_round_trip(vtype: v.ValueType, data: st.DataObject) -> None:
    top = {v.ValueType.BYTE: 0xFF, v.ValueType.UINT16: 0xFFFF, v.ValueType.UINT32: 0xFFFF_FFFF}[vtype]
    number = data.draw(st.integers(0, top))
    assert v.decode_fixed_int(vtype, v.encode_fixed_int(vtype, number)) == number


@EXAMPLES
@given(local_times)
def test_unixtime_round_trip(moment: datetime) -> None:
    assert v.decode_unixtime(v.encode_unixtime(moment)) == moment


@EXAMPLES
@given(st.text(CP866_ALPHABET, max_size=64))
def test_string_round_trip(text: str) -> None:
    data = v.encode_string(text)
    assert len(data) == len(text)
    assert v.decode_string(data) == text


# --- TLV lists --------------------------------------------------------------------------------------


@EXAMPLES
@given(st.lists(tlv_trees(), max_size=6))
def test_tlv_list_round_trip(tlvs: list[Tlv]) -> None:
    data = _encode_or_skip(tlvs)
    decoded = decode_tlv(data)
    assert decoded == tlvs
    assert encode_tlvs(decoded, "1.2") == data


@EXAMPLES
@given(st.lists(tlv_trees(depth=1), max_size=8))
def test_document_round_trip(tlvs: list[Tlv]) -> None:
    data = _encode_or_skip([Tlv(3, tuple(tlvs))])
    doc = decode_document(data)
    assert [f.tag for f in doc.fields] == [t.tag for t in tlvs]
    assert encode_document(doc, "1.2") == data


# --- QR ---------------------------------------------------------------------------------------------


@EXAMPLES
@given(
    local_times,
    st.integers(0, 2**48 - 1),
    st.text("0123456789", min_size=16, max_size=16),
    st.integers(1, 0xFFFF_FFFF),
    st.integers(0, 0xFFFF_FFFF),
    st.sampled_from(list(OperationType)),
    st.booleans(),
)
def test_qr_round_trip(
    moment: datetime, total: int, fn: str, fd: int, sign: int, operation: OperationType, seconds: bool
) -> None:
    qr = ReceiptQr(moment, total, fn, fd, sign, operation)
    parsed = parse_qr(qr.to_string(seconds=seconds))
    expected_time = moment if seconds else moment.replace(second=0)
    assert parsed == ReceiptQr(expected_time, total, fn, fd, sign, operation)
