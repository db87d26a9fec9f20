"""Shtrih-M command declarations, message/answer codecs and error tables: layouts written out by hand from the
vendor protocol, round trips, and refusals."""

from __future__ import annotations

from typing import Any

import construct as cs
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from kkt_drivers.errors import DeviceError, InvalidParameter, ProtocolError
from kkt_drivers.protocols.shtrih import commands as c
from kkt_drivers.protocols.shtrih.commands import (
    REGISTRY,
    decode_answer,
    decode_params,
    encode_answer,
    encode_error,
    encode_message,
    split_message,
)
from kkt_drivers.protocols.shtrih.errors import (
    CLASSIC_ENTRIES,
    ERROR_SOURCES,
    FN_ENTRIES,
    SHTRIH_CLASSIC_ERRORS,
    SHTRIH_ERRORS,
)
from kkt_drivers.protocols.shtrih.fields import NOT_GIVEN
from kkt_drivers.protocols.shtrih.spec import DEFAULT_TIMEOUT, Password, ShtrihCommandSpec
from kkt_drivers.protocols.spec import CommandSpec

h = bytes.fromhex
TAXES0 = {"tax1": 0, "tax2": 0, "tax3": 0, "tax4": 0}
#: Windows-1251 letters without NUL, for generated texts
CP1251_TEXT = st.text(alphabet=st.sampled_from("абвгдеёжзийклмнопрстуфхцчшщъыьэюяАБВЯ№ 0123456789.,-abcXYZ"))


# -- declarations -----------------------------------------------------------------------------

REQUIRED = ["10", "11", "E0", "41", "40", "80", "81", "82", "83", "85", "88", "8D", "8E", "FC", "1E", "1F", "17",
            "25", "FF4D"] + [f"FF{n:02X}" for n in [*range(0x01, 0x0D), *range(0x34, 0x40), *range(0x40, 0x47)]]


@pytest.mark.parametrize("code", REQUIRED)
def test_required_command_is_declared(code: str) -> None:
    spec = c.lookup(h(code) + b"\x00\x00")
    assert spec is not None and spec.code == h(code)


def test_every_spec_is_a_shtrih_spec_with_both_docs_and_compiling_schemas() -> None:
    for spec in REGISTRY:
        assert isinstance(spec, ShtrihCommandSpec) and isinstance(spec, CommandSpec)
        assert spec.family == "shtrih"
        assert len(spec.code) == 1 or (len(spec.code) == 2 and spec.code[0] == 0xFF), spec.label
        assert spec.code != b"\xff"
        assert spec.doc_ru and spec.doc_en and spec.name
        for which in ("request", "response"):
            assert type(getattr(spec, which).compile()).__name__ == "Compiled", spec.label


def test_base_fields_are_positional_in_the_neutral_order() -> None:
    spec = ShtrihCommandSpec("shtrih", b"\x13", "beep", "Гудок", "Beep")
    assert (spec.family, spec.code, spec.name, spec.doc_ru, spec.doc_en) == ("shtrih", b"\x13", "beep", "Гудок",
                                                                             "Beep")
    assert spec.password is Password.OPERATOR and spec.timeout_seconds == DEFAULT_TIMEOUT == 30.0
    assert spec.modes is None and spec.submodes is None and not spec.idempotent


def test_execution_timeouts_follow_the_vendor_driver() -> None:
    """JavaPOS PrinterCommand.getDefaultTimeout: 10h/11h 3 s, 40h 30 s, 41h 65 s, E0h 120 s, others 30 s."""
    assert c.SHORT_STATUS.timeout_seconds == 3.0
    assert c.FULL_STATUS.timeout_seconds == 3.0
    assert c.X_REPORT.timeout_seconds == 30.0
    assert c.Z_REPORT.timeout_seconds == 65.0
    assert c.OPEN_SHIFT.timeout_seconds == 120.0
    assert c.OPERATION_V2.timeout_seconds == 30.0


def test_passwords_and_idempotence() -> None:
    assert c.DEVICE_TYPE.password is Password.NONE and not c.DEVICE_TYPE.takes_password
    assert c.ERROR_TEXT.password is Password.NONE
    assert c.SALE.password is Password.OPERATOR
    assert all(spec.password is Password.ADMIN for spec in REGISTRY
               if spec.code[:1] == b"\xff" and spec is not c.OPERATION_V2)
    for spec in (c.SALE, c.CLOSE_RECEIPT, c.Z_REPORT, c.OPEN_SHIFT, c.PRINT_STRING, c.CLOSE_RECEIPT_V2,
                 c.OPERATION_V2, c.READ_DOCUMENT_TLV, c.SETTLEMENT_REPORT):
        assert not spec.idempotent, spec.label
    for spec in (c.SHORT_STATUS, c.FULL_STATUS, c.DEVICE_TYPE, c.FN_STATUS, c.READ_TABLE):
        assert spec.idempotent, spec.label


# -- messages: layouts written out by hand ----------------------------------------------------

def test_default_passwords_cashier_1_and_administrator_30() -> None:
    assert encode_message(c.SHORT_STATUS) == h("10 01 00 00 00")
    assert encode_message(c.FN_STATUS) == h("FF 01 1E 00 00 00")
    assert encode_message(c.DEVICE_TYPE) == h("FC")


def test_password_is_four_bytes_little_endian() -> None:
    assert encode_message(c.SHORT_STATUS, password=0x12345678) == h("10 78 56 34 12")


def test_sale_layout() -> None:
    message = encode_message(c.SALE, {"quantity": 1500, "price": 12345, "department": 1, **TAXES0, "tax1": 2,
                                      "text": "Хлеб"}, password=1)
    assert message == (h("80 01 00 00 00 DC 05 00 00 00 39 30 00 00 00 01 02 00 00 00")
                       + "Хлеб".encode("cp1251") + bytes(36))
    assert len(message) == 60  # «Длина сообщения: 60 байт»


def test_close_receipt_layout_with_negative_discount() -> None:
    message = encode_message(c.CLOSE_RECEIPT, {"cash": 100000, "payment2": 0, "payment3": 0, "payment4": 0,
                                               "discount": -250, **TAXES0, "text": ""}, password=1)
    assert message == (h("85 01 00 00 00 A0 86 01 00 00") + bytes(15) + h("06 FF 00 00 00 00") + bytes(40))
    assert len(message) == 71  # «Длина сообщения: 71 байт»


def test_operation_v2_layout() -> None:
    message = encode_message(c.OPERATION_V2, {
        "operation": 1, "quantity": 1_000_000, "price": 9990, "amount": NOT_GIVEN, "tax_amount": NOT_GIVEN,
        "tax_rate": 1, "department": 1, "payment_method": 4, "payment_object": 1, "name": "Молоко"}, password=1)
    assert message == (h("FF 46 01 00 00 00 01 40 42 0F 00 00 00 06 27 00 00 00 FF FF FF FF FF FF FF FF FF FF 01 01 "
                         "04 01") + "Молоко".encode("cp1251"))


def test_close_receipt_v2_layout() -> None:
    payments = [0] * 16
    payments[0], payments[1] = 500, 9490
    message = encode_message(c.CLOSE_RECEIPT_V2, {"payments": payments, "rounding": 0, "taxes": [0] * 6,
                                                  "tax_system": 1, "text": ""})
    assert message == h("FF 45 1E 00 00 00 F4 01 00 00 00 12 25 00 00 00") + bytes(14 * 5) + b"\x00" + bytes(30) \
        + b"\x01"
    assert len(message) == 2 + 4 + 16 * 5 + 1 + 6 * 5 + 1


def test_write_table_and_send_tlv_carry_raw_bytes() -> None:
    assert encode_message(c.WRITE_TABLE, {"table": 1, "row": 1, "field": 7, "value": b"\x01"}) == \
        h("1E 1E 00 00 00 01 01 00 07 01")
    assert encode_message(c.SEND_TLV, {"tlv": h("F3 03 04 00 31 32 33 34")}) == \
        h("FF 0C 1E 00 00 00 F3 03 04 00 31 32 33 34")


# -- refusals ---------------------------------------------------------------------------------

@pytest.mark.parametrize(("spec", "params", "password"), [
    (c.SHORT_STATUS, {}, -1),
    (c.SHORT_STATUS, {}, 2**32),
    (c.DEVICE_TYPE, {}, 30),  # takes no password
    (c.CUT, {"cut_type": 0, "cut_tipe": 1}, None),  # misspelt parameter
    (c.CUT, {}, None),  # missing parameter
    (c.CUT, {"cut_type": 256}, None),
    (c.SALE, {"quantity": -1, "price": 1, "department": 1, **TAXES0, "text": ""}, None),
    (c.SALE, {"quantity": 2**40, "price": 1, "department": 1, **TAXES0, "text": ""}, None),
    (c.SALE, {"quantity": 1000, "price": 1, "department": 1, **TAXES0, "text": "中文"}, None),
    (c.SALE, {"quantity": 1000, "price": 1, "department": 1, **TAXES0, "text": "a\x00b"}, None),
    (c.SALE, {"quantity": 1000, "price": 1, "department": 1, **TAXES0, "text": 5}, None),
    (c.OPERATION_V2, {"operation": 1, "quantity": 1, "price": 1, "amount": 1, "tax_amount": 1, "tax_rate": 1,
                      "department": 1, "payment_method": 4, "payment_object": 1, "name": "x" * 129}, None),
    (c.SEND_TLV, {"tlv": bytes(251)}, None),
    (c.WRITE_TABLE, {"table": 1, "row": 1, "field": 1, "value": bytes(247)}, None),  # message over 255 bytes
    (c.CLOSE_RECEIPT_EXTENDED, {"payments": [0] * 15, "discount": 0, **TAXES0, "text": ""}, None),
])
def test_invalid_messages_are_refused(spec: ShtrihCommandSpec, params: dict[str, Any],
                                     password: int | None) -> None:
    with pytest.raises(InvalidParameter):
        encode_message(spec, params, password=password)


def test_longest_tlv_is_limited_by_len_not_by_the_documented_250() -> None:
    """The ФН protocol allows 250 TLV bytes, but FF 0C + password + 250 = 256 bytes cannot be framed (LEN is
    one byte): on the standard lower level 249 is the most."""
    assert len(encode_message(c.SEND_TLV, {"tlv": bytes(249)})) == 255
    with pytest.raises(InvalidParameter, match="exceeds 255"):
        encode_message(c.SEND_TLV, {"tlv": bytes(250)})


def test_longest_name_passes() -> None:
    name = "я" * 128
    params = {"operation": 1, "quantity": 1, "price": 1, "amount": 1, "tax_amount": 1, "tax_rate": 1,
              "department": 1, "payment_method": 4, "payment_object": 1, "name": name}
    assert encode_message(c.OPERATION_V2, params).endswith(b"\xff" * 128)


# -- round trips ------------------------------------------------------------------------------

money = st.integers(0, 2**40 - 1)
byte = st.integers(0, 255)


@settings(max_examples=200)
@given(quantity=money, price=money, department=byte, taxes=st.lists(byte, min_size=4, max_size=4),
       text=CP1251_TEXT.filter(lambda t: len(t) <= 40), password=st.integers(0, 2**32 - 1),
       spec=st.sampled_from([c.SALE, c.PURCHASE, c.SALE_RETURN, c.PURCHASE_RETURN]))
def test_item_round_trip(quantity: int, price: int, department: int, taxes: list[int], text: str, password: int,
                         spec: ShtrihCommandSpec) -> None:
    params = {"quantity": quantity, "price": price, "department": department,
              **{f"tax{i + 1}": t for i, t in enumerate(taxes)}, "text": text}
    split = split_message(encode_message(spec, params, password=password))
    assert split.spec is spec and split.password == password
    parsed = decode_params(spec, split.params)
    assert {k: parsed[k] for k in params} == params


@settings(max_examples=200)
@given(operation=st.integers(1, 4), quantity=st.integers(0, 2**48 - 1), price=money, amount=money, tax=money,
       rest=st.lists(byte, min_size=4, max_size=4), name=CP1251_TEXT.filter(lambda t: len(t) <= 128))
def test_operation_v2_round_trip(operation: int, quantity: int, price: int, amount: int, tax: int,
                                 rest: list[int], name: str) -> None:
    params = {"operation": operation, "quantity": quantity, "price": price, "amount": amount, "tax_amount": tax,
              "tax_rate": rest[0], "department": rest[1], "payment_method": rest[2], "payment_object": rest[3],
              "name": name}
    split = split_message(encode_message(c.OPERATION_V2, params))
    parsed = decode_params(c.OPERATION_V2, split.params)
    assert {k: parsed[k] for k in params} == params


@settings(max_examples=100)
@given(payments=st.lists(money, min_size=16, max_size=16), taxes=st.lists(money, min_size=6, max_size=6),
       rounding=byte, tax_system=byte, text=CP1251_TEXT.filter(lambda t: len(t) <= 64))
def test_close_receipt_v2_round_trip(payments: list[int], taxes: list[int], rounding: int, tax_system: int,
                                     text: str) -> None:
    params = {"payments": payments, "rounding": rounding, "taxes": taxes, "tax_system": tax_system, "text": text}
    parsed = decode_params(c.CLOSE_RECEIPT_V2, split_message(encode_message(c.CLOSE_RECEIPT_V2, params)).params)
    assert list(parsed.payments) == payments and list(parsed.taxes) == taxes
    assert (parsed.rounding, parsed.tax_system, parsed.text) == (rounding, tax_system, text)


@settings(max_examples=100)
@given(change=money, number=st.integers(0, 2**32 - 1), sign=st.integers(0, 2**32 - 1))
def test_answer_round_trip_through_the_emulator_codec(change: int, number: int, sign: int) -> None:
    fields = {"change": change, "document_number": number, "fiscal_sign": sign,
              "datetime": {"year": 25, "month": 12, "day": 31, "hour": 23, "minute": 59}}
    parsed = decode_answer(c.CLOSE_RECEIPT_V2, encode_answer(c.CLOSE_RECEIPT_V2, fields))
    assert (parsed.change, parsed.document_number, parsed.fiscal_sign) == (change, number, sign)
    stamp = parsed.datetime
    assert (stamp.year, stamp.month, stamp.day, stamp.hour, stamp.minute) == (25, 12, 31, 23, 59)


# -- answers: optional tails, errors, malformed -----------------------------------------------

def test_close_receipt_v2_answer_of_old_firmware_is_the_change_alone() -> None:
    parsed = decode_answer(c.CLOSE_RECEIPT_V2, h("FF 45 00 10 27 00 00 00"))
    assert parsed.change == 10000
    assert parsed.document_number is None and parsed.fiscal_sign is None and parsed.datetime is None


def test_open_shift_answer_with_and_without_the_operator() -> None:
    assert decode_answer(c.OPEN_SHIFT, h("E0 00 1E")).operator == 30
    assert decode_answer(c.OPEN_SHIFT, h("E0 00")).operator is None


def test_short_status_16_byte_form_has_no_print_result() -> None:
    status = decode_answer(c.SHORT_STATUS, h("10 00 1E 02 00 04 00 05 00 00 00 00 01 00 00 00"))
    assert status.print_result is None
    assert c.receipt_operations(status) == 0x0105
    assert c.mode_of(status) == (4, 0)


def test_mode_status_is_the_high_nibble() -> None:
    status = decode_answer(c.SHORT_STATUS, h("10 00 01 00 00 38 00 00 00 00 00 00 00 00 00 00"))
    assert c.mode_of(status) == (8, 3)  # document open, purchase return


def test_device_error_from_the_fn_era_table() -> None:
    with pytest.raises(DeviceError) as info:
        decode_answer(c.FN_STATUS, h("FF 01 02"))
    error = info.value
    assert (error.code, error.message_ru, error.family) == (2, "Неверное состояние ФН", "shtrih")
    assert "FF01" in error.command


def test_device_error_from_the_classic_table_when_asked() -> None:
    with pytest.raises(DeviceError) as info:
        decode_answer(c.FN_STATUS, h("FF 01 02"), SHTRIH_CLASSIC_ERRORS)
    assert info.value.message_ru == "Отсутствует ФП 1"


def test_device_error_of_a_classic_command() -> None:
    with pytest.raises(DeviceError) as info:
        decode_answer(c.SALE, h("80 4F"))
    assert (info.value.code, info.value.message_ru, info.value.message) == (0x4F, "Неверный пароль",
                                                                            "Invalid password")


def test_short_error_form_of_a_two_byte_command() -> None:
    with pytest.raises(DeviceError) as info:
        decode_answer(c.FN_STATUS, h("FF 37"))
    assert info.value.code == 0x37


@pytest.mark.parametrize("answer", ["", "10", "11 00", "FF 02 00", "FC 00 00 00", "FF 01", "FF 00"])
def test_malformed_answers_are_protocol_errors(answer: str) -> None:
    spec = c.FULL_STATUS if answer.startswith("11") else c.FN_STATUS if answer.startswith("FF") else \
        c.DEVICE_TYPE if answer.startswith("FC") else c.SHORT_STATUS
    with pytest.raises(ProtocolError):
        decode_answer(spec, h(answer))


def test_text_with_a_byte_cp1251_leaves_undefined_is_a_protocol_error() -> None:
    with pytest.raises(ProtocolError):
        decode_answer(c.DEVICE_TYPE, h("FC 00 00 00 02 00 2D 00 98"))


def test_emulator_error_answers() -> None:
    assert encode_answer(c.SALE, error=0x4F) == h("80 4F")
    assert encode_answer(c.FN_STATUS, error=0x02) == h("FF 01 02")
    assert encode_error(h("FF 99"), 0x37) == h("FF 99 37")
    with pytest.raises(InvalidParameter):
        encode_error(h("10"), 0)
    with pytest.raises(InvalidParameter):
        encode_answer(c.CUT, {"operator": 1, "extra": 2})


def test_split_message_of_unknown_and_short_messages() -> None:
    assert split_message(h("FF 99 1E 00 00 00")) == (h("FF 99"), None, None, h("1E 00 00 00"))
    assert split_message(h("10 1E 00")) == (h("10"), c.SHORT_STATUS, None, h("1E 00"))
    assert split_message(h("FC")) == (h("FC"), c.DEVICE_TYPE, None, b"")


def test_decode_params_refuses_short_parameters() -> None:
    with pytest.raises(ProtocolError):
        decode_params(c.SALE, h("E8 03 00"))


def test_lookup_prefers_the_two_byte_code() -> None:
    assert c.lookup(h("FF 46 00")) is c.OPERATION_V2
    assert c.lookup(h("FF")) is None
    assert c.lookup(h("99")) is None


# -- error tables -----------------------------------------------------------------------------

def test_error_tables_have_texts_and_sources() -> None:
    for entry in (*CLASSIC_ENTRIES, *FN_ENTRIES):
        assert entry.ru and entry.en and 0 <= entry.code <= 0xFF
    assert set(ERROR_SOURCES["classic"]) == {e.code for e in CLASSIC_ENTRIES}
    assert set(ERROR_SOURCES["fn"]) == {e.code for e in FN_ENTRIES}
    assert set(ERROR_SOURCES["classic"].values()) == {"P20", "P20R"}
    assert set(ERROR_SOURCES["fn"].values()) == {"FN", "FNLINK"}


def test_known_codes_of_the_vendor_tables() -> None:
    assert SHTRIH_CLASSIC_ERRORS.entry(0x37).ru == "Команда не поддерживается в данной реализации ККТ"
    assert SHTRIH_CLASSIC_ERRORS.entry(0x8E).ru == "Нулевой итог чека"
    assert SHTRIH_CLASSIC_ERRORS.entry(0xE4).ru == "Итог купюроприемника не нулевой"
    assert SHTRIH_ERRORS.entry(0x11).ru == "Нет транспортного соединения"
    assert SHTRIH_ERRORS.entry(0x30).ru == "ФН не отвечает"
    assert SHTRIH_CLASSIC_ERRORS.entry(0x30).ru == "ККТ заблокирован, ждет ввода пароля налогового инспектора"
    assert SHTRIH_ERRORS.entry(0x4E).ru == "Смена превысила 24 часа"


def test_fn_era_table_drops_classic_codes_the_fn_replaces_and_does_not_guess_others() -> None:
    assert 0x0A in SHTRIH_CLASSIC_ERRORS and 0x0A not in SHTRIH_ERRORS
    assert SHTRIH_ERRORS.entry(0x0A).ru == "Неизвестная ошибка 0x0A"
    assert len(SHTRIH_ERRORS) == len(FN_ENTRIES) + len([e for e in CLASSIC_ENTRIES
                                                          if e.code > 0x20 and e.code not in (0x2F, 0x30)])


def test_construct_is_pinned_as_the_project_expects() -> None:
    assert cs.__version__ == "2.10.70"
