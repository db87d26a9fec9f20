"""``kill -9`` of ``kkt-emu`` at random moments while a client sells: the archive is whole every time, every
sale the driver reported exists with its own content, and a document the driver did not report exists only
for the one operation in flight — which the driver reported as ``UnknownOutcome``, never as a failure.

After every kill, while the emulator is dead, the archive file is checked directly (SQLite integrity, numbers
without a gap, every earlier document unchanged); after the restart the new documents are read back through the
driver, and at the end the whole archive once more. Each kill costs the same however big the archive grows.
"""

from __future__ import annotations

import json
import random
import signal
import sqlite3
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


def _check_file(state: Path, seen: dict[int, bytes], counts: Counter[str]) -> None:
    """While the emulator is dead, read its archive file directly (plain ``sqlite3``, not the emulator's code):
    the database passes SQLite's integrity check, the documents are numbered 1..N without a gap, and every
    document seen after an earlier kill is still there with the same bytes. ``seen`` learns the new ones."""
    db = sqlite3.connect(f"{(state / 'fn.sqlite').resolve().as_uri()}?mode=ro", uri=True)
    try:
        if db.execute("PRAGMA integrity_check").fetchone()[0] != "ok":
            counts["file_corrupt"] += 1
        rows = db.execute("SELECT number, tlv FROM documents ORDER BY number").fetchall()
    finally:
        db.close()
    numbers = [number for number, _ in rows]
    if numbers != list(range(1, len(numbers) + 1)):
        counts["gap"] += 1
    present = {number: bytes(tlv) for number, tlv in rows}
    for number, tlv in seen.items():
        if present.get(number) != tlv:
            counts["changed"] += 1  # a document committed before an earlier kill is gone or different
    for number, tlv in present.items():
        seen.setdefault(number, tlv)


def _verify(url: str, first: int, sales: dict[int, int], counts: Counter[str]) -> int:
    """Read the documents from ``first`` on back through a fresh connection: each whole and numbered in order;
    ``sales`` (document number -> sale number) learns the receipts among them. Leaves the device ready to sell
    (no receipt open, shift open). Returns the ФН's last document number."""
    with Kkt.open(url) as kkt:
        last = kkt.fn_status().last_document_number
        for number in range(first, last + 1):
            decoded = decode_document(kkt.document(number).tlv)
            counts["read_back"] += 1
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
    seen: dict[int, bytes] = {}  # document number -> its bytes in the archive file, as first seen
    sale = 0
    verified = _verify(url, 1, sales, counts)
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
        _check_file(state, seen, counts)
        proc, url = _start(state)
        verified = _verify(url, verified + 1, sales, counts)
    # At the end the whole archive once more through the driver, against the bytes the file held.
    counts["read_back"] = 0
    final: dict[int, int] = {}
    _verify(url, 1, final, counts)
    if final != sales:
        counts["changed"] += 1
    proc.send_signal(signal.SIGTERM)
    proc.wait(10)
    _check_file(state, seen, counts)
    made = Counter(sales.values())
    counts["duplicate"] = sum(1 for n in made.values() if n > 1)
    counts["documents"] = len(sales)
    counts["documents_total"] = len(seen)
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
    assert counts["read_back"] == counts["documents_total"] > 0
    for bad in ("broken", "phantom", "wrong", "duplicate", "lost", "file_corrupt", "gap", "changed"):
        assert counts[bad] == 0, (bad, dict(counts))
