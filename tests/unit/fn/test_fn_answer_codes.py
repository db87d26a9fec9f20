"""ФН answer codes (v1.2.06 Tables 4–5; v1.1 Table 5) and FnError."""

from __future__ import annotations

import pytest
from fn_testkit import load, unhex

from kkt_drivers.errors import DeviceError
from kkt_drivers.protocols.fn.answer_codes import ANSWER_CODES, BY_CODE, FnError, fn_error, lookup
from kkt_drivers.protocols.fn.commands import decode_answer, encode_error
from kkt_drivers.protocols.fn.enums import OfdRejectReason, PaymentPresence
from kkt_drivers.protocols.fn.frame import decode_frame

#: codes listed in Tables 4 and 5 of v1.2.06
V1206 = {0x00, 0x01, 0x02, 0x03, 0x04, 0x05, 0x07, 0x08, 0x09, 0x0A, 0x0B, 0x0C, 0x0D, 0x0E, 0x10, 0x11,
         0x12, 0x14, 0x16, 0x17, 0x18, 0x19, 0x20, 0x23, 0x24, 0x30, 0x32, 0x33, 0x34, 0x35, 0x36, 0x3C,
         0x3E}
#: codes of v1.1 Table 5 that v1.2.06 dropped
V11_ONLY = {0x06, 0x15}


def test_table_is_complete() -> None:
    assert set(BY_CODE) == V1206 | V11_ONLY
    for entry in ANSWER_CODES:
        assert entry.ru and entry.en
        assert entry.source.startswith("v1.1" if entry.code in V11_ONLY else "v1.2.06")


def test_selected_wordings() -> None:
    assert lookup(0x02).ru == "Другое состояние ФН"
    assert lookup(0x02).ru_v11 == "Неверное состояние ФН"
    assert lookup(0x16).ru == "Продолжительность смены превышена"
    assert lookup(0x14).ru == "Ограничение ресурса ФН"


def test_fn_error_is_a_device_error() -> None:
    error = fn_error(0x16, command="15h begin_receipt")
    assert isinstance(error, DeviceError)
    assert (error.code, error.family, error.command) == (0x16, "fn", "15h begin_receipt")
    assert error.message_ru == "Продолжительность смены превышена"
    assert "0x16" in str(error) and "15h begin_receipt" in str(error)


def test_unknown_code_still_an_error() -> None:
    error = fn_error(0x7E)
    assert error.code == 0x7E and "7E" in error.message
    assert error.source == "unknown"


def test_zero_is_not_an_error() -> None:
    with pytest.raises(ValueError):
        fn_error(0)
    with pytest.raises(ValueError):
        encode_error(0)


def test_details() -> None:
    assert fn_error(0x0B, b"\x11\x04").tag == 1041
    assert fn_error(0x0C, b"\xf1\x03").tag == 1009
    assert fn_error(0x3C, b"").tag is None
    assert fn_error(0x0D, b"\x03").payments_received == PaymentPresence.CASH | PaymentPresence.ELECTRONIC
    assert fn_error(0x0D).payments_received is None
    assert fn_error(0x20, b"\x05").reject_reason is OfdRejectReason.BAD_CRC
    assert fn_error(0x20, b"\x09").reject_reason == 9
    assert fn_error(0x02, b"\x05").reject_reason is None


@pytest.mark.parametrize("vector", [v for v in load("frames.json")["vectors"] if v.get("answer_code")],
                         ids=lambda v: v["name"])
def test_error_frames_raise_fn_error(vector: dict) -> None:
    raw = unhex(vector["frame_hex"])
    with pytest.raises(FnError) as caught:
        decode_answer(0x26, raw)
    error = caught.value
    assert error.code == vector["answer_code"]
    assert error.warning == vector.get("warning", False)
    assert error.detail == unhex(vector["data_hex"])
    if "tag" in vector:
        assert error.tag == vector["tag"]
    if "payments" in vector:
        assert error.payments_received == vector["payments"]
    if "reject_reason" in vector:
        assert error.reject_reason == vector["reject_reason"]
    assert encode_error(error.code, error.detail, warning=error.warning) == raw


def test_encode_error_frame() -> None:
    frame = decode_frame(encode_error(0x08, warning=True))
    assert frame.code == 0x88 and frame.answer_code == 0x08 and frame.warning and frame.data == b""
