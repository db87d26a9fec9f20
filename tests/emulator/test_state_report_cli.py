"""``kkt state-report`` when it cannot be made: a typed error in the chosen language and exit code, no traceback.

The report made and read back through the command line is in test_documents_2026.py (a ``kkt-emu serve`` register
over a pty); here the throwaway in-process emulator is enough, as nothing is registered.
"""

from __future__ import annotations

import json
from pathlib import Path

import pytest

from kkt_drivers.cli import main
from kkt_drivers.cli_support import INVALID, REFUSED


@pytest.fixture(autouse=True)
def _own_state(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("KKT_STATE_DIR", str(tmp_path / "state"))
    monkeypatch.setenv("KKT_LOCK_DIR", str(tmp_path / "locks"))


@pytest.mark.parametrize(("url", "code"), [("emu://atol", 0xD4), ("emu://shtrih", 0x02),
                                           ("emu://mercury?protocol=json", 0x102)])
def test_a_register_whose_fn_is_not_registered_refuses_the_report(url: str, code: int,
                                                                  capsys: pytest.CaptureFixture[str]) -> None:
    assert main(["--device", url, "--json", "state-report"]) == REFUSED
    error = json.loads(capsys.readouterr().out)["error"]
    assert error["type"] == "DeviceError" and error["code"] == code and error["exit_code"] == REFUSED
    assert "ФН" in error["message_ru"]
    assert main(["--device", url, "--lang", "ru", "state-report"]) == REFUSED
    err = capsys.readouterr().err
    assert "ФН" in err and "Traceback" not in err


def test_mercury_over_msk_has_no_state_report(capsys: pytest.CaptureFixture[str]) -> None:
    url = "emu://mercury?protocol=msk"
    assert main(["--device", url, "--lang", "ru", "state-report"]) == INVALID
    err = capsys.readouterr().err
    assert "не поддерживают операцию 'state_report'" in err and "Traceback" not in err
    assert main(["--device", url, "--lang", "en", "state-report"]) == INVALID
    assert "do not support state report" in capsys.readouterr().err
    assert main(["--device", url, "--json", "state-report"]) == INVALID
    error = json.loads(capsys.readouterr().out)["error"]
    assert error["type"] == "NotSupported" and error["family"] == "mercury" and error["exit_code"] == INVALID
