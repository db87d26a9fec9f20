"""Golden vectors of Штрих-Принт (tests/vectors/shtrihprint.json), in both directions.

Ethernet: our request builders produce exactly the bytes two independent clients send, and the
datagram decoder returns their bodies. RS-232: the serial decoder reports exactly the recorded events
(the frames come from the vendor's weight-module protocol, whose RS-232 framing is the same).
"""

from __future__ import annotations

from typing import Any

import pytest
from scales_testkit import KINDS, ids, load, unhex

from kkt_drivers.protocols.shtrihprint import commands as c
from kkt_drivers.protocols.shtrihprint.framer import (
    BadFrame,
    Control,
    Message,
    ShtrihPrintSerialFramer,
    decode_datagram,
    encode,
)

VECTORS = load("shtrihprint.json")
ETHERNET = [v for v in VECTORS if v["transport"] == "ethernet"]
BUILT = [v for v in ETHERNET if v.get("builder")]
SERIAL = [v for v in VECTORS if v["transport"] == "serial"]
BUILDERS = {"status": c.status, "mode": c.mode, "beep": c.beep, "clear_database": c.clear_database,
            "get_weight": c.get_weight}


def test_vector_file_is_well_formed() -> None:
    assert len({v["name"] for v in VECTORS}) == len(VECTORS)
    for v in VECTORS:
        assert v["kind"] in KINDS and v["meaning"] and v["source"], v["name"]
        assert v["transport"] in ("ethernet", "serial")


@pytest.mark.parametrize("v", ETHERNET, ids=ids(ETHERNET))
def test_datagram_both_directions(v: dict[str, Any]) -> None:
    wire, body = unhex(v["hex"]), unhex(v["body"])
    assert decode_datagram(wire) == Message(body, sync=v["sync"])
    assert encode(body) == wire


@pytest.mark.parametrize("v", BUILT, ids=ids(BUILT))
def test_request_builders_match_other_clients(v: dict[str, Any]) -> None:
    spec = dict(v["builder"])
    build = BUILDERS[spec.pop("call")]
    assert encode(build(**spec)) == unhex(v["hex"])


@pytest.mark.parametrize("v", SERIAL, ids=ids(SERIAL))
def test_serial_decoder_reports_the_events(v: dict[str, Any]) -> None:
    expected: list[object] = []
    for event in v["events"]:
        if "control" in event:
            expected.append(Control(event["control"]))
        elif "body" in event:
            expected.append(Message(unhex(event["body"])))
        else:
            expected.append(BadFrame(event["reject"]))
    framer = ShtrihPrintSerialFramer()
    assert framer.feed(unhex(v["hex"])) == expected
    assert not framer.in_frame
    for event in expected:
        if isinstance(event, Message):
            wire = unhex(v["hex"])
            assert encode(event.body, serial=True) == wire[wire.index(b"\x02"):]


def test_serial_reply_fields() -> None:
    """Error 0 and the signed weight of the recorded replies (3Ah: status u16, weight i32, tare u16)."""
    by_name = {v["name"]: v for v in SERIAL}
    weights = {}
    for name in ("crysh-3a-reply-312g", "crysh-3a-reply-382g", "crysh-3a-reply-negative"):
        body = unhex(by_name[name]["events"][-1]["body"])
        reply = c.parse_reply(body)
        assert reply.ok and reply.command == 0x3A
        weights[name] = int.from_bytes(reply.data[2:6], "little", signed=True)
    assert weights == {"crysh-3a-reply-312g": 312, "crysh-3a-reply-382g": 382, "crysh-3a-reply-negative": -144}
