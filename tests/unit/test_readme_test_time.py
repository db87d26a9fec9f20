"""The README's time for the test command covers what a fresh user measured: 8 min 44 s on a two-core
machine, the install included."""

from __future__ import annotations

import re
from pathlib import Path

README = (Path(__file__).resolve().parents[2] / "README.md").read_text(encoding="utf-8")
MEASURED_MINUTES = 8 + 44 / 60  # a fresh clone, `python3 -m venv` and pip install included, two cores


def test_the_stated_time_covers_a_measured_fresh_run() -> None:
    match = re.search(r"it takes about (\d+)–(\d+) minutes on two cores, the install included", README)
    assert match, "the README no longer says how long the test command takes"
    low, high = int(match.group(1)), int(match.group(2))
    assert low <= MEASURED_MINUTES <= high
