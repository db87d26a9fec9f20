"""The README is true as written: its Python runs as printed, its shell lines name commands and options that
exist, its set-up commands are the ones CI runs, and the package docstring's example runs."""

from __future__ import annotations

import doctest
import os
import re
import shlex
import subprocess
import sys
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parents[2]
README = (ROOT / "README.md").read_text(encoding="utf-8")
PYTHON_BLOCKS = re.findall(r"```python\n(.*?)```", README, re.S)
SH_BLOCKS = re.findall(r"```sh\n(.*?)```", README, re.S)


def _run(code: str, tmp_path: Path) -> subprocess.CompletedProcess[str]:
    env = {**os.environ, "KKT_STATE_DIR": str(tmp_path / "state"), "KKT_LOCK_DIR": str(tmp_path / "locks")}
    env.pop("KKT_DEVICE", None)
    return subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, timeout=120, cwd=tmp_path,
                          env=env)


def test_the_driver_example_sells_a_receipt_as_printed(tmp_path: Path) -> None:
    result = _run(PYTHON_BLOCKS[0], tmp_path)
    assert result.returncode == 0, result.stderr
    lines = result.stdout.splitlines()
    # document 3 (after the registration report and the shift opening), a fiscal sign, no change
    assert re.fullmatch(r"3 \d+ 0", lines[0]), lines
    assert lines[1].startswith("FnStatus(phase=<FnPhase.FISCAL") and "shift_open=True" in lines[1]
    assert lines[3].startswith("ShiftState(open=True, number=1, next_receipt_number=2")


def test_the_scale_example_weighs_and_uploads_only_the_change(tmp_path: Path) -> None:
    result = _run(PYTHON_BLOCKS[1], tmp_path)
    assert result.returncode == 0, result.stderr
    weight, first, second = result.stdout.splitlines()
    assert weight.startswith("Weight(value=Decimal('0.000'), unit='kg'") and "stable=True" in weight
    assert first.startswith("UploadResult(sent=(1, 2)") and second == "(1,)"


def test_the_set_up_commands_are_the_two_ci_runs() -> None:
    setup = README.split("## Set up", 1)[1].split("\n## ", 1)[0]
    commands = re.findall(r"```sh\n(.*?)\n```", setup, re.S)
    assert len(commands) == 2
    assert commands[0].endswith("kkt-emu demo") and "pip install -q ." in commands[0]
    ci = (ROOT / ".ci" / "run").read_text(encoding="utf-8")
    assert commands[1] in ci


def _shell_lines() -> list[list[str]]:
    lines = []
    for block in SH_BLOCKS:
        for raw in block.splitlines():
            line = raw.split("#", 1)[0].strip().rstrip("&").strip()
            for part in line.split(";"):
                words = shlex.split(part.replace("PORT", "1").replace("/dev/pts/N", "/dev/pts/0"))
                if words and words[0] in ("kkt", "kkt-emu", ".venv/bin/kkt-emu"):
                    lines.append(words)
    return lines


SHELL_LINES = _shell_lines()


@pytest.mark.parametrize("words", SHELL_LINES, ids=[" ".join(w)[:60] for w in SHELL_LINES])
def test_every_documented_command_line_parses(words: list[str]) -> None:
    """argparse exits 2 on an unknown command or option; the documented lines must all be accepted."""
    if words[0].endswith("kkt-emu"):
        from kkt_emu.cli import build_parser as emu_parser

        args = emu_parser().parse_args(words[1:])
    else:
        from kkt_drivers.cli import build_parser as kkt_parser

        args = kkt_parser().parse_args(words[1:])
    assert args.command == next(w for w in words[1:] if not w.startswith("-") and "://" not in w)


def test_the_readme_shows_every_command_of_both_clis() -> None:
    from kkt_drivers.cli import COMMANDS

    shown = {w[1 + next(i for i, x in enumerate(w[1:]) if not x.startswith("-") and "://" not in x)]
             for w in SHELL_LINES if w[0] == "kkt"}
    documented = shown | set(re.findall(r"`(?:kkt )?([a-z]+(?:-[a-z]+)*)`", README))
    assert set(COMMANDS) - documented == set()


def test_the_package_docstring_example_runs() -> None:
    import kkt_drivers

    result = doctest.testmod(kkt_drivers)
    assert result.attempted >= 2 and result.failed == 0
