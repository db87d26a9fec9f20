"""INECRMAN JSON protocol: third-party request vectors, envelope, values, answers, goods, refusals."""

from __future__ import annotations

import datetime as dt
import json
from collections.abc import Callable
from decimal import Decimal
from typing import Any

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st
from incotex_testkit import load, unhex

from kkt_drivers.errors import DeviceError, InvalidParameter, ProtocolError
from kkt_drivers.protocols.incotex import json_api as api
from kkt_drivers.protocols.incotex import json_tcp
from kkt_drivers.protocols.incotex.json_enums import CheckType, MeasureUnit, PlannedStatus, ProductType, TaxCode
from kkt_drivers.protocols.incotex.json_goods import GoodsRecord
from kkt_drivers.protocols.incotex.json_values import (
    JsonValueError,
    format_datetime,
    from_kopecks,
    parse_datetime,
    to_kopecks,
    to_quantity,
)

VECTORS = load("incotex_json.json")
K = "SESSION-KEY"
CASHIER = api.Cashier("Иванов И.И.", "500100732259")

#: how our builders make each third-party request (values taken from the vector's placeholders)
BUILDERS: dict[str, Callable[[], api.JsonRequest]] = {
    "s17-open-session-com3": lambda: api.open_session("COM3", "185F"),
    "s2-open-session-debug": lambda: api.open_session("COM3", "185F", debug=True, log_path="c:\\logs\\"),
    "s2-open-session-user": lambda: api.open_session("COM3", "185F", debug=True, log_path="c:\\logs\\",
                                                     user_number=1, user_password="1"),
    "s2-get-driver-info": api.get_driver_info,
    "s2-close-ports": api.close_ports,
    "s2-GetStatus": lambda: api.get_status(K),
    "s2-GetRegistrationInfo": lambda: api.get_registration_info(K),
    "s2-ResetCheck": lambda: api.reset_check(K),
    "s2-CloseSession": lambda: api.close_session(K),
    "s2-GetMarkingCodeCheckResult": lambda: api.simple("GetMarkingCodeCheckResult", K),
    "s2-AcceptMarkingCode": lambda: api.simple("AcceptMarkingCode", K),
    "s2-AbortMarkingCodeChecking": lambda: api.simple("AbortMarkingCodeChecking", K),
    "s2-ClearMarkingCodeValidationTable": lambda: api.simple("ClearMarkingCodeValidationTable", K),
    "s2-check-marking-code": lambda: api.check_marking_code(K, "MC-TEXT", PlannedStatus.UNCHANGED, quantity=1,
                                                            measure_unit=MeasureUnit.PIECE),
    "s16-open-shift": lambda: api.open_shift(K, CASHIER),
    "s16-close-shift": lambda: api.close_shift(K, CASHIER),
    "s16-open-check": lambda: api.open_check(K, CheckType.INCOME, 1, CASHIER,
                                             buyer=api.Buyer("ООО Ромашка", "7707083893")),
    "s16-add-goods": lambda: api.add_goods(K, api.Item("Хлеб", Decimal("45.50"), Decimal(2), tax_code=6,
                                                       product_type=1)),
    "s16-close-check": lambda: api.close_check(K, api.Payment(cash=Decimal("100.00"), ecash=Decimal("23.45")),
                                               send_check_to="buyer@example.com"),
    "s3-print-text": lambda: api.print_text(K, "АаБбВвГгДдEeЁёЖжЗзИиИйКкЛлМмНнОо"),
    "s3-report-status-of-settlements": lambda: api.report_status_of_settlements(K, CASHIER),
    "computed-tcp-get-driver-info": api.get_driver_info,
}


def test_vector_file_is_well_formed_and_every_vector_has_a_builder() -> None:
    names = [v["name"] for v in VECTORS]
    assert len(names) == len(set(names))
    assert set(names) == set(BUILDERS)
    for v in VECTORS:
        assert v["kind"] in ("published", "computed") and v["source"] and v["meaning"]
        assert json.loads(v["text"]) == v["json"], v["name"]


@pytest.mark.parametrize("v", VECTORS, ids=[v["name"] for v in VECTORS])
def test_builder_produces_the_third_party_request(v: dict[str, Any]) -> None:
    built = BUILDERS[v["name"]]()
    ours = built.to_json()
    if v["match"] == "exact":
        assert ours == v["json"]
    else:
        assert {key: ours.get(key) for key in v["json"]} == v["json"]
    assert json.loads(built.encode().decode("utf-8")) == ours


@pytest.mark.parametrize("v", [v for v in VECTORS if "tcp_hex" in v], ids=lambda v: v["name"])
def test_tcp_vector_both_directions(v: dict[str, Any]) -> None:
    wire = unhex(v["tcp_hex"])
    assert json_tcp.encode(v["text"].encode("utf-8")) == wire
    assert json_tcp.JsonTcpFramer().feed(wire) == [v["text"].encode("utf-8")]
    assert api.get_driver_info().encode() == v["text"].encode("utf-8")  # compact form, same bytes


def test_encode_keeps_cyrillic_and_omits_nulls() -> None:
    text = api.print_text(K, "Добрый день!").encode().decode("utf-8")
    assert "Добрый день!" in text and "forcePrint" not in text
    assert json.loads(api.open_session("USB", "119F").encode()) == {
        "sessionKey": None, "command": "OpenSession", "portName": "USB", "model": "119F"}


# -- values --------------------------------------------------------------------------------------

@pytest.mark.parametrize(("value", "kopecks"), [
    ("0", 0), ("1.005", 101), ("0.005", 1), ("0.004", 0), ("123.45", 12345), (7, 700), ("21474836", 2147483600),
    (Decimal("2.675"), 268),
])
def test_money_is_kopecks_rounded_half_away_from_zero(value: Any, kopecks: int) -> None:
    assert to_kopecks(value) == kopecks


@pytest.mark.parametrize("value", [0.1, True, "abc", "NaN", "-0.01", "21474836.01", Decimal("Infinity")])
def test_money_refusals(value: Any) -> None:
    with pytest.raises(InvalidParameter):
        to_kopecks(value)


@pytest.mark.parametrize(("value", "qty"), [("1", 10000), ("2.5", 25000), ("0.00005", 1), ("1.23456", 12346)])
def test_quantity_is_times_10000(value: str, qty: int) -> None:
    assert to_quantity(value) == qty


@pytest.mark.parametrize("value", ["0", "0.00004", "-1", 1.5])
def test_quantity_refusals(value: Any) -> None:
    with pytest.raises(InvalidParameter):
        to_quantity(value)


@given(st.decimals(min_value=0, max_value=21474836, places=2))
def test_money_round_trip(value: Decimal) -> None:
    assert from_kopecks(to_kopecks(value)) == value


def test_reading_money_accepts_numbers_and_numeric_strings_only() -> None:
    assert from_kopecks(12345) == from_kopecks("12345") == Decimal("123.45")
    for bad in (True, 1.5, "1.5", None, "x"):
        with pytest.raises(JsonValueError):
            from_kopecks(bad)


def test_date_time_format() -> None:
    value = dt.datetime(2024, 3, 1, 9, 5, 7)
    assert format_datetime(value) == "2024-03-01T09:05:07"
    assert parse_datetime("2024-03-01T09:05:07") == value
    for bad in ("2024-03-01 09:05:07", "01.03.2024", 20240301):
        with pytest.raises(JsonValueError):
            parse_datetime(bad)


# -- envelope and answers ------------------------------------------------------------------------

def test_answer_keys_are_read_case_insensitively() -> None:
    response = api.decode_response(b'{"Result": 0, "SESSIONKEY": "abc", "protocolVer": "3.12"}', "OpenSession")
    assert response.ok and response.get("sessionKey") == "abc"
    assert api.parse_open_session(response) == api.OpenSessionResult("abc", "3.12")


def test_nonzero_result_is_a_device_error_with_the_service_description() -> None:
    with pytest.raises(api.JsonServiceError) as caught:
        api.decode_response('{"result": 37, "description": "Смена не открыта"}'.encode(), "CloseCheck")
    error = caught.value
    assert isinstance(error, DeviceError) and error.code == 37 and error.message_ru == "Смена не открыта"
    assert error.command == "CloseCheck" and error.family == "incotex-json"
    unchecked = api.decode_response(b'{"result": 37}', check=False)
    assert not unchecked.ok and unchecked.description == ""


@pytest.mark.parametrize("data", [b"", b"not json", b"[1, 2]", b'{"description": "x"}', b'{"result": "0"}',
                                  b'{"result": true}', b"\xff\xfe", b"[" * 100_000])
def test_answers_that_are_not_protocol_answers(data: bytes) -> None:
    with pytest.raises(ProtocolError):
        api.decode_response(data)


@given(st.binary(max_size=100))
def test_random_answer_bytes_give_typed_errors_only(data: bytes) -> None:
    try:
        api.decode_response(data)
    except (ProtocolError, DeviceError):
        pass


def test_status_answer() -> None:
    """Field names from [S1] GetKKTStatusResult/ShiftInfo/ReceiptInfo/FnInfo and [S16]; values made up."""
    response = api.decode_response(json.dumps({
        "result": 0, "description": "", "dateTime": "2024-05-06T10:11:12", "paperPresence": True,
        "shiftInfo": {"isOpen": True, "is24Expired": False, "num": 12, "lastOpen": "2024-05-06T08:00:00",
                      "cash": 150050},
        "checkInfo": {"isOpen": False, "num": 7, "goodsQty": 0},
        "fnInfo": {"status": 1, "fnNum": "9999078900012345", "lastDoc": {"num": 321, "dateTime": "2024-05-06T10:00:00"},
                   "unsignedDocs": {"qty": 2, "firstNum": 320, "firstDateTime": "2024-05-06T09:59:00"}},
    }).encode(), "GetStatus")
    status = api.parse_status(response)
    assert status.date_time == dt.datetime(2024, 5, 6, 10, 11, 12) and status.paper_presence is True
    assert status.shift == api.ShiftState(True, False, 12, dt.datetime(2024, 5, 6, 8), Decimal("1500.50"))
    assert status.check == api.CheckState(False, 7, 0)
    assert status.fn.phase == 1 and status.fn.last_doc_num == 321 and status.fn.unsent_qty == 2
    assert status.fn.first_unsent_date_time == dt.datetime(2024, 5, 6, 9, 59)


def test_status_answer_with_a_wrong_type_is_refused() -> None:
    response = api.decode_response(b'{"result": 0, "shiftInfo": {"num": "12"}}')
    with pytest.raises(JsonValueError):
        api.parse_status(response)


@pytest.mark.parametrize("number", [-1, 2**32])
def test_status_answer_with_a_number_no_fn_can_hold_is_refused(number: int) -> None:
    """Found by the long fuzz: a garbled answer with lastDoc.num -1 was taken as the last document number."""
    response = api.decode_response(json.dumps({"result": 0, "fnInfo": {"lastDoc": {"num": number}}}).encode())
    with pytest.raises(JsonValueError, match=r"fnInfo\.lastDoc\.num"):
        api.parse_status(response)


def test_fiscal_result_answer() -> None:
    response = api.decode_response(b'{"result": 0, "shiftNum": 3, "checkNum": 14, "fiscalDocNum": 201, '
                                   b'"fiscalSign": 3849203311, "dateTime": "2024-05-06T10:11:00"}')
    result = api.parse_fiscal_result(response)
    assert result == api.FiscalResult(3, 14, 201, "3849203311", dt.datetime(2024, 5, 6, 10, 11))


def test_other_answers() -> None:
    info = api.parse_driver_info(api.decode_response(
        b'{"result": 0, "driverVer": "1.2.3", "protocolVer": "3.12", "driverBaseVer": "0.6"}'))
    assert info == api.DriverInfo("1.2.3", "3.12", "0.6", None)
    common = api.parse_common_info(api.decode_response(
        b'{"result": 0, "model": "185F", "cpl": [48, 32], "maxGoodsSum": 100000000, "maxGoodsQty": 100}'))
    assert common.cpl == (48, 32) and common.max_goods_sum == Decimal("1000000.00") and common.max_check_sum is None
    base = api.parse_goods_base(api.decode_response(b'{"result": 0, "base": [{"code": 5, "price": 990}]}'))
    assert base == (GoodsRecord(5, price=Decimal("9.90")),)
    reg = api.parse_registration_info(api.decode_response(
        b'{"result": 0, "registrationInfo": {"taxSystem": [1, 5], "kkt": {"regNum": "0000000001012345"}}}'))
    assert reg.tax_systems == (1, 5) and reg.reg_num == "0000000001012345"
    marking = api.parse_marking_check(api.decode_response(b'{"result": 0, "isCompleted": true, "onlineCheck": {}}'))
    assert marking.is_completed is True


def test_open_session_without_a_key_is_refused() -> None:
    with pytest.raises(ProtocolError):
        api.parse_open_session(api.decode_response(b'{"result": 0}'))


def test_session_bookkeeping() -> None:
    session = api.JsonSession()
    with pytest.raises(InvalidParameter):
        session.require()
    session.opened(api.decode_response(b'{"result": 0, "sessionKey": "k1"}'))
    assert session.is_open and api.get_status(session.require()).to_json()["sessionKey"] == "k1"
    assert session.close().to_json() == {"sessionKey": "k1", "command": "CloseSession"}
    session.closed()
    assert not session.is_open


# -- catalogue and builder refusals --------------------------------------------------------------

def test_catalogue_marks_fiscal_commands() -> None:
    fiscal = {name for name, spec in api.CATALOGUE.items() if spec.fiscal}
    assert {"CloseCheck", "OpenShift", "CloseShift", "BringMoney", "WithdrawMoney", "CloseFN"} <= fiscal
    assert not fiscal & {name for name, spec in api.CATALOGUE.items() if spec.idempotent}
    assert not api.CATALOGUE["GetDriverInfo"].session and api.CATALOGUE["GetStatus"].session


@pytest.mark.parametrize("build", [
    lambda: api.request("NoSuchCommand", K),
    lambda: api.request("GetStatus"),
    lambda: api.request("GetDriverInfo", K),
    lambda: api.request("GetStatus", K, {"command": "CloseFN"}).to_json(),
    lambda: api.open_session(" ", "185F"),
    lambda: api.open_session("COM1", "185F", baud_rate=0),
    lambda: api.open_session("COM1", "999F"),
    lambda: api.open_check(K, CheckType.INCOME_CORRECTION, 0, CASHIER),
    lambda: api.open_check(K, CheckType.INCOME, 0, CASHIER, correction=api.Correction()),
    lambda: api.open_check(K, 9, 0, CASHIER),
    lambda: api.open_shift(K, api.Cashier(" ")),
    lambda: api.open_shift(K, api.Cashier("Иванов", "123")),
    lambda: api.close_check(K, api.Payment()),
    lambda: api.close_check(K, api.Payment(cash=Decimal(0))),
    lambda: api.add_goods(K, api.Item("x", Decimal(1), section=17)),
    lambda: api.add_goods(K, api.Item("", Decimal(1))),
    lambda: api.add_goods(K, api.Item("x", Decimal(1), quantity=Decimal(0))),
    lambda: api.bring_money(K, Decimal("0.001"), CASHIER),
    lambda: api.print_doc_from_fn(K, 0),
    lambda: api.check_marking_code(K, "", 1),
])
def test_builder_refusals(build: Callable[[], Any]) -> None:
    with pytest.raises((InvalidParameter, ValueError)):
        build()


def test_unknown_command_refusal_lists_the_known_ones() -> None:
    with pytest.raises(InvalidParameter, match="GetStatus"):
        api.request("GetStatuss", K)


def test_correction_receipt_request() -> None:
    built = api.open_check(K, CheckType.INCOME_CORRECTION, 0, CASHIER,
                           correction=api.Correction(1, "Предписание", dt.date(2024, 2, 3), "15"))
    assert built.to_json()["correctionInfo"] == {"correctionType": 1, "causeName": "Предписание",
                                                 "causeDocDate": "2024-02-03", "causeDocNum": "15"}


# -- goods record --------------------------------------------------------------------------------

def test_goods_record_defaults_and_field_names() -> None:
    assert GoodsRecord(1, "Хлеб", Decimal("45.50"), "4601234567890").to_json() == {
        "code": 1, "barcode": 4601234567890, "name": "Хлеб", "price": 4550, "marked": False, "section": 1,
        "typeCode": 1, "undivided": True, "taxCode": 6}


def test_goods_record_reads_the_server_file_form() -> None:
    """«Сервер ККТ» upload file ([S4]): price as a string of kopecks, barcode a number, taxSystem −1 and
    agentNum, which the driver's schema does not have."""
    record = GoodsRecord.from_json({"code": 1, "barcode": 4601234567890, "name": "Хлеб", "price": "12345",
                                    "marked": False, "section": 1, "typeCode": 1, "undivided": True,
                                    "taxSystem": -1, "taxCode": 6, "agentNum": 0})
    assert record.price == Decimal("123.45") and record.barcode == "4601234567890" and record.tax_system == -1


@pytest.mark.parametrize("record", [
    GoodsRecord(-1), GoodsRecord(1, "я" * 57), GoodsRecord(1, section=0), GoodsRecord(1, section=17),
    GoodsRecord(1, barcode="12a"), GoodsRecord(1, customs_declaration="x" * 33), GoodsRecord(1, tax_code=11),
    GoodsRecord(1, type_code=28), GoodsRecord(1, price=Decimal("21474836.01")),
])
def test_goods_record_refusals(record: GoodsRecord) -> None:
    with pytest.raises(InvalidParameter):
        record.to_json()


@pytest.mark.parametrize("raw", [[], {"name": "no code"}, {"code": "x"}, {"code": 1, "marked": "yes"},
                                 {"code": 1, "barcode": "12a"}, {"code": 1, "price": 1.5}])
def test_goods_record_reading_refusals(raw: Any) -> None:
    with pytest.raises(JsonValueError):
        GoodsRecord.from_json(raw)


goods = st.builds(
    GoodsRecord, code=st.integers(0, 2**32 - 1), name=st.one_of(st.none(), st.text(max_size=56)),
    price=st.one_of(st.none(), st.decimals(min_value=0, max_value=21474836, places=2)),
    barcode=st.one_of(st.none(), st.text("0123456789", min_size=1, max_size=13)),
    marked=st.booleans(), section=st.integers(1, 16), type_code=st.sampled_from(list(ProductType)),
    undivided=st.booleans(), tax_code=st.sampled_from(list(TaxCode)),
    measure_unit=st.one_of(st.none(), st.sampled_from(list(MeasureUnit))),
    blocked=st.one_of(st.none(), st.booleans()), volume=st.one_of(st.none(), st.integers(0, 10_000)))


@settings(max_examples=200)
@given(record=goods)
def test_goods_record_round_trip_through_json_text(record: GoodsRecord) -> None:
    text = json.dumps(record.to_json(), ensure_ascii=False)
    back = GoodsRecord.from_json(json.loads(text))
    expected_barcode = None if record.barcode is None else str(int(record.barcode))  # a number loses leading zeros
    assert back == GoodsRecord(**{**record.__dict__, "barcode": expected_barcode})
