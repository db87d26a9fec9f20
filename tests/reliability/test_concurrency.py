"""Threads and processes hammering one register: every sale its own document, every read its own content.

The failure this guards against: with 8 threads for 60 s, 86 % of sales failed with 9Bh, 29 returned another
thread's document, 3,423 of 3,560 document reads were wrong or truncated and 11 receipts mixed items.
"""

from __future__ import annotations

import json
import signal
import subprocess
import sys
import threading
import time
from collections import Counter
from dataclasses import replace
from decimal import Decimal
from pathlib import Path

from reliability_kit import Scale, report
from samples import REGISTRATION

from kkt_drivers import Kkt
from kkt_drivers.ffd import decode_document
from kkt_drivers.types import Item, Payment, PaymentType, Receipt, TaxationSystem, VatRate


def _receipt(label: str, price: int) -> Receipt:
    return Receipt(items=(Item(label, price, Decimal(1), VatRate.VAT_20),),
                   payments=(Payment(PaymentType.CASH, price),), taxation=TaxationSystem.OSN)


def test_eight_threads(scale: Scale) -> None:
    seconds = scale.size(3, 60)
    counts: Counter[str] = Counter()
    lock = threading.Lock()
    with Kkt.open("emu+tcp://atol?transport=v3") as kkt:
        kkt.register(replace(REGISTRATION, taxation=TaxationSystem.OSN))
        kkt.open_shift()
        stop = time.monotonic() + seconds
        seen: dict[int, str] = {}

        def work(thread: int) -> None:
            n = 0
            while time.monotonic() < stop:
                n += 1
                label = f"поток {thread} чек {n}"
                try:
                    result = kkt.sell(_receipt(label, 100 + thread))
                    doc = decode_document(kkt.document(result.document.number).tlv)
                    names = [dict((c.tag, c.value) for c in f.value)[1030] for f in doc.fields  # type: ignore[union-attr]
                             if f.info.tag == 1059]
                    with lock:
                        counts["sales"] += 1
                        if names != [label] or doc.get(1040) != result.document.number:
                            counts["wrong"] += 1
                        if result.document.number in seen:
                            counts["duplicate_result"] += 1
                        seen[result.document.number] = label
                    if n % 5 == 0:
                        kkt.x_report()
                        kkt.status()
                except Exception as exc:
                    with lock:
                        counts["error:" + type(exc).__name__] += 1

        threads = [threading.Thread(target=work, args=(t,)) for t in range(8)]
        for t in threads:
            t.start()
        for t in threads:
            t.join(seconds + 120)
        assert kkt.fn_status().last_document_number == 2 + counts["sales"]
    report("threads-8", dict(counts))
    assert counts["sales"] > 0 and set(counts) == {"sales"}, dict(counts)


def test_four_processes(tmp_path: Path, scale: Scale) -> None:
    per_process = scale.size(3, 50)
    emu = subprocess.Popen([sys.executable, "-m", "kkt_emu.cli", "serve", "--tcp", "--transport", "v2",
                            "--state", str(tmp_path / "device")], stdout=subprocess.PIPE, text=True)
    try:
        assert emu.stdout is not None
        url = f"atol+tcp://127.0.0.1:{json.loads(emu.stdout.readline())['tcp']['port']}?transport=v2"
        with Kkt.open(url) as kkt:
            kkt.register(replace(REGISTRATION, taxation=TaxationSystem.OSN))
            kkt.open_shift()
        script = f"""
import json, sys
from decimal import Decimal
from kkt_drivers import Kkt
from kkt_drivers.types import Item, Payment, PaymentType, Receipt, TaxationSystem
out = []
with Kkt.open({url!r}) as kkt:
    for n in range({per_process}):
        label = "процесс " + sys.argv[1] + " чек " + str(n)
        r = kkt.sell(Receipt(items=(Item(label, 500),), payments=(Payment(PaymentType.CASH, 500),),
                             taxation=TaxationSystem.OSN))
        out.append([r.document.number, label])
print(json.dumps(out))
"""
        workers = [subprocess.Popen([sys.executable, "-c", script, str(p)], stdout=subprocess.PIPE, text=True)
                   for p in range(4)]
        results = [row for w in workers for row in json.loads(w.communicate(timeout=1800)[0])]
        counts: Counter[str] = Counter(sales=len(results))
        with Kkt.open(url) as kkt:
            for number, label in results:
                doc = decode_document(kkt.document(number).tlv)
                names = [dict((c.tag, c.value) for c in f.value)[1030] for f in doc.fields  # type: ignore[union-attr]
                         if f.info.tag == 1059]
                if names != [label]:
                    counts["wrong"] += 1
            if kkt.fn_status().last_document_number != 2 + len(results):
                counts["count_mismatch"] += 1
        report("processes-4", dict(counts))
        assert counts == Counter(sales=4 * per_process), dict(counts)
    finally:
        emu.send_signal(signal.SIGTERM)
        emu.wait(10)
