"""Golden vectors of the Shtrih-M protocol (tests/vectors/shtrih.json), checked in both directions.

Frames: the decoder must give exactly ``payload`` (or refuse with ``reject``), and the encoder must give exactly
``hex`` from ``payload``. Commands and answers: the codec must rebuild ``hex`` from the decoded fields and parse
``hex`` back into them. Exchanges: our host link, fed the device's side of a captured exchange, must send exactly
the host's side; our device link, fed the host's frame, must answer with the device's frame.
"""

from __future__ import annotations

import json
from pathlib import Path
from typing import Any

import construct as cs
import pytest

from kkt_drivers.protocols.actions import Deliver, Send
from kkt_drivers.protocols.shtrih import framer
from kkt_drivers.protocols.shtrih.commands import (
    FN_DOCUMENT_HEAD,
    decode_answer,
    encode_answer,
    encode_message,
    lookup,
    split_message,
)
from kkt_drivers.protocols.shtrih.device_link import ShtrihDeviceLink
from kkt_drivers.protocols.shtrih.framer import BadFrame, Control, Frame, ShtrihFramer
from kkt_drivers.protocols.shtrih.link import ShtrihLink
from kkt_drivers.protocols.shtrih.spec import ShtrihCommandSpec

VECTORS = Path(__file__).resolve().parents[2] / "vectors" / "shtrih.json"
KINDS = {"captured", "published", "computed"}
ALL: list[dict[str, Any]] = json.loads(VECTORS.read_text(encoding="utf-8"))["vectors"]
FRAMES = [v for v in ALL if v["layer"] == "frame" and "payload" in v]
REJECTS = [v for v in ALL if v["layer"] == "frame" and "reject" in v]
COMMAND_FRAMES = [v for v in FRAMES if "command" in v]
MESSAGES = [v for v in ALL if v["layer"] == "message"] + [
    {**v, "hex": v["payload"]} for v in COMMAND_FRAMES]
ANSWERS = [v for v in ALL if v["layer"] == "answer"]
EXCHANGES = [v for v in ALL if v["layer"] == "exchange"]


def h(text: str) -> bytes:
    return bytes.fromhex(text)


def ids(vectors: list[dict[str, Any]]) -> list[str]:
    return [v["name"] for v in vectors]


def plain(value: Any) -> Any:
    """A parsed construct value as JSON-like data: bytes become {"hex": ...}."""
    if isinstance(value, dict):
        return {k: plain(v) for k, v in value.items() if not k.startswith("_")}
    if isinstance(value, (list, cs.ListContainer)):
        return [plain(v) for v in value]
    if isinstance(value, bytes):
        return {"hex": value.hex(" ").upper()}
    return value


def native(value: Any) -> Any:
    """JSON-like data back into build input: {"hex": ...} becomes bytes."""
    if isinstance(value, dict):
        if set(value) == {"hex"}:
            return h(value["hex"])
        return {k: native(v) for k, v in value.items()}
    if isinstance(value, list):
        return [native(v) for v in value]
    return value


def spec_of(command: str) -> ShtrihCommandSpec:
    spec = lookup(h(command))
    assert spec is not None, command
    assert spec.code == h(command)
    return spec


# -- the file itself --------------------------------------------------------------------------

def test_vector_file_is_well_formed() -> None:
    names = [v["name"] for v in ALL]
    assert len(names) == len(set(names))
    for v in ALL:
        assert v["kind"] in KINDS, v["name"]
        assert v["meaning"] and v["source"], v["name"]
        assert h(v["hex"]), v["name"]
        assert v["layer"] in {"frame", "exchange", "message", "answer"}, v["name"]
        if v["kind"] == "computed":  # only the research notes' frames and our negative variants of captures
            assert "incotex_shtrih.md" in v["source"] or "changed by us" in v["source"], v["name"]


def test_the_verified_dumps_of_the_research_notes_are_present() -> None:
    """incotex_shtrih.md §5.3 lists these; none may silently disappear from the data file."""
    present = {v["hex"] for v in ALL}
    for wire in ("02 01 FC FD", "02 05 10 1E 00 00 00 0B", "02 05 11 1E 00 00 00 0A", "02 05 40 1E 00 00 00 5B",
                 "02 05 41 1E 00 00 00 5A", "02 05 E0 01 00 00 00 E4", "02 06 8D 01 00 00 00 00 8A",
                 "02 05 88 01 00 00 00 8C", "02 06 25 01 00 00 00 00 22", "02 06 FF 01 1E 00 00 00 E6",
                 "02 06 FF 39 1E 00 00 00 DE"):
        assert wire in present, wire
    assert any(v["kind"] == "captured" and v["hex"].startswith("02 18 FC 00") for v in ALL)


# -- frames -----------------------------------------------------------------------------------

@pytest.mark.parametrize("vector", FRAMES, ids=ids(FRAMES))
def test_frame_decodes_to_its_payload(vector: dict[str, Any]) -> None:
    assert ShtrihFramer().feed(h(vector["hex"])) == [Frame(h(vector["payload"]))]


@pytest.mark.parametrize("vector", FRAMES, ids=ids(FRAMES))
def test_payload_encodes_to_the_frame(vector: dict[str, Any]) -> None:
    assert framer.encode(h(vector["payload"])) == h(vector["hex"])


@pytest.mark.parametrize("vector", FRAMES, ids=ids(FRAMES))
def test_frame_decodes_byte_by_byte(vector: dict[str, Any]) -> None:
    decoder = ShtrihFramer()
    events = [e for byte in h(vector["hex"]) for e in decoder.feed(bytes((byte,)))]
    assert events == [Frame(h(vector["payload"]))]


@pytest.mark.parametrize("vector", REJECTS, ids=ids(REJECTS))
def test_bad_frame_is_refused(vector: dict[str, Any]) -> None:
    assert ShtrihFramer().feed(h(vector["hex"])) == [BadFrame(vector["reject"])]


# -- messages ---------------------------------------------------------------------------------

@pytest.mark.parametrize("vector", MESSAGES, ids=ids(MESSAGES))
def test_message_encodes_from_its_fields(vector: dict[str, Any]) -> None:
    spec = spec_of(vector["command"])
    assert encode_message(spec, native(vector["params"]), password=vector["password"]) == h(vector["hex"])


@pytest.mark.parametrize("vector", MESSAGES, ids=ids(MESSAGES))
def test_message_splits_into_its_fields(vector: dict[str, Any]) -> None:
    split = split_message(h(vector["hex"]))
    assert split.code == h(vector["command"])
    assert split.spec is spec_of(vector["command"])
    assert split.password == vector["password"]
    assert plain(split.spec.parse_params(split.params)) == vector["params"]


# -- answers ----------------------------------------------------------------------------------

@pytest.mark.parametrize("vector", ANSWERS, ids=ids(ANSWERS))
def test_answer_decodes_to_its_fields(vector: dict[str, Any]) -> None:
    assert vector["error"] == 0
    assert plain(decode_answer(spec_of(vector["command"]), h(vector["hex"]))) == vector["fields"]


@pytest.mark.parametrize("vector", ANSWERS, ids=ids(ANSWERS))
def test_answer_encodes_from_its_fields(vector: dict[str, Any]) -> None:
    assert encode_answer(spec_of(vector["command"]), native(vector["fields"])) == h(vector["hex"])


HEADED = [v for v in ANSWERS if "document_head" in v]


@pytest.mark.parametrize("vector", HEADED, ids=ids(HEADED))
def test_found_document_head(vector: dict[str, Any]) -> None:
    """The vendor's test asserts the date and time, number and fiscal sign inside FF0A's document data."""
    data = decode_answer(spec_of("FF0A"), h(vector["hex"])).document
    assert plain(FN_DOCUMENT_HEAD.parse(data)) == vector["document_head"]


# -- exchanges --------------------------------------------------------------------------------

def test_host_link_replays_the_captured_enq_exchange() -> None:
    """fr_drv_ng #236: our link sends ENQ, then exactly the captured FC frame, then ACKs the answer."""
    (vector,) = [v for v in EXCHANGES if v["name"] == "fr236-enq-fc"]
    steps = [(s["from"], h(s["hex"])) for s in vector["steps"]]
    message = h("FC")
    link = ShtrihLink()
    sent = [a.data for a in link.request(message, execution_timeout=5.0) if isinstance(a, Send)]
    delivered: list[bytes] = []
    for who, data in steps:
        if who == "device":
            for action in link.receive(data):
                if isinstance(action, Send):
                    sent.append(action.data)
                elif isinstance(action, Deliver):
                    delivered.append(action.answer)
    assert sent == [data for who, data in steps if who == "host"]
    assert delivered == [h(next(v["payload"] for v in FRAMES if v["name"] == "fr236-fc-answer"))]
    assert not link.busy


@pytest.mark.parametrize("vector", EXCHANGES, ids=ids(EXCHANGES))
def test_device_link_answers_like_the_captured_device(vector: dict[str, Any]) -> None:
    """Fed the host's bytes, our device link sends the device's bytes (minus the stray FF of #121)."""
    steps = [(s["from"], h(s["hex"])) for s in vector["steps"]]
    device_bytes = b"".join(data for who, data in steps if who == "device")
    if vector["name"] == "fr121-26-noise-ack":
        device_bytes = device_bytes.replace(b"\xff", b"", 1)  # line noise, not something a device link sends
    answers = [e.payload for e in ShtrihFramer().feed(device_bytes) if isinstance(e, Frame)]
    requests = [e.payload for who, data in steps if who == "host"
                for e in ShtrihFramer().feed(data) if isinstance(e, Frame)]
    assert len(answers) == len(requests) == 1
    seen: list[bytes] = []

    def execute(message: bytes) -> bytes:
        seen.append(message)
        return answers[0]

    device = ShtrihDeviceLink(execute)
    out = b""
    for who, data in steps:
        if who == "host":
            out += b"".join(a.data for a in device.receive(data) if isinstance(a, Send))
    assert seen == requests
    assert out == device_bytes
    assert not device.holds_answer  # the host's final ACK released the answer


def test_stray_ff_before_ack_is_noise_to_the_framer() -> None:
    """fr_drv_ng #121: the device sent FF before ACK; it must not hide the ACK or the answer."""
    decoder = ShtrihFramer()
    events = decoder.feed(h("FF 06 02 07 26 00 F8 01 0C 19 09 C4"))
    assert events == [Control(0x06), Frame(h("26 00 F8 01 0C 19 09"))]
    assert decoder.noise == 1
