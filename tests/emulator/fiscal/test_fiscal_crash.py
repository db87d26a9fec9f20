"""Virtual ФН: crash consistency — a writer process killed with SIGKILL never leaves half a document."""

from __future__ import annotations

import os
import random
import signal
import sqlite3
import subprocess
import sys
import time
from collections import Counter
from datetime import datetime
from pathlib import Path

import pytest
from kkt_emu.core.clock import DeviceClock
from kkt_emu.core.fiscal import FiscalCore, verify_document

from kkt_drivers.ffd import decode_document, missing_mandatory

WRITER = Path(__file__).with_name("fiscal_crash_writer.py")
ROUNDS = 8

pytestmark = pytest.mark.skipif(not hasattr(signal, "SIGKILL"), reason="needs SIGKILL")


def _check_archive(path: Path) -> int:
    """Reopen the archive and check every invariant; returns the last FD number."""
    with FiscalCore(DeviceClock(), archive_path=path) as fn:  # refuses an inconsistent archive itself
        status, shift, totals = fn.status(), fn.shift(), fn.shift_totals()
        key = fn.config.sign_key
    db = sqlite3.connect(path)
    try:
        rows = db.execute("SELECT number, type, shift, receipt_number, datetime, tlv FROM documents ORDER BY number")
        docs = list(rows)
    finally:
        db.close()
    numbers = [row[0] for row in docs]
    last = status.last_fd_number
    assert numbers == list(range(1, last + 1)), "a gap or an extra document"
    kinds: Counter[int] = Counter()
    for number, doc_type, _shift, _receipt, when, tlv in docs:
        doc = decode_document(tlv)
        assert int(doc.document_type) == doc_type and doc.get(1040) == number
        assert missing_mandatory(doc, ffd_version="1.05") == set()
        assert verify_document(key, status.fn_number, number, datetime.fromisoformat(when), tlv)
        kinds[doc_type] += 1
    assert kinds[1] == 1 and shift.number == kinds[2]  # one registration; a shift number per open report
    current = [row for row in docs if row[2] == shift.number and shift.number]
    if shift.open:
        assert current[0][1] == 2 and all(row[1] != 5 for row in current)
        sales = [row for row in current if row[1] in (3, 31)]
        assert shift.receipts_count == len(sales) == (max(r[3] for r in sales) if sales else 0)
        assert [r[3] for r in sales] == list(range(1, len(sales) + 1))
        assert totals.documents_count == len(current)
        assert totals.receipts_count == sum(1 for r in sales if r[1] == 3)
        assert totals.corrections_count == sum(1 for r in sales if r[1] == 31)
    elif shift.number:
        assert current[-1][1] == 5 and decode_document(current[-1][5]).get(1118) == shift.receipts_count
    assert status.last_fd_number == max(numbers)
    return last


def test_sigkill_never_leaves_half_a_document(tmp_path: Path) -> None:
    seed = random.randrange(1 << 30)
    rng = random.Random(seed)
    path = tmp_path / "fn.sqlite"
    env = {**os.environ, "PYTHONPATH": os.pathsep.join(filter(None, [str(WRITER.parent),
                                                                     os.environ.get("PYTHONPATH")]))}
    seen = 0
    for round_no in range(ROUNDS):
        sync = "FULL" if round_no % 2 == 0 else "NORMAL"
        proc = subprocess.Popen([sys.executable, str(WRITER), str(path), sync], stdout=subprocess.PIPE,
                                stderr=subprocess.PIPE, env=env)
        try:
            assert proc.stdout is not None
            for expected in (b"ready\n", b"formed\n"):
                # The writer says when its first document of this round is committed, so a slow machine
                # cannot make a round kill it before any document formed; the kill moment stays random.
                if proc.stdout.readline() != expected:
                    proc.kill()
                    _, err = proc.communicate(timeout=10)
                    pytest.fail(f"writer did not reach {expected!r} (seed {seed}): {err.decode(errors='replace')}")
            time.sleep(rng.uniform(0.0, 0.2))
            assert proc.poll() is None, "the writer died on its own"
            proc.send_signal(signal.SIGKILL)
            proc.wait(timeout=10)
            assert proc.returncode == -signal.SIGKILL
        finally:
            if proc.poll() is None:
                proc.kill()
                proc.wait(timeout=10)
            for stream in (proc.stdout, proc.stderr):
                if stream is not None:
                    stream.close()
        last = _check_archive(path)
        assert last > seen, f"round {round_no} (seed {seed}) formed no document"
        seen = last
