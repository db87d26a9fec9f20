"""ATOL fiscal commands checked against bytes from outside this codebase.

``tests/vectors/atol_fiscal_outside.json`` holds requests and answers taken from other ATOL clients
(atol4j run unchanged, the Казначей ФА firmware, the Crystals ATOL-3 plugin, a C v2 driver, the FPrint
Python driver) and from the ФН's own 40h layout; ``protocol-notes/atol/outside-sources.md`` says
where each comes from. Each request is decoded with our ``CommandSpec`` and each answer with
``decode_answer``; the decoded fields must be the ones the source gives. A failure here means our
layout (or a missing declaration) disagrees with that source, not that the vector is wrong.
"""

from __future__ import annotations

import contextlib
import json
from pathlib import Path
from types import SimpleNamespace
from typing import Any

import pytest

from kkt_drivers.protocols.atol import commands as atol_commands
from kkt_drivers.protocols.atol import fiscal_commands

VECTORS = Path(__file__).resolve().parents[1] / "vectors" / "atol_fiscal_outside.json"
DATA = json.loads(VECTORS.read_text(encoding="utf-8"))
REQUESTS = [v for v in DATA["vectors"] if v["direction"] == "request"]
ANSWERS = [v for v in DATA["vectors"] if v["direction"] == "answer"]


def _spec(command: str) -> Any:
    code = bytes.fromhex(command)
    spec = atol_commands.REGISTRY.lookup(code)
    assert spec is not None and spec.code == code, f"no CommandSpec declared for {command}"
    return spec


def _expected(value: Any) -> Any:
    if isinstance(value, dict) and set(value) == {"hex"}:
        return bytes.fromhex(value["hex"])
    return value


def _actual(value: Any) -> Any:
    if isinstance(value, (bytes, bytearray)):
        return bytes(value)
    return value


def _check_fields(decoded: Any, fields: dict[str, Any], where: str) -> None:
    for name, want in fields.items():
        assert name in decoded, f"{where}: our layout has no field {name!r} (fields: {sorted(k for k in decoded)})"
        got = decoded[name]
        if isinstance(want, dict) and set(want) != {"hex"}:
            _check_fields(got, want, f"{where}.{name}")
            continue
        assert _actual(got) == _expected(want), f"{where}: {name} = {got!r}, the source gives {want!r}"


def test_file_is_well_formed() -> None:
    names = [v["name"] for v in DATA["vectors"]]
    assert len(names) == len(set(names))
    for vector in DATA["vectors"]:
        assert vector["direction"] in ("request", "answer")
        assert vector["kind"] in ("captured", "executed", "transcribed", "constructed")
        assert vector["ours"] in ("agrees", "disagrees", "missing")
        assert vector["source"] and vector["meaning"]
        bytes.fromhex(vector["hex"])


@pytest.mark.parametrize("vector", REQUESTS, ids=[v["name"] for v in REQUESTS])
def test_request_decodes_as_the_source_says(vector: dict[str, Any]) -> None:
    message = bytes.fromhex(vector["hex"])
    assert message[:2] == b"\x00\x00", "every outside request here uses access password 00 00"
    spec = _spec(vector["command"])
    assert message[2:2 + len(spec.code)] == spec.code
    params = message[2 + len(spec.code):]
    parsed = spec.parse_params(params)
    _check_fields(parsed, vector["fields"], vector["name"])
    # the layout must account for every parameter byte: encoding what we decoded gives the same bytes
    rebuilt = spec.build_params({k: v for k, v in parsed.items() if not k.startswith("_")})
    assert rebuilt == params, f"{vector['name']}: our layout re-encodes {params.hex(' ')} as {rebuilt.hex(' ')}"


@pytest.mark.parametrize("vector", ANSWERS, ids=[v["name"] for v in ANSWERS])
def test_answer_decodes_as_the_source_says(vector: dict[str, Any]) -> None:
    spec = _spec(vector["command"])
    decoded = atol_commands.decode_answer(spec, bytes.fromhex(vector["hex"]))
    fields = dict(vector["fields"])
    shift_state = fields.pop("shift_state", None)
    _check_fields(decoded, fields, vector["name"])
    if shift_state is not None:  # register 18: the value is decoded by its own structure
        _check_fields(fiscal_commands.SHIFT_STATE_VALUE.parse(bytes(decoded.value)), shift_state, vector["name"])


# -- what our driver puts on the wire, compared with what outside clients send -------------------
class _Recorder:
    """Stands in for the driver's transport: keeps each message our driver code would send."""

    def __init__(self) -> None:
        self.sent: list[bytes] = []
        self.session = SimpleNamespace(operation=contextlib.nullcontext)  # what @atomic methods enter

    def execute(self, spec: Any, params: dict[str, Any] | None = None, **_: Any) -> Any:
        self.sent.append(atol_commands.encode_message(spec, params))
        return None

    def submit(self, spec: Any, params: dict[str, Any] | None = None) -> None:
        self.sent.append(atol_commands.encode_message(spec, params))


def _driver() -> Any:
    from kkt_drivers.drivers.atol.fiscal import AtolFiscalCommands

    class Driver(_Recorder, AtolFiscalCommands):
        pass

    return Driver()


def _vector(name: str) -> bytes:
    return bytes.fromhex(next(v for v in DATA["vectors"] if v["name"] == name)["hex"])


def test_driver_begins_a_position_like_outside_clients() -> None:
    """KAZ and CRY send EA 00 01 00 (CRY: «Параметр. Всегда должен быть равен 1»)."""
    driver = _driver()
    driver.register_position(name="Coffee", price=5000, quantity_milli=1000, amount=5000, vat=6, method=4, subject=1)
    assert driver.sent[0] == _vector("kaz-ea-begin-position")


def test_driver_activates_the_fn_like_the_outside_driver() -> None:
    """CDRV, written from the vendor document, sends A6 with no parameters."""
    driver = _driver()
    driver.register_command()
    assert driver.sent == [_vector("cdrv-a6-activate")]
