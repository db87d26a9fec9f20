"""The Штрих-Принт PLU record: layout against the vendor's field list, round trips, limits refused with
errors naming the field, and the request builders against the vendor's message lengths."""

from __future__ import annotations

import datetime as dt
from dataclasses import replace
from typing import Any

import pytest
from hypothesis import given
from hypothesis import strategies as st
from scales_testkit import SETTINGS

from kkt_drivers.errors import DeviceError, InvalidParameter, ProtocolError
from kkt_drivers.protocols.shtrihprint import commands as c
from kkt_drivers.protocols.shtrihprint import plu as p
from kkt_drivers.protocols.shtrihprint.error_table import SHTRIHPRINT_ERRORS, V16_ONLY
from kkt_drivers.protocols.shtrihprint.framer import Message, decode_datagram, encode

#: «Записать ПЛУ расширенного формата» 57h after the password, in the order of the description v1.3:
#: (field, size). Typed here from the document, not from our construct schema.
SPEC_57H = [("plu", 2), ("item_code", 4), ("name1", 28), ("name2", 28), ("price", 4), ("shelf_life", 2),
            ("tare", 2), ("group_code", 2), ("message", 2), ("image_and_type", 1), ("rostest", 4),
            ("sale_date", 3)]

SAMPLE = p.PluRecord(plu=513, item_code=123456, name1="Колбаса варёная", name2="Докторская ГОСТ", price=45990,
                     shelf_life_days=15, tare_g=20, group_code=77, message=3, piece=True, image=2, rostest="AB12",
                     sale_date=dt.date(2024, 12, 31))


def _slices() -> dict[str, tuple[int, int]]:
    out, offset = {}, 0
    for name, size in SPEC_57H:
        out[name] = (offset, offset + size)
        offset += size
    return out


def test_record_layout_follows_the_description() -> None:
    data = p.encode_record(SAMPLE)
    at = {name: data[a:b] for name, (a, b) in _slices().items()}
    assert sum(size for _, size in SPEC_57H) == p.RECORD_SIZE == len(data)
    assert at["plu"] == (513).to_bytes(2, "little")
    assert at["item_code"] == (123456).to_bytes(4, "little")
    assert at["name1"] == "Колбаса варёная".encode("cp1251").ljust(28, b"\x00")
    assert at["name2"] == "Докторская ГОСТ".encode("cp1251").ljust(28, b"\x00")
    assert at["price"] == (45990).to_bytes(4, "little")  # v1.3: 4 bytes; v1.6 reads 3 + a zero nibble byte
    assert at["shelf_life"] == (15).to_bytes(2, "little")
    assert at["tare"] == (20).to_bytes(2, "little")
    assert at["group_code"] == (77).to_bytes(2, "little")
    assert at["message"] == (3).to_bytes(2, "little")
    assert at["image_and_type"] == bytes((0x80 | 2,))
    assert at["rostest"] == b"AB12"
    assert at["sale_date"] == bytes((31, 12, 24))


def test_write_plu_message_is_87_bytes_like_the_description() -> None:
    body = c.write_plu(SAMPLE)
    assert len(body) == 87 and body[0] == 0x57 and body[1:5] == b"0030"
    wire = encode(body)
    assert wire[:2] == b"\x02\x57"
    assert decode_datagram(wire) == Message(body)


#: (builder output, LEN from the description v1.3)
LENGTHS = [
    (c.status(), 1), (c.mode(), 1), (c.beep(), 1), (c.device_type(), 1), (c.clear_database(), 5),
    (c.get_weight(), 5), (c.max_plu(), 5), (c.clear_plu(1), 7), (c.read_plu(1), 7), (c.fast_load(True), 6),
    (c.write_plu(SAMPLE), 87),
]


@pytest.mark.parametrize(("body", "length"), LENGTHS, ids=[f"{b[0]:02X}" for b, _ in LENGTHS])
def test_request_lengths_match_the_description(body: bytes, length: int) -> None:
    assert len(body) == length
    assert encode(body)[1] == length


def test_block_upload_uses_the_dynamic_length() -> None:
    records = [replace(SAMPLE, plu=n) for n in range(1, 6)]
    body = c.write_plu_block(records)
    assert len(body) == 6 + 82 * 5 and body[5] == 5  # «6 + (82 * количество ПЛУ)»
    wire = encode(body, dynamic_length=True)
    assert wire[1] == 0xFF and decode_datagram(wire) == Message(body)
    with pytest.raises(InvalidParameter):
        c.write_plu_block([*records, SAMPLE])
    assert len(c.write_plu_block([*records, SAMPLE], max_records=c.BLOCK_RECORDS_V16)) == 6 + 82 * 6
    with pytest.raises(InvalidParameter):
        c.write_plu_block([])


names = st.text(alphabet="абвгдеёжзийклмнопрстуфхцчшщъыьэюяАБВЯ 0123456789abcXYZ-.,", max_size=28).map(str.strip)
records = st.builds(
    p.PluRecord, plu=st.integers(1, 0xFFFF), item_code=st.integers(1, 999_999), name1=names, name2=names,
    price=st.integers(0, 999_999), shelf_life_days=st.integers(0, 9_999), tare_g=st.integers(0, 0xFFFF),
    group_code=st.integers(0, 9_999), message=st.integers(0, 0xFFFF), piece=st.booleans(), image=st.integers(0, 2),
    rostest=st.text(alphabet="0123456789ABCDEFGHJKLMNP", max_size=4),
    sale_date=st.none() | st.dates(dt.date(2000, 1, 1), dt.date(2099, 12, 31)),
    label_format=st.integers(0, 15), barcode_structure=st.integers(0, 15), prefix_type=st.integers(0, 4),
)


@SETTINGS
@given(record=records)
def test_record_round_trip(record: p.PluRecord) -> None:
    data = p.encode_record(record)
    assert p.decode_record(data) == record
    assert p.decode_readback(record.plu, data[2:]) == record
    assert p.encode_readback(record) == data[2:]


@SETTINGS
@given(record=records)
def test_v13_and_v16_agree_when_the_v16_fields_are_zero(record: p.PluRecord) -> None:
    """With label format, barcode structure and prefix type 0 the bytes read as a v1.3 record: a 4-byte
    price and an image number in bits 0..6."""
    data = p.encode_record(replace(record, label_format=0, barcode_structure=0, prefix_type=0))
    assert int.from_bytes(data[62:66], "little") == record.price
    assert data[74] & 0x7F == record.image


# -- limits -----------------------------------------------------------------------------------

BAD_VALUES = [
    ("plu", 0), ("plu", 0x10000), ("item_code", 0), ("item_code", 1_000_000), ("price", -1), ("price", 1_000_000),
    ("shelf_life_days", 10_000), ("tare_g", 0x10000), ("group_code", 10_000), ("message", -1), ("image", 3),
    ("label_format", 16), ("barcode_structure", 16), ("prefix_type", 5), ("item_code", True), ("price", 1.5),
]


@pytest.mark.parametrize(("field", "value"), BAD_VALUES, ids=[f"{f}={v!r}" for f, v in BAD_VALUES])
def test_out_of_range_fields_are_refused_by_name(field: str, value: object) -> None:
    changes: dict[str, Any] = {field: value}
    record = replace(SAMPLE, **changes)
    with pytest.raises(p.PluFieldError) as info:
        p.validate(record)
    assert info.value.field == field and field in str(info.value)
    assert isinstance(info.value, InvalidParameter)
    with pytest.raises(p.PluFieldError):
        c.write_plu(record)


@pytest.mark.parametrize(("field", "text"), [("name1", "Я" * 29), ("name2", "x" * 29), ("name1", "Snowman ☃"),
                                             ("rostest", "ABCDE"), ("rostest", "АБ")])
def test_texts_that_do_not_fit_are_refused_by_name(field: str, text: str) -> None:
    with pytest.raises(p.PluFieldError) as info:
        changes: dict[str, Any] = {field: text}
        p.encode_record(replace(SAMPLE, **changes))
    assert info.value.field == field


def test_device_bounds_narrow_the_limits() -> None:
    p.validate(SAMPLE)  # fits the protocol's limits
    with pytest.raises(p.PluFieldError, match=r"1\.\.500") as info:
        p.validate(SAMPLE, plu_table_size=500)
    assert info.value.field == "plu"
    with pytest.raises(p.PluFieldError) as msg:
        p.validate(SAMPLE, message_table_size=2)
    assert msg.value.field == "message"
    with pytest.raises(p.PluFieldError) as tare:
        p.validate(replace(SAMPLE, tare_g=1501), max_capacity_kg=15)
    assert tare.value.field == "tare_g"
    p.validate(replace(SAMPLE, tare_g=1500), max_capacity_kg=15)
    with pytest.raises(p.PluFieldError) as date:
        p.validate(replace(SAMPLE, sale_date=dt.date(2100, 1, 1)))
    assert date.value.field == "sale_date"
    with pytest.raises(p.PluFieldError):
        c.clear_plu(501, plu_table_size=500)


def test_limits_are_data() -> None:
    assert p.PLU_LIMITS["item_code"].maximum == 999_999 and p.PLU_LIMITS["price"].unit == "kopecks"
    assert p.PLU_LIMITS["plu"].device_bound == "plu_table_size"
    assert p.PLU_LIMITS["name1"].maximum == p.NAME_BYTES == 28
    assert {limit.source for limit in p.PLU_LIMITS.values()} == {"spec v1.3", "v1.6 [1src]"}
    with pytest.raises(TypeError):
        p.PLU_LIMITS["price"] = p.FieldLimit("price", 0, 1)  # type: ignore[index]


def test_split_name() -> None:
    assert p.split_name("Колбаса варёная Докторская высшего сорта") == ("Колбаса варёная Докторская", "высшего сорта")
    first, second = p.split_name("Ж" * 40)
    assert first == "Ж" * 28 and second == "Ж" * 12
    with pytest.raises(p.PluFieldError):
        p.split_name("слово " * 12)


def test_decoders_refuse_wrong_sizes_and_impossible_dates() -> None:
    with pytest.raises(ProtocolError):
        p.decode_record(bytes(81))
    with pytest.raises(ProtocolError):
        p.decode_readback(1, bytes(82))
    data = bytearray(p.encode_record(SAMPLE))
    data[79:82] = bytes((31, 2, 24))
    with pytest.raises(ProtocolError, match="sale date"):
        p.decode_record(bytes(data))


def test_password_rules() -> None:
    assert c.password() == b"0030"
    for bad in ("003", "00300", "00a0", "٣٣٣٣"):
        with pytest.raises(InvalidParameter):
            c.password(bad)


# -- replies ----------------------------------------------------------------------------------

def _status_data(**fields: int) -> bytes:
    data = bytearray(72)
    data[0:2] = b"45"
    data[7:9] = (fields.get("plu_table_size", 4000)).to_bytes(2, "little")
    data[12] = fields.get("max_capacity_kg", 15)
    data[17:19] = (fields.get("mode", 0)).to_bytes(2, "little")
    data[19] = fields.get("submode", 0)
    data[36] = 0x01
    data[37] = 0x11
    data[38:40] = (fields.get("weight", -5) & 0xFFFF).to_bytes(2, "little")
    data[50:52] = (12).to_bytes(2, "little")
    return bytes(data)


def test_status_reply_offsets() -> None:
    reply = c.parse_reply(b"\x11\x00" + _status_data(mode=0x4000, submode=0x01))
    status = c.parse_status(reply)
    assert status.version == "4.5" and status.plu_table_size == 4000 and status.max_capacity_kg == 15
    assert status.mode.fast_load and status.mode.clearing and not status.mode.clear_failed
    assert status.weight_g == -5 and status.stable and not status.overload and status.has_paper
    assert status.selected_plu == 12 and len(status.raw) == 72


def test_status_is_served_with_clock_failure_but_not_with_other_errors() -> None:
    assert c.parse_status(c.parse_reply(b"\x11\xa5" + _status_data())).error == 165
    with pytest.raises(DeviceError) as info:
        c.parse_status(c.Reply(0x11, 122))
    assert info.value.code == 122 and "пароль" in info.value.message_ru
    with pytest.raises(ProtocolError):
        c.parse_status(c.Reply(0x11, 0, bytes(71)))


def test_read_plu_reply() -> None:
    data = p.encode_readback(SAMPLE)
    assert c.parse_read_plu(c.Reply(0x58, 0, data), SAMPLE.plu) == SAMPLE
    assert c.parse_read_plu(c.Reply(0x58, 140), 7) is None
    with pytest.raises(DeviceError):
        c.parse_read_plu(c.Reply(0x58, 128), 7)
    with pytest.raises(ProtocolError, match="does not answer"):
        c.parse_read_plu(c.Reply(0x57, 0, data), 7)


def test_other_replies() -> None:
    assert c.parse_mode(c.Reply(0x12, 0, b"\x00\x40\x03")) == c.ScaleMode(0x4000, 3)
    assert c.parse_weight(c.Reply(0x38, 0, (-144 & 0xFFFF).to_bytes(2, "little"))) == -144
    assert c.parse_max_plu(c.Reply(0xD0, 0, (4000).to_bytes(2, "little"))) == 4000
    assert c.parse_block_reply(c.Reply(0x55, 0, b"\x05\x00")) == 5
    c.parse_ack(c.Reply(0x57, 0), 0x57)
    with pytest.raises(ProtocolError):
        c.parse_ack(c.Reply(0x57, 0, b"\x00"), 0x57)
    with pytest.raises(DeviceError) as info:
        c.parse_ack(c.Reply(0x54, 128), 0x54)
    assert info.value.family == "shtrihprint" and info.value.code == 128
    device = c.parse_device_type(c.Reply(0xFC, 0, bytes((1, 1, 1, 3, 0, 0)) + "ШТРИХ-ПРИНТ".encode("cp1251")))
    assert (device.device_type, device.subtype, device.model, device.name) == (1, 1, 0, "ШТРИХ-ПРИНТ")
    with pytest.raises(ProtocolError):
        c.parse_reply(b"\x11")


def test_error_table() -> None:
    codes = {e.code for e in SHTRIHPRINT_ERRORS}
    assert {0, 120, 121, 122, 123, 128, 130, 131, 140, 165, 170} <= codes and V16_ONLY <= codes
    assert SHTRIHPRINT_ERRORS.entry(122).en == "Wrong password"
    assert 8 not in codes and 166 not in codes  # gaps of the v1.3 table stay gaps


@SETTINGS
@given(record=st.binary(min_size=p.RECORD_SIZE, max_size=p.RECORD_SIZE),
       status=st.binary(min_size=c.STATUS_SIZE, max_size=c.STATUS_SIZE))
def test_compiled_schemas_agree_with_the_interpreted_ones(record: bytes, status: bytes) -> None:
    def plain(parsed: Any) -> dict[str, Any]:
        return {k: v for k, v in parsed.items() if not k.startswith("_")}

    assert plain(p._RECORD.parse(record)) == plain(p.RECORD.parse(record))
    assert plain(c._STATUS.parse(status)) == plain(c.STATUS_DATA.parse(status))
    assert p.RECORD.sizeof() == p.RECORD_SIZE and p.READBACK.sizeof() == p.READBACK_SIZE
    assert c.STATUS_DATA.sizeof() == c.STATUS_SIZE
