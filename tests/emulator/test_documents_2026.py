"""Issue 9, end to end: the 2026 documents made through the `kkt` command line on a `kkt-emu` register over a
pty, read back and decoded. Expected values are worked out by hand from the FFD tables, not by the code.

The sale (tests/emulator/data/sale-2026.json) has a weighed 22 % position, a 22/122 advance, a discounted 22 %
position, a marked good, an agent's position with its supplier, and a buyer with name and INN.
"""

from __future__ import annotations

import json
import os
import select
import signal
import subprocess
import sys
from pathlib import Path
from typing import Any

import pytest

DATA = Path(__file__).parent / "data"
EXAMPLES = Path(__file__).resolve().parents[2] / "examples"


def _kkt(url: str, *args: str) -> Any:
    proc = subprocess.run([sys.executable, "-m", "kkt_drivers.cli", "--device", url, "--json", *args],
                          capture_output=True, text=True, timeout=120)
    assert proc.returncode == 0, proc.stderr + proc.stdout
    return json.loads(proc.stdout)


@pytest.mark.skipif(not hasattr(os, "openpty"), reason="no pty")
def test_a_2026_day_through_the_command_line(tmp_path: Path) -> None:
    proc = subprocess.Popen([sys.executable, "-m", "kkt_emu.cli", "serve", "--family", "atol", "--pty", "--ffd", "1.2",
                             "--state", str(tmp_path / "device")], stdout=subprocess.PIPE, text=True)
    try:
        assert proc.stdout is not None
        assert select.select([proc.stdout], [], [], 30)[0], "no ready line"
        url = json.loads(proc.stdout.readline())["urls"][0]
        _kkt(url, "register", str(DATA / "registration-ffd12-marked.json"), "--yes")
        _kkt(url, "open-shift")
        sale = _kkt(url, "sell", str(DATA / "sale-2026.json"))
        receipt = _kkt(url, "document", str(sale["document"]["number"]))["fns_json"]["receipt"]
        corrected = _kkt(url, "correction", str(EXAMPLES / "correction-ffd12.json"))
        correction = _kkt(url, "document", str(corrected["document"]["number"]))["fns_json"]["receiptCorrection"]
        report = _kkt(url, "state-report")
        state = _kkt(url, "document", str(report["number"]))["fns_json"]["currentStateReport"]
        z = _kkt(url, "z-report")
        close = _kkt(url, "document", str(z["number"]))["fns_json"]["closeShift"]
    finally:
        proc.send_signal(signal.SIGTERM)
        proc.wait(15)

    cheese, advance, coffee, shoes, ticket = receipt["items"]
    # 1199: 11 = НДС 22 %, 12 = НДС 22/122; 2108: 11 = килограмм
    assert (cheese["nds"], cheese["quantity"], cheese["sum"], cheese["itemsQuantityMeasure"]) == (11, 0.512, 31232, 11)
    assert (advance["nds"], advance["paymentType"], advance["sum"]) == (12, 3, 122000)  # 1214: 3 = аванс
    # 1079 is the price after the 90.00 discount: (3 × 300.00 − 90.00) / 3 = 270.00, so price × quantity = 1043
    assert (coffee["price"], coffee["quantity"], coffee["sum"]) == (27000, 3.0, 81000)
    # the marked good: product code from the ФН's parse of the code, and the ФН's check result (2106)
    assert shoes["productType"] == 33 and shoes["productCodeNew"] == {"gs1m": "010460123456789321ABCDEFGHIJKLM"}
    assert "checkingProdInformationResult" in shoes
    # 1222: 0x20 = комиссионер; 1224/1226 supplier data
    assert ticket["itemAgentType"] == 0x20 and ticket["providerInn"] == "7707083893"
    assert ticket["providerData"] == {"providerName": "ПАО Сбербанк", "providerPhone": ["+74955005550"]}
    assert receipt["buyerInformation"] == {"buyer": "Иванов Иван Иванович", "buyerInn": "500100732259"}
    # receipt-level VAT: 22 % of 312.32 + 810.00 + 5000.00 is 1104.03; 22/122 of 1220.00 is 220.00
    assert receipt["amountsReceiptNds"] == {"amountsNds": [{"nds": 11, "ndsSum": 110403}, {"nds": 12, "ndsSum": 22000}]}
    assert receipt["totalSum"] == 834232 and receipt["ndsNo"] == 100000

    # FFD 1.2 correction: positions, 22 % on the bag (5.00 × 22/122 = 0.90), 10 % on the bread (91.00 × 10/110)
    assert [i["nds"] for i in correction["items"]] == [2, 11] and correction["totalSum"] == 9600
    assert correction["amountsReceiptNds"] == {"amountsNds": [{"nds": 11, "ndsSum": 90}]}
    assert correction["nds10"] == 827

    # the отчёт о текущем состоянии расчётов: ФД 21, the next document after the correction and before the Z-report,
    # in shift 1; its ФН totals (1157, FFD 1.2) are the ФН's since registration — here the one shift's
    assert report["document_type"] == 21 and report["number"] == corrected["document"]["number"] + 1 == z["number"] - 1
    assert state["shiftNumber"] == 1 and state["kktRegId"] == close["kktRegId"]
    totals = state["fiscalDriveSumReports"]
    assert totals["totalReceiptBsoCount"] == 2 and totals["sellOper"]["totalSum"] == 834232 + 9600
    assert totals["receiptCorrection"]["receiptCorrectionCount"] == 1

    # the Z-report counts the receipt and the correction: 1134 and the «приход» counters 1129 take receipts and
    # corrections of that type together (protocol-notes/fn/emulator.md, the FFD 1.2 texts of 1129–1136)
    shift = close["shiftSumReports"]
    assert shift["totalReceiptBsoCount"] == 2 and shift["sellOper"]["totalSum"] == 834232 + 9600
    assert shift["receiptCorrection"]["receiptCorrectionCount"] == 1
    assert shift["receiptCorrection"]["sellCorrection"] == {"receiptBsoCount": 1, "totalSum": 9600}
