"""Golden vectors for ATOL transports v2 and v3 (data in tests/vectors/, see its README)."""

from __future__ import annotations

import json
from pathlib import Path
from typing import Any

import pytest

from kkt_drivers.protocols.atol import framer_v2, framer_v3
from kkt_drivers.protocols.atol.framer_v2 import AtolV2Framer, BadFrame, Frame
from kkt_drivers.protocols.atol.framer_v3 import AtolV3Framer, BadPacket, Packet
from kkt_drivers.protocols.common.crc import crc8_atol

VECTORS = Path(__file__).resolve().parents[1] / "vectors"
KINDS = {"captured", "published", "computed"}


def _load(name: str) -> list[dict[str, Any]]:
    return json.loads((VECTORS / name).read_text(encoding="utf-8"))["vectors"]


V2 = _load("atol_v2.json")
V3 = _load("atol_v3.json")
ANSWERS = _load("atol_answers.json")

V2_GOOD = [v for v in V2 if "payload" in v]
V2_BAD = [v for v in V2 if "reject" in v]


def _ids(vectors: list[dict[str, Any]]) -> list[str]:
    return [v["name"] for v in vectors]


def h(text: str) -> bytes:
    return bytes.fromhex(text)


# -- the files themselves ---------------------------------------------------------------------

@pytest.mark.parametrize("vectors", [V2, V3, ANSWERS], ids=["v2", "v3", "answers"])
def test_vector_file_is_well_formed(vectors: list[dict[str, Any]]) -> None:
    names = [v["name"] for v in vectors]
    assert len(names) == len(set(names))
    for v in vectors:
        assert v["kind"] in KINDS, v["name"]
        assert v["meaning"] and v["source"], v["name"]
        assert h(v["hex"]), v["name"]


def test_all_captured_and_published_dumps_of_the_research_notes_are_present() -> None:
    """atol.md §11.1 lists these; none of them may silently disappear from the data files."""
    strong = {v["hex"] for v in V2 + V3 + ANSWERS if v["kind"] in ("captured", "published")}
    expected = {
        "02 1F 00 FF 10 10 02 10 03 1A 03 E8",
        "FE 00 00 01 9D",
        "FE 05 00 F0 A6 57 55 00 00 FD EE",
        "FE 01 00 06 C4 58",
        "FE 06 00 07 C1 01 02 00 00 A5 8D",
        "FE 02 00 08 C3 02 FC",
        "FE 02 00 09 C3 02 BA",
        "FE 02 00 0A C3 02 70",
        "00 01 01 4C 10 00 03 00 00 21 95 8A A0 A7 AD A0 E7 A5 A9 20 94 80",
    }
    assert expected <= strong


# -- v2 ---------------------------------------------------------------------------------------

@pytest.mark.parametrize("vector", V2_GOOD, ids=_ids(V2_GOOD))
def test_v2_encode_gives_the_vector(vector: dict[str, Any]) -> None:
    assert framer_v2.encode(h(vector["payload"])) == h(vector["hex"])


@pytest.mark.parametrize("vector", V2_GOOD, ids=_ids(V2_GOOD))
def test_v2_decode_gives_the_payload(vector: dict[str, Any]) -> None:
    wire = h(vector["hex"])
    assert AtolV2Framer().feed(wire) == [Frame(h(vector["payload"]))]
    framer = AtolV2Framer()  # byte by byte: the same single frame
    events = [event for i in range(len(wire)) for event in framer.feed(wire[i:i + 1])]
    assert events == [Frame(h(vector["payload"]))]
    assert not framer.in_frame


@pytest.mark.parametrize("vector", V2_BAD, ids=_ids(V2_BAD))
def test_v2_decoder_refuses_the_bad_vector(vector: dict[str, Any]) -> None:
    assert AtolV2Framer().feed(h(vector["hex"])) == [BadFrame(vector["reject"])]


# -- v3 ---------------------------------------------------------------------------------------

def _wire_crc(wire: bytes) -> int:
    """The CRC byte of a packet, unescaped (a raw FD cannot precede it unless it is escaped)."""
    if wire[-2] == framer_v3.ESC:
        return {framer_v3.ESC_START: framer_v3.START, framer_v3.ESC_ESC: framer_v3.ESC}[wire[-1]]
    return wire[-1]


@pytest.mark.parametrize("vector", V3, ids=_ids(V3))
def test_v3_encode_gives_the_vector(vector: dict[str, Any]) -> None:
    pid, data, wire = vector["packet_id"], h(vector["data"]), h(vector["hex"])
    scope = vector["crc_scope"]
    if scope in ("unescaped", "either"):
        assert framer_v3.encode(pid, data) == wire
    if scope in ("escaped", "either"):
        assert framer_v3.encode(pid, data, crc_over_escaped=True) == wire
    if scope == "unescaped":
        assert framer_v3.encode(pid, data, crc_over_escaped=True) != wire
    if scope == "escaped":
        assert framer_v3.encode(pid, data) != wire


@pytest.mark.parametrize("vector", V3, ids=_ids(V3))
def test_v3_tolerant_decoder_accepts_every_vector(vector: dict[str, Any]) -> None:
    wire = h(vector["hex"])
    expected = [Packet(vector["packet_id"], h(vector["data"]))]
    assert AtolV3Framer(accept_escaped_crc=True).feed(wire) == expected
    framer = AtolV3Framer(accept_escaped_crc=True)
    assert [e for i in range(len(wire)) for e in framer.feed(wire[i:i + 1])] == expected
    assert not framer.in_frame


@pytest.mark.parametrize("vector", V3, ids=_ids(V3))
def test_v3_default_decoder_accepts_only_the_unescaped_crc_scope(vector: dict[str, Any]) -> None:
    events = AtolV3Framer().feed(h(vector["hex"]))
    if vector["crc_scope"] == "escaped":
        assert events == [BadPacket(vector["packet_id"], "crc")]
    else:
        assert events == [Packet(vector["packet_id"], h(vector["data"]))]


@pytest.mark.parametrize("vector", V3, ids=_ids(V3))
def test_v3_crc_function_matches_the_vector(vector: dict[str, Any]) -> None:
    head, data, wire = bytes((vector["packet_id"],)), h(vector["data"]), h(vector["hex"])
    crc = _wire_crc(wire)
    over_unescaped = crc8_atol(head + data)
    over_escaped = crc8_atol(head + framer_v3.escape(data))
    if vector["crc_scope"] == "escaped":
        assert over_escaped == crc
        assert over_unescaped != crc
    else:
        assert over_unescaped == crc
    if vector["crc_scope"] == "either":
        assert over_escaped == over_unescaped
    # the length bytes count unescaped DATA
    assert wire[1] | (wire[2] << 7) == len(data)


def test_v3_async_vector_fields() -> None:
    (vector,) = [v for v in V3 if "status" in v]
    data = h(vector["data"])
    assert vector["packet_id"] == framer_v3.ASYNC_ID
    assert (data[0], data[1], data[2:]) == (vector["status"], vector["task_id"], h(vector["answer"]))
    assert _wire_crc(h(vector["hex"])) == 0xFE  # the reason the vector exists: an escaped CRC byte


def test_crc8_atol_catalogue_check_value() -> None:
    """CRC-8 poly 0x31, init 0xFF, not reflected, no final XOR is CRC-8/NRSC-5 in the RevEng catalogue
    (check value for b"123456789" = 0xF7)."""
    assert crc8_atol(b"123456789") == 0xF7


# -- answers (data only; the command-spec tests decode them) -----------------------------------

def test_answer_vectors_are_self_consistent() -> None:
    """Plain slicing, no codec: guards the data file against typos."""
    (vector,) = [v for v in ANSWERS if v["command"] == "A5"]
    raw = h(vector["hex"])
    assert (raw[0], raw[1], raw[2], raw[3]) == (vector["error"], vector["protocol"], vector["type"],
                                                 vector["model"])
    assert raw[4:6] == h(vector["mode"])
    assert raw[6:11] == h(vector["version"])
    assert raw[11:].decode(vector["name_encoding"]) == vector["device_name"]


def test_the_captured_a5_answer_decodes_through_the_codec() -> None:
    """The Казначей ФА answer to A5 (KAZ dump) through the same codec the driver uses, not sliced by hand."""
    from kkt_drivers.protocols.atol import commands as c

    (vector,) = [v for v in ANSWERS if v["command"] == "A5"]
    decoded = c.decode_answer(c.DEVICE_TYPE, h(vector["hex"]))
    assert (decoded.protocol, decoded.device_type, decoded.model) == (vector["protocol"], vector["type"],
                                                                      vector["model"])
    assert bytes(decoded.mode) == h(vector["mode"]) and bytes(decoded.version) == h(vector["version"])
    assert c.device_name(decoded.name) == vector["device_name"] == "Казначей ФА"
