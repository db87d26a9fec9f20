"""The FFD 1.2 examples work as the README shows them: ``examples/registration-ffd12.json`` registers a ФН in
FFD 1.2, after which ``examples/correction-ffd12.json`` is accepted."""

from __future__ import annotations

import json
import os
import re
import shlex
import subprocess
import sys
from pathlib import Path

from kkt_drivers import Kkt
from kkt_drivers.jsonio import correction_from_json, registration_from_json

ROOT = Path(__file__).resolve().parents[2]
README = (ROOT / "README.md").read_text(encoding="utf-8")


def _example(name: str) -> object:
    return json.loads((ROOT / "examples" / name).read_text(encoding="utf-8"))


def test_the_ffd12_registration_copies_the_ffd105_one_but_for_the_ffd() -> None:
    old, new = _example("registration.json"), _example("registration-ffd12.json")
    assert isinstance(old, dict) and isinstance(new, dict)
    assert new["ffd"] == "1.2" and {**new, "ffd": old["ffd"]} == old


def test_the_ffd12_examples_register_and_correct_on_an_ffd12_emulator() -> None:
    with Kkt.open("emu://atol?ffd=1.2") as kkt:
        kkt.register(registration_from_json(_example("registration-ffd12.json")))
        kkt.open_shift()
        result = kkt.correction(correction_from_json(_example("correction-ffd12.json")))
        assert result.document.number == 3 and result.change == 10000 - (2 * 4550 + 500)  # paid 100.00


def test_the_readme_ffd12_commands_run_in_order(tmp_path: Path) -> None:
    block = next(b for b in re.findall(r"```sh\n(.*?)```", README, re.S) if "registration-ffd12.json" in b)
    commands = [shlex.split(line.split("#", 1)[0]) for line in block.splitlines() if line.startswith("kkt ")]
    assert [c[1] for c in commands] == ["register", "open-shift", "correction"]
    env = {**os.environ, "KKT_DEVICE": f"emu://atol?state={tmp_path / 'state'}&ffd=1.2",
           "KKT_LOCK_DIR": str(tmp_path / "locks")}
    for words in commands:
        result = subprocess.run([sys.executable, "-m", "kkt_drivers.cli", *words[1:]], capture_output=True,
                                text=True, timeout=60, cwd=ROOT, env=env)
        assert result.returncode == 0, (words, result.stdout, result.stderr)
    assert "correction (sell)" in result.stdout
