"""The scale emulators' device side under any bytes: whole, mutated and truncated requests, noise, random
splits. The device may raise nothing and record no incident; what it keeps between bytes stays bounded."""

from __future__ import annotations

import json
import time
from pathlib import Path

from hypothesis import given, settings
from hypothesis import strategies as st
from kkt_emu.personalities import connect_to, create_device

VECTORS = Path(__file__).resolve().parents[1] / "vectors"


def _seeds(name: str) -> list[bytes]:
    vectors = json.loads((VECTORS / name).read_text(encoding="utf-8"))["vectors"]
    out = [bytes.fromhex(v["hex"]) for v in vectors]
    return [s for s in out if s]


SEEDS = {"massak": _seeds("massak.json"), "cas": [*_seeds("cas.json"), b"\x05", b"\x11", b"\x12"],
         "caslp": [*_seeds("caslp.json"), b"\x89", b"\x85", b"\x9b", b"\x00"]}


@st.composite
def traffic(draw: st.DrawFn, family: str) -> list[bytes]:
    chunks = []
    for _ in range(draw(st.integers(1, 12))):
        data = bytearray(draw(st.sampled_from(SEEDS[family])))
        for _ in range(draw(st.integers(0, 3))):
            kind = draw(st.integers(0, 3))
            at = draw(st.integers(0, len(data)))
            if kind == 0 and data:
                data[min(at, len(data) - 1)] ^= 1 << draw(st.integers(0, 7))
            elif kind == 1 and data:
                del data[min(at, len(data) - 1)]
            elif kind == 2:
                data[at:at] = draw(st.binary(max_size=8))
            else:
                data = data[:at]
        chunks.append(bytes(data))
    return chunks


def _run(family: str, chunks: list[bytes], splits: list[int]) -> None:
    device = create_device(family)
    connection = connect_to(device, "default")
    try:
        for data, cut in zip(chunks, splits + [0] * len(chunks), strict=False):
            at = cut % (len(data) + 1)
            connection.receive(data[:at])
            connection.receive(data[at:])
            connection.take_output(time.monotonic() + 10)
            connection.poll(time.monotonic() + 10)
        assert device.incidents.total == 0, device.incidents.recent()[-1].traceback
        link = connection.link
        decoder = getattr(link, "decoder", None)
        kept = getattr(decoder, "_buf", None) or getattr(getattr(decoder, "framer", None), "_buf", b"")
        assert len(kept) <= 1100
    finally:
        device.close()


@settings(max_examples=150)
@given(traffic("massak"), st.lists(st.integers(0, 500), max_size=12))
def test_massak_device_side(chunks: list[bytes], splits: list[int]) -> None:
    _run("massak", chunks, splits)


@settings(max_examples=150)
@given(traffic("cas"), st.lists(st.integers(0, 500), max_size=12))
def test_cas_device_side(chunks: list[bytes], splits: list[int]) -> None:
    _run("cas", chunks, splits)


@settings(max_examples=150)
@given(traffic("caslp"), st.lists(st.integers(0, 500), max_size=12))
def test_caslp_device_side(chunks: list[bytes], splits: list[int]) -> None:
    _run("caslp", chunks, splits)
