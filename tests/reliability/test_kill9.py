"""``kill -9`` of ``kkt-emu`` at random moments while a client sells: the archive is whole every time, every
sale the driver reported exists with its own content, and a document the driver did not report exists only
for the one operation in flight — which the driver reported as ``UnknownOutcome``, never as a failure.
"""

from __future__ import annotations

import json
import random
import signal
import subprocess
import sys
import threading
from collections import Counter
from pathlib import Path
from typing import Any

import pytest
from reliability_kit import Scale, report
from samples import REGISTRATION

from kkt_drivers import Kkt, KktError, UnknownOutcome
from kkt_drivers.ffd import decode_document, missing_mandatory
from kkt_drivers.types import Item, Payment, PaymentType, Receipt, TaxationSystem, VatRate

pytestmark = pytest.mark.skipif(not hasattr(signal, "SIGKILL"), reason="needs SIGKILL")


def _start(state: Path) -> tuple[subprocess.Popen[str], str]:
    proc = subprocess.Popen([sys.executable, "-m", "kkt_emu.cli", "serve", "--tcp", "--transport", "v3",
                             "--state", str(state)], stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True)
    assert proc.stdout is not None
    line = proc.stdout.readline()
    if not line:
        raise AssertionError(f"the emulator did not restart: {proc.stderr.read() if proc.stderr else ''}")
    return proc, f"atol+tcp://127.0.0.1:{json.loads(line)['tcp']['port']}?transport=v3"


def _sale(n: int) -> Receipt:
    price = 1000 + n % 9000
    return Receipt(items=(Item(f"продажа {n}", price, vat=VatRate.VAT_20),),
                   payments=(Payment(PaymentType.CASH, price),), taxation=TaxationSystem.OSN)


def _sale_of(decoded: Any) -> int | None:
    """The sale number a receipt carries in its item name, ``продажа N``."""
    for field in decoded.fields:
        if field.info.tag == 1059:
            name = dict((c.tag, c.value) for c in field.value).get(1030, "")
            if isinstance(name, str) and name.startswith("продажа "):
                return int(name.split()[1])
    return None


def _verify(url: str, sales: dict[int, int], counts: Counter[str]) -> int:
    """Read the whole archive back through a fresh connection: every document whole and numbered in order;
    ``sales`` (document number -> sale number) learns the receipts made since. Returns the last number."""
    with Kkt.open(url) as kkt:
        last = kkt.fn_status().last_document_number
        for number in range(1, last + 1):
            decoded = decode_document(kkt.document(number).tlv)
            if decoded.get(1040) != number or missing_mandatory(decoded):
                counts["broken"] += 1
            if decoded.get(1054) == 1 and number not in sales:
                sale = _sale_of(decoded)
                if sale is not None:
                    sales[number] = sale
        if kkt.status().receipt_open:
            kkt.cancel_receipt()
        if not kkt.shift_state().open:
            kkt.open_shift()
        return kkt.fn_status().last_document_number


def run_kills(state: Path, rounds: int, seed: int) -> Counter[str]:
    rng = random.Random(seed)
    counts: Counter[str] = Counter()
    proc, url = _start(state)
    with Kkt.open(url) as kkt:
        kkt.register(REGISTRATION)
        kkt.open_shift()
    reported: dict[int, int] = {}  # sale number -> the document the driver reported for it
    unknown: set[int] = set()  # sales the driver reported as UnknownOutcome
    sales: dict[int, int] = {}  # document number -> sale number, as the archive says
    sale = 0
    _verify(url, sales, counts)
    for _ in range(rounds):
        killer = threading.Timer(rng.uniform(0.0, 0.25), proc.send_signal, (signal.SIGKILL,))
        try:
            with Kkt.open(url) as kkt:
                kkt.settle_backoff = 0.01  # the emulator is dead until we restart it: do not wait for it
                killer.start()
                while True:
                    sale += 1
                    try:
                        reported[sale] = kkt.sell(_sale(sale)).document.number
                        counts["sold"] += 1
                    except UnknownOutcome:
                        unknown.add(sale)
                        counts["unknown"] += 1
                        break
                    except KktError as exc:
                        counts["failed:" + type(exc).__name__] += 1
                        break
        except KktError:
            counts["connect_failed"] += 1  # the kill came before the connection was made
        killer.join()
        proc.wait(10)
        counts["kills"] += 1
        proc, url = _start(state)
        _verify(url, sales, counts)
    proc.send_signal(signal.SIGTERM)
    proc.wait(10)
    made = Counter(sales.values())
    counts["duplicate"] = sum(1 for n in made.values() if n > 1)
    counts["documents"] = len(sales)
    for sold in sales.values():
        if sold not in reported and sold not in unknown:
            counts["lost"] += 1  # made, but the driver said it failed
    for sold, number in reported.items():
        if number not in sales:
            counts["phantom"] += 1
        elif sales[number] != sold:
            counts["wrong"] += 1
    counts["unknown_made"] = sum(1 for sold in unknown if sold in made)
    return counts


def test_kill_9_at_random_moments(tmp_path: Path, scale: Scale) -> None:
    counts = run_kills(tmp_path / "device", scale.size(6, 1000), scale.seed)
    report("kill-9", dict(counts))
    assert counts["kills"] == scale.size(6, 1000) and counts["sold"] > 0
    for bad in ("broken", "phantom", "wrong", "duplicate", "lost"):
        assert counts[bad] == 0, (bad, dict(counts))
