"""Golden vectors of CAS simple weighing (tests/vectors/cas.json), in both directions.

Decode: the host decoder reports exactly the vector's events and the typed reading. Encode: the
reading, formatted the way the scale did, encodes to exactly the captured bytes.
"""

from __future__ import annotations

from decimal import Decimal
from typing import Any

import pytest
from scales_testkit import KINDS, ids, load, unhex

from kkt_drivers.protocols.cas.frames import (
    CasFramer,
    CasWeight,
    Control,
    Frame,
    bcc,
    encode_weight_frame,
    parse_weight_frame,
)

VECTORS = load("cas.json")
COMPLETE = [v for v in VECTORS if not v.get("incomplete")]


def _expected(v: dict[str, Any]) -> list[object]:
    out: list[object] = []
    wire = unhex(v["hex"]) + unhex(v.get("completion", ""))
    start = wire.index(b"\x01\x02")
    for event in v["events"]:
        if "control" in event:
            out.append(Control(event["control"]))
        else:
            out.append(Frame(event["frame"], wire[start:start + 15]))
    return out


def test_vector_file_is_well_formed() -> None:
    assert len({v["name"] for v in VECTORS}) == len(VECTORS)
    for v in VECTORS:
        assert v["kind"] in KINDS and v["meaning"] and v["source"] and v["events"], v["name"]
    assert {v["kind"] for v in VECTORS} >= {"captured"}


@pytest.mark.parametrize("v", COMPLETE, ids=ids(COMPLETE))
def test_host_decoder_reports_the_events(v: dict[str, Any]) -> None:
    framer = CasFramer()
    assert framer.feed(unhex(v["hex"])) == _expected(v)
    assert not framer.in_frame and framer.noise == 0


@pytest.mark.parametrize("v", VECTORS, ids=ids(VECTORS))
def test_typed_reading_both_directions(v: dict[str, Any]) -> None:
    wire = unhex(v["hex"]) + unhex(v.get("completion", ""))
    frame = wire[wire.index(b"\x01\x02"):]
    expected = next(e for e in v["events"] if "frame" in e)
    reading = parse_weight_frame(frame)
    assert reading == CasWeight(expected["status"], expected["sign"], expected["weight"], expected["unit"])
    assert reading.value == Decimal(expected["value"])
    assert (reading.stable, reading.negative, reading.overload) == (
        expected["stable"], expected["negative"], expected["overload"])
    assert encode_weight_frame(reading) == frame


def test_check_byte_of_both_captures_is_the_xor_of_sta_to_unit() -> None:
    for v in COMPLETE:
        wire = unhex(v["hex"])
        frame = wire[wire.index(b"\x01\x02"):]
        assert bcc(frame[2:12]) == frame[12]
        # the other formula seen in a client: XOR of bytes 0..11 and ETX — the same value, as 01^02^03 = 0
        assert bcc(frame[0:12] + b"\x03") == frame[12]


def test_incomplete_prefix_waits_and_completion_decodes() -> None:
    v = next(v for v in VECTORS if v.get("incomplete"))
    framer = CasFramer()
    assert framer.feed(unhex(v["hex"])) == []
    assert framer.in_frame
    [frame] = framer.feed(unhex(v["completion"]))
    assert isinstance(frame, Frame) and frame.kind == "weight"


def test_formatting_matches_the_captures() -> None:
    """from_value pads with spaces as the PR-II and the Crystals fixture do (the M-ER pads with zeros)."""
    assert CasWeight.from_value(Decimal("0.625")).weight == " 0.625"
    assert CasWeight.from_value(Decimal("0.76"), decimals=2).weight == "  0.76"
