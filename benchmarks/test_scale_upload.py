"""A 10,000-PLU upload to an emulated CAS LP label scale versus the time its bytes need on the line.

``test_upload_10k[<attachment>]`` times ``LabelScale.upload`` of 10,000 goods records (every record sent,
``changed_only=False``) against the emulator in process and over TCP. The bytes of the upload are counted
with a byte hook, and ``extra_info`` carries what they take on a serial line at the scale's configured rate
(9600 baud, 8N1: ten bits a byte, the family's default) and at 115200 baud:

* ``wire_seconds_9600`` / ``wire_seconds_115200`` — bytes × 10 / baud;
* ``driver_over_wire_9600`` — the measured seconds of this run divided by that wire time.

A ratio far below 1 says the driver and emulator add nothing a real line would notice: the line is the
bottleneck by that factor. ``test_upload_10k_changed_three`` times the incremental upload that follows a
change of three prices: its work is the comparison of 10,000 fingerprints plus three records.
"""

from __future__ import annotations

import dataclasses
import time
from collections.abc import Iterator
from contextlib import ExitStack

import pytest
from kkt_emu.attach.tcp import TcpAttachment
from kkt_emu.personalities import create_device
from pytest_benchmark.fixture import BenchmarkFixture

from kkt_drivers import connect
from kkt_drivers.scale import LabelScale
from kkt_drivers.scale_device import Goods
from kkt_drivers.scale_upload import UploadState

COUNT = 10_000
LINE_RATES = (9600, 115200)
GOODS = [Goods(n, f"Товар весовой номер {n}", 10_000 + n, code=n, shelf_life_days=n % 90) for n in
         range(1, COUNT + 1)]


@pytest.fixture(params=["inprocess", "tcp"])
def label_scale(request: pytest.FixtureRequest) -> Iterator[tuple[LabelScale, list[int]]]:
    """A fresh emulated CAS LP with room for 10,000 PLU, and a counter of the bytes on the wire."""
    with ExitStack() as stack:
        if request.param == "inprocess":
            url = "emu://caslp?model=lp16-65k&plu_max=65535"
        else:
            server = TcpAttachment(create_device("caslp", "lp16-65k"), "default").start()
            stack.callback(server.stop)
            url = f"caslp+tcp://{server.host}:{server.port}?plu_max=65535"
        scale = LabelScale(connect(url), state=UploadState.open(None))  # type: ignore[arg-type]
        stack.callback(scale.close)
        counted = [0]
        scale.device.session.hooks.append(lambda direction, data: counted.__setitem__(0, counted[0] + len(data)))
        yield scale, counted


@pytest.mark.benchmark(group="upload-10k")
def test_upload_10k(benchmark: BenchmarkFixture, label_scale: tuple[LabelScale, list[int]]) -> None:
    scale, counted = label_scale
    runs: list[tuple[float, int]] = []

    def upload() -> int:
        before, started = counted[0], time.perf_counter()
        result = scale.upload(GOODS, changed_only=False)
        runs.append((time.perf_counter() - started, counted[0] - before))
        return len(result.sent)

    assert benchmark.pedantic(upload, rounds=3, iterations=1) == COUNT
    seconds = sorted(r[0] for r in runs)[len(runs) // 2]
    wire_bytes = runs[-1][1]
    assert wire_bytes >= COUNT * 85  # 84 bytes of 82h and the ready byte, per record
    benchmark.extra_info.update(wire_bytes=wire_bytes, records=COUNT)
    for baud in LINE_RATES:
        benchmark.extra_info[f"wire_seconds_{baud}"] = round(wire_bytes * 10 / baud, 2)
    benchmark.extra_info["driver_over_wire_9600"] = round(seconds / (wire_bytes * 10 / 9600), 4)


@pytest.mark.benchmark(group="upload-10k-changed")
def test_upload_10k_changed_three(benchmark: BenchmarkFixture, label_scale: tuple[LabelScale, list[int]]) -> None:
    scale, _ = label_scale
    scale.upload(GOODS)
    prices = iter(range(1, 1_000_000))

    def changed_three() -> tuple[int, ...]:
        goods = list(GOODS)
        for index in (10, 5_000, 9_990):
            goods[index] = dataclasses.replace(goods[index], price=next(prices))
        return scale.upload(goods).sent

    assert benchmark(changed_three) == (11, 5_001, 9_991)
