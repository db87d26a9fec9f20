"""Massa-K typed requests and replies: round trips, refusals of malformed data, the error table."""

from __future__ import annotations

from decimal import Decimal

import pytest
from hypothesis import given
from hypothesis import strategies as st
from scales_testkit import SETTINGS

from kkt_drivers.errors import DeviceError, InvalidParameter, ProtocolError
from kkt_drivers.protocols.massak import commands as c
from kkt_drivers.protocols.massak.device import input_data_error
from kkt_drivers.protocols.massak.error_table import MASSAK_ERRORS
from kkt_drivers.protocols.massak.framer import Frame, MassaKFramer

i32 = st.integers(c.I32_MIN, c.I32_MAX)
divisions = st.sampled_from(list(c.Division))

readings = st.builds(c.MassaReading, i32, divisions, st.booleans(), st.booleans(), st.booleans(),
                     st.none() | i32)
tcp_weights = st.builds(c.TcpWeight, i32, divisions, st.booleans())
lines = st.lists(st.text(alphabet=st.characters(min_codepoint=0x20, max_codepoint=0x7E), max_size=20), max_size=10)
replies = st.one_of(
    readings, tcp_weights, st.builds(c.ErrorReply, st.integers(0, 255)),
    st.sampled_from([c.Ack(code) for code in (0x27, 0x12, 0x15, 0x14, 0xF0)]),
    lines.map(lambda ls: c.ScaleParameters(tuple(ls))),
    st.builds(c.RawReply, st.sampled_from([0x21, 0x2E, 0x50]), st.binary(max_size=20)),
)
requests = st.one_of(
    st.sampled_from([c.GetMassa(), c.GetWeight(), c.SetZero(), c.GetScaleParameters(), c.GetName()]),
    st.builds(c.SetTare, i32),
    st.builds(c.OtherRequest, st.sampled_from([0x29, 0x90, 0x92, 0x55]), st.binary(max_size=10)),
)


@SETTINGS
@given(reply=replies)
def test_every_reply_round_trips(reply: c.Reply) -> None:
    assert c.parse_reply(reply.to_body()) == reply


@SETTINGS
@given(request=requests)
def test_every_request_round_trips(request: c.Request) -> None:
    assert c.parse_request(request.to_body()) == request


@SETTINGS
@given(body=st.binary(min_size=1, max_size=40))
def test_parsers_raise_only_protocol_errors(body: bytes) -> None:
    for parse in (c.parse_reply, c.parse_request):
        try:
            parse(body)
        except ProtocolError:
            pass


@pytest.mark.parametrize("size", [0, 1, 7, 9, 11, 13])
def test_ack_massa_of_a_wrong_length_is_refused(size: int) -> None:
    with pytest.raises(ProtocolError, match="8 or 12"):
        c.parse_reply(b"\x24" + bytes(size))


def test_ack_massa_both_lengths() -> None:
    short = c.parse_reply(bytes.fromhex("24 E8 03 00 00 02 01 00 00"))
    long = c.parse_reply(bytes.fromhex("24 E8 03 00 00 02 01 00 00 05 00 00 00"))
    assert short == c.MassaReading(1000, c.Division.G_10, True, False, False, None)
    assert isinstance(short, c.MassaReading) and short.tare_kg is None and short.weight_kg == Decimal("10.000")
    assert isinstance(long, c.MassaReading) and long.tare == 5 and long.tare_kg == Decimal("0.050")


@pytest.mark.parametrize(("division", "kg"), [(0, "0.1234"), (1, "1.234"), (2, "12.34"), (3, "123.4"),
                                              (4, "1234")])
def test_division_scales_the_weight(division: int, kg: str) -> None:
    reading = c.MassaReading(1234, c.Division(division), True, False, False)
    assert reading.weight_kg == Decimal(kg)


def test_unknown_division_is_a_protocol_error() -> None:
    with pytest.raises(ProtocolError, match="division"):
        c.parse_reply(bytes.fromhex("24 00 00 00 00 05 01 00 00"))
    with pytest.raises(ProtocolError, match="division"):
        c.parse_reply(bytes.fromhex("10 00 00 00 00 09 01"))


def test_dataless_replies_with_data_are_refused() -> None:
    for code in (0x27, 0x12, 0x15, 0xF0):
        with pytest.raises(ProtocolError):
            c.parse_reply(bytes((code, 0)))
    with pytest.raises(ProtocolError):
        c.parse_reply(b"\x28")
    with pytest.raises(ProtocolError):
        c.parse_reply(b"\x28\x08\x00")


def test_scale_parameters_must_be_ascii_lines() -> None:
    with pytest.raises(ProtocolError, match="CR LF"):
        c.parse_reply(b"\x76Max 6 kg")
    with pytest.raises(ProtocolError, match="ASCII"):
        c.parse_reply(b"\x76\xc0\r\n")
    with pytest.raises(InvalidParameter):
        c.ScaleParameters(("a\r\nb",)).to_body()
    assert c.parse_reply(b"\x76") == c.ScaleParameters(())
    assert c.ScaleParameters(("Max 3 kg",)).min_capacity is None


def test_requests_with_wrong_data_are_refused_on_the_device_side() -> None:
    with pytest.raises(ProtocolError, match="SET_TARE"):
        c.parse_request(b"\xa3\x01\x00")
    with pytest.raises(ProtocolError):
        c.parse_request(b"\x23\x00")
    with pytest.raises(ProtocolError):
        c.parse_request(b"")


def test_out_of_range_values_are_refused_when_building() -> None:
    with pytest.raises(InvalidParameter):
        c.SetTare(2**31)
    with pytest.raises(InvalidParameter):
        c.MassaReading(-(2**31) - 1, c.Division.G_1, True, False, False)
    with pytest.raises(InvalidParameter):
        c.ErrorReply(256).to_body()


def test_check_reply_raises_device_errors_with_the_table_text() -> None:
    with pytest.raises(DeviceError) as info:
        c.check_reply(c.SetZero(), c.ErrorReply(0x15))
    assert info.value.code == 0x15 and info.value.family == "massak" and "Установка >0<" in info.value.message_ru
    with pytest.raises(DeviceError) as nack:
        c.check_reply(c.SetTare(5), c.Ack(c.Cmd.NACK_TARE))
    assert nack.value.code == 0x15
    with pytest.raises(DeviceError):
        c.check_reply(c.GetMassa(), c.Ack(c.Cmd.NACK))
    with pytest.raises(DeviceError):
        c.check_reply(c.GetWeight(), c.Ack(c.Cmd.TCP_NACK_WEIGHT))
    with pytest.raises(ProtocolError, match="does not answer"):
        c.check_reply(c.GetMassa(), c.Ack(c.Cmd.ACK_SET))
    reading = c.MassaReading(1, c.Division.G_1, True, False, False)
    assert c.check_reply(c.GetMassa(), reading) is reading
    assert c.check_reply(c.OtherRequest(0x90), c.RawReply(0x50, b"\x01")) == c.RawReply(0x50, b"\x01")


def test_error_table_holds_the_documented_codes() -> None:
    assert {e.code for e in MASSAK_ERRORS} == {0x07, 0x08, 0x09, 0x0A, 0x0B, 0x10, 0x11, 0x15, 0x17, 0x18, 0x19, 0xF0}
    assert MASSAK_ERRORS.error(0x08).message == "Load exceeds the maximum capacity"
    assert MASSAK_ERRORS.error(0x42).message == "Unknown error 0x42"


def test_input_data_error_frame() -> None:
    [frame] = MassaKFramer().feed(input_data_error())
    assert isinstance(frame, Frame) and c.parse_reply(frame.body) == c.ErrorReply(0x0A)
