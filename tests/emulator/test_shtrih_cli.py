"""`kkt-emu serve --family shtrih --pty` driven through a whole shift, as a user would: by the `kkt` command line
and by the `Kkt` API, on the same emulated register (its state kept in a directory)."""

from __future__ import annotations

import json
import os
import select
import signal
import subprocess
import sys
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path
from typing import Any

import pytest
from samples import make_receipt

from kkt_drivers.ffd import decode_document
from kkt_drivers.kkt import Kkt
from kkt_drivers.types import Buyer

KKT_EMU = [sys.executable, "-m", "kkt_emu.cli"]
KKT = [sys.executable, "-m", "kkt_drivers.cli"]
EXAMPLES = Path(__file__).resolve().parents[2] / "examples"

pytestmark = [pytest.mark.family("shtrih"), pytest.mark.skipif(not hasattr(os, "openpty"), reason="no pty")]


@contextmanager
def serve(*args: str) -> Iterator[dict[str, Any]]:
    proc = subprocess.Popen([*KKT_EMU, "serve", *args], stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True)
    try:
        assert proc.stdout is not None
        ready, _, _ = select.select([proc.stdout], [], [], 20)
        assert ready, "kkt-emu printed no ready line"
        yield json.loads(proc.stdout.readline())
        proc.send_signal(signal.SIGTERM)
        assert proc.wait(timeout=10) == 0
    finally:
        if proc.poll() is None:
            proc.kill()
            proc.wait()


def kkt(device: str, *args: str) -> Any:
    """Run `kkt --json`; the parsed result."""
    done = subprocess.run([*KKT, "--device", device, "--json", *args], capture_output=True, text=True, timeout=60)
    assert done.returncode == 0, done.stderr
    return json.loads(done.stdout)


def test_a_whole_shift_through_the_kkt_command_line_then_the_kkt_api(tmp_path: Path) -> None:
    with serve("--family", "shtrih", "--pty", "--state", str(tmp_path / "register")) as ready:
        assert ready["family"] == "shtrih" and ready["urls"] == [f"shtrih://{ready['pty']}"]
        device = f"shtrih://{ready['pty']}?password=30"

        status = kkt(device, "status")
        assert status["model"] == "ШТРИХ-М-01Ф" and not status["fiscalised"]
        assert kkt(device, "register", str(EXAMPLES / "registration.json"), "--yes")["number"] == 1
        assert kkt(device, "open-shift")["number"] == 2
        assert kkt(device, "cash-in", "1000.00")["drawer"] == 100000
        sale = kkt(device, "sell", str(EXAMPLES / "receipt.json"))
        refund = kkt(device, "refund", str(EXAMPLES / "receipt.json"))
        assert (sale["document"]["number"], refund["document"]["number"]) == (3, 4)
        assert kkt(device, "x-report") == {"printed": True}
        assert kkt(device, "z-report")["number"] == 5
        fn = kkt(device, "fn-status")
        assert fn["last_document_number"] == 5 and not fn["shift_open"]
        document = kkt(device, "document", "3")
        assert document["fns_json"]["receipt"]["operationType"] == 1

        # the next shift through the Kkt API, on the same register
        with Kkt.open(device) as api:
            assert api.fn_status().last_document_number == 5
            assert api.open_shift().number == 6
            sold = api.sell(make_receipt(buyer=Buyer(phone="+79123456789")))
            returned = api.refund(make_receipt())
            api.x_report()
            closed = api.close_shift()
            assert (sold.document.number, returned.document.number, closed.number) == (7, 8, 9)
            receipt = decode_document(api.document(7).tlv)
            assert receipt.get(1008) == "+79123456789" and receipt.get(1054) == 1
            assert decode_document(api.document(8).tlv).get(1054) == 2
            assert decode_document(api.document(9).tlv).get(1038) == 2


def test_serve_offers_the_shtrih_models() -> None:
    done = subprocess.run([*KKT_EMU, "models", "--json"], capture_output=True, text=True, timeout=60)
    models = {m["key"]: m for m in json.loads(done.stdout) if m["family"] == "shtrih"}
    assert models["shtrih-m-01f"]["model_code"] == 250 and models["shtrih-smartpos-f"]["model_code"] == 45
    with serve("--family", "shtrih", "--model", "shtrih-smartpos-f", "--pty") as ready:
        with Kkt.open(f"shtrih://{ready['pty']}") as api:
            assert api.status().model == "ШТРИХ-СМАРТПОС-Ф"
            assert api.driver.device_type().model == 45  # type: ignore[attr-defined]
