"""Golden vectors of Massa-K «Протокол 100» (tests/vectors/massak.json), in both directions.

Decode: the strict (host) framer returns exactly ``body`` or refuses the bytes as the vector says; the
device-side decoder accepts what real scales accept and reports a wrong CRC or a swapped LEN.
Encode: the typed request/reply of ``decoded`` encodes to exactly ``hex`` (for vectors whose CRC is
right), so our encoder agrees with bytes that other implementations — and real scales — produced.
"""

from __future__ import annotations

from collections.abc import Callable
from decimal import Decimal
from typing import Any

import pytest
from scales_testkit import KINDS, ids, load, unhex

from kkt_drivers.protocols.massak import commands as c
from kkt_drivers.protocols.massak.device import MassaKDeviceDecoder, ReceivedRequest
from kkt_drivers.protocols.massak.framer import BadFrame, Frame, MassaKFramer, encode, massak_crc

VECTORS = load("massak.json")
GOOD = [v for v in VECTORS if "body" in v]
REJECTED = [v for v in VECTORS if "reject" in v]
DEVICE = [v for v in VECTORS if "device" in v]
TYPED = [v for v in VECTORS if "decoded" in v and "body" in v]


def typed(decoded: dict[str, Any]) -> c.Request | c.Reply:
    """The typed object a vector's ``decoded`` describes, built from the JSON alone."""
    kind = decoded["type"]
    if kind == "MassaReading":
        return c.MassaReading(decoded["weight"], c.Division(decoded["division"]), decoded["stable"], decoded["net"],
                              decoded["zero"], decoded["tare"])
    if kind == "TcpWeight":
        return c.TcpWeight(decoded["weight"], c.Division(decoded["division"]), decoded["stable"])
    if kind == "ScaleParameters":
        return c.ScaleParameters(tuple(decoded["lines"]))
    if kind == "Ack":
        return c.Ack(decoded["command"])
    if kind == "ErrorReply":
        return c.ErrorReply(decoded["code"])
    if kind == "SetTare":
        return c.SetTare(decoded["tare"])
    if kind == "OtherRequest":
        return c.OtherRequest(decoded["command"], unhex(decoded["data"]))
    simple: dict[str, Callable[[], c.Request]] = {
        "GetMassa": c.GetMassa, "GetWeight": c.GetWeight, "SetZero": c.SetZero,
        "GetScaleParameters": c.GetScaleParameters, "GetName": c.GetName,
    }
    return simple[kind]()


def test_vector_file_is_well_formed() -> None:
    names = [v["name"] for v in VECTORS]
    assert len(names) == len(set(names))
    for v in VECTORS:
        assert v["kind"] in KINDS and v["meaning"] and v["source"], v["name"]
        assert v["direction"] in ("request", "reply"), v["name"]
        assert ("body" in v) != ("reject" in v), v["name"]
        assert unhex(v["hex"])[:3] == b"\xf8\x55\xce", v["name"]


def test_captured_and_published_frames_are_all_present() -> None:
    """The outside sources' frames (scales.md §1.3/§1.7 'real') must not silently disappear."""
    strong = {v["hex"] for v in VECTORS if v["kind"] != "computed"}
    assert {
        "F8 55 CE 01 00 23 23 00",
        "F8 55 CE 0D 00 24 00 00 00 00 01 01 00 01 00 00 00 00 FC 23",
        "F8 55 CE 0D 00 24 0F 00 00 00 01 01 00 00 00 00 00 00 7D 42",
        "F8 55 CE 01 00 12 12 00",
        "F8 55 CE 08 00 92 01 00 00 00 00 00 00 B5 EF",
        "F8 55 CE 01 00 23 D8 9D",
    } <= strong


@pytest.mark.parametrize("v", GOOD, ids=ids(GOOD))
def test_strict_decoder_returns_the_body(v: dict[str, Any]) -> None:
    framer = MassaKFramer()
    assert framer.feed(unhex(v["hex"])) == [Frame(unhex(v["body"]))]
    assert not framer.in_frame and framer.noise == 0


@pytest.mark.parametrize("v", GOOD, ids=ids(GOOD))
def test_encoder_reproduces_the_frame(v: dict[str, Any]) -> None:
    assert encode(unhex(v["body"])) == unhex(v["hex"])


@pytest.mark.parametrize("v", TYPED, ids=ids(TYPED))
def test_typed_codec_both_directions(v: dict[str, Any]) -> None:
    body = unhex(v["body"])
    expected = typed(v["decoded"])
    parse = c.parse_request if v["direction"] == "request" else c.parse_reply
    assert parse(body) == expected
    assert expected.to_body() == body
    assert encode(expected.to_body()) == unhex(v["hex"])


@pytest.mark.parametrize("v", REJECTED, ids=ids(REJECTED))
def test_strict_decoder_refuses(v: dict[str, Any]) -> None:
    framer = MassaKFramer()
    events = framer.feed(unhex(v["hex"]))
    if v["reject"] == "crc":
        assert events == [BadFrame("crc")]
        assert not any(isinstance(e, Frame) for e in events)
    else:  # "incomplete": the LEN read little-endian asks for more bytes than came
        assert events == [] and framer.in_frame


@pytest.mark.parametrize("v", DEVICE, ids=ids(DEVICE))
def test_device_decoder_accepts_what_real_scales_accept(v: dict[str, Any]) -> None:
    d = v["device"]
    decoder = MassaKDeviceDecoder(accept_swapped_length=d.get("accept_swapped_length", False))
    [event] = decoder.feed(unhex(v["hex"]))
    assert isinstance(event, ReceivedRequest)
    assert event.body == unhex(d["body"])
    assert event.crc_ok is d["crc_ok"]
    assert event.received_crc == d["received_crc"]
    assert event.expected_crc == massak_crc(unhex(d["body"])) != d["received_crc"]
    assert event.length_swapped is d.get("length_swapped", False)
    assert event.request == typed(v["decoded"])
    assert event.error == ""


def test_device_decoder_without_the_swap_option_refuses_the_big_endian_len() -> None:
    """LE 256 is above the device decoder's request limit (255): refused as a bad length, nothing waits."""
    v = next(v for v in DEVICE if v["device"].get("accept_swapped_length"))
    decoder = MassaKDeviceDecoder()
    assert [type(e).__name__ for e in decoder.feed(unhex(v["hex"]))] == ["BadRequest"]
    assert not decoder.in_frame


@pytest.mark.parametrize("v", [v for v in GOOD if v["direction"] == "request"],
                         ids=ids([v for v in GOOD if v["direction"] == "request"]))
def test_device_decoder_takes_correct_requests_as_correct(v: dict[str, Any]) -> None:
    [event] = MassaKDeviceDecoder().feed(unhex(v["hex"]))
    assert isinstance(event, ReceivedRequest)
    assert event.crc_ok and event.received_crc is None and event.body == unhex(v["body"])


def test_strict_device_decoder_drops_wrong_crc() -> None:
    v = next(v for v in DEVICE if v["name"] == "cry-get-massa-aug-crc")
    events = MassaKDeviceDecoder(strict_crc=True).feed(unhex(v["hex"]))
    assert [type(e).__name__ for e in events] == ["BadRequest"]


def test_edited_fixture_is_the_crc_of_a_498_g_frame() -> None:
    """Evidence for the vector's explanation: F2 01 (498) in place of F4 01 gives exactly the CRC D0 1A."""
    v = next(v for v in VECTORS if v["name"] == "cry-ack-massa-edited-fixture")
    wire = bytearray(unhex(v["hex"]))
    wire[6] = 0xF2
    assert MassaKFramer().feed(bytes(wire)) == [Frame(bytes(wire[5:-2]))]
    assert c.parse_reply(bytes(wire[5:-2])) == c.MassaReading(498, c.Division.G_1, True, False, False, 0)


def test_weights_of_the_vectors_in_kilograms() -> None:
    by_name = {v["name"]: v for v in GOOD}
    reading = c.parse_reply(unhex(by_name["calc-ack-massa-net"]["body"]))
    assert isinstance(reading, c.MassaReading)
    assert reading.weight_kg == Decimal("0.512") and reading.tare_kg == Decimal("0.100")
    negative = c.parse_reply(unhex(by_name["calc-ack-massa-negative"]["body"]))
    assert isinstance(negative, c.MassaReading) and negative.weight_kg == Decimal("-0.015") and not negative.stable
    params = c.parse_reply(unhex(by_name["cry-ack-scale-par"]["body"]))
    assert isinstance(params, c.ScaleParameters)
    assert params.max_capacity == "Max 6/15 kg" and params.software_version == "U 38.16"
    assert params.field("software_checksum") == "17F379"
