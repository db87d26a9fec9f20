"""The marked-goods commands B0h–B7h of the virtual ФН spoken to in frames (v1.2.06 §4.10): requests encoded
and answers decoded with ``kkt_drivers.protocols.fn``."""

from __future__ import annotations

from datetime import datetime
from decimal import Decimal
from typing import Any

import pytest
from fiscal_testkit import decoded, registered
from kkt_emu.core.clock import DeviceClock
from kkt_emu.core.fiscal import FiscalCore, FnConfig
from kkt_emu.core.fiscal.fn_port import FnPort

from kkt_drivers.ffd import Tlv, encode_tlv
from kkt_drivers.ffd.marking import parse_marking_code
from kkt_drivers.protocols import fn

GS = "\x1d"
CODE = f"010460123456789321ABCDEFGHIJKLM{GS}91EE06{GS}92{'A' * 44}"
WHEN = datetime(2026, 12, 2, 12, 0)


def call(port: FnPort, code: int, fields: dict[str, Any] | None = None) -> Any:
    return fn.decode_answer(code, port.handle(fn.encode_request(code, fields))).result


def refused(port: FnPort, code: int, fields: dict[str, Any] | None = None) -> fn.FnError:
    with pytest.raises(fn.FnError) as info:
        call(port, code, fields)
    return info.value


@pytest.fixture
def port() -> FnPort:
    clock = DeviceClock()
    clock.set(WHEN)
    return FnPort(registered(FiscalCore(clock, FnConfig(ffd="1.2")), "1.2", marking=True))


def _check(port: FnPort) -> None:
    parsed = parse_marking_code(CODE)
    answer = call(port, 0xB1, {"code_type": parsed.code_type, "code": CODE.encode(), "offset_91": parsed.offset_91,
                               "offset_92": parsed.offset_92})
    assert (answer["check_result"], answer["reason"]) == (3, 0)


def _item() -> bytes:
    return encode_tlv(1059, [Tlv(1030, "Туфли"), Tlv(1079, 500000), Tlv(1023, Decimal("1.000")),
                             Tlv(1043, 500000), Tlv(1199, 11), Tlv(1214, 4), Tlv(1212, 33), Tlv(2108, 0),
                             Tlv(1163, (Tlv(1305, parse_marking_code(CODE).product_code),)), Tlv(2102, 0)], "1.2")


def _item_data() -> bytes:
    return encode_tlv(2007, [Tlv(2000, CODE), Tlv(2100, 4), Tlv(2110, 1), Tlv(2102, 0)], "1.2")


def test_check_request_answer_keep_and_sell_through_frames(port: FnPort) -> None:
    assert call(port, 0xB0)["check_state"] == 1
    _check(port)
    assert call(port, 0xB0)["check_state"] == 2
    request_tlv = encode_tlv(2003, 1, "1.2") + encode_tlv(2102, 0, "1.2")
    request = call(port, 0xB5, {"datetime": WHEN, "tlv_data": request_tlv})["request"]
    assert call(port, 0xB5)["request"] == request
    answer = call(port, 0xB6, {"response": port.core.simulated_marking_answer(request)})
    assert answer["product_check_result"] == 15
    assert call(port, 0xB2, {"save": True}) == {"product_check_result": 15}
    status = call(port, 0xB0)
    assert (status["check_state"], status["saved_results"]) == (1, 1)

    call(port, 0x15, {"datetime": WHEN})
    assert refused(port, 0xB7, {"step": 2, "tlv_data": _item()}).code == 0x33  # 2007 first
    call(port, 0xB7, {"step": 1, "tlv_data": _item_data()})
    assert call(port, 0xB0)["allowed_commands"] & 0x40
    call(port, 0xB7, {"step": 2, "tlv_data": _item()})
    sums = b"".join(encode_tlv(tag, value, "1.2") for tag, value in
                    ((1031, 500000), (1081, 0), (1215, 0), (1216, 0), (1217, 0), (1055, 1)))
    call(port, 0x07, {"tlv_data": sums})
    result = call(port, 0x16, {"datetime": WHEN, "operation": 1, "total": 500000})
    doc = decoded(port.core.document(result.fd_number), "1.2")
    item = {f.tag: f.value for f in doc.items[0]}
    assert item[2106] == 15 and item[1212] == 33
    assert call(port, 0xB0)["saved_results"] == 0


def test_b7_refusals(port: FnPort) -> None:
    assert refused(port, 0xB7, {"step": 1, "tlv_data": _item_data()}).code == 0x02  # no receipt begun
    call(port, 0x15, {"datetime": WHEN})
    assert refused(port, 0xB7, {"step": 1, "tlv_data": _item_data()}).code == 0x3E  # not kept
    missing = encode_tlv(2007, [Tlv(2000, CODE), Tlv(2100, 4)], "1.2")
    error = refused(port, 0xB7, {"step": 1, "tlv_data": missing})
    assert (error.code, error.tag) == (0x3C, 2110)
    assert refused(port, 0xB3).code == 0x02  # not while a receipt is being formed


def test_b1_needs_the_marking_registration() -> None:
    clock = DeviceClock()
    port = FnPort(registered(FiscalCore(clock, FnConfig(ffd="1.2")), "1.2"))
    assert refused(port, 0xB1, {"code_type": 0, "code": b"ABC"}).code == 0x32
