"""Every registered ФН command against the computed-from-spec vectors, plus codec edge cases."""

from __future__ import annotations

import datetime as dt
from collections import defaultdict

import pytest
from fn_testkit import jsonable, load, unhex

from kkt_drivers.protocols import fn
from kkt_drivers.protocols.fn.commands import (
    REGISTRY,
    FnDataError,
    UnknownCommandError,
    decode_answer,
    decode_request,
    encode_answer,
    encode_request,
    get_command,
)
from kkt_drivers.protocols.fn.enums import (
    CommandGroup,
    LifePhase,
    OperationType,
    TaxSystem,
    WarningFlags,
    WorkMode,
)
from kkt_drivers.protocols.fn.frame import Frame, decode_frame

VECTORS = load("commands.json")["vectors"]
BY_COMMAND: dict[int, dict[str, list[dict]]] = defaultdict(lambda: defaultdict(list))
for _v in VECTORS:
    BY_COMMAND[int(_v["command"], 16)][_v["direction"]].append(_v)

DT = dt.datetime(2024, 5, 1, 12, 30)

#: the commands the brief asks for, by code
REQUIRED = {0x02, 0x03, 0x04, 0x05, 0x06, 0x07, 0x10, 0x11, 0x12, 0x13, 0x14, 0x15, 0x16, 0x17, 0x18, 0x19,
            0x20, 0x21, 0x22, 0x23, 0x24, 0x25, 0x26, 0x30, 0x31, 0x32, 0x33, 0x35, 0x40, 0x41, 0x42,
            0x43, 0x44, 0x45, 0x46, 0x47, 0xA2, 0xA3}


def _id(vector: dict) -> str:
    return f"{vector['command']}h {vector['direction']}: {vector['name']}"


def test_required_commands_registered() -> None:
    assert REQUIRED <= {c.code for c in REGISTRY}


@pytest.mark.parametrize("command", list(REGISTRY), ids=lambda c: c.label)
def test_every_command_has_request_and_answer_vectors(command: fn.FnCommand) -> None:
    assert BY_COMMAND[command.code]["request"], f"no request vector for {command.label}"
    assert BY_COMMAND[command.code]["answer"], f"no answer vector for {command.label}"


@pytest.mark.parametrize("vector", [v for v in VECTORS if v["direction"] == "request"], ids=_id)
def test_request_vectors_round_trip(vector: dict) -> None:
    raw = unhex(vector["frame_hex"])
    frame = decode_frame(raw)
    assert frame.data == unhex(vector["data_hex"])
    decoded = decode_request(raw)
    assert decoded.command.code == int(vector["command"], 16)
    assert jsonable(decoded.fields) == vector["fields"]
    assert encode_request(decoded.command.code, decoded.fields) == raw


@pytest.mark.parametrize("vector", [v for v in VECTORS if v["direction"] == "answer"], ids=_id)
def test_answer_vectors_round_trip(vector: dict) -> None:
    raw = unhex(vector["frame_hex"])
    code = int(vector["command"], 16)
    answer = decode_answer(code, raw)
    assert jsonable(answer.result) == vector["fields"]
    assert encode_answer(code, answer.result, warning=answer.warning) == raw
    command = get_command(code)
    if command.result is not None:
        assert isinstance(answer.result, command.result)


# -- typed results -----------------------------------------------------------------------------

def test_status_is_typed() -> None:
    (vector,) = [v for v in BY_COMMAND[0x30]["answer"] if "stage 2" in v["name"]]
    answer = decode_answer(0x30, unhex(vector["frame_hex"]))
    status = answer.result
    assert isinstance(status, fn.FnStatus)
    assert status.phase is LifePhase.FISCAL_MODE
    assert status.current_document is fn.CurrentDocument.RECEIPT
    assert status.warnings == WarningFlags.OFD_TIMEOUT and isinstance(status.warnings, WarningFlags)
    assert status.last_document_datetime == DT
    assert answer.warning


def test_build_registration_from_python_values() -> None:
    raw = encode_request(0x03, {
        "datetime": DT, "inn": "7702203276", "rnm": fn.datatypes.format_rnm("5008570"),
        "tax_systems": TaxSystem.GENERAL | TaxSystem.PATENT, "work_mode": WorkMode.ENCRYPTION,
    })
    fields = decode_request(raw).fields
    assert fields["rnm"] == "0000000005008570" and fields["reason"] is None
    assert len(decode_frame(raw).data) == 5 + 12 + 20 + 1 + 1  # Table 34


def test_receipt_result_from_dataclass() -> None:
    result = fn.ReceiptResult(receipt_number=1, fd_number=2, fiscal_sign=3)
    raw = encode_answer(0x16, result)
    assert decode_answer(0x16, raw).result == result


def test_shift_result_with_and_without_warnings() -> None:
    old = encode_answer(0x12, fn.ShiftResult(1, 2, 3))
    new = encode_answer(0x12, fn.ShiftResult(1, 2, 3, WarningFlags.NONE))
    assert len(decode_frame(old).data) == 10 and len(decode_frame(new).data) == 11
    assert decode_answer(0x12, new).result.warnings == WarningFlags.NONE


def test_registration_totals_variants_by_length() -> None:
    for vector in BY_COMMAND[0x43]["answer"]:
        length = len(unhex(vector["data_hex"]))
        assert length in (47, 48, 60, 64)  # Tables 98, 102, 99, 103


# -- errors --------------------------------------------------------------------------------------

def test_unknown_command() -> None:
    with pytest.raises(UnknownCommandError):
        decode_request(Frame(0x99))
    with pytest.raises(UnknownCommandError):
        encode_request(0x99)
    assert issubclass(UnknownCommandError, FnDataError)


@pytest.mark.parametrize(("code", "data"), [
    (0x30, b"\x00"),  # no parameters allowed
    (0x16, bytes(10)),  # 11 bytes expected
    (0x07, b""),  # at least one TLV
    (0x07, b"\x01\x00\x05\x00ab"),  # TLV longer than the data
    (0x21, b"\x02"),  # 0 or 1
    (0x11, b"\x18\x0d\x01\x00\x00"),  # month 13
    (0x43, b"\x01\x02"),  # 0 or 1 byte
    (0x44, b"\x01"),  # 2 or 3 bytes
    (0x03, bytes(41)),  # 39 or 40 bytes
])
def test_malformed_requests_raise_typed_errors(code: int, data: bytes) -> None:
    with pytest.raises(FnDataError):
        decode_request(Frame(code, data))


@pytest.mark.parametrize(("code", "data"), [
    (0x30, bytes(29)),
    (0x30, bytes(31)),
    (0x10, b"\x02\x00\x00\x00\x00"),
    (0x43, bytes(50)),
    (0x46, b""),
    (0x35, bytes(257)),
])
def test_malformed_answers_raise_typed_errors(code: int, data: bytes) -> None:
    from kkt_drivers.protocols.fn.frame import encode_answer as frame_answer

    with pytest.raises(FnDataError):
        decode_answer(code, frame_answer(0, data))


@pytest.mark.parametrize("fields", [
    {"datetime": DT, "operation": OperationType.INCOME},  # total missing
    {"datetime": DT, "operation": 1, "total": 1 << 40},  # does not fit Uint40
    {"datetime": DT, "operation": 1, "total": 1, "bogus": 1},  # unknown field
    {"datetime": "2024-05-01", "operation": 1, "total": 1},  # not a datetime
])
def test_bad_fields_raise_value_error(fields: dict) -> None:
    with pytest.raises(ValueError):
        encode_request(0x16, fields)


def test_text_field_too_long() -> None:
    with pytest.raises(ValueError):
        encode_request(0x05, {"datetime": DT, "rnm": "1" * 21})


# -- declarations ----------------------------------------------------------------------------

def test_phases_follow_table_6() -> None:
    stage1, stage2, stage3, stage4 = (LifePhase.READY_FOR_FISCAL, LifePhase.FISCAL_MODE,
                                      LifePhase.POST_FISCAL, LifePhase.ARCHIVE)
    assert get_command(0x30).allowed_phases == {stage1, stage2, stage3, stage4}
    assert get_command(0x15).allowed_phases == {stage2}
    assert get_command(0x05).allowed_phases == {stage2}
    assert get_command(0x22).allowed_phases == {stage2, stage3}
    assert get_command(0x40).allowed_phases == {stage1, stage2, stage3, stage4}
    assert get_command(0x03).allowed_in(stage1) and not get_command(0x03).allowed_in(stage3)
    assert get_command(0x07).allowed_in(stage1) and get_command(0x07).allowed_in(stage2)
    assert not get_command(0x16).allowed_in(stage3)


def test_groups() -> None:
    assert get_command(0x02).group is CommandGroup.ACTIVATION
    assert get_command(0x04).group is CommandGroup.FN_CLOSE
    assert get_command(0x26).group is CommandGroup.OFD_EXCHANGE
    assert get_command(0x45).group is CommandGroup.ARCHIVE


def test_tlv_limits_of_begin_commands() -> None:
    limits = {c.code: c.tlv_limit for c in REGISTRY if c.tlv_limit is not None}
    assert limits == {0x02: 6144, 0xA2: 6144, 0x04: 4096, 0x11: 4096, 0x13: 1024, 0x15: 30720,
                      0x17: 30720, 0x18: 2048}


def test_labels_and_titles() -> None:
    for command in REGISTRY:
        assert command.title_ru and command.title_en and command.section
        assert command.label.startswith(f"{command.code:02X}h ")
        assert repr(command) == f"<FnCommand {command.label}>"
