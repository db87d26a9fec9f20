"""The ФН-era MS-K extension (msk_fn, all [inferred]): codecs round trip, the 0x53 record grouping, and the
captured sale read back through the grouping (the only outside anchor: its layout must group as the
official driver meant it)."""

from __future__ import annotations

import datetime as dt
from decimal import Decimal

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st
from incotex_testkit import load, unhex

from kkt_drivers.errors import InvalidParameter, ProtocolError
from kkt_drivers.protocols.incotex import msk_commands as mc
from kkt_drivers.protocols.incotex import msk_fn as fn
from kkt_drivers.protocols.incotex import msk_framer as mf

SETTINGS = settings(max_examples=200)
seconds = st.datetimes(min_value=dt.datetime(2000, 1, 1), max_value=dt.datetime(2099, 12, 31)).map(
    lambda d: d.replace(microsecond=0))
maybe_seconds = st.one_of(st.none(), seconds)
digits = st.text("0123456789", min_size=1, max_size=10)

requests_ = st.one_of(
    st.sampled_from([fn.OpenShift(), fn.FnStatusQuery(), fn.ShiftStateQuery(), fn.CashQuery(), fn.OfdStatusQuery(),
                     fn.CloseFn(), fn.KktServerExchange()]),
    st.builds(fn.FnDocumentQuery, st.integers(1, 0xFFFFFFFF)),
    st.builds(fn.FnDocumentTlvQuery, st.integers(1, 0xFFFFFFFF), st.integers(0, 99999)),
    st.builds(fn.KktServerSettings, st.booleans(), st.one_of(st.just(""), digits),
              st.text("abcdefghijklmnopqrstuvwxyz0123456789.:-", max_size=40)),
    st.builds(fn.WriteRequisite, st.integers(1, 9999), st.binary(max_size=fn.MAX_REQUISITE)),
    st.builds(fn.KktServerQuery, st.sampled_from(fn.KktServerAction)),
    st.builds(fn.Register, st.sampled_from(fn.RegistrationKind), st.integers(0, 0xFFFFFFFF)),
    st.builds(mc.RegisterCashier, st.integers(0, 99), st.text("абвАБВ abc", min_size=1, max_size=40),
              st.one_of(st.none(), st.text("0123456789", min_size=12, max_size=12))),
)


@SETTINGS
@given(request=requests_)
def test_extension_requests_round_trip(request: mc.MskRequest) -> None:
    body = mc.build_request(request)
    assert mc.decode_request(body).request == request
    assert mf.MskFramer().feed(mf.encode(body)) == [mf.Frame(body)]


answers = st.one_of(
    st.builds(fn.FnStatusData, st.integers(0, 255), st.booleans(), st.integers(0, 255),
              st.text("0123456789", min_size=16, max_size=16), st.integers(0, 9_999_999_999), maybe_seconds,
              st.one_of(st.none(), st.dates(dt.date(2000, 1, 1), dt.date(2099, 12, 31))), st.integers(0, 99),
              st.sampled_from(["1.05", "1.2"])),
    st.builds(fn.ShiftStateData, st.booleans(), st.integers(0, 99999), st.integers(0, 99999), maybe_seconds,
              st.booleans()),
    st.builds(fn.FnDocumentData, st.integers(1, 9_999_999_999), st.integers(0, 999), seconds,
              st.integers(0, 9_999_999_999), st.integers(0, 99999), st.integers(0, 99999), st.booleans(),
              st.integers(0, 99999)),
    st.builds(fn.OfdStatusData, st.integers(0, 99999), st.integers(0, 9_999_999_999), maybe_seconds, st.booleans()),
    st.builds(fn.CashData, st.decimals(min_value=0, max_value=Decimal("99999999999.99"), places=2)),
    st.builds(fn.KktServerData, st.one_of(st.just(""), digits), st.text("abc0123.:", max_size=40)),
    st.builds(fn.KktServerStatusData, st.integers(0, 255), maybe_seconds, st.integers(0, 99999),
              st.integers(0, 99999), st.text("АБВ abc:0123", max_size=40)),
)
CODES = {fn.FnStatusData: 0x46, fn.ShiftStateData: 0x4B, fn.FnDocumentData: 0x44, fn.OfdStatusData: 0x51,
         fn.CashData: 0x4D, fn.KktServerData: 0x55, fn.KktServerStatusData: 0x58}


@SETTINGS
@given(data=answers)
def test_extension_answers_round_trip(data: mc.AnswerData) -> None:
    code = CODES[type(data)]
    answer = mc.decode_answer(mc.build_answer(code, data), expected=code)
    assert answer.data == data


@SETTINGS
@given(size=st.integers(0, 99999), data=st.binary(max_size=fn.TLV_READ_CHUNK))
def test_tlv_chunks_round_trip_within_their_document(size: int, data: bytes) -> None:
    if len(data) > size:
        with pytest.raises(ProtocolError):
            mc.decode_answer(mc.build_answer(0x4C, fn.TlvChunk(size, 0, data)), expected=0x4C)
        return
    answer = mc.decode_answer(mc.build_answer(0x4C, fn.TlvChunk(size, 0, data)), expected=0x4C)
    assert answer.data == fn.TlvChunk(size, 0, data)


def test_extension_letters_are_new_and_declared_once() -> None:
    published = {0x31, 0x36, 0x38, 0x45, 0x47, 0x48, 0x49, 0x4A, 0x4F, 0x52, 0x53, 0x54, 0x5C, 0x5F}
    ours = {command.code_int for command in fn.FN_COMMANDS}
    assert not ours & published and len(ours) == len(fn.FN_COMMANDS)
    assert all(mc.REGISTRY[code].doc_en.endswith("[inferred]") for code in ours)
    assert {code for code in ours if not mc.REGISTRY[code].idempotent} == {0x41, 0x56, 0x59, 0x5A}


def test_dates_carry_seconds_and_an_empty_date_is_none() -> None:
    body = mc.build_answer(0x4B, fn.ShiftStateData(True, 3, 7, dt.datetime(2026, 3, 2, 9, 5, 7), False))
    assert b"02032026\x00090507\x00" in body  # DDMMYYYY, HHMMSS
    closed = mc.build_answer(0x4B, fn.ShiftStateData(False, 3, 1, None, False))
    assert b"\x00" * 8 + b"\x00" + b"\x00" * 6 in closed
    decoded = mc.decode_answer(closed, expected=0x4B).data
    assert isinstance(decoded, fn.ShiftStateData) and decoded.opened_at is None


@pytest.mark.parametrize("request_", [
    fn.FnDocumentQuery(0),
    fn.KktServerSettings(True, "12ab", ""),
    fn.WriteRequisite(10000, b""),
    fn.WriteRequisite(1048, bytes(fn.MAX_REQUISITE + 1)),
    fn.Register(fn.RegistrationKind.CHANGE, 1 << 32),
    mc.RegisterCashier(1, "Иванов", "12345"),
])
def test_bad_extension_requests_are_refused_before_a_byte(request_: mc.MskRequest) -> None:
    with pytest.raises(InvalidParameter):
        mc.build_request(request_)


# -- the 0x53 document with ФН requisites -------------------------------------------------------------

def test_tlv_records_carry_twenty_bytes_each_at_their_level() -> None:
    records = fn.tlv_records(bytes(range(45)), document=True)
    assert [len(r.text) for r in records] == [40, 40, 10]
    assert all(r.type == 40 and r.flags == fn.TLV_OF_DOCUMENT for r in records)
    assert records[0].text == bytes(range(20)).hex().upper()


positions = st.lists(st.builds(
    fn.Position,
    st.builds(mc.PriceRecord, st.decimals(min_value=0, max_value=Decimal("9999999.99"), places=2),
              st.decimals(min_value=Decimal("0.001"), max_value=Decimal(9999), places=3)),
    st.text("Товарабв 1", min_size=1, max_size=40), st.binary(max_size=70)), max_size=5)


@SETTINGS
@given(items=positions, document_tlv=st.binary(max_size=70),
       payments=st.lists(st.tuples(st.sampled_from(sorted(fn.PAYMENT_RECORD_BY_TAG)),
                                   st.decimals(min_value=Decimal("0.01"), max_value=Decimal(99999), places=2)),
                         max_size=3, unique_by=lambda p: p[0]))
def test_document_records_group_back_to_what_was_built(items: list[fn.Position], document_tlv: bytes,
                                                       payments: list[tuple[int, Decimal]]) -> None:
    records = fn.build_document_records(items, document_tlv=document_tlv, payments=payments)
    body = mc.build_request(mc.FiscalDocument(mc.DocumentType.SALE, mc.DOC_CLOSE, tuple(records)))
    decoded = mc.decode_request(body).request
    assert isinstance(decoded, mc.FiscalDocument)
    parsed = fn.parse_document(decoded.records)
    assert [(p.name, p.price.price, p.price.quantity, p.tlv) for p in parsed.positions] == [
        (p.name, p.price.price, p.price.quantity, p.tlv) for p in items]
    assert parsed.tlv == document_tlv and parsed.payments == dict(payments)
    assert [r.y for r in decoded.records] == list(range(len(records)))


def test_the_captured_sale_groups_into_its_two_positions_discount_and_payment() -> None:
    """[S6]'s 1239-byte sale: 4 × 1.23 «Товар1», 7 × 4.56 «Товар2», 3.00 % off the receipt, 100.00 paid."""
    vector = next(v for v in load("incotex_msk.json") if v["name"] == "s6-request-53-sale")
    body = mf.MskFramer().feed(unhex(vector["hex"]))[0]
    assert isinstance(body, mf.Frame)
    document = mc.decode_request(body.body).request
    assert isinstance(document, mc.FiscalDocument)
    parsed = fn.parse_document(document.records)
    assert [(p.name, p.price.quantity, p.price.price) for p in parsed.positions] == [
        ("Товар1", Decimal(4), Decimal("1.23")), ("Товар2", Decimal(7), Decimal("4.56"))]
    assert parsed.discount_percent == Decimal("3.00") and parsed.payments == {1031: Decimal("100.00")}
    assert parsed.tlv == b"" and all(p.tlv == b"" for p in parsed.positions)


def test_a_position_tlv_before_any_price_line_or_not_hex_is_refused() -> None:
    with pytest.raises(ProtocolError):
        fn.parse_document([mc.TextRecord(40, fn.TLV_OF_POSITION, 0, 0, "0102")])
    with pytest.raises(ProtocolError):
        fn.parse_document([mc.TextRecord(40, fn.TLV_OF_DOCUMENT, 0, 0, "zz")])
    with pytest.raises(ProtocolError):
        fn.parse_document([mc.TextRecord(13, 0x20, 0, 0, "1,00")])  # a paid amount must be plain decimal
