"""The issue's "done when", as a new user does it: kkt-emu in one process, the kkt CLI in others.

Start the emulator with a state directory and a tape file, register, open a shift, sell a receipt
from JSON, see it on the tape, close the shift, restart the emulator and read the same documents
back by number.
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

ROOT = Path(__file__).resolve().parents[2]
EXAMPLES = ROOT / "examples"


def _serve(state: Path, tape: Path, transport: str) -> tuple[subprocess.Popen[str], dict[str, Any]]:
    proc = subprocess.Popen([sys.executable, "-m", "kkt_emu.cli", "serve", "--family", "atol", "--transport", transport,
                             "--pty", "--state", str(state), "--tape", str(tape), "--tape-width", "48"],
                            stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True)
    assert proc.stdout is not None
    ready, _, _ = select.select([proc.stdout], [], [], 30)
    assert ready, "no ready line"
    return proc, json.loads(proc.stdout.readline())


def _stop(proc: subprocess.Popen[str]) -> None:
    proc.send_signal(signal.SIGTERM)
    proc.communicate(timeout=15)
    assert proc.returncode == 0


def _kkt(url: str, *args: str) -> Any:
    proc = subprocess.run([sys.executable, "-m", "kkt_drivers.cli", "--device", url, "--json", *args],
                          capture_output=True, text=True, timeout=120)
    assert proc.returncode == 0, proc.stderr + proc.stdout
    return json.loads(proc.stdout)


@pytest.mark.skipif(not hasattr(os, "openpty"), reason="no pty")
@pytest.mark.parametrize("transport", ["v2", "v3"])
def test_register_sell_see_tape_restart_and_read_back(tmp_path: Path, transport: str) -> None:
    state, tape = tmp_path / "device", tmp_path / "tape.txt"
    proc, ready = _serve(state, tape, transport)
    url = ready["urls"][0]
    try:
        registered = _kkt(url, "register", str(EXAMPLES / "registration.json"), "--yes")
        assert registered["number"] == 1
        assert _kkt(url, "open-shift")["number"] == 2
        sold = _kkt(url, "sell", str(EXAMPLES / "receipt.json"))
        receipt_no = sold["document"]["number"]
        assert receipt_no == 3 and sold["change"] == 1410  # 200.00 paid for 185.90
        closed = _kkt(url, "z-report")
        first_read = {n: _kkt(url, "document", str(n)) for n in (1, 2, receipt_no, closed["number"])}
    finally:
        _stop(proc)

    printed = tape.read_text(encoding="utf-8")
    assert "КАССОВЫЙ ЧЕК" in printed and "Хлеб бородинский" in printed and "ИТОГ" in printed
    assert "buyer@example.com" in printed and "QR: t=" in printed
    assert all(len(line) <= 48 for line in printed.splitlines())

    proc, ready = _serve(state, tape, transport)  # a restart: same state directory
    try:
        url = ready["urls"][0]
        for number, before in first_read.items():
            again = _kkt(url, "document", str(number))
            assert again == before  # same number, fiscal sign, date and TLV
        status = _kkt(url, "fn-status")
        assert status["last_document_number"] == closed["number"] and status["phase"] == "fiscal"
    finally:
        _stop(proc)
    receipt_json = first_read[receipt_no]["fns_json"]["receipt"]
    assert receipt_json["totalSum"] == 18590 and receipt_json["buyerPhoneOrAddress"] == "buyer@example.com"


def test_cli_cash_and_reregistration(tmp_path: Path) -> None:
    state, tape = tmp_path / "device", tmp_path / "tape.txt"
    proc, ready = _serve(state, tape, "v3")
    url = ready["urls"][0]
    try:
        _kkt(url, "register", str(EXAMPLES / "registration.json"), "--yes")
        _kkt(url, "open-shift")
        assert _kkt(url, "cash-in", "1500.00") == {"amount": 150000, "drawer": 150000}
        assert _kkt(url, "cash-out", "200.50") == {"amount": 20050, "drawer": 129950}
        refused = subprocess.run([sys.executable, "-m", "kkt_drivers.cli", "--device", url, "cash-out", "5000"],
                                 capture_output=True, text=True, timeout=60)
        assert refused.returncode == 3 and "0x98" in refused.stderr  # В ККТ нет денег для выплаты
        corrected = _kkt(url, "correction", str(EXAMPLES / "correction.json"))
        assert corrected["document"]["document_type"] == 31 and corrected["change"] == 0
        fns = _kkt(url, "document", str(corrected["document"]["number"]))["fns_json"]
        assert fns["receiptCorrection"]["cashTotalSum"] == 12345
        # 22 % has no flat tag: its sum travels in 1115/1119 (FNS JSON amountsReceiptNds, code 11)
        assert fns["receiptCorrection"]["amountsReceiptNds"] == {"amountsNds": [{"nds": 11, "ndsSum": 2226}]}
        returned = _kkt(url, "buy-refund", str(EXAMPLES / "receipt.json"))
        fns = _kkt(url, "document", str(returned["document"]["number"]))["fns_json"]
        assert fns["receipt"]["operationType"] == 4  # возврат расхода
        _kkt(url, "z-report")
        changed = _kkt(url, "reregister", str(EXAMPLES / "registration.json"), "--reason", "3", "--yes")
        assert changed["number"] == 6 and changed["document_type"] == 11
    finally:
        _stop(proc)
