"""A fiscal day driven by atol4j, an ATOL 3.1 client written against real registers (not by us), against a
default ``kkt-emu serve`` over transport v3 on TCP and on a pty.

atol4j adds every task with NeedResult and completes it only from the asynchronous result on packet F0, so
this is the check that the emulator delivers results the way clients of real registers wait for them. It is
not part of this project: build it yourself (protocol-notes/atol/outside-sources.md, "Running it") and point
``ATOL4J_CLASSPATH`` at its classes and their dependencies, e.g.::

    ATOL4J_CLASSPATH=/tmp/atol4j-build/classes:/usr/share/java/jssc.jar:/usr/share/java/slf4j-api.jar:\\
    /usr/share/java/slf4j-nop.jar .venv/bin/pytest tests/interop

Without it (or without ``javac``/``java``) the test is skipped. The client program is ours
(``atol4j/FiscalDay.java``); only the emulator's set-up (registration) uses this project's driver, and the
documents are checked afterwards by reading the virtual ФН back.
"""

from __future__ import annotations

import json
import os
import shutil
import subprocess
import sys
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest
from samples import REGISTRATION

from kkt_drivers import Kkt
from kkt_drivers.ffd.tlv import decode_tlv

CLASSPATH = os.environ.get("ATOL4J_CLASSPATH", "")
HARNESS = Path(__file__).parent / "atol4j" / "FiscalDay.java"
KKT_EMU = Path(sys.executable).with_name("kkt-emu")

pytestmark = [
    pytest.mark.family("atol"),
    pytest.mark.skipif(not CLASSPATH, reason="set ATOL4J_CLASSPATH to a build of atol4j and its dependencies "
                                             "(protocol-notes/atol/outside-sources.md) to run the atol4j client"),
    pytest.mark.skipif(not (shutil.which("javac") and shutil.which("java")), reason="needs a JDK (javac, java)"),
    pytest.mark.timeout(240),
]


@pytest.fixture(scope="module")
def harness(tmp_path_factory: pytest.TempPathFactory) -> Path:
    out = tmp_path_factory.mktemp("atol4j")
    subprocess.run(["javac", "-encoding", "UTF-8", "-nowarn", "-d", str(out), "-cp", CLASSPATH, str(HARNESS)],
                   check=True, capture_output=True, timeout=120)
    return out


@pytest.fixture(params=["tcp", "pty"])
def emulator(request: pytest.FixtureRequest) -> Iterator[dict[str, Any]]:
    """A default ``kkt-emu serve`` (transport v3) on one attachment; its ready line."""
    process = subprocess.Popen([str(KKT_EMU), "serve", "--transport", "v3", f"--{request.param}"],
                               stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True)
    try:
        assert process.stdout is not None
        ready = json.loads(process.stdout.readline())
        ready["attachment"] = request.param
        yield ready
    finally:
        process.terminate()
        try:
            process.wait(timeout=10)
        except subprocess.TimeoutExpired:
            process.kill()
            process.wait()


def _children(tlv: bytes) -> dict[int, Any]:
    return {t.tag: t.value for t in decode_tlv(tlv)[0].children}


def _positions(tlv: bytes) -> list[dict[int, Any]]:
    return [{c.tag: c.value for c in t.children} for t in decode_tlv(tlv)[0].children if t.tag == 1059]


def test_atol4j_runs_a_fiscal_day(harness: Path, emulator: dict[str, Any]) -> None:
    url = emulator["urls"][0]
    with Kkt.open(url) as kkt:  # set-up only: atol4j cannot register a ФН
        kkt.register(REGISTRATION)
        first = kkt.fn_status().last_document_number
    if emulator["attachment"] == "tcp":
        target = ["tcp", emulator["tcp"]["host"], str(emulator["tcp"]["port"])]
    else:
        target = ["serial", emulator["pty"]]
    run = subprocess.run(["java", "-cp", f"{harness}{os.pathsep}{CLASSPATH}", "FiscalDay", *target],
                         capture_output=True, text=True, timeout=200)
    report = run.stdout
    assert run.returncode == 0 and "DONE" in report, f"atol4j:\n{report}\n{run.stderr[-3000:]}"
    assert "FAIL" not in report
    with Kkt.open(url) as kkt:
        last = kkt.fn_status().last_document_number
        documents = [kkt.document(number) for number in range(first + 1, last + 1)]
        assert [d.document_type for d in documents] == [2, 3, 3, 5]  # open shift, two receipts, close shift
        e6, eaeb = (_positions(d.tlv)[0] for d in documents[1:3])
        assert (e6[1030], e6[1043], e6[1199]) == ("Milk", 17980, 5)  # E6 tax 0: the section's row 1, НДС 0 %
        assert (eaeb[1030], eaeb[1043], eaeb[1199]) == ("Coffee", 15000, 6)
        assert [_children(d.tlv)[1081] for d in documents[1:3]] == [10000, 5000]
        assert not kkt.status().shift_open
