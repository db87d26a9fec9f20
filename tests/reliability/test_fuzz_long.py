"""Long fuzzing of every framer, link and personality, with memory tracked.

Each target is fed chunks built from its golden vectors: whole frames, mutated ones (flipped, dropped,
duplicated and inserted bytes), truncations, random splits and plain noise. The only thing a target may
raise is one of our typed errors; the emulator's device side may raise nothing at all (an incident there is
a bug); memory, measured with ``tracemalloc`` after a warm-up, must not keep growing.
"""

from __future__ import annotations

import json
import random
import time
import tracemalloc
from collections.abc import Callable
from pathlib import Path
from typing import Any

import pytest
from reliability_kit import Scale, report

from kkt_drivers.errors import KktError

VECTORS = Path(__file__).resolve().parents[1] / "vectors"


def _hex_values(obj: Any) -> list[bytes]:
    """Every ``hex`` (and ``*_hex``) string anywhere in a vectors file, as bytes."""
    found: list[bytes] = []
    if isinstance(obj, dict):
        for key, value in obj.items():
            if isinstance(value, str) and (key == "hex" or key.endswith("_hex")):
                try:
                    found.append(bytes.fromhex(value.replace(" ", "")))
                except ValueError:
                    pass
            else:
                found.extend(_hex_values(value))
    elif isinstance(obj, list):
        for value in obj:
            found.extend(_hex_values(value))
    return found


def seeds(*names: str) -> list[bytes]:
    out: list[bytes] = []
    for name in names:
        out.extend(_hex_values(json.loads((VECTORS / name).read_text(encoding="utf-8"))))
    return [s for s in out if s] or [b"\x00"]


def mutate(rng: random.Random, pool: list[bytes]) -> bytes:
    data = bytearray(rng.choice(pool))
    for _ in range(rng.choice([0, 0, 1, 1, 2, 3, 8])):
        roll = rng.random()
        at = rng.randrange(len(data) + 1)
        if roll < 0.3 and data:
            data[min(at, len(data) - 1)] ^= 1 << rng.randrange(8)
        elif roll < 0.5 and data:
            del data[min(at, len(data) - 1)]
        elif roll < 0.7:
            data[at:at] = bytes((rng.randrange(256),))
        elif roll < 0.8:
            data = data[:at]
        elif roll < 0.9:
            data += rng.choice(pool)
        else:
            data[at:at] = rng.randbytes(rng.randrange(1, 16))
    if rng.random() < 0.05:
        return rng.randbytes(rng.randrange(1, 64))
    return bytes(data)


Feeder = Callable[[bytes], Any]


def _framer(factory: Callable[[], Any]) -> Callable[[], Feeder]:
    def make() -> Feeder:
        framer = factory()
        return framer.feed  # type: ignore[no-any-return]
    return make


def _host_link(factory: Callable[[], Any], message: bytes) -> Callable[[], Feeder]:
    """A host link mid-request, fed device bytes; deadlines fire now and then; a finished exchange restarts."""
    def make() -> Feeder:
        link = factory()
        rng = random.Random(len(message))

        def feed(data: bytes) -> Any:
            if not link.busy:
                link.request(message, execution_timeout=1.0, idempotent=rng.random() < 0.5)
            link.receive(data)
            if rng.random() < 0.1 and link.busy:
                link.timeout()
            if rng.random() < 0.02:
                link.abort()
        return feed
    return make


def _device(family: str, variant: str) -> Callable[[], Feeder]:
    """The emulator's device side: bytes in, no exception out, no incident recorded."""
    def make() -> Feeder:
        from kkt_emu.personalities import connect_to, create_device

        device = create_device(family)
        connection = connect_to(device, variant)

        def feed(data: bytes) -> Any:
            connection.receive(data)
            connection.poll(time.monotonic() + 10)
            connection.take_output(time.monotonic() + 10)
            if device.incidents.total:
                raise AssertionError(f"incident: {device.incidents.recent()[-1].traceback}")
        return feed
    return make


def _atol_personality() -> Feeder:
    """Random parameters for every ATOL command, straight into the personality of a registered register with
    an open shift (so the receipt and ФН handlers are reached), in every mode."""
    from kkt_emu.attach.inprocess import InProcessTransport
    from kkt_emu.personalities import create_device
    from samples import REGISTRATION

    from kkt_drivers import Kkt
    from kkt_drivers.drivers.atol.family import FAMILY, AtolOptions
    from kkt_drivers.protocols.atol.commands import REGISTRY

    device = create_device("atol")
    transport = InProcessTransport(device, "v3")
    transport.open()
    kkt = Kkt(FAMILY.open(transport, AtolOptions(variant="v3")))  # type: ignore[arg-type]
    kkt.register(REGISTRATION)
    kkt.open_shift()
    specs = list(REGISTRY)
    rng = random.Random(7)

    def feed(data: bytes) -> Any:
        spec = rng.choice(specs)
        if rng.random() < 0.05:  # now and then into a mode, so mode-bound commands run
            device.execute(b"\x00\x00\x48")
            device.execute(b"\x00\x00\x56" + bytes((rng.choice([1, 2, 3, 4, 6]),)) + b"\x00\x00\x00\x30")
        device.execute(b"\x00\x00" + spec.code + data[: rng.randrange(0, 40)])
        if device.incidents.total:
            raise AssertionError(f"incident: {device.incidents.recent()[-1].traceback}")
    return feed


def targets() -> dict[str, tuple[Callable[[], Feeder], list[bytes]]]:
    from kkt_drivers.protocols.atol.framer_v2 import AtolV2Framer
    from kkt_drivers.protocols.atol.framer_v3 import AtolV3Framer
    from kkt_drivers.protocols.atol.link_v2 import AtolV2Link
    from kkt_drivers.protocols.atol.link_v3 import AtolV3Link
    from kkt_drivers.protocols.cas.device import CasDeviceDecoder
    from kkt_drivers.protocols.cas.frames import CasFramer
    from kkt_drivers.protocols.fn.frame import FrameDecoder
    from kkt_drivers.protocols.incotex.json_tcp import JsonTcpFramer
    from kkt_drivers.protocols.incotex.msk_framer import MskFramer
    from kkt_drivers.protocols.incotex.msk_link import MskLink
    from kkt_drivers.protocols.massak.device import MassaKDeviceDecoder
    from kkt_drivers.protocols.massak.framer import MassaKFramer
    from kkt_drivers.protocols.massak.link import MassaKLink
    from kkt_drivers.protocols.shtrih.framer import ShtrihFramer
    from kkt_drivers.protocols.shtrih.link import ShtrihLink
    from kkt_drivers.protocols.shtrihprint.framer import ShtrihPrintSerialFramer

    atol = seeds("atol_v2.json", "atol_v3.json", "atol_fiscal_outside.json") if (
        VECTORS / "atol_fiscal_outside.json").exists() else seeds("atol_v2.json", "atol_v3.json")
    return {
        "atol-v2-framer": (_framer(AtolV2Framer), atol),
        "atol-v3-framer": (_framer(AtolV3Framer), atol),
        "atol-v2-link": (_host_link(AtolV2Link, b"\x00\x00\x3f"), atol),
        "atol-v3-link": (_host_link(AtolV3Link, b"\x00\x00\x3f"), atol),
        "atol-v2-device": (_device("atol", "v2"), atol),
        "atol-v3-device": (_device("atol", "v3"), atol),
        "atol-personality": (_atol_personality, atol),
        "fn-frame": (_framer(FrameDecoder), seeds("fn/frames.json")),
        "shtrih-framer": (_framer(ShtrihFramer), seeds("shtrih.json")),
        "shtrih-link": (_host_link(ShtrihLink, b"\x10\x1e\x00\x00\x00"), seeds("shtrih.json")),
        "msk-framer": (_framer(MskFramer), seeds("incotex_msk.json")),
        "msk-link": (_host_link(MskLink, b"S0000\x00"), seeds("incotex_msk.json")),
        "json-tcp-framer": (_framer(JsonTcpFramer), seeds("incotex_json.json")),
        "massak-framer": (_framer(MassaKFramer), seeds("massak.json")),
        "massak-device": (_framer(MassaKDeviceDecoder), seeds("massak.json")),
        "massak-link": (_host_link(MassaKLink, b"\xa0"), seeds("massak.json")),
        "cas-framer": (_framer(CasFramer), seeds("cas.json")),
        "cas-device": (_framer(CasDeviceDecoder), seeds("cas.json")),
        "shtrihprint-serial": (_framer(ShtrihPrintSerialFramer), seeds("shtrihprint.json")),
    }


def fuzz(name: str, make: Callable[[], Feeder], pool: list[bytes], frames: int, seed: int) -> dict[str, int]:
    rng = random.Random(f"{seed}:{name}")
    feed = make()
    typed_errors = 0
    tracemalloc.start()
    baseline = 0
    restart_every = 50_000
    for n in range(frames):
        if n and n % restart_every == 0:
            feed = make()  # a fresh target now and then, as a reconnecting client would make
        data = mutate(rng, pool)
        cut = rng.randrange(len(data) + 1)
        try:
            feed(data[:cut])
            feed(data[cut:])
        except KktError:
            typed_errors += 1
        if n == frames // 10:
            baseline = tracemalloc.get_traced_memory()[0]
    current = tracemalloc.get_traced_memory()[0]
    tracemalloc.stop()
    return {"frames": frames, "typed_errors": typed_errors, "growth_bytes": max(0, current - baseline)}


@pytest.mark.parametrize("name", list(targets()))
def test_fuzz_target(name: str, scale: Scale) -> None:
    make, pool = targets()[name]
    frames = scale.size(1500, 60_000)
    result = fuzz(name, make, pool, frames, scale.seed)
    report(f"fuzz {name}", result)
    assert result["growth_bytes"] < 2_000_000, result  # no growth beyond a small, bounded cache
