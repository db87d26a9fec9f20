"""MS-K command codecs: status words, result table, request/answer round trips and refusals."""

from __future__ import annotations

import datetime as dt
from decimal import Decimal

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from kkt_drivers.errors import DeviceError, InvalidParameter, ProtocolError
from kkt_drivers.protocols.incotex import msk_commands as mc
from kkt_drivers.protocols.incotex import msk_framer as mf
from kkt_drivers.protocols.incotex.msk_errors import MSK_ERRORS

SETTINGS = settings(max_examples=200)

# -- status words -------------------------------------------------------------------------------

@pytest.mark.parametrize(("word", "expected"), [
    (0x0001, {"shift_open": True}),
    (0x0002, {"tape_57mm": True}),
    (0x0010, {"fiscalised": True}),
    (0x0040, {"fiscal_memory_exhausted": True}),
    (0x0080, {"xon_xoff": True}),
    (0x0100, {"document_state": mc.DocumentState.OPEN}),
    (0x0300, {"document_state": mc.DocumentState.CLOSING}),
    (0x0400, {"operation": 1}),  # возврат за наличные
    (0x4800, {"operation": 0b10010}),  # возврат по безналу
    (0x8000, {"last_copy_available": True}),
])
def test_status_word_bits(word: int, expected: dict[str, object]) -> None:
    """One bit (or field) at a time, values from the bit table in the research notes."""
    defaults = {"shift_open": False, "tape_57mm": False, "fiscalised": False, "fiscal_memory_exhausted": False,
                "xon_xoff": False, "document_state": mc.DocumentState.CLOSED, "operation": 0,
                "last_copy_available": False}
    status = mc.KkmStatus.from_word(word)
    for key, value in {**defaults, **expected}.items():
        assert getattr(status, key) == value, key


@given(st.integers(0, 0xFFFF))
def test_status_word_round_trips(word: int) -> None:
    assert mc.KkmStatus.from_word(word).word == word


def test_unknown_operation_code_is_kept_as_a_number() -> None:
    status = mc.KkmStatus.from_word(0b00111 << 10)
    assert status.operation == 7 and status.known_operation is None


@pytest.mark.parametrize(("byte", "expected"), [
    (0x00, {"display_ready": False, "drawer_open": False, "technological_mode": True, "printer_error": True,
            "cutter_enabled": True, "paper_out": False, "printer_ready": False, "printer_busy": False}),
    (0xFF, {"display_ready": True, "drawer_open": True, "technological_mode": False, "printer_error": False,
            "cutter_enabled": False, "paper_out": True, "printer_ready": True, "printer_busy": True}),
])
def test_printer_status_active_low_bits(byte: int, expected: dict[str, bool]) -> None:
    status = mc.PrinterStatus(byte)
    for key, value in expected.items():
        assert getattr(status, key) is value, key


def test_extended_printer_status_needs_hex_digits() -> None:
    with pytest.raises(ProtocolError):
        mc.ExtendedPrinterStatus.from_value("34zz0000")
    with pytest.raises(ProtocolError):
        mc.ExtendedPrinterStatus.from_value("34")


# -- result table --------------------------------------------------------------------------------

def test_result_table_covers_the_published_codes() -> None:
    codes = {entry.code for entry in MSK_ERRORS if entry.code < 0x100}  # 0100h and up: our ФН extension
    expected = set(range(0x00, 0x20)) - {0x1B} | {0x21, 0x24, 0x25} | set(range(0x29, 0x3A)) | {0x42} | set(
        range(0x46, 0x51)) | set(range(0x70, 0xA0)) | {0xA1}
    assert codes == expected
    for entry in MSK_ERRORS:
        assert entry.ru and entry.en and entry.ru != entry.en


def test_error_answer_raises_the_table_entry() -> None:
    body = mf.answer_body(0x53, 0xFC13, 0x001E, 0x4E)
    with pytest.raises(DeviceError) as caught:
        mc.decode_answer(body, expected=0x53)
    assert caught.value.code == 0x1E and "BCC" in caught.value.message_ru
    assert caught.value.family == "incotex-msk" and "53 fiscal_document" in caught.value.command


def test_error_answer_without_check_keeps_data_undecoded() -> None:
    answer = mc.decode_answer(mf.answer_body(0x5C, 0, 0x000D, 0, b"junk"), check=False)
    assert not answer.ok and answer.data is None and answer.raw_data == b"junk"
    assert answer.error().code == 0x0D


def test_unknown_result_code_still_gives_a_device_error() -> None:
    error = MSK_ERRORS.error(0x00EE)
    assert error.code == 0xEE and "Unknown" in error.message


def test_answer_for_another_letter_is_refused() -> None:
    with pytest.raises(ProtocolError):
        mc.decode_answer(mf.answer_body(0x4A, 0, 0, 0), expected=0x53)
    assert mc.decode_answer(mf.answer_body(mf.ERROR_COMMAND, 0, 0, 0), expected=0x53).command == mf.ERROR_COMMAND


# -- requests ------------------------------------------------------------------------------------

cp866_text = st.text(st.sampled_from("абвгдеёжзАБВЯяabcXYZ0123 .,-№"), max_size=40)
minutes = st.datetimes(min_value=dt.datetime(2000, 1, 1), max_value=dt.datetime(2099, 12, 31)).map(
    lambda d: d.replace(second=0, microsecond=0))
decimals = st.decimals(min_value=0, max_value=Decimal("99999999.99"), places=2)
requests_ = st.one_of(
    st.builds(mc.RegisterCashier, st.integers(0, 99), cp866_text),
    st.builds(mc.SetDateTime, minutes),
    st.builds(mc.FeedPaper, st.integers(0, 255), st.booleans()),
    st.builds(mc.ReadParameter, st.integers(0, 999)),
    st.builds(mc.Report, st.sampled_from(mc.ReportKind), st.integers(0, 255), st.one_of(st.none(), st.integers(0, 99))),
    st.builds(mc.ExternalPulse, st.integers(0, 1)),
    st.sampled_from([mc.GetVersion(), mc.GetDateTime(), mc.RepeatAnswer(), mc.LastDocumentInfo(), mc.Command4F(),
                     mc.CopyDocument(), mc.NonFiscalDocument()]),
)
text_records = st.builds(mc.TextRecord, st.integers(0, 99).filter(lambda t: t != 11), st.integers(0, 0xFFFF),
                         st.integers(0, 99), st.integers(0, 999), cp866_text)
price_records = st.builds(mc.PriceRecord, decimals.filter(lambda d: len(format(d, "f")) <= 11),
                          st.one_of(st.none(), st.decimals(min_value=0, max_value=9999, places=3)),
                          st.one_of(st.none(), st.integers(0, 16)), st.text("0123456789", max_size=6),
                          st.one_of(st.none(), st.decimals(min_value=0, max_value=99, places=2)),
                          st.text("штукгл", max_size=5), st.integers(0, 0xFFFF), st.integers(0, 99),
                          st.integers(0, 999))
documents = st.builds(mc.FiscalDocument, st.sampled_from(mc.DocumentType), st.integers(0, 255),
                      st.lists(st.one_of(text_records, price_records), max_size=6).map(tuple), st.booleans())


@SETTINGS
@given(request=st.one_of(requests_, documents), password=st.sampled_from([b"0000", b"1234", b"9"]))
def test_request_round_trip(request: mc.MskRequest, password: bytes) -> None:
    body = mc.build_request(request, password=password)
    decoded = mc.decode_request(body)
    assert decoded.request == request and decoded.password == password
    assert decoded.command.code_int == request.CODE
    assert mf.MskFramer().feed(mf.encode(body)) == [mf.Frame(body)]  # framable: no STX/ETX inside


answers = st.one_of(
    st.builds(mc.VersionInfo, cp866_text.map(lambda s: s[:7]), cp866_text.map(lambda s: s[:30]),
              cp866_text.map(lambda s: s[:30]), cp866_text.map(lambda s: s[:30])),
    st.builds(mc.DeviceDateTime, minutes),
    st.builds(mc.DocumentInfo, st.integers(0, 99), st.integers(0, 99999), minutes, st.integers(0, 99),
              decimals, st.one_of(st.none(), st.integers(0, 99999)), st.one_of(st.none(), st.integers(0, 99999))),
    st.builds(mc.ParameterValue, st.integers(0, 999), cp866_text),
)
answer_codes = {mc.VersionInfo: 0x45, mc.DeviceDateTime: 0x48, mc.DocumentInfo: 0x53, mc.ParameterValue: 0x5C}


@SETTINGS
@given(data=answers, status=st.integers(0, 0xFFFF), printer=st.integers(0, 0xFF))
def test_answer_round_trip(data: mc.AnswerData, status: int, printer: int) -> None:
    code = answer_codes[type(data)]
    body = mc.build_answer(code, data, status=status, printer=printer)
    answer = mc.decode_answer(body, expected=code)
    assert answer.data == data and answer.status.word == status and answer.printer.raw == printer


def test_get_version_also_accepts_one_empty_field() -> None:
    """[S5] and [S6] send 0x45 with one empty field (two NUL bytes), [S7] with none."""
    assert mc.decode_request(b"E0000\x00\x00\x00").request == mc.GetVersion()


def test_annul_document_with_zero_padded_count() -> None:
    doc = mc.FiscalDocument(mc.DocumentType.SALE, mc.DOC_ANNUL, (), zero_pad_count=True)
    assert doc.encode_data() == b"0\x0008\x00000\x00"
    assert mc.FiscalDocument(mc.DocumentType.SALE, mc.DOC_ANNUL).encode_data() == b"0\x0008\x000\x00\x00\x00"


def test_registry_is_consistent() -> None:
    for code, command in mc.REGISTRY.items():
        assert command.code == bytes((code,)) == bytes((command.request_type.CODE,))
        assert command.family == "incotex-msk" and command.doc_ru and command.doc_en
    assert not mc.REGISTRY[0x53].idempotent and not mc.REGISTRY[0x5F].idempotent
    assert mc.REGISTRY[0x5C].idempotent and mc.REGISTRY[0x4A].idempotent
    assert mc.REGISTRY[0x5F].timeout_seconds > mc.REGISTRY[0x48].timeout_seconds


def test_nonfiscal_text_stream() -> None:
    assert mc.nonfiscal_text("Привет") == "Привет\n".encode("cp866") + b"\x1b\x1b"
    assert mc.nonfiscal_text("a\n") == b"a\n\x1b\x1b"
    with pytest.raises(InvalidParameter):
        mc.nonfiscal_text("a\x1b\x1bb")


# -- refusals ------------------------------------------------------------------------------------

@pytest.mark.parametrize("req", [
    mc.RegisterCashier(100, "x"),
    mc.RegisterCashier(1, "€"),  # no euro sign in CP866
    mc.RegisterCashier(1, "я" * 41),
    mc.SetDateTime(dt.datetime(2020, 1, 1, 12, 0, 30)),
    mc.FeedPaper(256),
    mc.ReadParameter(1000),
    mc.Report(mc.ReportKind.X, 0x100),
    mc.ExternalPulse(2),
    mc.FiscalDocument(records=(mc.TextRecord(1, text="x" * 41),)),
    mc.FiscalDocument(records=(mc.TextRecord(100),)),
    mc.FiscalDocument(records=(mc.TextRecord(1, flags=0x10000),)),
    mc.FiscalDocument(records=(mc.TextRecord(1, reserved=b"\x02\x00\x00\x00\x00"),)),
    mc.FiscalDocument(records=(mc.PriceRecord(Decimal("-1")),)),
    mc.FiscalDocument(records=(mc.PriceRecord(Decimal("NaN")),)),
    mc.FiscalDocument(records=(mc.PriceRecord(Decimal("123456789.01")),)),  # 12 characters > 11
    mc.FiscalDocument(records=(mc.TextRecord(1),) * 1000),
])
def test_requests_that_cannot_be_encoded_are_refused(req: mc.MskRequest) -> None:
    with pytest.raises(InvalidParameter):
        mc.build_request(req)


@pytest.mark.parametrize("body", [
    b"S0000\x000\x0014\x002\x00\x00",  # announces 2 records, carries none
    b"S0000\x007\x0014\x000\x00\x00",  # document type 7
    b"\\0000\x00x29\x00",  # parameter number not digits
    b"\\0000\x00329\x00extra",  # bytes after the last field
    b"G0000\x0031022011\x001923\x00",  # 31 February
    b"N0000\x00",  # no such command
])
def test_malformed_requests_are_refused(body: bytes) -> None:
    with pytest.raises(ProtocolError):
        mc.decode_request(body)


def test_unknown_command_carries_its_code() -> None:
    with pytest.raises(mc.UnknownCommand) as caught:
        mc.decode_request(b"N0000\x00")
    assert caught.value.code == 0x4E


@SETTINGS
@given(st.binary(max_size=200))
def test_random_request_bodies_give_typed_errors_only(body: bytes) -> None:
    try:
        mc.decode_request(body)
    except ProtocolError:
        pass


@SETTINGS
@given(code=st.sampled_from(sorted(answer_codes.values())), data=st.binary(max_size=150))
def test_random_answer_data_gives_typed_errors_only(code: int, data: bytes) -> None:
    try:
        mc.decode_answer(mf.answer_body(code, 0, 0, 0, data))
    except ProtocolError:
        pass
