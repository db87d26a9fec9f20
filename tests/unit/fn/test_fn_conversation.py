"""Both ends of the codec in one fiscal life: KKT frames → drive decoder → answers → KKT decoder.

The "drive" here is a script of canned answers plus the phase check of Table 6; it exists only to
exercise the codec the way a virtual ФН will.
"""

from __future__ import annotations

import datetime as dt
from typing import Any

import pytest

from kkt_drivers.protocols import fn
from kkt_drivers.protocols.fn.datatypes import encode_tlv
from kkt_drivers.protocols.fn.enums import (
    LifePhase,
    OfdExchangeFlags,
    OperationType,
    ReportType,
    TaxSystem,
    WorkMode,
)
from kkt_drivers.protocols.fn.frame import FrameDecoder

T0 = dt.datetime(2024, 5, 1, 9, 0)
FN_NUMBER = "9999078900005488"


class ScriptedDrive:
    def __init__(self) -> None:
        self.phase = LifePhase.READY_FOR_FISCAL
        self.fd = 0
        self.decoder = FrameDecoder(accept_enq=True)
        self.last_answer = b""

    def _answer(self, command: fn.FnCommand, fields: dict[str, Any]) -> Any:
        if command.code in (0x03, 0xA3, 0x05, 0x12, 0x14, 0x16, 0x19):
            self.fd += 1
        if command.code in (0x03, 0xA3):
            self.phase = LifePhase.FISCAL_MODE
            return fn.DocumentResult(self.fd, 1000 + self.fd)
        if command.code == 0x05:
            self.phase = LifePhase.POST_FISCAL
            return fn.DocumentResult(self.fd, 1000 + self.fd)
        if command.code in (0x12, 0x14):
            return fn.ShiftResult(1, self.fd, 1000 + self.fd, fn.WarningFlags.NONE)
        if command.code == 0x16:
            return fn.ReceiptResult(1, self.fd, 1000 + self.fd)
        if command.code == 0x19:
            return fn.StateReportResult(self.fd, 1000 + self.fd, 0, None)
        if command.code == 0x30:
            return fn.FnStatus(self.phase, fn.CurrentDocument.NONE, False, False, fn.WarningFlags.NONE,
                               T0, FN_NUMBER, self.fd)
        if command.code == 0x20:
            return fn.OfdExchangeStatus(OfdExchangeFlags.MESSAGE_PENDING, False, 1, self.fd, T0)
        if command.code == 0x22:
            return {"message_length": 3}
        if command.code == 0x23:
            return {"block": b"abc"[fields["offset"]:fields["offset"] + fields["length"]]}
        if command.code == 0x26:
            return {"ofd_answer_code": 0, "operator_message": b""}
        return None

    def receive(self, data: bytes) -> bytes:
        out = b""
        for event in self.decoder.feed(data):
            if isinstance(event, fn.Enq):
                out += self.last_answer
                continue
            assert isinstance(event, fn.Frame)
            try:
                request = fn.decode_request(event)
            except fn.FnDataError:
                self.last_answer = fn.encode_error(0x01)
            else:
                if not request.command.allowed_in(self.phase):
                    self.last_answer = fn.encode_error(0x02)
                else:
                    self.last_answer = fn.encode_answer(request.command,
                                                        self._answer(request.command, request.fields))
            out += self.last_answer
        return out


class Kkt:
    def __init__(self, drive: ScriptedDrive) -> None:
        self.drive = drive
        self.decoder = FrameDecoder()

    def call(self, code: int, fields: dict[str, Any] | None = None) -> Any:
        wire = fn.encode_request(code, fields)
        reply = b""
        for i in range(0, len(wire), 3):  # the line delivers the request in small pieces
            reply += self.drive.receive(wire[i:i + 3])
        (frame,) = self.decoder.feed(reply)
        assert isinstance(frame, fn.Frame)
        return fn.decode_answer(code, frame).result


def test_fiscal_life() -> None:
    drive = ScriptedDrive()
    kkt = Kkt(drive)
    assert kkt.call(0x30).phase is LifePhase.READY_FOR_FISCAL

    with pytest.raises(fn.FnError) as refused:
        kkt.call(0x15, {"datetime": T0})
    assert refused.value.code == 0x02

    kkt.call(0xA2, {"report_type": ReportType.REGISTRATION, "ffd_version": fn.enums.FfdVersion.FFD_1_2})
    kkt.call(0x07, {"tlv_data": encode_tlv(1009, b"Moscow")})
    registration = kkt.call(0xA3, {
        "datetime": T0, "inn": "7702203276", "rnm": "0000000005008570",
        "tax_systems": TaxSystem.SIMPLIFIED_INCOME, "work_mode": WorkMode.NONE, "extended_flags": 0,
        "ofd_inn": "7704358518",
    })
    assert registration == fn.DocumentResult(1, 1001)

    kkt.call(0x11, {"datetime": T0})
    assert kkt.call(0x12).fd_number == 2
    kkt.call(0x15, {"datetime": T0 + dt.timedelta(minutes=5)})
    kkt.call(0x07, {"tlv_data": encode_tlv(1031, (12345).to_bytes(2, "little"))})
    receipt = kkt.call(0x16, {"datetime": T0 + dt.timedelta(minutes=5), "operation": OperationType.INCOME,
                              "total": 12345})
    assert receipt == fn.ReceiptResult(1, 3, 1003)
    kkt.call(0x13, {"datetime": T0 + dt.timedelta(hours=8)})
    assert kkt.call(0x14).shift_number == 1
    kkt.call(0x18, {"datetime": T0 + dt.timedelta(hours=9)})
    assert kkt.call(0x19).first_unconfirmed_date is None

    kkt.call(0x21, {"connected": True})
    assert kkt.call(0x22) == {"message_length": 3}
    assert kkt.call(0x23, {"offset": 1, "length": 10}) == {"block": b"bc"}
    kkt.call(0x25)
    assert kkt.call(0x26, {"message": b"\x00" * 30}) == {"ofd_answer_code": 0, "operator_message": b""}

    kkt.call(0x04)
    kkt.call(0x05, {"datetime": T0 + dt.timedelta(days=1), "rnm": "0000000005008570"})
    status = kkt.call(0x30)
    assert status.phase is LifePhase.POST_FISCAL and status.last_fd_number == 6

    with pytest.raises(fn.FnError):
        kkt.call(0x11, {"datetime": T0 + dt.timedelta(days=2)})
    assert kkt.call(0x20).queue_length == 1  # OFD exchange is still allowed in stage 3


def test_enq_repeats_the_last_answer() -> None:
    drive = ScriptedDrive()
    first = drive.receive(fn.encode_request(0x30))
    assert drive.receive(b"\x05") == first


def test_malformed_request_answers_01h() -> None:
    drive = ScriptedDrive()
    reply = drive.receive(fn.frame.encode_request(0x30, b"\x00"))
    with pytest.raises(fn.FnError) as caught:
        fn.decode_answer(0x30, reply)
    assert caught.value.code == 0x01
