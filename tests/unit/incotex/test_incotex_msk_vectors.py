"""Golden MS-K vectors (tests/vectors/incotex_msk.json), both directions: framing, request and answer codecs."""

from __future__ import annotations

from typing import Any

import pytest
from incotex_testkit import answer_data, load, request, unhex

from kkt_drivers.protocols.incotex import msk_commands as mc
from kkt_drivers.protocols.incotex import msk_framer as mf

VECTORS = load("incotex_msk.json")
GOOD = [v for v in VECTORS if "reject" not in v]
BAD = [v for v in VECTORS if "reject" in v]
REQUESTS = [v for v in GOOD if v["direction"] == "host"]
ANSWERS = [v for v in GOOD if v["direction"] == "device"]
KINDS = {"captured", "published", "computed"}


def ids(vectors: list[dict[str, Any]]) -> list[str]:
    return [v["name"] for v in vectors]


def split_wire(v: dict[str, Any]) -> tuple[bytes, bytes]:
    """(keep-alive bytes, frame) as the vector lists them."""
    wire = unhex(v["hex"])
    keep = v.get("keepalives", 0)
    return wire[:keep], wire[keep:]


def test_vector_file_is_well_formed() -> None:
    names = ids(VECTORS)
    assert len(names) == len(set(names))
    for v in VECTORS:
        assert v["kind"] in KINDS and v["meaning"] and v["source"], v["name"]
        assert unhex(v["hex"])


def test_every_captured_frame_of_the_research_notes_is_present() -> None:
    """§3.8 of the research notes quotes these captured BCCs; none may silently disappear."""
    captured = {(v["command"], v["bcc"]) for v in GOOD if v["kind"] == "captured"}
    assert {("5C", "BA"), ("5C", "B2"), ("5C", "B3"), ("5C", "B4"), ("5C", "B5"), ("4A", "0A"), ("53", "4A"),
            ("5C", "b0"), ("4A", "db"), ("53", "e3"), ("5C", "66")} <= captured
    assert sum(v.get("keepalives", 0) for v in GOOD) == 14 + 9


@pytest.mark.parametrize("v", GOOD, ids=ids(GOOD))
def test_bcc_rule_holds_on_the_vector(v: dict[str, Any]) -> None:
    """Independent of our code: the byte sum of the body modulo 256 is the two hex digits before ETX."""
    _, frame = split_wire(v)
    assert frame[0] == 0x02 and frame[-1] == 0x03
    assert frame[-3:-1].decode() == v["bcc"]
    assert sum(frame[1:-3]) % 256 == int(v["bcc"], 16)


@pytest.mark.parametrize("v", GOOD, ids=ids(GOOD))
def test_framer_decodes_the_vector(v: dict[str, Any]) -> None:
    keep, frame = split_wire(v)
    events = mf.MskFramer().feed(keep + frame)
    assert events == [mf.Control(mf.ACK)] * len(keep) + [mf.Frame(frame[1:-3])]


@pytest.mark.parametrize("v", GOOD, ids=ids(GOOD))
def test_framer_encodes_the_vector(v: dict[str, Any]) -> None:
    """Hosts write upper-case BCC digits, the device lower case: ``encode`` follows the vector's case."""
    _, frame = split_wire(v)
    lowercase = v["bcc"] != v["bcc"].upper()
    assert mf.encode(frame[1:-3], lowercase=lowercase) == frame


@pytest.mark.parametrize("v", BAD, ids=ids(BAD))
def test_framer_refuses_the_bad_vector(v: dict[str, Any]) -> None:
    wire = unhex(v["hex"])
    assert mf.MskFramer().feed(wire) == [mf.BadFrame(v["reject"], wire[1])]


@pytest.mark.parametrize("v", REQUESTS, ids=ids(REQUESTS))
def test_request_decodes_to_the_documented_fields(v: dict[str, Any]) -> None:
    _, frame = split_wire(v)
    decoded = mc.decode_request(frame[1:-3])
    assert decoded.command.code == unhex(v["command"])
    assert decoded.password == b"0000"
    assert decoded.request == request(v["request"])


@pytest.mark.parametrize("v", REQUESTS, ids=ids(REQUESTS))
def test_documented_fields_encode_to_the_vector(v: dict[str, Any]) -> None:
    _, frame = split_wire(v)
    assert mf.encode(mc.build_request(request(v["request"]))) == frame


@pytest.mark.parametrize("v", ANSWERS, ids=ids(ANSWERS))
def test_answer_decodes_to_the_documented_fields(v: dict[str, Any]) -> None:
    _, frame = split_wire(v)
    expected = v["answer"]
    answer = mc.decode_answer(frame[1:-3], expected=unhex(v["command"])[0])
    assert answer.status.word == int(expected["status"]["word"], 16)
    for key, value in expected["status"].items():
        if key != "word":
            assert getattr(answer.status, key) == value, key
    assert answer.result == int(expected["result"], 16) and answer.ok
    assert answer.printer.raw == int(expected["printer"]["byte"], 16)
    for key, value in expected["printer"].items():
        if key != "byte":
            assert getattr(answer.printer, key) == value, key
    assert answer.data == answer_data(expected["data"])


@pytest.mark.parametrize("v", ANSWERS, ids=ids(ANSWERS))
def test_documented_answer_encodes_to_the_vector(v: dict[str, Any]) -> None:
    """The emulator side: the same fields give the captured bytes, lower-case hex digits included."""
    _, frame = split_wire(v)
    expected = v["answer"]
    body = mc.build_answer(unhex(v["command"])[0], answer_data(expected["data"]),
                          status=int(expected["status"]["word"], 16), printer=int(expected["printer"]["byte"], 16))
    assert mf.encode(body, lowercase=True) == frame


def test_status_word_round_trips_through_its_typed_form() -> None:
    status = mc.KkmStatus.from_word(0xFC13)
    assert status.word == 0xFC13
    assert status.known_operation is mc.CurrentOperation.FINISHED


def test_extended_printer_status_of_the_captured_parameter_306() -> None:
    (v,) = [v for v in ANSWERS if "extended_printer_status" in v]
    status = mc.ExtendedPrinterStatus.from_value(v["answer"]["data"]["value"])
    for key, value in v["extended_printer_status"].items():
        assert getattr(status, key) == value, key


def test_captured_sale_answer_sum_matches_the_captured_request() -> None:
    """Cross-check inside the captured session: the device's 0x53 answer sum equals the items of the
    request (4 × 1.23 + 7 × 4.56, less the 3 % check discount, rounded to kopecks)."""
    from decimal import ROUND_HALF_UP, Decimal

    (req,) = [v for v in REQUESTS if v["name"] == "s6-request-53-sale"]
    (ans,) = [v for v in ANSWERS if v["name"] == "s6-answer-53-sale-after-14-keepalives"]
    doc = mc.decode_request(split_wire(req)[1][1:-3]).request
    assert isinstance(doc, mc.FiscalDocument)
    items = [r for r in doc.records if isinstance(r, mc.PriceRecord)]
    gross = sum((r.price * (r.quantity or 1) for r in items), Decimal(0))
    discount = next(Decimal(r.text) for r in doc.records if isinstance(r, mc.TextRecord) and r.type == 21)
    net = (gross * (100 - discount) / 100).quantize(Decimal("0.01"), rounding=ROUND_HALF_UP)
    data = mc.decode_answer(split_wire(ans)[1][1:-3]).data
    assert isinstance(data, mc.DocumentInfo) and data.total == net
